#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Craft the stack's golden frames with scapy and write them as C arrays to golden_frames.h.

Every case is a request frame, the verdict the stack must give it, the ROBUSTNESS.md cases it
covers, and, for a reply, the exact reply bytes. Replies are built here from the request's fields
(MACs, addresses and ports swapped, TTL 64, options and padding gone, checksums computed by scapy),
never by running the stack. Run it from anywhere; it rewrites golden_frames.h next to itself:

    /usr/bin/python3 tests/unit/stack/gen_golden.py
"""

import os
import socket
import struct
import sys

from scapy.all import (ARP, ICMP, IP, UDP, Dot1Q, Dot3, Ether, ICMPv6EchoRequest, IPOption,
                       IPOption_Router_Alert, IPv6, LLC, Raw, TCP)
from scapy.utils import checksum

OUR_MAC = "02:00:00:00:00:01"
PEER_MAC = "02:00:00:00:00:02"
OTHER_MAC = "02:00:00:00:00:03"
BCAST_MAC = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
OUR_IP = "198.18.0.2"
PEER_IP = "198.18.0.1"
SUBNET_BCAST = "198.18.0.255"
REPLY_TTL = 64
ETH_HDR_BYTES = 14
ETH_MIN_FRAME_BYTES = 60
IP_MTU_BYTES = 1500
PAD_BYTE = b"\xa5"  # padding that is not zero, so an echoed pad byte would show
PING_ID = 0x4242
PING_DATA = bytes(range(56))  # what ping sends by default: 56 bytes

cases = []   # (name, layer, robustness numbers, request bytes, verdict, reply bytes or None)
extras = []  # (name, bytes): frames the stack writes on its own (the ARP announcement)


def add(name, layer, rob, req, verdict, reply=None):
    req = bytes(req)
    if reply is not None:
        reply = bytes(reply)
        assert verdict.startswith("REPLY_"), name
        assert len(reply) <= len(req), name
        rob = list(rob) + [28]  # every reply is checked against its request's length
    else:
        assert verdict.startswith("DROP_"), name
    assert all(1 <= r <= 28 for r in rob), name
    assert name not in [c[0] for c in cases], name
    cases.append((name, layer, tuple(rob), req, verdict, reply))


def pad(frame, to=ETH_MIN_FRAME_BYTES):
    """Pad a frame the way a NIC does for the wire minimum (with visible, non-zero bytes)."""
    frame = bytes(frame)
    return frame + PAD_BYTE * max(0, to - len(frame))


def eth(dst=OUR_MAC, src=PEER_MAC, type=0x0800):
    return Ether(dst=dst, src=src, type=type)


def ip(src=PEER_IP, dst=OUR_IP, **kw):
    kw.setdefault("ttl", 57)
    kw.setdefault("id", 0x1234)
    kw.setdefault("flags", "DF")
    return IP(src=src, dst=dst, **kw)


def ping(data=PING_DATA, seq=1, ident=PING_ID, code=0):
    return ICMP(type=8, code=code, id=ident, seq=seq) / Raw(data)


def icmp_bytes(msg):
    """An ICMP message's bytes with its checksum (ICMP sums no pseudo-header)."""
    return bytes(msg)


def udp_bytes(sport, dport, data, src=PEER_IP, dst=OUR_IP, **kw):
    """A UDP datagram's bytes, checksum over the pseudo-header of src/dst, unless kw sets it."""
    return bytes(IP(src=src, dst=dst) / UDP(sport=sport, dport=dport, **kw) / Raw(data))[20:]


def ipv4_raw(l4, src=PEER_IP, dst=OUR_IP, proto=1, ttl=57, ihl=5, version=4, total=None,
             ident=0x1234, frag=0x4000, tos=0, options=b"", cksum=None):
    """An IPv4 header built field by field (for headers scapy would repair) plus its payload.
    The checksum, unless given, is valid over the IHL*4 bytes the header claims (or the bytes
    written, if more), so a receiver that sums what IHL says finds it right."""
    if total is None:
        total = 20 + len(options) + len(l4)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, total, ident, frag, ttl, proto,
                      0, socket.inet_aton(src), socket.inet_aton(dst)) + options
    if cksum is None:
        cksum = checksum((hdr + l4)[:max(len(hdr), ihl * 4)])
    return hdr[:10] + struct.pack("!H", cksum) + hdr[12:] + l4


def ip_reply(req, l4):
    """The reply the stack owes an IPv4 request: built by scapy from the request's fields."""
    e = Ether(bytes(req))
    r = e[IP]
    return bytes(Ether(dst=e.src, src=OUR_MAC) /
                 IP(version=4, ihl=5, tos=r.tos, id=r.id, flags=int(r.flags), frag=0,
                    ttl=REPLY_TTL, proto=r.proto, src=r.dst, dst=r.src) / l4)


def l4_of(req):
    """The request's L4 bytes: after IHL*4, up to the IP total length (padding excluded)."""
    req = bytes(req)
    ihl = (req[ETH_HDR_BYTES] & 0x0F) * 4
    total = struct.unpack("!H", req[ETH_HDR_BYTES + 2:ETH_HDR_BYTES + 4])[0]
    return req[ETH_HDR_BYTES + ihl:ETH_HDR_BYTES + total]


def echo_reply(req):
    l4 = l4_of(req)
    ident, seq = struct.unpack("!HH", l4[4:8])
    return ip_reply(req, ICMP(type=0, code=0, id=ident, seq=seq) / Raw(l4[8:]))


def udp_reply(req):
    l4 = l4_of(req)
    sport, dport, length, cksum = struct.unpack("!HHHH", l4[:8])
    # A datagram sent without a checksum (0) is echoed without one; otherwise scapy sums it.
    return ip_reply(req, UDP(sport=dport, dport=sport, chksum=0 if cksum == 0 else None) /
                    Raw(l4[8:length]))


