# SPDX-License-Identifier: BSD-3-Clause
"""Send UDP datagrams of the given payload sizes to HOST:PORT and check each comes back intact.

usage: udp_echo_check.py HOST PORT SIZE...   (exit 0 when every reply matches byte for byte)
"""
import os
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sizes = [int(s) for s in sys.argv[3:]]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("0.0.0.0", 0))
sock.settimeout(1.0)
bad = 0
for size in sizes:
    payload = os.urandom(size)
    for attempt in range(3):  # the first datagram may wait for ARP
        sock.sendto(payload, (host, port))
        try:
            data, peer = sock.recvfrom(65535)
        except socket.timeout:
            continue
        break
    else:
        print(f"size {size}: no reply after 3 tries")
        bad += 1
        continue
    if data != payload or peer != (host, port):
        print(f"size {size}: reply of {len(data)} bytes from {peer} differs")
        bad += 1
    else:
        print(f"size {size}: echoed exactly")
sys.exit(1 if bad else 0)
