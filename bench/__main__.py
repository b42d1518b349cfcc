"""`make bench`: run every benchmark and print one report with targets.

Each bench module appends its figures to var/bench/report.json as a list of
{name, value, unit, target, met}; this runner prints the merged report at the end.
Pass --quick for the 100,000-resident development mode. After the benchmarks, the
schemathesis fuzz of the API (tests/security/test_api_fuzz.py) runs with 10,000 generated
requests per persona (CI runs 1,000; --quick here too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "var" / "bench" / "report.json"
BENCHES = [
    "bench/bench_points.py",
    "bench/bench_import.py",
    "bench/bench_scoring.py",
    "bench/bench_permits.py",
    "bench/bench_queue.py",
    "bench/bench_api.py",
    "bench/bench_faults.py",
]
FUZZ = "tests/security/test_api_fuzz.py"
FUZZ_REQUESTS, FUZZ_REQUESTS_QUICK = 10_000, 1_000


def main(argv: list[str]) -> int:
    failed = 0
    for script in BENCHES:
        path = ROOT / script
        if not path.exists():
            print(f"missing benchmark {script}", file=sys.stderr)
            failed += 1
            continue
        print(f"== {script} {' '.join(argv)}", flush=True)
        failed += subprocess.call([sys.executable, str(path), *argv], cwd=ROOT) != 0
    requests = FUZZ_REQUESTS_QUICK if "--quick" in argv else FUZZ_REQUESTS
    print(f"== {FUZZ} (XJM_FUZZ_REQUESTS={requests})", flush=True)
    failed += subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-s", FUZZ],
        cwd=ROOT, env={**os.environ, "XJM_FUZZ_REQUESTS": str(requests)}) != 0
    if REPORT.exists():
        rows = json.loads(REPORT.read_text())
        print(f"\n{'name':<58} {'value':>12}      {'target':>10}      met")
        for r in rows:
            target = "-" if r.get("target") is None else r["target"]
            met = "-" if r.get("met") is None else ("yes" if r["met"] else "NO")
            print(f"{r['name']:<58} {r['value']:>12} {r['unit']:<5} {target:>10} "
                  f"{r['unit'] if target != '-' else '':<5} {met}")
        print(f"\nwritten to {REPORT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