def arp_frame(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, hwdst=ZERO_MAC, pdst=OUR_IP,
              dst=BCAST_MAC, src=PEER_MAC):
    return pad(Ether(dst=dst, src=src) /
               ARP(hwtype=1, ptype=0x0800, hwlen=6, plen=4, op=op, hwsrc=hwsrc, psrc=psrc,
                   hwdst=hwdst, pdst=pdst))


def arp_reply_to(req):
    a = Ether(bytes(req))[ARP]
    return Ether(dst=a.hwsrc, src=OUR_MAC) / ARP(op=2, hwsrc=OUR_MAC, psrc=OUR_IP,
                                                 hwdst=a.hwsrc, pdst=a.psrc)


def patch(frame, offset, value):
    frame = bytes(frame)
    return frame[:offset] + value + frame[offset + len(value):]


def std_ping(**kw):
    return eth() / ip(**kw) / ping()


def udp_frame(sport=40000, dport=7, data=b"hello, echo", src=PEER_IP, dst=OUR_IP, ip_kw=None,
              eth_kw=None, **udp_kw):
    return (eth(**(eth_kw or {})) / ip(src=src, dst=dst, **(ip_kw or {})) /
            UDP(sport=sport, dport=dport, **udp_kw) / Raw(data))


# ---- Ethernet (ROBUSTNESS 1-6) ---------------------------------------------------------------
good_ping = bytes(std_ping())
add("eth_short_13", "eth", [1], good_ping[:13], "DROP_ETH_SHORT")
add("eth_short_1", "eth", [1], good_ping[:1], "DROP_ETH_SHORT")
add("eth_dst_other_unicast", "eth", [2], eth(dst=OTHER_MAC) / ip() / ping(), "DROP_ETH_NOT_FOR_US")
add("eth_dst_ipv4_mcast", "eth", [2], eth(dst="01:00:5e:00:00:01") / ip(dst="224.0.0.1") / ping(),
    "DROP_ETH_NOT_FOR_US")
add("eth_dst_ipv6_mcast", "eth", [2], eth(dst="33:33:00:00:00:01", type=0x86DD) /
    IPv6(src="fe80::2", dst="ff02::1") / ICMPv6EchoRequest(), "DROP_ETH_NOT_FOR_US")
add("eth_dst_our_mac_but_one_bit", "eth", [2], eth(dst="03:00:00:00:00:01") / ip() / ping(),
    "DROP_ETH_NOT_FOR_US")
add("eth_src_bcast", "eth", [3], eth(src=BCAST_MAC) / ip() / ping(), "DROP_ETH_BAD_SRC")
add("eth_src_mcast", "eth", [3], eth(src="01:00:5e:00:00:05") / ip() / ping(), "DROP_ETH_BAD_SRC")
add("eth_src_ours", "eth", [3], eth(src=OUR_MAC) / ip() / ping(), "DROP_ETH_BAD_SRC")
add("eth_src_bcast_arp_request", "eth", [3, 10],
    arp_frame(src=BCAST_MAC, hwsrc=BCAST_MAC), "DROP_ETH_BAD_SRC")
add("eth_src_ours_arp_request", "eth", [3],
    arp_frame(src=OUR_MAC, hwsrc=OUR_MAC, psrc=PEER_IP), "DROP_ETH_BAD_SRC")
add("eth_type_ipv6", "eth", [4], eth(type=0x86DD) / IPv6(src="fe80::2", dst="fe80::1") /
    ICMPv6EchoRequest(), "DROP_ETH_IPV6")
lldp_tlvs = bytes.fromhex("0207" "04020000000002" "0403" "0365" "30" "0602" "0078" "0000")
add("eth_type_lldp_nearest_bridge", "eth", [2, 4],
    pad(eth(dst="01:80:c2:00:00:0e", type=0x88CC) / Raw(lldp_tlvs)), "DROP_ETH_NOT_FOR_US")
add("eth_type_lldp_unicast", "eth", [4], pad(eth(type=0x88CC) / Raw(lldp_tlvs)),
    "DROP_ETH_LLDP")
add("eth_type_lldp_bcast", "eth", [4], pad(eth(dst=BCAST_MAC, type=0x88CC) / Raw(lldp_tlvs)),
    "DROP_ETH_LLDP")
