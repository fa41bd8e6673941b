# SPDX-License-Identifier: BSD-3-Clause
"""The kernel side of bypass-echo's tap, for the robustness tests: frames out as given, and the
frames bypass-echo sends back (our own, which the packet socket sees too, are skipped)."""

import fcntl
import os
import select
import socket
import struct
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
TUN_PI = struct.pack("!HH", 0, 0)  # flags, protocol: the tap PMD gets the bytes as they are
ETH_HDR_BYTES = 14
FRAME_MAX_BYTES = 65535
RCVBUF_BYTES = 8 << 20  # a burst's replies wait here while the test reads the counters


class Wire:
    """A packet socket on iface. inject: a tun device whose ingress tc redirects to the tap,
    for frames shorter than an Ethernet header, which a packet socket refuses."""

    def __init__(self, iface, inject=None):
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        self.sock.bind((iface, 0))
        self.sock.setblocking(False)
        self.tun = None
        if inject is not None:
            self.tun = os.open("/dev/net/tun", os.O_RDWR)
            fcntl.ioctl(self.tun, TUNSETIFF, struct.pack("16sH", inject.encode(), IFF_TUN))

    def send(self, frame):
        if len(frame) < ETH_HDR_BYTES:
            if self.tun is None:
                raise ValueError("a %d-byte frame needs the tun device (inject)" % len(frame))
            os.write(self.tun, TUN_PI + frame)
        else:
            self.sock.send(frame)

    def recv(self, timeout):
        """The next frame bypass-echo sent within timeout seconds (0: only what is queued
        already), or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            if not select.select([self.sock], [], [], left)[0]:
                return None
            frame, addr = self.sock.recvfrom(FRAME_MAX_BYTES)
            if addr[2] != PACKET_OUTGOING:
                return frame

    def drain(self):
        """Every frame bypass-echo has sent that is queued now."""
        frames = []
        while True:
            f = self.recv(0)
            if f is None:
                return frames
            frames.append(f)
