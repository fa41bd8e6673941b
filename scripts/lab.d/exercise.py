# SPDX-License-Identifier: BSD-3-Clause
"""`scripts/lab report [DIR] --exercise N`: the figures each question of exercise N refers to,
from the run at hand beside the reference run the worked answers quote, and the questions whose
premise does not hold in this run.

Usage: /usr/bin/python3 scripts/lab.d/exercise.py RUN_DIR N
The specs are scripts/lab.d/exercises/exNN.py (vocabulary in exlib.py; docs/lab.md, "Checking
an exercise against your run"). Exit 0 when the figures were printed, premises that do not hold
included (they are information); 1 when the run cannot be read, has none of the exercise's
figures, or a spec names a field the results no longer have; 2 for bad use.
"""

import glob
import importlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_DIR = os.path.join(HERE, "exercises")
sys.path.insert(0, SPEC_DIR)

import exlib  # noqa: E402
import report  # noqa: E402
import services  # noqa: E402


def available():
    """The exercise numbers that have a spec."""
    out = []
    for p in glob.glob(os.path.join(SPEC_DIR, "ex[0-9][0-9].py")):
        out.append(int(os.path.basename(p)[2:4]))
    return sorted(out)


def load_spec(n):
    """The Exercise of exercises/exNN.py; ValueError naming the ones that exist otherwise."""
    if n not in available():
        have = ", ".join(str(x) for x in available()) or "none"
        raise ValueError(f"no spec for exercise {n} (scripts/lab.d/exercises/ex{n:02d}.py); "
                         f"exercises with one: {have}")
    mod = importlib.import_module(f"ex{n:02d}")
    ex = getattr(mod, "EXERCISE", None)
    if not isinstance(ex, exlib.Exercise) or ex.number != n:
        raise ValueError(f"scripts/lab.d/exercises/ex{n:02d}.py defines no EXERCISE for "
                         f"exercise {n}")
    return ex


def run_name(run):
    """The run's name as the results folder and the texts give it (services-... for a services
    run, whose run.json holds the bare timestamp)."""
    if run.meta.get("kind") == "services" and not run.run_id.startswith("services-"):
        return "services-" + run.run_id
    return run.run_id


def load_run(run_dir):
    run = report.Run(run_dir)
    run.run_id = run_name(run)
    return run


def matrix_name(run):
    f = (run.meta.get("matrix") or {}).get("file") or ""
    if run.meta.get("kind") == "services":
        return "services"
    return os.path.basename(f)[:-5] if f.endswith(".conf") else (f or "unknown")


def commands(ex):
    if not ex.runs and ex.how:
        return ex.how
    seen = []
    for c in ex.runs.values():
        if c not in seen:
            seen.append(c)
    return " or ".join(f"`{c}`" for c in seen)


def question_lines(ex, q, figs, prem):
    out = [f"Question {q.number}" + (f": {q.about}" if q.about else "")]
    if figs:
        rows = []
        for f, v in figs:
            ref_run = ex.ref_run(f)
            r = report.ratio(v, exlib.ref_number(f.ref))
            shown = exlib.fmt_value(v, f.unit, f.ref) if v is not None else "not in run"
            rows.append([f.name, shown,
                         exlib.fmt_ref(f.ref, f.unit), ref_run or "-",
                         f"{r:.2f}" if r is not None else "-"])
        out.append(report.md_table(["figure", "this run", "reference", "reference run",
                                    "this / ref"], rows, ["l", "r", "r", "l", "r"]))
    elif not prem:
        out.append("  (no figures: a question about mechanisms)")
    for p, h, note in prem:
        if h is True:
            out.append(f"  premise holds: {p.what}")
        elif h is False:
            out.append(f"  PREMISE DOES NOT HOLD: {note}")
        else:
            out.append(f"  premise cannot be checked (its figures are not in this run): "
                       f"{p.what}")
    return out