add("eth_802_3_llc", "eth", [4], pad(Dot3(dst=OUR_MAC, src=PEER_MAC) /
                                     LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\x00" * 35)),
    "DROP_ETH_LLC")
add("eth_802_3_len_0x05ff", "eth", [4], pad(eth(type=0x05FF) / Raw(b"\x42\x42\x03")),
    "DROP_ETH_LLC")
add("eth_type_0x0600", "eth", [4], pad(eth(type=0x0600) / Raw(b"\x00" * 8)),
    "DROP_ETH_UNKNOWN_TYPE")
add("eth_type_unknown_88b5", "eth", [4], pad(eth(type=0x88B5) / Raw(b"experiment")),
    "DROP_ETH_UNKNOWN_TYPE")
add("eth_type_ipv4_byte_swapped", "eth", [4], patch(good_ping, 12, b"\x00\x08"),
    "DROP_ETH_LLC")
add("eth_type_arp_byte_swapped", "eth", [4], patch(arp_frame(), 12, b"\x06\x08"),
    "DROP_ETH_UNKNOWN_TYPE")
add("eth_vlan_ping", "eth", [5], Ether(dst=OUR_MAC, src=PEER_MAC) / Dot1Q(vlan=5) / ip() / ping(),
    "DROP_ETH_VLAN")
add("eth_vlan_arp", "eth", [5], pad(Ether(dst=BCAST_MAC, src=PEER_MAC) / Dot1Q(vlan=5) /
                                    ARP(op=1, hwsrc=PEER_MAC, psrc=PEER_IP, pdst=OUR_IP)),
    "DROP_ETH_VLAN")
add("eth_qinq_ping", "eth", [5], Ether(dst=OUR_MAC, src=PEER_MAC, type=0x88A8) / Dot1Q(vlan=7) /
    Dot1Q(vlan=5) / ip() / ping(), "DROP_ETH_VLAN")
req = pad(eth() / ip() / ping(data=b"tiny"))
add("eth_padded_ping", "eth", [6, 23], req, "REPLY_ICMP", echo_reply(req))
req = pad(udp_frame(data=b"hi"))
add("eth_padded_udp", "eth", [6, 25], req, "REPLY_UDP", udp_reply(req))
req = pad(udp_frame(data=b""))
add("eth_padded_udp_empty", "eth", [6, 25], req, "REPLY_UDP", udp_reply(req))
req = bytes(std_ping()) + b"\xde\xad\xbe\xef"  # a port that keeps the FCS delivers 4 more bytes
add("eth_trailing_fcs_ping", "eth", [6], req, "REPLY_ICMP", echo_reply(req))

# ---- ARP (ROBUSTNESS 7-11) -------------------------------------------------------------------
req = arp_frame()
add("arp_request", "arp", [6, 10], req, "REPLY_ARP", arp_reply_to(req))
req = bytes(arp_frame())[:42]
add("arp_request_unpadded", "arp", [10], req, "REPLY_ARP", arp_reply_to(req))
req = arp_frame(dst=OUR_MAC, hwdst=OUR_MAC)  # unicast poll (RFC 1122 2.3.2.1)
add("arp_request_unicast", "arp", [10], req, "REPLY_ARP", arp_reply_to(req))
req = arp_frame(psrc="0.0.0.0")  # RFC 5227 probe
add("arp_probe", "arp", [10], req, "REPLY_ARP", arp_reply_to(req))
add("arp_probe_not_for_us", "arp", [8, 10], arp_frame(psrc="0.0.0.0", pdst="198.18.0.3"),
    "DROP_ARP_NOT_FOR_US")
add("arp_short_41", "arp", [7], bytes(arp_frame())[:41], "DROP_ARP_SHORT")
add("arp_short_14", "arp", [7], bytes(arp_frame())[:14], "DROP_ARP_SHORT")
add("arp_hrd_ieee802", "arp", [7], patch(arp_frame(), 14, b"\x00\x06"), "DROP_ARP_BAD_FORMAT")
add("arp_hrd_byte_swapped", "arp", [7], patch(arp_frame(), 14, b"\x01\x00"),
    "DROP_ARP_BAD_FORMAT")
add("arp_pro_ipv6", "arp", [7], patch(arp_frame(), 16, b"\x86\xdd"), "DROP_ARP_BAD_FORMAT")
add("arp_pro_byte_swapped", "arp", [7], patch(arp_frame(), 16, b"\x00\x08"),
    "DROP_ARP_BAD_FORMAT")
add("arp_hln_8", "arp", [7], patch(arp_frame(), 18, b"\x08"), "DROP_ARP_BAD_FORMAT")
add("arp_pln_16", "arp", [7], patch(arp_frame(), 19, b"\x10"), "DROP_ARP_BAD_FORMAT")
add("arp_op_0", "arp", [7], patch(arp_frame(), 20, b"\x00\x00"), "DROP_ARP_BAD_OP")
add("arp_op_rarp_3", "arp", [7], patch(arp_frame(), 20, b"\x00\x03"), "DROP_ARP_BAD_OP")
add("arp_op_byte_swapped", "arp", [7], patch(arp_frame(), 20, b"\x01\x00"), "DROP_ARP_BAD_OP")
add("arp_not_for_us", "arp", [8], arp_frame(pdst="198.18.0.3"), "DROP_ARP_NOT_FOR_US")
add("arp_conflict_request", "arp", [8], arp_frame(psrc=OUR_IP, pdst=OUR_IP), "DROP_ARP_CONFLICT")
add("arp_conflict_request_other_target", "arp", [8], arp_frame(psrc=OUR_IP, pdst=PEER_IP),
    "DROP_ARP_CONFLICT")
add("arp_conflict_reply", "arp", [8, 11], arp_frame(op=2, psrc=OUR_IP, pdst=OUR_IP),
    "DROP_ARP_CONFLICT")
add("arp_sha_not_eth_src", "arp", [9], arp_frame(hwsrc=OTHER_MAC), "DROP_ARP_BAD_SENDER")
add("arp_sha_mcast", "arp", [9], arp_frame(hwsrc="01:00:5e:00:00:01"), "DROP_ARP_BAD_SENDER")
add("arp_sha_bcast", "arp", [9], arp_frame(hwsrc=BCAST_MAC), "DROP_ARP_BAD_SENDER")
add("arp_sha_ours", "arp", [9], arp_frame(hwsrc=OUR_MAC), "DROP_ARP_BAD_SENDER")
add("arp_reply_unsolicited", "arp", [11],
    arp_frame(op=2, dst=OUR_MAC, hwdst=OUR_MAC, pdst=OUR_IP), "DROP_ARP_REPLY")
add("arp_reply_gratuitous_bcast", "arp", [11], arp_frame(op=2, psrc=PEER_IP, pdst=PEER_IP),
    "DROP_ARP_REPLY")
add("arp_announce_from_peer", "arp", [11], arp_frame(psrc=PEER_IP, pdst=PEER_IP),
    "DROP_ARP_NOT_FOR_US")
extras.append(("arp_announce",
               pad(Ether(dst=BCAST_MAC, src=OUR_MAC) /
                   ARP(op=1, hwsrc=OUR_MAC, psrc=OUR_IP, hwdst=ZERO_MAC, pdst=OUR_IP),
                   ETH_MIN_FRAME_BYTES).replace(PAD_BYTE, b"\x00")))

# ---- IPv4 (ROBUSTNESS 12-19) -----------------------------------------------------------------
ping_l4 = icmp_bytes(ping())


def ipf(l4=ping_l4, **kw):
    return bytes(eth()) + ipv4_raw(l4, **kw)


add("ip_short_19", "ipv4", [12], ipf()[:ETH_HDR_BYTES + 19], "DROP_IP_SHORT")
add("ip_short_0", "ipv4", [12], ipf()[:ETH_HDR_BYTES], "DROP_IP_SHORT")
add("ip_version_6_bad_cksum", "ipv4", [12], ipf(version=6, cksum=0xdead), "DROP_IP_VERSION")
add("ip_version_0", "ipv4", [12], ipf(version=0), "DROP_IP_VERSION")
add("ip_ihl_4_bad_cksum", "ipv4", [12], ipf(ihl=4, cksum=0xdead), "DROP_IP_BAD_IHL")
add("ip_ihl_0", "ipv4", [12], ipf(ihl=0), "DROP_IP_BAD_IHL")
add("ip_ihl_15_beyond_data", "ipv4", [12], ipf(l4=b"\x08\x00" + b"\x00" * 6, ihl=15,
                                               cksum=0xdead), "DROP_IP_HDR_TRUNC")
add("ip_ihl_15_one_byte_short", "ipv4", [12], ipf(l4=b"\x01" * 39, ihl=15, total=59, cksum=0),
    "DROP_IP_HDR_TRUNC")
add("ip_ihl_6_beyond_total", "ipv4", [12], ipf(ihl=6, total=22), "DROP_IP_BAD_LEN")
add("ip_total_19", "ipv4", [12], ipf(total=19), "DROP_IP_BAD_LEN")
add("ip_total_0", "ipv4", [12], ipf(total=0), "DROP_IP_BAD_LEN")
add("ip_total_beyond_frame", "ipv4", [12], ipf(total=20 + len(ping_l4) + 1), "DROP_IP_BAD_LEN")
add("ip_total_65535", "ipv4", [12], ipf(total=65535), "DROP_IP_BAD_LEN")
add("ip_bad_cksum", "ipv4", [13], patch(good_ping, ETH_HDR_BYTES + 10, b"\x12\x34"),
    "DROP_IP_BAD_CKSUM")
add("ip_cksum_zero", "ipv4", [13], patch(good_ping, ETH_HDR_BYTES + 10, b"\x00\x00"),
    "DROP_IP_BAD_CKSUM")
add("ip_bad_cksum_ttl_changed", "ipv4", [13], patch(good_ping, ETH_HDR_BYTES + 8, b"\x01"),
    "DROP_IP_BAD_CKSUM")
add("ip_frag_first_mf", "ipv4", [14], eth() / ip(flags="MF") / ping(), "DROP_IP_FRAGMENT")
add("ip_frag_middle", "ipv4", [14, 24], eth() / ip(flags="MF", frag=185, proto=1) /
    Raw(b"\x00" * 64), "DROP_IP_FRAGMENT")
add("ip_frag_last", "ipv4", [14, 24], eth() / ip(flags=0, frag=185, proto=1) / Raw(b"\x00" * 64),
    "DROP_IP_FRAGMENT")
add("ip_frag_offset_1", "ipv4", [14], eth() / ip(flags=0, frag=1) / ping(), "DROP_IP_FRAGMENT")
add("ip_frag_offset_max", "ipv4", [14], eth() / ip(flags=0, frag=0x1FFF) / ping(),
    "DROP_IP_FRAGMENT")
add("ip_frag_udp_first", "ipv4", [14, 25], udp_frame(ip_kw={"flags": "MF"}), "DROP_IP_FRAGMENT")
req = std_ping(flags="DF")
add("ip_df_ping", "ipv4", [14], req, "REPLY_ICMP", echo_reply(req))
req = std_ping(flags=0, id=0)
add("ip_no_flags_ping", "ipv4", [14], req, "REPLY_ICMP", echo_reply(req))
req = std_ping(options=[IPOption_Router_Alert()])
add("ip_options_ra_ping", "ipv4", [15], req, "REPLY_ICMP", echo_reply(req))
req = udp_frame(ip_kw={"options": [IPOption_Router_Alert()]}, data=b"options stay out")
add("ip_options_ra_udp", "ipv4", [15, 27], req, "REPLY_UDP", udp_reply(req))
req = bytes(eth()) + ipv4_raw(ping_l4, ihl=15, options=b"\x01" * 39 + b"\x00")
add("ip_options_40_nop_ping", "ipv4", [15], req, "REPLY_ICMP", echo_reply(req))
req = bytes(eth()) + ipv4_raw(udp_bytes(40000, 9000, b"x" * 33), proto=17, ihl=15,
                              options=b"\x01" * 39 + b"\x00")
add("ip_options_40_nop_udp", "ipv4", [15], req, "REPLY_UDP", udp_reply(req))
# An option of length 0 makes a naive option walker loop forever; IHL alone must decide.
req = bytes(eth()) + ipv4_raw(ping_l4, ihl=6, options=b"\x07\x00\x00\x00")
add("ip_options_zero_length", "ipv4", [15], req, "REPLY_ICMP", echo_reply(req))
req = bytes(eth()) + ipv4_raw(ping_l4, ihl=8, options=b"\x44\xff\x05\x00" + b"\x00" * 8)
add("ip_options_length_beyond_ihl", "ipv4", [15], req, "REPLY_ICMP", echo_reply(req))
req = pad(udp_frame(ip_kw={"options": [IPOption_Router_Alert()]}, data=b""))
add("ip_options_padded_empty_udp", "ipv4", [6, 15, 25], req, "REPLY_UDP", udp_reply(req))
req = pad(eth() / ip(options=[IPOption(b"\x01\x01\x01\x00")]) / ping(data=b"ab"))
add("ip_options_padded_ping", "ipv4", [6, 15], req, "REPLY_ICMP", echo_reply(req))
l4 = udp_bytes(40000, 7, b"0123456789")
req = bytes(eth()) + ipv4_raw(l4 + b"trailing junk", proto=17, ihl=6, options=b"\x94\x04\x00\x00")
add("ip_options_udp_trim", "ipv4", [15, 25], req, "REPLY_UDP", udp_reply(req))
for ttl in (0, 1, 255):
    req = std_ping(ttl=ttl)
    add("ip_ttl_%d" % ttl, "ipv4", [16], req, "REPLY_ICMP", echo_reply(req))
req = udp_frame(ip_kw={"ttl": 1})
add("ip_ttl_1_udp", "ipv4", [16], req, "REPLY_UDP", udp_reply(req))
req = std_ping(tos=0xB8)
add("ip_tos_kept", "ipv4", [23], req, "REPLY_ICMP", echo_reply(req))
add("ip_dst_other_host", "ipv4", [17], std_ping(dst="198.18.0.3"), "DROP_IP_NOT_FOR_US")
add("ip_dst_other_net", "ipv4", [17], std_ping(dst="10.0.0.2"), "DROP_IP_NOT_FOR_US")
add("ip_dst_zero", "ipv4", [17], std_ping(dst="0.0.0.0"), "DROP_IP_NOT_FOR_US")
add("ip_dst_network_addr", "ipv4", [17], std_ping(dst="198.18.0.0"), "DROP_IP_NOT_FOR_US")
add("ip_unicast_in_l2_bcast", "ipv4", [17], eth(dst=BCAST_MAC) / ip() / ping(),
    "DROP_IP_L2_BCAST")
add("ip_unicast_udp_in_l2_bcast", "ipv4", [17], udp_frame(eth_kw={"dst": BCAST_MAC}),
    "DROP_IP_L2_BCAST")
add("ip_dst_subnet_bcast", "ipv4", [17, 21], eth(dst=BCAST_MAC) / ip(dst=SUBNET_BCAST) / ping(),
    "DROP_IP_BCAST")
add("ip_dst_subnet_bcast_l2_unicast", "ipv4", [17, 21], std_ping(dst=SUBNET_BCAST),
    "DROP_IP_BCAST")
add("ip_dst_limited_bcast", "ipv4", [17, 21],
    eth(dst=BCAST_MAC) / ip(dst="255.255.255.255") / ping(), "DROP_IP_BCAST")
add("ip_dst_mcast_224", "ipv4", [17, 21], std_ping(dst="224.0.0.1"), "DROP_IP_BCAST")
add("ip_dst_mcast_239", "ipv4", [17, 21],
    eth(dst=BCAST_MAC) / ip(dst="239.255.255.250") / ping(), "DROP_IP_BCAST")
add("ip_dst_class_e", "ipv4", [17], std_ping(dst="240.0.0.2"), "DROP_IP_BCAST")
for name, src in (("zero", "0.0.0.0"), ("zero_net", "0.1.2.3"), ("loopback", "127.0.0.1"),
                  ("loopback_top", "127.255.255.254"), ("mcast_224", "224.0.0.1"),
                  ("mcast_239", "239.1.1.1"), ("class_e", "240.0.0.1"),
                  ("limited_bcast", "255.255.255.255"), ("subnet_bcast", SUBNET_BCAST),
                  ("ours", OUR_IP)):
    add("ip_martian_src_" + name, "ipv4", [18], std_ping(src=src), "DROP_IP_MARTIAN_SRC")
add("ip_martian_src_loopback_udp", "ipv4", [18], udp_frame(src="127.0.0.1"),
    "DROP_IP_MARTIAN_SRC")
for name, src in (("1_0_0_1", "1.0.0.1"), ("126_255_255_255", "126.255.255.255"),
                  ("128_0_0_1", "128.0.0.1"), ("223_255_255_254", "223.255.255.254"),
                  ("other_subnet", "198.19.0.1")):
    req = std_ping(src=src)
    add("ip_src_ok_" + name, "ipv4", [18], req, "REPLY_ICMP", echo_reply(req))
add("ip_proto_sctp", "ipv4", [19], pad(eth() / ip(proto=132) / Raw(b"\x9c\x40\x00\x07" * 4)),
    "DROP_IP_UNKNOWN_PROTO")
add("ip_proto_igmp", "ipv4", [19], pad(eth() / ip(proto=2) / Raw(b"\x11\x64\xee\x9b" + b"\0" * 4)),
    "DROP_IP_UNKNOWN_PROTO")
add("ip_proto_255", "ipv4", [19], eth() / ip(proto=255) / Raw(b"\x00" * 16),
    "DROP_IP_UNKNOWN_PROTO")
add("ip_proto_icmpv6_58", "ipv4", [19], eth() / ip(proto=58) / Raw(ping_l4),
    "DROP_IP_UNKNOWN_PROTO")

# ---- ICMP (ROBUSTNESS 20-24) -----------------------------------------------------------------
req = std_ping()
add("icmp_echo", "icmp", [23], req, "REPLY_ICMP", echo_reply(req))
add("icmp_short_7", "icmp", [20], pad(bytes(eth()) + ipv4_raw(ping_l4[:7])), "DROP_ICMP_SHORT")
add("icmp_short_0", "icmp", [20], pad(bytes(eth()) + ipv4_raw(b"")), "DROP_ICMP_SHORT")
add("icmp_short_0_padding_looks_like_icmp", "icmp", [6, 20],
    bytes(eth()) + ipv4_raw(b"") + bytes(ping(data=b"")), "DROP_ICMP_SHORT")
add("icmp_bad_cksum", "icmp", [20], patch(good_ping, 14 + 20 + 2, b"\x00\x01"),
    "DROP_ICMP_BAD_CKSUM")
add("icmp_bad_data", "icmp", [20], patch(good_ping, 14 + 20 + 8 + 5, b"\xff"),
    "DROP_ICMP_BAD_CKSUM")
odd = bytes(eth() / ip() / ping(data=PING_DATA + b"z"))
add("icmp_odd_last_byte_wrong", "icmp", [20], odd[:-1] + bytes([odd[-1] ^ 0x10]),
    "DROP_ICMP_BAD_CKSUM")
req = eth() / ip() / ping(data=PING_DATA + b"z")
add("icmp_odd_57", "icmp", [20, 23], req, "REPLY_ICMP", echo_reply(req))
# Odd length with padding behind: the pad byte must not enter the sum.
req = pad(eth() / ip() / ping(data=b"q"))
add("icmp_odd_1_padded", "icmp", [6, 20, 23], req, "REPLY_ICMP", echo_reply(req))
add("icmp_bcast_subnet", "icmp", [21], eth(dst=BCAST_MAC) / ip(dst=SUBNET_BCAST) / ping(),
    "DROP_IP_BCAST")
add("icmp_bcast_limited", "icmp", [21], eth(dst=BCAST_MAC) / ip(dst="255.255.255.255") / ping(),
    "DROP_IP_BCAST")
add("icmp_mcast_all_hosts", "icmp", [21], std_ping(dst="224.0.0.1"), "DROP_IP_BCAST")
add("icmp_echo_code_1", "icmp", [22], eth() / ip() / ping(code=1), "DROP_ICMP_BAD_CODE")
add("icmp_echo_code_255", "icmp", [22], eth() / ip() / ping(code=255), "DROP_ICMP_BAD_CODE")
add("icmp_echo_reply", "icmp", [22], eth() / ip() / ICMP(type=0, id=PING_ID, seq=1) /
    Raw(PING_DATA), "DROP_ICMP_NOT_ECHO")
inner = bytes(IP(src=OUR_IP, dst=PEER_IP, ttl=1) / UDP(sport=7, dport=40000) / Raw(b"x" * 8))
add("icmp_port_unreachable", "icmp", [22, 24], eth() / ip() / ICMP(type=3, code=3) / Raw(inner),
    "DROP_ICMP_NOT_ECHO")
add("icmp_time_exceeded", "icmp", [22, 24], eth() / ip() / ICMP(type=11, code=0) / Raw(inner),
    "DROP_ICMP_NOT_ECHO")
add("icmp_redirect", "icmp", [22], eth() / ip() / ICMP(type=5, code=1, gw="198.18.0.9") /
    Raw(inner), "DROP_ICMP_NOT_ECHO")
add("icmp_timestamp", "icmp", [22], eth() / ip() / ICMP(type=13), "DROP_ICMP_NOT_ECHO")
add("icmp_type_255", "icmp", [22], eth() / ip() / ICMP(type=255) / Raw(b"\x00" * 8),
    "DROP_ICMP_NOT_ECHO")
add("icmp_error_to_bcast", "icmp", [21, 24],
    eth(dst=BCAST_MAC) / ip(dst=SUBNET_BCAST) / ICMP(type=3, code=3) / Raw(inner),
    "DROP_IP_BCAST")
add("icmp_nonfirst_fragment", "icmp", [14, 24],
    eth() / ip(flags=0, frag=10) / Raw(b"\x08\x00" + b"\x00" * 30), "DROP_IP_FRAGMENT")
req = bytes(eth()) + ipv4_raw(icmp_bytes(ping(data=b"")))
add("icmp_zero_data", "icmp", [23], req, "REPLY_ICMP", echo_reply(req))
req = pad(eth() / ip() / ping(data=b""))
add("icmp_zero_data_padded", "icmp", [6, 23], req, "REPLY_ICMP", echo_reply(req))
# Id 0, sequence 0, no data: the reply's words are all zero, so its checksum must be 0xFFFF
# (a 0x0000 there sums to +0, which every receiver rejects).
req = eth() / ip() / ping(data=b"", ident=0, seq=0)
add("icmp_all_zero_reply", "icmp", [20, 23], req, "REPLY_ICMP", echo_reply(req))
req = eth() / ip() / ping(data=b"\x00" * len(PING_DATA), ident=0, seq=0)
add("icmp_all_zero_reply_56", "icmp", [23], req, "REPLY_ICMP", echo_reply(req))
req = eth() / ip() / ping(data=bytes(i & 0xFF for i in range(IP_MTU_BYTES - 28)))
assert len(bytes(req)) == ETH_HDR_BYTES + IP_MTU_BYTES
add("icmp_mtu_1500", "icmp", [23], req, "REPLY_ICMP", echo_reply(req))
req = eth() / ip() / ping(data=b"\xff" * 64, seq=0xFFFF, ident=0xFFFF)
add("icmp_all_ones", "icmp", [23], req, "REPLY_ICMP", echo_reply(req))

# ---- UDP (ROBUSTNESS 25-27) ------------------------------------------------------------------
req = udp_frame()
add("udp_echo_7", "udp", [27], req, "REPLY_UDP", udp_reply(req))
req = udp_frame(dport=9000, sport=51000, data=b"port 9000")
add("udp_echo_9000", "udp", [27], req, "REPLY_UDP", udp_reply(req))
req = udp_frame(dport=9000, data=bytes((i * 7) & 0xFF for i in range(IP_MTU_BYTES - 28)))
assert len(bytes(req)) == ETH_HDR_BYTES + IP_MTU_BYTES
add("udp_mtu_1472", "udp", [23, 25], req, "REPLY_UDP", udp_reply(req))
req = udp_frame(data=b"")
add("udp_empty", "udp", [25], req, "REPLY_UDP", udp_reply(req))
add("udp_ip_payload_4", "udp", [25], pad(bytes(eth()) + ipv4_raw(b"\x9c\x40\x00\x07", proto=17)),
    "DROP_UDP_SHORT")
add("udp_ip_payload_0", "udp", [25], pad(bytes(eth()) + ipv4_raw(b"", proto=17)),
    "DROP_UDP_SHORT")
add("udp_len_7", "udp", [25], udp_frame(len=7, chksum=0), "DROP_UDP_SHORT")
add("udp_len_0", "udp", [25], udp_frame(len=0, chksum=0), "DROP_UDP_SHORT")
l4 = udp_bytes(40000, 7, b"hello, echo")
add("udp_len_beyond_ip_payload", "udp", [25],
    bytes(eth()) + ipv4_raw(patch(l4, 4, struct.pack("!H", len(l4) + 1)), proto=17),
    "DROP_UDP_BAD_LEN")
# The UDP length stays inside the frame but reaches past the IP payload into the padding.
l4 = udp_bytes(40000, 7, b"abcd", len=8 + 4 + 4)
add("udp_len_into_padding", "udp", [6, 25], pad(bytes(eth()) + ipv4_raw(l4, proto=17)),
    "DROP_UDP_BAD_LEN")
add("udp_len_65535", "udp", [25], udp_frame(len=65535, chksum=0), "DROP_UDP_BAD_LEN")
l4 = udp_bytes(40000, 7, b"0123456789")
req = bytes(eth()) + ipv4_raw(l4 + b"not part of the datagram", proto=17)
add("udp_len_below_ip_payload", "udp", [25], req, "REPLY_UDP", udp_reply(req))
l4 = udp_bytes(40000, 9000, b"")
req = bytes(eth()) + ipv4_raw(l4 + b"\x01\x02\x03\x04\x05\x06\x07\x08\x09", proto=17)
add("udp_len_8_below_ip_payload", "udp", [25], req, "REPLY_UDP", udp_reply(req))
l4 = udp_bytes(40000, 7, b"zz", chksum=0)
req = pad(bytes(eth()) + ipv4_raw(l4 + b"\xee" * 3, proto=17))
add("udp_len_below_ip_payload_padded", "udp", [6, 25], req, "REPLY_UDP", udp_reply(req))
req = udp_frame(chksum=0)
add("udp_cksum_0", "udp", [26], req, "REPLY_UDP", udp_reply(req))
add("udp_cksum_wrong", "udp", [26], patch(udp_frame(), 14 + 20 + 6, b"\x12\x34"),
    "DROP_UDP_BAD_CKSUM")
add("udp_data_corrupt", "udp", [26], patch(udp_frame(), 14 + 20 + 8, b"H"), "DROP_UDP_BAD_CKSUM")
add("udp_odd_last_byte_corrupt", "udp", [26],
    patch(udp_frame(data=b"odd"), 14 + 20 + 8 + 2, b"D"), "DROP_UDP_BAD_CKSUM")


def udp_computed_zero():
    """A datagram whose checksum computes to 0, so it travels as 0xFFFF (RFC 768)."""
    data = b"sum to zero" + b"\x00"  # even length so the last word is ours to choose
    filler_ofs = len(data)
    ck = struct.unpack("!H", udp_bytes(40000, 7, data + b"\x00\x00")[6:8])[0]
    data += struct.pack("!H", ck if ck != 0xFFFF else 0)
    frame = bytes(udp_frame(data=data))
    assert frame[14 + 20 + 6:14 + 20 + 8] == b"\xff\xff", "filler %d" % filler_ofs
    return frame


req = udp_computed_zero()
add("udp_cksum_computes_to_0", "udp", [26], req, "REPLY_UDP", udp_reply(req))
assert bytes(udp_reply(req))[14 + 20 + 6:14 + 20 + 8] == b"\xff\xff"
add("udp_cksum_ffff_wrong", "udp", [26], patch(udp_frame(), 14 + 20 + 6, b"\xff\xff"),
    "DROP_UDP_BAD_CKSUM")
add("udp_cksum_0_bad_len", "udp", [25, 26],
    bytes(eth()) + ipv4_raw(struct.pack("!HHHH", 40000, 7, 30, 0) + b"x" * 10, proto=17),
    "DROP_UDP_BAD_LEN")
for port in (0, 7, 13, 19):
    add("udp_src_port_%d" % port, "udp", [27], udp_frame(sport=port), "DROP_UDP_BAD_SRC_PORT")
add("udp_src_port_19_to_9000", "udp", [27], udp_frame(sport=19, dport=9000),
    "DROP_UDP_BAD_SRC_PORT")
add("udp_src_port_7_cksum_0", "udp", [26, 27], udp_frame(sport=7, chksum=0),
    "DROP_UDP_BAD_SRC_PORT")
for port in (1, 8, 1792):  # 1792 is 7 byte-swapped
    req = udp_frame(sport=port)
    add("udp_src_port_%d_ok" % port, "udp", [27], req, "REPLY_UDP", udp_reply(req))
for port in (0, 9, 13, 9001, 1792, 10275, 65535):  # 1792, 10275: 7 and 9000 byte-swapped
    add("udp_port_closed_%d" % port, "udp", [27], udp_frame(dport=port), "DROP_UDP_PORT_CLOSED")
add("udp_to_subnet_bcast", "udp", [21, 24], udp_frame(dst=SUBNET_BCAST, eth_kw={"dst": BCAST_MAC}),
    "DROP_IP_BCAST")
add("udp_closed_to_bcast", "udp", [24, 27],
    udp_frame(dport=9, dst="255.255.255.255", eth_kw={"dst": BCAST_MAC}), "DROP_IP_BCAST")


# ---- TCP, judged without a TCP context (stack_input): header checks, then "port closed" ----------
# The stateful cases (connections, cookies, windows, timers) are in test_tcp.c, which drives a
# real per-lcore context with segments it builds.
def tcp_frame(sport=40000, dport=7, flags="S", seq=1000, ack=0, data=b"", options=None, **kw):
    return eth() / ip() / TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                              options=options or [], **kw) / Raw(data)


