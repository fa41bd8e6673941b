# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus for fuzz_tcp (the input format is described in fuzz_tcp.c): live
connections, then echoes, FINs, RSTs in and out of the window, out-of-order data, zero windows,
time passing (retransmissions, persist probes, TIME-WAIT), reopened connections and raw headers.

usage: make_corpus_tcp.py DIR   (the files are checked in; no scapy needed)
"""
import os
import struct
import sys

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def seg(c, flags, seq_d=0, ack_d=0, window=65535, payload=b"", shape=0, opts=b""):
    assert len(opts) == (shape & 7) * 4
    return (bytes([0, c, flags]) + struct.pack("<hhHBH", seq_d, ack_d, window, shape,
                                               len(payload)) + opts + payload)


def tick(ms):
    return bytes([1]) + struct.pack("<H", ms // 4)


def raw(c, tcp_bytes):
    return bytes([2, c]) + struct.pack("<H", len(tcp_bytes)) + tcp_bytes


def reopen(c, mss=1460):
    return bytes([3, c]) + struct.pack("<H", mss)


TCP20 = struct.pack("!HHIIBBHHH", 40000, 7, 1, 0, 5 << 4, SYN, 65535, 0, 0)

SEEDS = {
    "echo": bytes([0]) + seg(0, PSH | ACK, payload=b"hello") + seg(0, ACK),
    "echo_mss": bytes([0]) + seg(0, PSH | ACK, payload=b"\x5a" * 1460) + seg(0, ACK),
    "close": bytes([0]) + seg(0, PSH | ACK, payload=b"bye") + seg(0, ACK) + seg(0, FIN | ACK)
             + seg(0, ACK),
    "rst_exact": bytes([1]) + seg(1, RST),
    "rst_in_window": bytes([0]) + seg(0, RST, seq_d=100),
    "rst_out_of_window": bytes([0]) + seg(0, RST, seq_d=30000),
    "syn_in_conn": bytes([0]) + seg(0, SYN, seq_d=5),
    "ack_unsent": bytes([0]) + seg(0, ACK, ack_d=5000),
    "ooo": bytes([0]) + seg(0, PSH | ACK, seq_d=10, payload=b"later") +
           seg(0, PSH | ACK, payload=b"0123456789"),
    "zero_window": bytes([0]) + seg(0, PSH | ACK, window=0, payload=b"wait") + tick(1000) +
                   tick(3000) + seg(0, ACK, window=0) + tick(60000) + tick(200000),
    "retransmit": bytes([0]) + seg(0, PSH | ACK, payload=b"lost ack") + tick(300) + tick(1000) +
                  tick(5000) + tick(250000),
    "idle": bytes([0]) + tick(65000) + tick(65000) + seg(0, ACK) + tick(65000),
    "reopen": bytes([2]) + seg(0, FIN | ACK) + seg(0, ACK) + reopen(0) + reopen(1, 536) +
              seg(1, PSH | ACK, payload=b"x"),
    "table_full": bytes([7]) + reopen(7) + seg(6, PSH | ACK, payload=b"full?"),
    "bad_cksum": bytes([0]) + seg(0, PSH | ACK, payload=b"bad", shape=0x40),
    "bad_off": bytes([0]) + seg(0, ACK, shape=0x80 | (3 << 3)) + seg(0, ACK, shape=0x80 | (15 << 3)),
    "options": bytes([0]) + seg(0, ACK, shape=2, opts=b"\x01\x01\x08\x0a\x00\x00\x00\x01") +
               seg(0, ACK, shape=1, opts=b"\x02\x08\x05\xb4"),
    "raw_syn": bytes([0]) + raw(0, TCP20) + raw(0x80, TCP20),
    "flags": bytes([0]) + seg(0, SYN | FIN) + seg(0, PSH) + seg(0, 0xff),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                            "corpus_tcp")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(SEEDS), out))


if __name__ == "__main__":
    main()
