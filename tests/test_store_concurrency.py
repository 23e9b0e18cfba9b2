"""Many officers at once: 20 processes × 50 updates on 10 records, on SQLite and on PostGIS.

Every worker reads a record, pauses a moment (an officer filling the form) and saves with the
version it read. Optimistic locking must hold ACROSS processes: no save may overwrite another one
it did not see (zero lost updates) and every refused save must come back as a ConflictError and be
kept in the conflict table. Proof: per record, the final version is 1 + the saves that succeeded,
the audit holds exactly one update entry per successful save, and successes + conflicts = 1,000.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import time

import pytest

from gislib.errors import ConflictError
from gislib.store import open_store

pytestmark = pytest.mark.usefixtures("db_backend")  # on SQLite and on PostGIS

PROCESSES, UPDATES, RECORDS = 20, 50, 10


def outfall(code: str) -> dict:
    return {"code": code, "name": code, "lon": 121.4, "lat": 31.2, "type_l1": "工业排污口",
            "type_l2": "工矿企业排污口", "type_l3": "工业企业排污口", "river": "苏州河",
            "subdistrict": "长征镇", "discharge_mode": "管道"}


def worker(data_dir: str, url: str | None, worker_id: int, out: "mp.Queue") -> None:
    saved: dict[str, int] = {}
    refused: dict[str, int] = {}
    other: list[str] = []
    with open_store(data_dir, url=url) as store:
        for n in range(UPDATES):
            code = f"PWK-{(worker_id + n) % RECORDS:02d}"
            seen = store.get("outfalls", code)
            time.sleep(0.001 * (n % 3))
            try:
                store.update("outfalls", code, {"address": f"w{worker_id}-{n}"}, seen["version"], f"officer{worker_id}")
                saved[code] = saved.get(code, 0) + 1
            except ConflictError:
                refused[code] = refused.get(code, 0) + 1
            except Exception as exc:  # anything else is a failure of the test
                other.append(f"{type(exc).__name__}: {exc}")
    out.put((saved, refused, other))


def test_optimistic_locking_holds_across_processes(tmp_path, db_backend):
    url = os.environ.get("HETU_DB_URL")
    with open_store(tmp_path, url=url) as store:
        store.upsert_many("outfalls", [outfall(f"PWK-{i:02d}") for i in range(RECORDS)], "seed", "test")
    ctx = mp.get_context("fork")  # the store is closed here: no connection is shared
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(str(tmp_path), url, w, queue)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    assert [o for _s, _r, other in results for o in other] == []
    saved = {f"PWK-{i:02d}": sum(s.get(f"PWK-{i:02d}", 0) for s, _r, _o in results) for i in range(RECORDS)}
    refused = sum(sum(r.values()) for _s, r, _o in results)
    assert sum(saved.values()) + refused == PROCESSES * UPDATES
    assert refused > 0, "no save ever overlapped another: the test did not exercise concurrency"
    with open_store(tmp_path, url=url) as store:
        for code, n in saved.items():
            rec = store.get("outfalls", code)
            updates = [a for a in store.audit("outfalls", code) if a["action"] == "update"]
            assert rec["version"] == 1 + n, f"{code}: {n} saves succeeded but version is {rec['version']}"
            assert len(updates) == n  # one audited change per successful save: none overwritten unseen
            assert rec["address"] == updates[0]["new"]  # the newest audited value is the stored one
        assert len(store.conflicts("outfalls")) == refused  # every refused save is kept for recovery
