# SPDX-License-Identifier: BSD-3-Clause
"""The vocabulary of the exercise specs (scripts/lab.d/exercises/exNN.py) and their checking.

A spec is a list of questions; a question names the figures it refers to and the premises its
text takes for granted. A figure is a function of a loaded run (report.Run) that returns a
number, or None when the run lacks the cell; beside it, the value the worked answer quotes and
the reference run it was taken from. A premise is a predicate over the run (True, False, or
None when the run lacks its figures) with the line printed when it does not hold.

The accessors here read the cell JSON that report.Run loads (docs/results-schema.md) and the
services cells (services.json); a field that an existing cell no longer has raises
FormatError: the results format and the spec disagree, which is an error, not a missing cell.
"""

import math

import report
import services


class FormatError(Exception):
    """A spec names a field that a cell of the run does not have."""


class Figure:
    """name: what the student looks for ("tcp p50 poll, 18 B"); unit: "µs", "Mpps", "×", "";
    value: run -> number or None; ref: the number the worked answer quotes; run: the reference
    run it comes from (None: the exercise's first reference run)."""

    def __init__(self, name, unit, value, ref, run=None):
        self.name, self.unit, self.value, self.ref, self.run = name, unit, value, ref, run


class Premise:
    """what: the premise as the question states it; holds: run -> True, False or None (cannot
    tell: its figures are not in the run); note: printed when it does not hold (a string, or
    run -> string with this run's figures), pointing to the paragraph that explains."""

    def __init__(self, what, holds, note):
        self.what, self.holds, self.note = what, holds, note


class Question:
    def __init__(self, number, figures=(), premises=(), about=""):
        self.number, self.figures, self.premises, self.about = \
            number, list(figures), list(premises), about


class Exercise:
    """number, title, doc (the English text); runs: {reference run name: the command that makes
    a run with the exercise's cells}, in the order the text introduces them; services: True
    when the figures come from `scripts/lab services` (services.json). An exercise that no run
    of this repository has measured (two hosts, NICs) has no runs, figures with ref None, and
    `how`: what makes a run with its figures. lacks: run -> None, or what the run lacks for
    the exercise (its paths), printed with `how` instead of the figures."""

    def __init__(self, number, title, doc, runs, questions, services=False, how=None,
                 lacks=None):
        self.number, self.title, self.doc = number, title, doc
        self.runs, self.questions, self.services = dict(runs), list(questions), services
        self.how, self.lacks = how, lacks

    def ref_run(self, fig):
        return fig.run or next(iter(self.runs), None)


# ---- accessors: each returns a function of the run -------------------------------------------

def _dig(obj, dotted, where):
    """obj's value at a dotted key; None for a JSON null; FormatError when a key is absent."""
    v = obj
    for k in dotted.split("."):
        if not isinstance(v, dict) or k not in v:
            raise FormatError(f"{where} has no field '{dotted}' (a run from an older lab, or "
                              f"the results format renamed it)")
        v = v[k]
    return report.num(v)


def field(path, size, kind, key):
    """A field of a measured cell: field("udp", 18, "latency", "rtt_us.p50"). Besides the
    cell's own dotted keys: "mpps" (pps / 1e6), "client.cpu_per_msg_us" (client CPU time per
    echoed message, as the report computes it)."""
    def value(run):
        c = run.ok(path, size, kind)
        if c is None:
            return None
        where = f"cell {path} {size} B {kind} of run {run.run_id}"
        if key == "mpps":
            v = _dig(c, "pps", where)
            return v / 1e6 if v is not None else None
        if key == "client.cpu_per_msg_us":
            _dig(c, "client.cpu_s", where)
            _dig(c, "received", where)
            return report.client_cpu_per_msg_us(c)
        return _dig(c, key, where)
    return value


def p50(path, size, kind="latency"):
    return field(path, size, kind, "rtt_us.p50")


def mpps(path, size, kind="throughput"):
    return field(path, size, kind, "mpps")


def cli_us(path, size, kind="throughput"):
    return field(path, size, kind, "client.cpu_per_msg_us")


def srv_us(path, size, kind="throughput"):
    return field(path, size, kind, "server.cpu_per_msg_us")


def srv_cycles(path, size, kind="throughput"):
    return field(path, size, kind, "server.cycles_per_msg")


def svc(service, workload, transport, key):
    """A field of a measured services cell (services.json): svc("redis", "SET", "unix", "rps")."""
    def value(run):
        cs = getattr(run, "_services_cells", None)
        if cs is None:
            cs = run._services_cells = services.load_cells(run.dir)
        c = services.ok_cell(cs, service, workload, transport)
        if c is None:
            return None
        return _dig(c, key, f"services cell {service} {workload} {transport} of run "
                    f"{run.run_id}")
    return value


def ratio(a, b):
    """a / b of two figure functions (None when either is missing or b is 0)."""
    return lambda run: report.ratio(a(run), b(run))


def diff(a, b):
    def value(run):
        x, y = a(run), b(run)
        return x - y if x is not None and y is not None else None
    return value


def scaled(fig, k):
    """fig x k (units: 1e-3 for thousands, 100 for a fraction as a percentage)."""
    def value(run):
        v = fig(run)
        return v * k if v is not None else None
    return value


