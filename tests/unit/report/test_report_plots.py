#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/lab.d/report.py's plots over saved runs (the hand-made sample run with memif and ring,
and the exercises' reference runs): every plot on a log y axis starts the axis below its
smallest value, so the shortest bars (memif, ring) are drawn. The gnuplot scripts and data files
are checked as written; gnuplot itself is not needed."""

import glob
import os
import shlex
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(SRC, "scripts", "lab.d"))
import latsplit  # noqa: E402
import report  # noqa: E402
import services  # noqa: E402

RUNS = [os.path.join(SRC, "tests", "integration", "lab", "sample-run")] + \
    sorted(glob.glob(os.path.join(SRC, "tests", "unit", "exercises", "runs", "*")))


def scripts_of(run, pdir):
    scripts = []
    report.plot_throughput(run, pdir, scripts)
    report.plot_latency(run, pdir, scripts)
    latsplit.plot(run, report, pdir, scripts)
    report.plot_cost(run, pdir, scripts)
    services.plots(run, pdir, scripts)
    return scripts


def dat_values(path):
    """Every number in a data file's columns after the first (the first is x or the label)."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            for tok in shlex.split(line)[1:]:
                try:
                    v = float(tok)
                except ValueError:
                    continue
                if v == v:
                    out.append(v)
    return out


def y_floor(body):
    for line in body:
        if line.startswith("set yrange ["):
            lo = line[len("set yrange ["):].split(":", 1)[0]
            return None if lo in ("", "*") else float(lo)
    return None


class LogAxes(unittest.TestCase):
    def test_every_log_axis_starts_below_its_smallest_value(self):
        checked = 0
        for run_dir in RUNS:
            run = report.Run(run_dir)
            with tempfile.TemporaryDirectory(prefix="bypasslab-plots-") as pdir:
                for base, body in scripts_of(run, pdir):
                    if "set logscale y 10" not in body:
                        continue
                    text = "\n".join(body)
                    dats = {w for w in shlex.split(text.replace(",", " "))
                            if w.endswith(".dat")}
                    values = [v for d in dats for v in dat_values(os.path.join(pdir, d))
                              if v > 0]
                    with self.subTest(run=run.run_id, plot=base):
                        self.assertTrue(values, f"{base}: no data read from {dats}")
                        floor = y_floor(body)
                        self.assertIsNotNone(floor, f"{base}: a log axis without a floor")
                        self.assertLess(floor, min(values) * 0.81,
                                        f"{base}: the axis starts at {floor}, the smallest "
                                        f"value is {min(values)}")
                    checked += 1
        self.assertGreater(checked, 10)

    def test_sample_run_draws_memif_and_ring(self):
        run = report.Run(RUNS[0])
        with tempfile.TemporaryDirectory(prefix="bypasslab-plots-") as pdir:
            scripts = dict(scripts_of(run, pdir))
            self.assertIn("latency-18", scripts)
            with open(os.path.join(pdir, "latency-18.dat")) as f:
                text = f.read()
            self.assertIn('"net_memif"', text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
