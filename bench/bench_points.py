"""Population scoring benchmark (a benchmark, not a test: ``make bench``).

    python bench/bench_points.py [--quick] [--n N] [--seed S]

Generates the synthetic population once (cached under ``var/bench/pop-N-seedS/``), then
measures, each in a fresh child process:

- end to end: Parquet records → current records → inputs → scores (target ≤ 60 s for
  5,113,100 residents, peak memory ≤ 8 GB: the child's peak RSS, read by the parent with
  ``resource.getrusage(RUSAGE_CHILDREN)``);
- scoring with every item column from prepared inputs (target ≤ 3 s);
- comparing two rule sets (ningbo-2021 → zhejiang-2022) from prepared inputs (≤ 10 s);
- the commands users run, as subprocesses (``xjm points score --records DIR --as-of
  2026-12-01 --format parquet|csv --out FILE``): end to end including the version checks
  and writing, ≤ 35 s for Parquet and ≤ 45 s for CSV, peak memory ≤ 8 GB (the child's own
  peak RSS, from ``os.wait4``), with the seconds of each phase from ``--progress``;
  ``xjm points compare`` is timed too (no target).

Prints a table (name, value, unit, target, met) and merges the same entries into
``var/bench/report.json`` (entries of other benches are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FULL = 5_113_100
QUICK = 100_000
AS_OF = dt.date(2026, 12, 1)
REPORT = ROOT / "var" / "bench" / "report.json"


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def child(task: str, pop: Path) -> dict:
    """Run one measurement in this (child) process; returns what it measured."""
    import polars as pl

    from points.compare import compare_rule_sets
    from points.population import load_current, prepare_inputs, score_population
    from points.rules import load_profile

    a, b = load_profile("ningbo-2021"), load_profile("zhejiang-2022")
    out: dict = {}
    if task == "e2e":
        t0 = time.perf_counter()
        frames = load_current(pop)
        inputs = prepare_inputs(frames, AS_OF, a)
        t1 = time.perf_counter()
        scores = score_population(inputs, AS_OF, a)
        t2 = time.perf_counter()
        out = {"prepare": t1 - t0, "score": t2 - t1, "total": t2 - t0,
               "people": scores.height, "peak_gb": _peak_gb()}  # before writing the inputs
        inputs.write_parquet(pop.with_name(pop.name + "-inputs.parquet"))
    elif task == "score":
        inputs = pl.read_parquet(pop.with_name(pop.name + "-inputs.parquet"))
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            scores = score_population(inputs, AS_OF, a)
            runs.append(time.perf_counter() - t0)
        out = {"score": min(runs), "runs": runs, "columns": scores.width}
    elif task == "compare":
        inputs = prepare_inputs(load_current(pop), AS_OF, [a, b])
        t0 = time.perf_counter()
        report = compare_rule_sets(inputs, AS_OF, a, b)
        out = {"compare": time.perf_counter() - t0, "changed": report.changed,
               "count": report.count}
    return out


def _run_child(task: str, pop: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", task, "--dir", str(pop)],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode:
        raise SystemExit(f"child {task} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


XJM = Path(sys.executable).with_name("xjm")
PHASE = re.compile(r"^\[\s*([0-9.]+) s\] (.*?)(?:… / (.*)…| / (done))$")


def run_command(args: list[str]) -> dict:
    """Run ``xjm`` with ``args`` as a child process: wall seconds, the child's peak RSS in
    GB, the seconds of each phase (from its ``--progress`` lines), stderr's other lines."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([str(XJM), *args, "--progress"], stdout=subprocess.DEVNULL,
                                stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().splitlines()
    if proc.returncode:
        raise SystemExit(f"xjm {' '.join(args)} failed ({proc.returncode}):\n"
                         + "\n".join(lines))
    marks = [(float(m[1]), m[3] or m[4]) for m in map(PHASE.match, lines) if m]
    phases = {name.replace(" ", "_"): round(nxt - at, 3)
              for (at, name), (nxt, _) in itertools.pairwise(marks)}
    return {"seconds": seconds, "peak_gb": usage.ru_maxrss / 1024 / 1024, "phases": phases,
            "messages": [line for line in lines if not PHASE.match(line)]}