def share(part, whole):
    """part / whole as a percentage."""
    def value(run):
        r = report.ratio(part(run), whole(run))
        return r * 100 if r is not None else None
    return value


def spread(*figs):
    """max / min of several figures (None when any is missing)."""
    def value(run):
        vs = [f(run) for f in figs]
        if any(v is None or v <= 0 for v in vs):
            return None
        return max(vs) / min(vs)
    return value


def lowest(*figs):
    """The smallest of several figures (None when any is missing)."""
    def value(run):
        vs = [f(run) for f in figs]
        return None if any(v is None for v in vs) else min(vs)
    return value


def highest(*figs):
    def value(run):
        vs = [f(run) for f in figs]
        return None if any(v is None for v in vs) else max(vs)
    return value


def all_of(*preds):
    """A premise predicate: every predicate holds (False when one does not, None when none
    fails but one cannot tell)."""
    def holds(run):
        hs = [p(run) for p in preds]
        if any(h is False for h in hs):
            return False
        return None if any(h is None for h in hs) else True
    return holds


def smaller(a, b):
    """A premise predicate: figure a < figure b (None when either is missing)."""
    def holds(run):
        x, y = a(run), b(run)
        return None if x is None or y is None else x < y
    return holds


def at_least(fig, bound):
    """A premise predicate: fig >= bound (None when the figure is missing)."""
    def holds(run):
        v = fig(run)
        return None if v is None else v >= bound
    return holds


def at_most(fig, bound):
    def holds(run):
        v = fig(run)
        return None if v is None else v <= bound
    return holds


def between(fig, lo, hi):
    """A premise predicate: lo <= fig <= hi (None when the figure is missing)."""
    return all_of(at_least(fig, lo), at_most(fig, hi))


# ---- checking ------------------------------------------------------------------------------

def ref_number(ref):
    """A reference value as a number: the spec gives it as the text quotes it, a number or a
    string ("6.90", "43,469") that keeps its trailing zeros."""
    if isinstance(ref, str):
        return float(ref.replace(",", ""))
    return ref


def quoted_decimals(ref):
    """How many decimals a reference value is quoted with ("6.90" -> 2, 23.9 -> 1, 43469 -> 0)."""
    if isinstance(ref, str):
        s = ref.replace(",", "")
    elif isinstance(ref, float):
        s = repr(ref)
    else:
        return 0
    if "e" in s or "." not in s:
        return 0
    return len(s.split(".", 1)[1])


def agrees(value, ref):
    """value rounds to ref as the text quotes it: within half a unit of ref's last decimal
    (plus a hair for binary fractions)."""
    if value is None or ref is None:
        return False
    tol = 0.5 * 10 ** -quoted_decimals(ref)
    return abs(value - ref_number(ref)) <= tol * (1 + 1e-9) + 1e-12


def evaluate(ex, run):
    """Every question's figures and premises on a run:
    [(question, [(figure, value)], [(premise, True/False/None, note or None)])].
    Raises FormatError when a figure or premise reads a field the run's cells lack."""
    out = []
    for q in ex.questions:
        figs = []
        for f in q.figures:
            try:
                figs.append((f, report.num(f.value(run))))
            except FormatError as e:
                raise FormatError(f"exercise {ex.number}, question {q.number}, figure "
                                  f"'{f.name}': {e}") from None
        prem = []
        for p in q.premises:
            try:
                h = p.holds(run)
                note = None
                if h is False:
                    note = p.note(run) if callable(p.note) else p.note
            except FormatError as e:
                raise FormatError(f"exercise {ex.number}, question {q.number}, premise "
                                  f"'{p.what}': {e}") from None
            prem.append((p, h, note))
        out.append((q, figs, prem))
    return out


def reference_problems(ex, run):
    """What disagrees when `run` is one of the exercise's reference runs: each figure quoted
    from it must be in it and round to the quoted value, and no premise may fail. A list of
    lines, empty when all agree."""
    problems = []
    for q, figs, prem in evaluate(ex, run):
        for f, v in figs:
            if ex.ref_run(f) != run.run_id:
                continue
            if v is None:
                problems.append(f"question {q.number}: '{f.name}' is not in run {run.run_id}")
            elif not agrees(v, f.ref):
                problems.append(f"question {q.number}: '{f.name}' is {v:.6g} in run "
                                f"{run.run_id}, the text quotes {f.ref}")
        for p, h, note in prem:
            if h is False:
                problems.append(f"question {q.number}: premise '{p.what}' does not hold: "
                                f"{note}")
    return problems


def _unit(unit):
    return "×" if unit == "×" else " %" if unit == "%" else f" {unit}" if unit else ""


def fmt_value(v, unit, ref=None):
    """A figure of this run, with as many decimals as the reference is quoted with (at least
    two significant digits)."""
    if v is None:
        return "-"
    d = quoted_decimals(ref) if ref is not None else 2
    if v != 0 and abs(v) < 10 ** -d * 10:
        d = max(d, 1 - math.floor(math.log10(abs(v))))
    return f"{v:,.{d}f}" + _unit(unit)


def fmt_ref(ref, unit):
    if ref is None:
        return "-"
    if isinstance(ref, str):
        return ref + _unit(unit)
    return f"{ref:,.{quoted_decimals(ref)}f}" + _unit(unit)
