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

    def test_read_bytes(self):
        # "10.33MB read": the least that prints so is 10.325 MiB.
        r = services.parse_wrk(sample("wrk-tcp-static.txt"))
        self.assertEqual(r["read_bytes_min"], 10826548)
        self.assertEqual(services.parse_wrk(sample("wrk-tcp-static.txt").replace(
            "10.33MB", "512B"))["read_bytes_min"], 512)


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


class Sockmap(unittest.TestCase):
    """A tcp+sockmap cell counts only when sockmap-accel's counters show that its traffic took
    the shortcut: nothing through TCP, and at least the bytes the client's figures prove."""

    REDIS = ("redis-benchmark", "redis-benchmark-unix-set.txt", 0,
             ["requests=10000", "value_bytes=256", 'lab.sockmap_cgroup="/sys/fs/cgroup/x"'])

    def record(self, client, name, rc, extra, counts):
        return Record.record(self, client, name, rc, [*extra, f"--sockmap={counts}"])

    def test_redis_ok(self):
        c = self.record(*self.REDIS, "20011,3120000,0")
        lab = c["lab"]
        self.assertEqual(lab["status"], "ok", lab["reason"])
        self.assertEqual(lab["sockmap_min_bytes"], 2560000)
        self.assertEqual(lab["sockmap_redirected_bytes"], 3120000)
        self.assertEqual(lab["sockmap_redirected_sends"], 20011)
        self.assertEqual(lab["sockmap_missed_sends"], 0)
        self.assertEqual(lab["sockmap_bytes_per_request"], 312.0)
        self.assertEqual(lab["sockmap_cgroup"], "/sys/fs/cgroup/x")

    def test_missed_send_fails(self):
        c = self.record(*self.REDIS, "20011,3120000,1")
        self.assertEqual(c["lab"]["status"], "failed")
        self.assertIn("1 sends went through TCP", c["lab"]["reason"])
        self.assertEqual(c["rps"], 41322.31)  # the figures stay, the cell is not a result

    def test_too_little_fails(self):
        c = self.record(*self.REDIS, "20011,2559999,0")
        self.assertEqual(c["lab"]["status"], "failed")
        self.assertIn("at least 2,560,000 B (10,000 requests x 256 B)", c["lab"]["reason"])
        c = self.record(*self.REDIS, "0,0,0")
        self.assertEqual(c["lab"]["status"], "failed")

    def test_counter_error(self):
        c = self.record(*self.REDIS, "error:sockmap-accel stopped")
        self.assertEqual(c["lab"]["status"], "failed")
        self.assertEqual(c["lab"]["reason"], "sockmap-accel stopped")
        self.assertIsNone(c["lab"]["sockmap_redirected_bytes"])

    def test_pgbench_and_wrk(self):
        need = 35910 * services.PG_MIN_TX_BYTES
        c = self.record("pgbench", "pgbench-tcp-select-only.txt", 0, [], f"71820,{need},0")
        self.assertEqual(c["lab"]["status"], "ok", c["lab"]["reason"])
        self.assertEqual(c["lab"]["sockmap_min_bytes"], need)
        c = self.record("pgbench", "pgbench-tcp-select-only.txt", 0, [], f"71820,{need - 1},0")
        self.assertIn("35,910 transactions x 64 B", c["lab"]["reason"])
        c = self.record("wrk", "wrk-tcp-static.txt", 0, [], "72236,10826547,0")
        self.assertIn("the bytes wrk read", c["lab"]["reason"])
        c = self.record("wrk", "wrk-tcp-static.txt", 0, [], "72236,12000000,0")
        self.assertEqual(c["lab"]["status"], "ok")

    def test_client_failure_wins(self):
        c = self.record("wrk", "wrk-502.txt", 0, [], "1000,99999999,0")
        self.assertEqual(c["lab"]["status"], "failed")
        self.assertIn("non-2xx", c["lab"]["reason"])
        self.assertEqual(c["lab"]["sockmap_redirected_bytes"], 99999999)


class Report(unittest.TestCase):
    """The tables: tcp+sockmap sits under tcp and unix with its ratio to tcp, its counters
    below; the rows that could not run say why."""

    def test_rows(self):
        def cell(tr, rps, status="ok", reason=None, **lab):
            return {"service": "redis", "transport": tr, "workload": "set-P1", "rps": rps,
                    "latency_us": {"p50": 100.0, "p99": 200.0},
                    "lab": {"status": status, "reason": reason, **lab}}
        cs = [cell("tcp", 1000.0), cell("unix", 1500.0),
              cell("tcp+sockmap", 1250.0, sockmap_redirected_bytes=3_120_000,
                   sockmap_redirected_sends=20011, sockmap_missed_sends=0,
                   sockmap_min_bytes=2_560_000, sockmap_bytes_per_request=312.0)]
        rows, notes = services.service_rows(list(reversed(cs)), "redis")
        self.assertEqual([r[1] for r in rows], ["tcp", "unix", "tcp+sockmap"])
        self.assertEqual(rows[2][2:4], ["1,250", "1.25×"])
        self.assertEqual(notes, [])
        lines = services.sockmap_lines(cs, "redis")
        self.assertEqual(len(lines), 1)
        self.assertIn("3.1 MB redirected in 20,011 sends", lines[0])
        self.assertIn("0 through TCP", lines[0])
        cs[2] = cell("tcp+sockmap", None, "unavailable", "sockmap: needs root")
        rows, notes = services.service_rows(cs, "redis")
        self.assertEqual(rows[2][:3], ["set-P1 (*)", "tcp+sockmap", "-"])
        self.assertEqual(notes, ["(*) not measured: unavailable: sockmap: needs root"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