def tcp_raw(hdr_words, data=b""):
    """A TCP segment from its header bytes as given (offset, options), checksum made right."""
    seg = hdr_words + data
    seg = seg[:16] + b"\x00\x00" + seg[18:]
    pseudo = socket.inet_aton(PEER_IP) + socket.inet_aton(OUR_IP) + struct.pack("!BBH", 0, 6,
                                                                                   len(seg))
    ck = checksum(pseudo + seg)
    return seg[:16] + struct.pack("!H", ck) + seg[18:]


def tcp_hdr(off_words, flags=0x02, opts=b"", sport=40000, dport=7):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, off_words << 4, flags, 65535, 0,
                       0) + opts


add("tcp_syn_stateless", "tcp", [19], pad(tcp_frame()), "DROP_TCP_PORT_CLOSED")
add("tcp_ack_stateless", "tcp", [], pad(tcp_frame(flags="A", ack=5)), "DROP_TCP_PORT_CLOSED")
add("tcp_data_stateless", "tcp", [], tcp_frame(flags="PA", ack=5, data=b"hello"),
    "DROP_TCP_PORT_CLOSED")
add("tcp_syn_mss_stateless", "tcp", [], pad(tcp_frame(options=[("MSS", 1460), ("NOP", None),
                                                              ("NOP", None), ("EOL", None)])),
    "DROP_TCP_PORT_CLOSED")
