#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""`scripts/lab report --exercise N` over the saved reference runs (runs/, copies of the results
the worked answers quote): for every exercise with a spec, each figure quoted from a run is in
that run and rounds to the quoted value, and no premise is flagged there. A field renamed in the
results, or a spec that reads one the results do not have, fails here."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("SOURCE_DIR") or os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(SRC, "scripts", "lab.d"))
import exercise  # noqa: E402
import exlib  # noqa: E402

RUNS = os.path.join(HERE, "runs")


def saved(name):
    return os.path.join(RUNS, name)


def run_main(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = exercise.main(["exercise.py"] + [str(a) for a in args])
    return rc, out.getvalue(), err.getvalue()


class ReferenceRuns(unittest.TestCase):
    def test_there_are_specs(self):
        self.assertIn(1, exercise.available())

    def test_every_spec_on_its_reference_runs(self):
        for n in exercise.available():
            ex = exercise.load_spec(n)
            for name in ex.runs:
                with self.subTest(exercise=n, run=name):
                    self.assertTrue(os.path.isfile(os.path.join(saved(name), "results.json")),
                                    f"exercise {n} quotes run {name}: save it in {RUNS}")
                    run = exercise.load_run(saved(name))
                    self.assertEqual(run.run_id, name)
                    quoted = [f for q in ex.questions for f in q.figures
                              if ex.ref_run(f) == name]
                    self.assertTrue(quoted, f"exercise {n} names run {name} but quotes no "
                                    f"figure from it")
                    self.assertEqual(exlib.reference_problems(ex, run), [])

    def test_every_figure_names_a_reference_run_of_its_exercise(self):
        for n in exercise.available():
            ex = exercise.load_spec(n)
            for q in ex.questions:
                for f in q.figures:
                    self.assertIn(ex.ref_run(f), ex.runs, f"exercise {n} question {q.number} "
                                  f"'{f.name}'")
                    self.assertIsNotNone(f.ref, f"exercise {n} '{f.name}' has no reference")

    def test_the_texts_name_the_reference_runs(self):
        for n in exercise.available():
            ex = exercise.load_spec(n)
            for lang in ("en", "zh"):
                path = os.path.join(SRC, ex.doc.replace("/en/", f"/{lang}/"))
                with open(path) as f:
                    text = f.read()
                for name in ex.runs:
                    with self.subTest(exercise=n, lang=lang, run=name):
                        self.assertIn(name, text)

    def test_cli_prints_every_question_and_exits_0(self):
        for n in exercise.available():
            ex = exercise.load_spec(n)
            name = next(iter(ex.runs))
            rc, out, err = run_main(saved(name), n)
            self.assertEqual(rc, 0, err)
            for q in ex.questions:
                self.assertIn(f"Question {q.number}", out)
            self.assertNotIn("PREMISE DOES NOT HOLD", out)
            self.assertIn(f"Summary: exercise {n} on run {name}", out)


class Errors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="bypasslab-exercises-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def copy(self, name):
        dst = os.path.join(self.tmp, name)
        shutil.copytree(saved(name), dst)
        return dst

    def test_renamed_field_is_an_error(self):
        d = self.copy("20261203-073726")
        path = os.path.join(d, "results.json")
        with open(path) as f:
            cells = json.load(f)
        for c in cells:
            c["rtt"] = c.pop("rtt_us")
        with open(path, "w") as f:
            json.dump(cells, f)
        rc, out, err = run_main(d, 1)
        self.assertEqual(rc, 1)
        self.assertIn("has no field 'rtt_us.p50'", err)
        self.assertIn("exercise 1, question 1", err)

    def test_missing_figure_fails_the_reference_check(self):
        d = self.copy("20261203-073726")
        path = os.path.join(d, "results.json")
        with open(path) as f:
            cells = json.load(f)
        cells = [c for c in cells if not (c["path"] == "tcp" and c["payload_bytes"] == 18
                                          and c["lab"]["kind"] == "latency-poll")]
        with open(path, "w") as f:
            json.dump(cells, f)
        ex = exercise.load_spec(1)
        problems = exlib.reference_problems(ex, exercise.load_run(d))
        self.assertIn("question 1: 'tcp p50 poll, 18 B' is not in run 20261203-073726",
                      problems)

    def test_changed_figure_fails_the_reference_check(self):
        d = self.copy("20261203-073726")
        path = os.path.join(d, "results.json")
        with open(path) as f:
            cells = json.load(f)
        for c in cells:
            if (c["path"], c["payload_bytes"], c["lab"]["kind"]) == ("udp", 18, "throughput"):
                c["pps"] *= 1.1
        with open(path, "w") as f:
            json.dump(cells, f)
        problems = exlib.reference_problems(exercise.load_spec(1), exercise.load_run(d))
        self.assertTrue(any("'udp Mpps, throughput, 18 B'" in p for p in problems), problems)

    def test_run_without_the_exercises_cells(self):
        rc, out, err = run_main(saved("20261203-075358"), 1)
        self.assertEqual(rc, 1)
        self.assertIn("scripts/lab run --matrix uds-vs-tcp", err)

    def test_services_exercise_on_a_plain_run(self):
        if 8 not in exercise.available():
            self.skipTest("no spec for exercise 8")
        rc, out, err = run_main(saved("20261203-074325"), 8)
        self.assertEqual(rc, 1)
        self.assertIn("not a run of `scripts/lab services`", err)

    def test_unknown_exercise_and_bad_number(self):
        rc, _, err = run_main(saved("20261203-073726"), 99)
        self.assertEqual(rc, 2)
        self.assertIn("no spec for exercise 99", err)
        rc, _, err = run_main(saved("20261203-073726"), "one")
        self.assertEqual(rc, 2)

    def test_no_run(self):
        rc, _, err = run_main(os.path.join(self.tmp, "nothing"), 1)
        self.assertEqual(rc, 1)
        self.assertIn("results.json", err)


class Rounding(unittest.TestCase):
    def test_agrees_to_the_quoted_digits(self):
        self.assertTrue(exlib.agrees(6.8955, "6.90"))
        self.assertFalse(exlib.agrees(6.8949, "6.90"))
        self.assertTrue(exlib.agrees(43469.4, 43469))
        self.assertFalse(exlib.agrees(43470.6, 43469))
        self.assertTrue(exlib.agrees(0.046875, 0.05))
        self.assertFalse(exlib.agrees(None, 1.0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