def command_entries(n: int, pop: Path, scale: float) -> list[dict]:
    """Time ``xjm points score`` (Parquet, CSV) and ``xjm points compare`` on ``pop``."""
    entries = []
    with tempfile.TemporaryDirectory(dir=pop.parent) as tmp:
        for fmt, target in (("parquet", 35), ("csv", 45)):
            out = Path(tmp) / f"scores.{fmt}"
            run = run_command(["points", "score", "--records", str(pop), "--as-of",
                               AS_OF.isoformat(), "--format", fmt, "--out", str(out)])
            name = f"cli.points_score.{fmt}[n={n}]"
            entries += [_entry(name, run["seconds"], "s", round(target * scale, 3)),
                        _entry(f"{name}.peak_rss", run["peak_gb"], "GB", 8.0),
                        _entry(f"{name}.output", out.stat().st_size / 1e6, "MB", None)]
            entries += [_entry(f"{name}.phase.{phase}", s, "s", None)
                        for phase, s in run["phases"].items()]
            for line in run["messages"]:
                print(f"  {name}: {line}")
        run = run_command(["points", "compare", "--records", str(pop), "--as-of",
                           AS_OF.isoformat(), "ningbo-2021", "zhejiang-2022"])
        entries += [_entry(f"cli.points_compare[n={n}]", run["seconds"], "s", None),
                    _entry(f"cli.points_compare.peak_rss[n={n}]", run["peak_gb"], "GB", None)]
    return entries


def _entry(name: str, value: float, unit: str, target: float | None,
           lower_is_better: bool = True) -> dict:
    met = None if target is None else (value <= target if lower_is_better else value >= target)
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "met": met}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"{QUICK:,} residents")
    ap.add_argument("--n", type=int, default=None, help=f"residents (default {FULL:,})")
    ap.add_argument("--seed", type=int, default=2021)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, Path(args.dir))))
        return 0
    n = args.n or (QUICK if args.quick else FULL)
    pop = ROOT / "var" / "bench" / f"pop-{n}-seed{args.seed}"
    entries = []
    marker = pop / "_generated.json"
    if not marker.exists():
        from points import synth

        t0 = time.perf_counter()
        counts = synth.generate(n, args.seed, pop, as_of=AS_OF)
        counts["seconds"] = time.perf_counter() - t0
        marker.write_text(json.dumps(counts))
        entries.append(_entry(f"synth.generate[n={n}]", counts["seconds"], "s", None))
    counts = json.loads(marker.read_text())
    scale = n / FULL  # targets are for the full population; --quick scales them down
    e2e = _run_child("e2e", pop)
    # the child's peak RSS as the parent sees it also counts writing the inputs for the
    # next children; the child's own figure, taken before that, is the end-to-end peak
    peak_all = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    score = _run_child("score", pop)
    cmp_ = _run_child("compare", pop)
    commands = command_entries(n, pop, scale)
    entries += [
        _entry(f"population.records[n={n}]", counts["records"], "records", None),
        _entry(f"population.end_to_end[n={n}]", e2e["total"], "s", round(60 * scale, 3)),
        _entry(f"population.end_to_end.load_prepare[n={n}]", e2e["prepare"], "s", None),
        _entry(f"population.end_to_end.peak_rss[n={n}]", e2e["peak_gb"], "GB", 8.0),
        _entry(f"population.end_to_end.peak_rss_with_write[n={n}]", peak_all, "GB", None),
        _entry(f"population.score[n={n}]", score["score"], "s", round(3 * scale, 3)),
        _entry(f"population.compare[n={n}]", cmp_["compare"], "s", round(10 * scale, 3)),
        *commands,
    ]
    print(f"{'name':<58}{'value':>12} {'unit':<8}{'target':>10}  met")
    for e in entries:
        target = "" if e["target"] is None else e["target"]
        met = "" if e["met"] is None else ("yes" if e["met"] else "NO")
        print(f"{e['name']:<58}{e['value']:>12} {e['unit']:<8}{target!s:>10}  {met}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(REPORT.read_text()) if REPORT.exists() else []
    mine = {e["name"] for e in entries}
    REPORT.write_text(json.dumps([e for e in old if e["name"] not in mine] + entries,
                                 ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