add("tcp_ip_payload_19", "tcp", [], pad(bytes(eth()) + ipv4_raw(tcp_hdr(5)[:19], proto=6)),
    "DROP_TCP_SHORT")
add("tcp_ip_payload_0", "tcp", [], pad(bytes(eth()) + ipv4_raw(b"", proto=6)), "DROP_TCP_SHORT")
add("tcp_cksum_wrong", "tcp", [], pad(patch(tcp_frame(), 14 + 20 + 16, b"\x12\x34")),
    "DROP_TCP_BAD_CKSUM")
add("tcp_data_corrupt", "tcp", [], patch(tcp_frame(flags="PA", data=b"hello"), 14 + 20 + 20,
                                          b"J"), "DROP_TCP_BAD_CKSUM")
for off in range(0, 5):
    add("tcp_data_off_%d" % off, "tcp", [], pad(bytes(eth()) + ipv4_raw(tcp_raw(tcp_hdr(off)),
                                                                         proto=6)),
        "DROP_TCP_BAD_OFF")
add("tcp_data_off_past_segment", "tcp", [],
    pad(bytes(eth()) + ipv4_raw(tcp_raw(tcp_hdr(6)), proto=6)), "DROP_TCP_BAD_OFF")
add("tcp_opt_overruns", "tcp", [],
    pad(bytes(eth()) + ipv4_raw(tcp_raw(tcp_hdr(6, opts=b"\x02\x08\x05\xb4")), proto=6)),
    "DROP_TCP_BAD_OPTS")
