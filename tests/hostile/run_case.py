"""Read one upload under a memory and CPU cap, the way the app would; print one JSON line.

    python tests/hostile/run_case.py FILE MEM_MB [--import LAYER | --with quality|soil|dust]

Output: outcome ("read", "refused" for a HetuError, "crash" for anything else), the error type and
message, rows read (and first row), seconds spent reading, and peak RSS in MB: VmHWM of this process
(``peak_mb``; ``baseline_mb`` is the same after importing the libraries, before reading) and
ru_maxrss (``ru_maxrss_mb``; on Linux it also carries the forking parent's size, so it can only be
higher).
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _hwm_mb() -> int:
    """Peak resident memory of this process image (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _read_with(reader: str, path: Path) -> list:
    """The rows the ``quality``/``soil-check``/``dust-check`` commands read from ``path``."""
    if reader == "quality":
        from gislib.water.quality import read_samples

        return list(read_samples(path))
    if reader == "soil":
        from gislib.soil.gb36600 import read_soil_file

        return read_soil_file(path)
    from gislib.dust.rule import read_readings

    return list(read_readings(path).frame.itertuples())


def main(argv: list[str]) -> int:
    path, mem_mb = Path(argv[0]), int(argv[1])
    layer = argv[3] if len(argv) > 3 and argv[2] == "--import" else None
    reader = argv[3] if len(argv) > 3 and argv[2] == "--with" else None
    cap = mem_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (90, 90))
    from gislib.errors import HetuError
    from gislib.io.importer import import_file, read_source

    import geopandas  # noqa: F401 - the libraries an import uses, loaded before measuring
    import openpyxl  # noqa: F401

    baseline = _hwm_mb()
    out: dict = {"file": path.name}
    start = time.perf_counter()
    try:
        if reader:
            rows = _read_with(reader, path)
            out.update(outcome="read", rows=len(rows), first={})
        elif layer:
            report = import_file(path, layer)
            out.update(outcome="read", rows=len(report.accepted), rejected=len(report.rejected), first={})
        else:
            table = read_source(path)
            out.update(outcome="read", rows=len(table.rows), headers=table.headers, notes=table.notes,
                       first={k: (None if v is None else str(v)) for k, v in (table.rows[0].values if table.rows else {}).items()})
    except HetuError as exc:
        out.update(outcome="refused", error=type(exc).__name__, message=str(exc))
    except BaseException as exc:  # noqa: BLE001 - what the suite exists to catch
        out.update(outcome="crash", error=type(exc).__name__, message=repr(exc)[:500])
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["baseline_mb"] = baseline
    out["peak_mb"] = _hwm_mb()
    out["ru_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
