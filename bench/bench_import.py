"""Benchmark of the importer on co-located and spread-out rows (issue 12: near-duplicates stay linear).

    python bench/bench_import.py [--rows 3000 20000] [--spread 200000]

For each size, writes a CSV whose rows all sit on one point (the hostile case that used to make
4.5 M warnings and 1.9 GB), imports it with ``import_file`` in a fresh process, and prints the
time, the peak resident memory, the near-duplicate count and the warning count; then the same for
spread-out rows (a big honest file). Nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from gislib.io.importer import import_file
t = time.perf_counter()
r = import_file(sys.argv[1], "outfalls")
print(json.dumps({"seconds": round(time.perf_counter() - t, 2), "accepted": len(r.accepted),
                  "near_duplicates": len(r.near_duplicates), "warnings": len(r.warnings),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def write_csv(path: Path, n: int, spread: bool) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("code,name,type_l2,lng,lat\n")
        for i in range(n):
            lon, lat = (121.30 + (i % 1000) * 2e-4, 31.20 + (i // 1000) * 2e-4) if spread else (121.40, 31.25)
            fh.write(f"C{i},排口{i},城镇雨洪排口,{lon:.6f},{lat:.6f}\n")
    return path


def run(path: Path) -> dict:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[3000, 20000])
    parser.add_argument("--spread", type=int, nargs="*", default=[200000])
    args = parser.parse_args()
    print(f"{'case':<22}{'rows':>8}{'s':>8}{'peak MB':>9}{'near-dup':>10}{'warnings':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for n, spread in [(n, False) for n in args.rows] + [(n, True) for n in args.spread]:
            res = run(write_csv(Path(tmp) / f"{n}_{spread}.csv", n, spread))
            case = "spread out" if spread else "all on one point"
            print(f"{case:<22}{n:>8}{res['seconds']:>8}{res['peak_mb']:>9}{res['near_duplicates']:>10}{res['warnings']:>10}")


if __name__ == "__main__":
    main()
