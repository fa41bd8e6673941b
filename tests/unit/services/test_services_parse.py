#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/lab.d/services.py over saved REAL output of each client (samples/, captured from
redis-benchmark 7.0.15, pgbench 15.18 and wrk 4.1.0 on Debian 12): the figures come out as the
tools printed them, and every kind of client error makes the cell fail."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(SRC, "scripts", "lab.d"))
import services  # noqa: E402


def sample(name):
    with open(os.path.join(HERE, "samples", name)) as f:
        return f.read()


class RedisBenchmark(unittest.TestCase):
    def test_csv_row(self):
        r = services.parse_redis_benchmark(sample("redis-benchmark-unix-set.txt"), "SET")
        self.assertEqual(r["rps"], 41322.31)
        self.assertEqual(r["latency_us"]["p50"], 599.0)
        self.assertEqual(r["latency_us"]["p99"], 3495.0)
        self.assertEqual(r["latency_us"]["max"], 8223.0)
        self.assertIsNone(r["latency_us"]["p90"])  # redis-benchmark prints p95, not p90
        self.assertEqual(r["errors"], 0)

    def test_pipelined_get(self):
        r = services.parse_redis_benchmark(sample("redis-benchmark-tcp-get-P16.txt"), "get")
        self.assertEqual(r["rps"], 414078.66)
        self.assertAlmostEqual(r["latency_us"]["p50"], 1151.0)

    def test_wrong_test_is_no_row(self):
        with self.assertRaisesRegex(services.ParseError, "no CSV row for GET"):
            services.parse_redis_benchmark(sample("redis-benchmark-unix-set.txt"), "GET")

    def test_server_errors(self):
        for name, text in (("redis-benchmark-oom.txt", "OOM command not allowed"),
                           ("redis-benchmark-noauth.txt", "replied with error"),
                           ("redis-benchmark-refused.txt", "Connection refused")):
            with self.assertRaisesRegex(services.ParseError, text, msg=name):
                services.parse_redis_benchmark(sample(name), "SET")


class Pgbench(unittest.TestCase):
    def test_summary_and_log(self):
        log = sample("pgbench-tcp-select-only.txlog").splitlines()
        r = services.parse_pgbench(sample("pgbench-tcp-select-only.txt"), log)
        self.assertAlmostEqual(r["rps"], 18785.526931)
        self.assertEqual(r["completed"], 35910)
        self.assertEqual(r["errors"], 0)
        self.assertAlmostEqual(r["latency_us"]["avg"], 426.0)
        # Nearest rank over the saved lines' third column (µs).
        lat = sorted(int(ln.split()[2]) for ln in log)
        self.assertEqual(len(lat), 300)
        self.assertEqual(r["latency_us"]["p50"], lat[149])
        self.assertEqual(r["latency_us"]["p99"], lat[296])
        self.assertEqual(r["latency_us"]["max"], lat[-1])

    def test_custom_script(self):
        r = services.parse_pgbench(sample("pgbench-unix-range-sum.txt"))
        self.assertAlmostEqual(r["rps"], 11173.8684)
        self.assertIsNone(r["latency_us"]["p50"])  # no log given

    def test_failed_transactions(self):
        r = services.parse_pgbench(sample("pgbench-failed.txt"),
                                   sample("pgbench-failed.txlog").splitlines())
        self.assertEqual(r["failed_transactions"], 5815)
        self.assertGreaterEqual(r["errors"], 5815)
        self.assertIn("5815 failed transactions", r["error_detail"])

    def test_aborted_and_refused(self):
        with self.assertRaisesRegex(services.ParseError, "aborted in command"):
            services.parse_pgbench(sample("pgbench-aborted.txt"))
        with self.assertRaisesRegex(services.ParseError, "Connection refused"):
            services.parse_pgbench(sample("pgbench-refused.txt"))


class Wrk(unittest.TestCase):
    def test_distribution(self):
        r = services.parse_wrk(sample("wrk-unix-proxy-close.txt"))
        self.assertEqual(r["rps"], 13902.72)
        self.assertEqual(r["completed"], 13947)
        self.assertEqual(r["latency_us"]["p50"], 880.0)
        self.assertEqual(r["latency_us"]["p99"], 4420.0)
        self.assertEqual(r["latency_us"]["avg"], 1230.0)
        self.assertEqual(r["latency_us"]["max"], 6350.0)
        self.assertEqual(r["errors"], 0)
        r = services.parse_wrk(sample("wrk-tcp-static.txt"))
        self.assertEqual(r["errors"], 0)
        self.assertGreater(r["rps"], 0)

    def test_units(self):
        self.assertEqual(services.wrk_time_us("309.00us"), 309.0)
        self.assertEqual(services.wrk_time_us("1.5s"), 1.5e6)

    def test_non_2xx(self):
        r = services.parse_wrk(sample("wrk-502.txt"))
        self.assertEqual(r["non_2xx"], 16945)
        self.assertEqual(r["errors"], 16945)

    def test_socket_errors(self):
        r = services.parse_wrk(sample("wrk-read-errors.txt"))
        self.assertEqual(r["socket_errors"]["read"], 16329)
        self.assertIn("read 16329", r["error_detail"])

    def test_refused(self):
        with self.assertRaisesRegex(services.ParseError, "Requests/sec"):
            services.parse_wrk(sample("wrk-refused.txt"))


class Record(unittest.TestCase):
    """The cell services.json gets: ok only with 0 errors and exit 0."""

    def record(self, client, name, rc=0, extra=()):
        with tempfile.TemporaryDirectory(prefix="bypasslab-services-test.") as d:
            log = os.path.join(d, "client.log")
            with open(log, "w") as f:
                f.write(sample(name))
            services.record(d, client, log, str(rc), ['service="x"', 'transport="tcp"',
                                                     'workload="set-P1"', "lab.cell=1",
                                                     *extra])
            with open(os.path.join(d, "services.json")) as f:
                return json.load(f)[-1]

    def test_ok(self):
        c = self.record("redis-benchmark", "redis-benchmark-unix-set.txt")
        self.assertEqual(c["lab"]["status"], "ok")
        self.assertIsNone(c["lab"]["reason"])
        self.assertEqual(c["rps"], 41322.31)
        self.assertEqual(c["lab"]["cell"], 1)

    def test_failed(self):
        for client, name, rc, why in (
                ("redis-benchmark", "redis-benchmark-oom.txt", 1, "exit 1"),
                ("pgbench", "pgbench-failed.txt", 0, "client errors"),
                ("pgbench", "pgbench-aborted.txt", 2, "aborted"),
                ("wrk", "wrk-502.txt", 0, "non-2xx"),
                ("wrk", "wrk-read-errors.txt", 0, "read 16329"),
                ("wrk", "wrk-tcp-static.txt", 124, "did not finish")):
            c = self.record(client, name, rc)
            self.assertEqual(c["lab"]["status"], "failed", name)
            self.assertIn(why, c["lab"]["reason"], name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
