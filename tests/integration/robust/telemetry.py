# SPDX-License-Identifier: BSD-3-Clause
"""A DPDK telemetry client (the v2 socket of a running process), for the robustness tests.

As a module: Telemetry(prefix).query("/bypass/stats") returns the command's dictionary.
As a program: telemetry.py PREFIX COMMAND [KEY...] prints the reply as JSON, or only the
values of the given keys, one per line (exit 1 when the process does not answer).
"""

import json
import socket
import sys

RUNTIME_DIR = "/var/run/dpdk"
REPLY_MAX_BYTES = 1 << 16


class Telemetry:
    """One connection to a DPDK process's telemetry socket; commands are answered in order."""

    def __init__(self, prefix, runtime_dir=RUNTIME_DIR):
        self.path = "%s/%s/dpdk_telemetry.v2" % (runtime_dir, prefix)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(self.path)
        self.info = json.loads(self.sock.recv(REPLY_MAX_BYTES).decode())

    def query(self, command):
        self.sock.send(command.encode())
        reply = json.loads(self.sock.recv(REPLY_MAX_BYTES).decode())
        return reply[command.split(",")[0]]

    def close(self):
        self.sock.close()


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        tel = Telemetry(argv[1])
        reply = tel.query(argv[2])
    except (OSError, ValueError, KeyError) as e:
        print("telemetry.py: %s %s: %s" % (argv[1], argv[2], e), file=sys.stderr)
        return 1
    if len(argv) == 3:
        print(json.dumps(reply))
    for key in argv[3:]:
        print(reply[key])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
