# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus for fuzz_stack: valid and near-valid frames, one record file each.

Record format: [flags:1][len:2 little endian][frame]. Run with /usr/bin/python3 (scapy);
the files are checked in, so the fuzz build needs no scapy.
"""
import os
import struct
import sys

from scapy.all import ARP, ICMP, IP, UDP, Dot1Q, Ether, IPOption_RR, Raw, IPv6, Padding

OUR_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
OUR_IP, PEER_IP = "198.18.0.2", "198.18.0.1"
BCAST = "ff:ff:ff:ff:ff:ff"

def eth(dst=OUR_MAC):
    return Ether(dst=dst, src=PEER_MAC)

SEEDS = {
    "arp_request": eth(BCAST) / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=OUR_IP),
    "arp_probe": eth(BCAST) / ARP(op=1, hwsrc=PEER_MAC, psrc="0.0.0.0", pdst=OUR_IP),
    "arp_reply": eth() / ARP(op=2, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst=OUR_MAC, pdst=OUR_IP),
    "ping": eth() / IP(src=PEER_IP, dst=OUR_IP) / ICMP(id=1, seq=1) / Raw(bytes(range(56))),
    "ping_odd": eth() / IP(src=PEER_IP, dst=OUR_IP) / ICMP() / Raw(b"abc"),
    "ping_mtu": eth() / IP(src=PEER_IP, dst=OUR_IP) / ICMP() / Raw(b"\x5a" * 1472),
    "udp_echo": eth() / IP(src=PEER_IP, dst=OUR_IP) / UDP(sport=5000, dport=7) / Raw(b"x" * 18),
    "udp_empty": eth() / IP(src=PEER_IP, dst=OUR_IP) / UDP(sport=5000, dport=7),
    "udp_nocksum": eth() / IP(src=PEER_IP, dst=OUR_IP) / UDP(sport=5000, dport=9000, chksum=0) / Raw(b"hello"),
    "udp_padded": eth() / IP(src=PEER_IP, dst=OUR_IP) / UDP(sport=5000, dport=7) / Raw(b"a") / Padding(b"\0" * 20),
    "udp_options": eth() / IP(src=PEER_IP, dst=OUR_IP, options=[IPOption_RR()]) / UDP(sport=5000, dport=7) / Raw(b"opt"),
    "fragment": eth() / IP(src=PEER_IP, dst=OUR_IP, flags="MF") / UDP(sport=5000, dport=7) / Raw(b"f" * 32),
    "vlan": eth() / Dot1Q(vlan=5) / IP(src=PEER_IP, dst=OUR_IP) / UDP(sport=5000, dport=7),
    "ipv6": eth() / IPv6() / UDP(sport=5000, dport=7),
}

def record(frame, flags=0):
    data = bytes(frame)
    return struct.pack("<BH", flags, len(data)) + data

def main(out):
    os.makedirs(out, exist_ok=True)
    for name, frame in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(record(frame))
    # Several frames in one input, and the offload-flag variants of a UDP echo.
    with open(os.path.join(out, "mixed"), "wb") as f:
        for frame in SEEDS.values():
            f.write(record(frame))
    for flags in (0x80, 0x82, 0x8a, 0x85):
        with open(os.path.join(out, "udp_flags_%02x" % flags), "wb") as f:
            f.write(record(SEEDS["udp_echo"], flags))

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