def render(ex, run, results):
    """The printed check: header, one block per question, the summary line."""
    mx = matrix_name(run)
    refs = ", ".join(f"{name} (`{cmd}`)" for name, cmd in ex.runs.items()) or \
        "none: no run of this repository has these figures; the text quotes none"
    out = [f"Exercise {ex.number}: {ex.title} ({ex.doc})",
           f"This run: {run.run_id} (matrix {mx}). Reference run(s): {refs}.",
           "this / ref compares your figure with the worked answer's; a different machine or "
           "a busy one moves it. The premises are what the questions take for granted.", ""]
    n_fig = n_in = n_hold = n_fail = n_unknown = 0
    for q, figs, prem in results:
        out += question_lines(ex, q, figs, prem) + [""]
        n_fig += len(figs)
        n_in += sum(1 for _, v in figs if v is not None)
        n_hold += sum(1 for _, h, _ in prem if h is True)
        n_fail += sum(1 for _, h, _ in prem if h is False)
        n_unknown += sum(1 for _, h, _ in prem if h is None)
    n_prem = n_hold + n_fail + n_unknown
    summary = (f"Summary: exercise {ex.number} on run {run.run_id}: {len(results)} questions, "
               f"{n_in} of {n_fig} figures in this run; "
               f"{n_prem} premise{'s' if n_prem != 1 else ''}: "
               f"{n_hold} hold{'s' if n_hold == 1 else ''}, "
               f"{n_fail} {'does' if n_fail == 1 else 'do'} not hold")
    if n_unknown:
        summary += f", {n_unknown} cannot be checked"
    summary += "."
    missing = {}
    for _, figs, _ in results:
        for f, v in figs:
            if v is None:
                missing[ex.ref_run(f)] = missing.get(ex.ref_run(f), 0) + 1
    for name, k in missing.items():
        if name is None:
            continue
        summary += (f" {k} figure{'s' if k > 1 else ''} quoted from run {name} "
                    f"{'are' if k > 1 else 'is'} not in this run: `{ex.runs[name]}` makes "
                    f"{'them' if k > 1 else 'it'}.")
    out.append(summary)
    return out, n_in


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run_dir, n = argv[1], argv[2]
    if not n.isdigit():
        print(f"lab report: --exercise takes an exercise number, not '{n}' (with a spec: "
              f"{', '.join(str(x) for x in available())})", file=sys.stderr)
        return 2
    try:
        ex = load_spec(int(n))
    except ValueError as e:
        print(f"lab report: {e}", file=sys.stderr)
        return 2
    try:
        run = load_run(run_dir)
    except (OSError, ValueError) as e:
        print(f"lab report: {run_dir}: {e}", file=sys.stderr)
        return 1
    if ex.services and not os.path.exists(services.services_path(run.dir)):
        print(f"lab report: {run_dir} is not a run of `scripts/lab services` (no services.json), "
              f"which exercise {ex.number} reads: make one with {commands(ex)}, then "
              f"scripts/lab report results/services-<timestamp> --exercise {ex.number}",
              file=sys.stderr)
        return 1
    lack = ex.lacks(run) if ex.lacks else None
    if lack:
        print(f"lab report: run {run.run_id} ({run_dir}) {lack}: exercise {ex.number}'s figures "
              f"come from {commands(ex)}", file=sys.stderr)
        return 1
    try:
        results = exlib.evaluate(ex, run)
    except (exlib.FormatError, OSError, ValueError) as e:
        print(f"lab report: {e}; fix scripts/lab.d/exercises/ex{ex.number:02d}.py or the "
              f"report code that writes the field", file=sys.stderr)
        return 1
    lines, n_in = render(ex, run, results)
    if n_in == 0:
        print(f"lab report: run {run.run_id} ({run_dir}, matrix {matrix_name(run)}) has none "
              f"of the figures of exercise {ex.number}: make a run with {commands(ex)}, then "
              f"scripts/lab report DIR --exercise {ex.number}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
