#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print the wall-clock time (ns) of every gratuitous ARP a host sends on an interface.

usage: garp_watch.py IFACE MAC IP SECONDS
One line "garp NS" per announcement (an ARP request from MAC for IP, about IP), for SECONDS,
across the interface going down and up.
"""

import errno
import select
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
ARP_OP_REQUEST = 1


def main():
    iface, mac, ip, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    src = bytes.fromhex(mac.replace(":", ""))
    addr = socket.inet_aton(ip)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((iface, 0))
    print("watching", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not select.select([sock], [], [], max(0, deadline - time.monotonic()))[0]:
            break
        try:
            f = sock.recv(2048)
        except OSError as e:  # the socket reports the link going down once, then works again
            if e.errno != errno.ENETDOWN:
                raise
            continue
        if len(f) < 42 or f[6:12] != src:
            continue
        op = struct.unpack("!H", f[20:22])[0]
        if op == ARP_OP_REQUEST and f[22:28] == src and f[28:32] == addr and f[38:42] == addr:
            print("garp %d" % time.time_ns(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