add("tcp_opt_len_1", "tcp", [],
    pad(bytes(eth()) + ipv4_raw(tcp_raw(tcp_hdr(6, opts=b"\x01\x01\x08\x01")), proto=6)),
    "DROP_TCP_BAD_OPTS")
add("tcp_opt_len_missing", "tcp", [],
    pad(bytes(eth()) + ipv4_raw(tcp_raw(tcp_hdr(6, opts=b"\x01\x01\x01\x03")), proto=6)),
    "DROP_TCP_BAD_OPTS")
add("tcp_src_port_0", "tcp", [], pad(tcp_frame(sport=0)), "DROP_TCP_BAD_PORT")
add("tcp_dst_port_0", "tcp", [], pad(tcp_frame(dport=0)), "DROP_TCP_BAD_PORT")
for name, flags in (("syn_fin", "SF"), ("syn_rst", "SR"), ("syn_fin_ack", "SFA"), ("none", ""),
                    ("fin_only", "F"), ("xmas_fpu", "FPU"), ("psh_only", "P")):
    add("tcp_flags_" + name, "tcp", [], pad(tcp_frame(flags=flags)), "DROP_TCP_BAD_FLAGS")
add("tcp_syn_to_closed_port", "tcp", [], pad(tcp_frame(dport=9)), "DROP_TCP_PORT_CLOSED")
add("tcp_to_subnet_bcast", "tcp", [21], pad(eth(dst=BCAST_MAC) / ip(dst=SUBNET_BCAST) /
                                            TCP(sport=40000, dport=7, flags="S")),
    "DROP_IP_BCAST")


