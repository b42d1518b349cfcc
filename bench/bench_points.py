"""Population scoring benchmark (a benchmark, not a test: ``make bench``).

    python bench/bench_points.py [--quick] [--n N] [--seed S]

Generates the synthetic population once (cached under ``var/bench/pop-N-seedS/``), then
measures, each in a fresh child process:

- end to end: Parquet records → current records → inputs → scores (target ≤ 60 s for
  5,113,100 residents, peak memory ≤ 8 GB: the child's peak RSS, read by the parent with
  ``resource.getrusage(RUSAGE_CHILDREN)``);
- scoring with every item column from prepared inputs (target ≤ 3 s);
- comparing two rule sets (ningbo-2021 → zhejiang-2022) from prepared inputs (≤ 10 s).

Prints a table (name, value, unit, target, met) and merges the same entries into
``var/bench/report.json`` (entries of other benches are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
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
    entries += [
        _entry(f"population.records[n={n}]", counts["records"], "records", None),
        _entry(f"population.end_to_end[n={n}]", e2e["total"], "s", round(60 * scale, 3)),
        _entry(f"population.end_to_end.load_prepare[n={n}]", e2e["prepare"], "s", None),
        _entry(f"population.end_to_end.peak_rss[n={n}]", e2e["peak_gb"], "GB", 8.0),
        _entry(f"population.end_to_end.peak_rss_with_write[n={n}]", peak_all, "GB", None),
        _entry(f"population.score[n={n}]", score["score"], "s", round(3 * scale, 3)),
        _entry(f"population.compare[n={n}]", cmp_["compare"], "s", round(10 * scale, 3)),
    ]
    print(f"{'name':<48}{'value':>12} {'unit':<8}{'target':>10}  met")
    for e in entries:
        target = "" if e["target"] is None else e["target"]
        met = "" if e["met"] is None else ("yes" if e["met"] else "NO")
        print(f"{e['name']:<48}{e['value']:>12} {e['unit']:<8}{target!s:>10}  {met}")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(REPORT.read_text()) if REPORT.exists() else []
    mine = {e["name"] for e in entries}
    REPORT.write_text(json.dumps([e for e in old if e["name"] not in mine] + entries,
                                 ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
