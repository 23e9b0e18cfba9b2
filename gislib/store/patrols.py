"""gislib.store.patrols: river chiefs, patrols and task batches in the record store's own tables.

The SQLite store's patrols repository (``store.patrols``, interface ``base.PatrolRepository``);
``gislib.patrols.repo.PatrolRepo(store)`` returns it. The tables come from migration 30. Writes run
in the store's write transaction (so they bump the store revision and join a service's
``store.transaction()``) and are logged in the store's append-only ``audit`` table (layer
``river_chiefs``/``patrols``/``task_batches``), each with the acting user. Nothing is deleted:
chiefs are deactivated, patrols withdrawn with a reason.

River chiefs are a configured list until logins exist: a chief is referred to by a stable ``id``
(a later ``users`` table can take over the same ids).
"""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from gislib.errors import NotFoundError, ValidationError
from gislib.problems.config import CHIEF_LEVELS
from gislib.store.base import PatrolRepository


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _user(user: str) -> str:
    if not isinstance(user, str) or not user.strip():
        raise ValidationError("error.user_required", field="user")
    return user.strip()


class SQLitePatrols(PatrolRepository):
    """Chiefs, patrols and batches of one SQLite store (``store.patrols``)."""

    def __init__(self, store):
        self.store = store
        self._conn = store._conn

    def _q(self, sql: str, args: tuple | list = ()) -> list:
        """Rows of a read query (under the store's lock: one connection is shared by threads)."""
        with self.store._lock:
            return self._conn.execute(sql, args).fetchall()

    def _audit(self, layer: str, code: str, user: str, action: str, new: Any, note: str | None = None) -> None:
        self._conn.execute(
            "INSERT INTO audit (layer, code, feature_id, user, at, action, field, old, new, note) "
            "VALUES (?,?,NULL,?,?,?,NULL,NULL,?,?)",
            (layer, code, user, _now(), action, json.dumps(new, ensure_ascii=False, default=str), note))

    def audit(self, layer: str, code: str) -> list[dict[str, Any]]:
        rows = self._q("SELECT * FROM audit WHERE layer=? AND code=? ORDER BY id DESC", (layer, code))
        return [{k: r[k] for k in ("user", "at", "action", "note")} | {"new": json.loads(r["new"] or "null")}
                for r in rows]

    # ------------------------------------------------------------------ chiefs
    def save_chief(self, chief: dict[str, Any], user: str) -> dict[str, Any]:
        """Insert or update a chief {id, name, level, subdistrict, rivers, active}."""
        user = _user(user)
        cid, name, level = (str(chief.get(k) or "").strip() for k in ("id", "name", "level"))
        if not cid or not name:
            raise ValidationError("error.chief_id_name", field="id")
        if level not in CHIEF_LEVELS:
            raise ValidationError("error.chief_level", field="level", level=level, choices=list(CHIEF_LEVELS))
        rivers = list(chief.get("rivers") or [])
        with self.store._write():
            self._conn.execute(
                "INSERT INTO river_chiefs (id, name, level, subdistrict, rivers, active, updated_by, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name=excluded.name, level=excluded.level, "
                "subdistrict=excluded.subdistrict, rivers=excluded.rivers, active=excluded.active, "
                "updated_by=excluded.updated_by, updated_at=excluded.updated_at",
                (cid, name, level, chief.get("subdistrict"), json.dumps(rivers, ensure_ascii=False),
                 int(chief.get("active", True)), user, _now()))
            self._audit("river_chiefs", cid, user, "update", {"name": name, "level": level, "rivers": rivers,
                                                              "subdistrict": chief.get("subdistrict")})
        return self.chief(cid)

    @staticmethod
    def _chief_row(r) -> dict[str, Any]:
        return {"id": r["id"], "name": r["name"], "level": r["level"], "subdistrict": r["subdistrict"],
                "rivers": json.loads(r["rivers"]), "active": bool(r["active"])}

    def chief(self, ref: str) -> dict[str, Any]:
        """A chief by id or by name."""
        rows = self._q("SELECT * FROM river_chiefs WHERE id=? OR name=? ORDER BY id=? DESC LIMIT 1", (ref, ref, ref))
        r = rows[0] if rows else None
        if r is None:
            raise NotFoundError("error.chief_not_found", ref=ref)
        return self._chief_row(r)

    def chiefs(self, active_only: bool = True) -> list[dict[str, Any]]:
        sql = "SELECT * FROM river_chiefs" + (" WHERE active=1" if active_only else "") + " ORDER BY id"
        return [self._chief_row(r) for r in self._q(sql)]

    # ------------------------------------------------------------------ patrols
    def next_patrol_code(self, day: dt.date) -> str:
        prefix = f"XH{day:%Y%m%d}-"
        n = self._conn.execute("SELECT COUNT(*) FROM patrols WHERE code LIKE ?", (prefix + "%",)).fetchone()[0]
        return f"{prefix}{n + 1:03d}"

    def add_patrol(self, patrol: dict[str, Any], user: str) -> dict[str, Any]:
        """Store a patrol {chief_id, date, track_wkt, length_m, duration_min, stretches, …}."""
        user = _user(user)
        chief = self.chief(patrol["chief_id"])
        day = dt.date.fromisoformat(str(patrol["date"])[:10])
        with self.store._write():
            code = patrol.get("code") or self.next_patrol_code(day)
            self._conn.execute(
                "INSERT INTO patrols (code, chief_id, date, started_at, ended_at, duration_min, length_m, track_wkt, "
                "source_file, source_format, source_crs, stretches, findings, note, created_by, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (code, chief["id"], day.isoformat(), patrol.get("started_at"), patrol.get("ended_at"),
                 patrol.get("duration_min"), float(patrol["length_m"]), patrol["track_wkt"],
                 patrol.get("source_file"), patrol.get("source_format"), patrol.get("source_crs"),
                 json.dumps(patrol.get("stretches") or []),
                 json.dumps(patrol.get("findings") or [], ensure_ascii=False), patrol.get("note"), user, _now()))
            self._audit("patrols", code, user, "create", {k: v for k, v in patrol.items() if k != "track_wkt"})
        return self.patrol(code)

    @staticmethod
    def _patrol_row(r) -> dict[str, Any]:
        out = {k: r[k] for k in r.keys() if k != "id"}
        out["stretches"] = json.loads(r["stretches"])
        out["findings"] = json.loads(r["findings"])
        return out

    def patrol(self, code: str) -> dict[str, Any]:
        rows = self._q("SELECT * FROM patrols WHERE code=?", (code,))
        r = rows[0] if rows else None
        if r is None:
            raise NotFoundError("error.patrol_not_found", code=code)
        return self._patrol_row(r)

    def patrols(self, chief_id: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None, include_removed: bool = False) -> list[dict[str, Any]]:
        where, args = [], []
        if chief_id:
            where.append("chief_id=?")
            args.append(chief_id)
        if since:
            where.append("date>=?")
            args.append(since.isoformat())
        if until:
            where.append("date<=?")
            args.append(until.isoformat())
        if not include_removed:
            where.append("removed_reason IS NULL")
        sql = "SELECT * FROM patrols" + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY date, code"
        return [self._patrol_row(r) for r in self._q(sql, args)]

    def add_finding(self, code: str, finding: dict[str, Any], user: str) -> dict[str, Any]:
        """Append a finding {text, lon, lat, problem} to a patrol (audited)."""
        user = _user(user)
        with self.store._write():
            rows = self.patrol(code)["findings"] + [finding]
            self._conn.execute("UPDATE patrols SET findings=? WHERE code=?",
                               (json.dumps(rows, ensure_ascii=False), code))
            self._audit("patrols", code, user, "update", {"finding": finding})
        return self.patrol(code)

    def remove_patrol(self, code: str, user: str, reason: str) -> dict[str, Any]:
        """Withdraw a patrol (kept, no longer counted) with the reason."""
        user = _user(user)
        if not (reason or "").strip():
            raise ValidationError("error.patrol_remove_reason", field="reason")
        with self.store._write():
            self.patrol(code)
            self._conn.execute("UPDATE patrols SET removed_reason=? WHERE code=?", (reason.strip(), code))
            self._audit("patrols", code, user, "remove", None, reason)
        return self.patrol(code)

    # ------------------------------------------------------------------ task batches
    def save_batch(self, batch: dict[str, Any], user: str) -> dict[str, Any]:
        """Create a task batch {code, name, issued_by, issued_date, note} (the items are problems)."""
        user = _user(user)
        code, name = (str(batch.get(k) or "").strip() for k in ("code", "name"))
        if not code or not name:
            raise ValidationError("error.batch_code_name", field="code")
        with self.store._write():
            self._conn.execute(
                "INSERT INTO task_batches (code, name, issued_by, issued_date, note, created_by, created_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET name=excluded.name, "
                "issued_by=excluded.issued_by, issued_date=excluded.issued_date, note=excluded.note",
                (code, name, batch.get("issued_by"), batch.get("issued_date"), batch.get("note"), user, _now()))
            self._audit("task_batches", code, user, "update", batch)
        return self.batch(code)

    def batch(self, code: str) -> dict[str, Any]:
        rows = self._q("SELECT * FROM task_batches WHERE code=?", (code,))
        r = rows[0] if rows else None
        if r is None:
            raise NotFoundError("error.batch_not_found", code=code)
        return {k: r[k] for k in r.keys()}

    def batches(self) -> list[dict[str, Any]]:
        return [{k: r[k] for k in r.keys()} for r in
                self._q("SELECT * FROM task_batches ORDER BY issued_date DESC, code")]