# ---- output ----------------------------------------------------------------------------------
def c_array(ident, data):
    lines = ["static const uint8_t %s[%d] = {" % (ident, len(data))]
    for i in range(0, len(data), 12):
        lines.append("\t" + " ".join("0x%02x," % b for b in data[i:i + 12]))
    lines.append("};")
    return "\n".join(lines)


def main():
    out = [
        "/* SPDX-License-Identifier: BSD-3-Clause */",
        "/* Golden frames for the stack's unit tests: written by gen_golden.py, do not edit. */",
        "#ifndef STACK_TEST_GOLDEN_FRAMES_H",
        "#define STACK_TEST_GOLDEN_FRAMES_H",
        "",
        "#include <stdint.h>",
        "",
        '#include "golden.h"',
        "",
    ]
    for name, layer, rob, req, verdict, reply in cases:
        out.append(c_array("golden_%s_req" % name, req))
        if reply is not None:
            out.append(c_array("golden_%s_reply" % name, reply))
        out.append("")
    for name, data in extras:
        out.append(c_array("golden_%s" % name, data))
        out.append("")
    out.append("static const struct golden_case golden_cases[] = {")
    for name, layer, rob, req, verdict, reply in cases:
        mask = sum(1 << r for r in rob)
        out.append("\t{ \"%s\", \"%s\", 0x%08xu, STACK_%s," % (name, layer, mask, verdict))
        out.append("\t  golden_%s_req," % name)
        out.append("\t  sizeof(golden_%s_req)," % name)
        if reply is not None:
            out.append("\t  golden_%s_reply," % name)
            out.append("\t  sizeof(golden_%s_reply) }," % name)
        else:
            out.append("\t  NULL, 0 },")
    out.append("};")
    out.append("")
    out.append("static const struct golden_frame golden_extras[] = {")
    for name, data in extras:
        out.append("\t{ \"%s\", golden_%s, sizeof(golden_%s) }," % (name, name, name))
    out.append("};")
    out.append("")
    out.append("#endif")
    for line in "\n".join(out).split("\n"):
        assert len(line.expandtabs(8)) <= 100, line
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_frames.h")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    covered = set(r for c in cases for r in c[2])
    missing = sorted(set(range(1, 29)) - covered)
    print("%s: %d cases, %d replies; ROBUSTNESS cases not covered: %s" %
          (path, len(cases), sum(1 for c in cases if c[5] is not None), missing or "none"))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
