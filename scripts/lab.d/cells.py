# SPDX-License-Identifier: BSD-3-Clause
"""The run's results.json, kept whole after every cell (a killed run keeps what it measured).

  cells.py append RUN_DIR [--gen FILE] key=value...   add one cell (echo-gen's object, or a
                                                       failed/unavailable cell made from the keys)
  cells.py meta RUN_DIR key=value...                  set top-level keys of run.json
  cells.py event RUN_DIR TEXT                         add a line to run.json's "events"
  cells.py summary FILE                               one line about echo-gen's cell for humans
Keys starting with "lab." go into the cell's "lab" object; "cell.X" sets X of a cell that has
no echo-gen object; "set.X" overrides X of echo-gen's object; values that parse as JSON are
stored as JSON, others as strings.
"""

import json
import math
import os
import sys

CELL_KEYS = ("transport", "path", "driver", "payload_bytes", "mode", "window", "rate_pps")


def num(v):
    """A finite float of a cell's value, or None (JSON null, NaN, missing, not a number)."""
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def ratio(a, b):
    """a / b of two values, or None where either is not a number or b is 0."""
    a, b = num(a), num(b)
    if a is None or b is None or b == 0:
        return None
    return a / b


def value(s):
    try:
        return json.loads(s)
    except ValueError:
        return s


def write_atomic(path, data):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def parse_kv(args):
    out = {}
    for a in args:
        if "=" not in a:
            raise ValueError(f"expected key=value, got '{a}'")
        k, v = a.split("=", 1)
        out[k] = value(v)
    return out


def append(run_dir, args):
    gen = None
    if len(args) >= 2 and args[0] == "--gen":
        gen, args = args[1], args[2:]
    kv = parse_kv(args)
    lab = {k[4:]: v for k, v in kv.items() if k.startswith("lab.")}
    base = {k[5:]: v for k, v in kv.items() if k.startswith("cell.")}
    override = {k[4:]: v for k, v in kv.items() if k.startswith("set.")}
    path = os.path.join(run_dir, "results.json")
    cells = []
    if os.path.exists(path):
        with open(path) as f:
            cells = json.load(f)
    if gen is not None:
        with open(gen) as f:
            objs = json.load(f)
        if not isinstance(objs, list) or len(objs) != 1 or not isinstance(objs[0], dict):
            raise ValueError(f"{gen}: expected a JSON array with one cell object")
        cell = objs[0]
    else:
        cell = {k: base.get(k) for k in CELL_KEYS}
    cell.update(override)
    cell["lab"] = lab
    cells.append(cell)
    write_atomic(path, cells)


def read_run(run_dir):
    """The run's run.json as (its path, its content); an empty dict before the first write."""
    path = os.path.join(run_dir, "run.json")
    if not os.path.exists(path):
        return path, {}
    with open(path) as f:
        return path, json.load(f)


def meta(run_dir, args):
    path, m = read_run(run_dir)
    for k, v in parse_kv(args).items():
        node = m
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    write_atomic(path, m)


def event(run_dir, text):
    path, m = read_run(run_dir)
    m.setdefault("events", []).append(text)
    write_atomic(path, m)


def summary(path):
    """'p50 21.3 µs, 0.045 Mpps, 0 lost, 0 corrupt' and exit 0; exit 1 with the reason when the
    cell got no replies (a cell with corrupt replies is measured, and says so loudly)."""
    with open(path) as f:
        objs = json.load(f)
    c = objs[0] if isinstance(objs, list) and objs else None
    if not isinstance(c, dict):
        print("echo-gen wrote no cell object")
        return 1
    rtt = c.get("rtt_us") or {}
    p50 = rtt.get("p50")
    line = (f"p50 {p50:.1f} µs" if isinstance(p50, (int, float)) else "p50 -") + \
        f", {(c.get('pps') or 0) / 1e6:.3f} Mpps, {c.get('lost')} lost, {c.get('corrupt')} corrupt"
    if not c.get("received"):
        print(f"no replies ({c.get('sent')} sent, {c.get('lost')} lost)")
        return 1
    if c.get("corrupt"):
        line = f"CORRUPT REPLIES: {line}"
    print(line)
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        if argv[1] == "append":
            append(argv[2], argv[3:])
        elif argv[1] == "meta":
            meta(argv[2], argv[3:])
        elif argv[1] == "event":
            event(argv[2], " ".join(argv[3:]))
        elif argv[1] == "summary":
            return summary(argv[2])
        else:
            print(f"cells.py: unknown command '{argv[1]}'", file=sys.stderr)
            return 2
    except (OSError, ValueError) as e:
        print(f"cells.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
