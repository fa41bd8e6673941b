# SPDX-License-Identifier: BSD-3-Clause
"""Echo messages of 1 to 17 bytes (below echo-gen's 18-byte header) over concurrent TCP
connections to HOST:PORT: each connection sends one message at a time with TCP_NODELAY, so each
goes out as its own segment, and the reply must be the same bytes; then an orderly close.

usage: tcp_small_check.py HOST PORT CONNECTIONS ROUNDS   (exit 0 when every byte came back)
"""
import os
import selectors
import socket
import sys
import time

SIZES = range(1, 18)
TIMEOUT_S = 30.0


def main():
    host, port, nconn, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    sel = selectors.DefaultSelector()
    plan = [s for _ in range(rounds) for s in SIZES]
    conns = []
    for i in range(nconn):
        s = socket.create_connection((host, port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        st = {"sock": s, "i": 0, "want": b"", "got": b""}
        conns.append(st)
        sel.register(s, selectors.EVENT_READ, st)

    def send_next(st):
        st["want"] = os.urandom(plan[st["i"]])
        st["got"] = b""
        st["sock"].send(st["want"])

    for st in conns:
        send_next(st)
    done, bad, msgs, nbytes = 0, 0, 0, 0
    deadline = time.monotonic() + TIMEOUT_S
    while done < nconn and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            st = key.data
            data = st["sock"].recv(4096)
            if not data:
                print(f"connection {conns.index(st)}: closed by the server")
                return 1
            st["got"] += data
            if len(st["got"]) < len(st["want"]):
                continue
            msgs += 1
            nbytes += len(st["want"])
            if st["got"] != st["want"]:
                print(f"connection {conns.index(st)}: sent {st['want'].hex()}, "
                      f"got {st['got'].hex()}")
                bad += 1
            st["i"] += 1
            if st["i"] == len(plan):
                sel.unregister(st["sock"])
                st["sock"].close()
                done += 1
            else:
                send_next(st)
    print(f"tcp_small_check: {nconn} connections, {msgs} messages of 1-17 bytes "
          f"({nbytes} bytes), {bad} corrupt, {nconn - done} unfinished")
    return 0 if bad == 0 and done == nconn else 1


if __name__ == "__main__":
    sys.exit(main())
