"""gislib.services.scoped: the sections, plots, dust, problems and patrols records as a logged-in user may
read and write them (the pages 断面水质, 污染地块, 工地扬尘, 问题闭环, 巡河 and their commands).

Every function takes the acting ``User`` first and checks it before it returns or writes anything:

* reads keep only the records inside the user's jurisdiction (``gislib.auth.permissions.in_jurisdiction``:
  the record's ``subdistrict`` is one of the user's sub-districts, or its ``river`` one of the user's rivers).
  Sections and problems carry both fields; **plots and dust sites carry only a sub-district** (they have no
  receiving water), so a river chief whose jurisdiction is rivers only sees none of them until an admin adds
  the sub-districts. River stretches (patrol coverage) carry their river and, computed here, the sub-district
  their midpoint lies in; a river chief (河长 of the 河长制 register) is inside when one of their rivers or
  their sub-district is.
* a user without the operation's right gets PermissionDenied (zh + en), never an empty answer or file;
* writes of many rows (a 整改任务清单, monthly samples, dust readings) check each row: rows outside the
  jurisdiction are rejected with the reason and the others written; a user without the right writes nothing;
* one problem's steps (``problem_step``: 交办 … 撤销, progress, 约谈, 答复, photos) need the step's right
  (``PROBLEM_STEPS``) on a problem inside the jurisdiction.

``SERVICES`` lists every operation of this module (and ``plot_listing.move_plot``) with the permission it
needs; ``tests/test_access.py`` has one permission-matrix row per role for each of them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gislib.auth.permissions import User, allowed, check, filter_frame, filter_records
from gislib.errors import PermissionDenied

# service operation -> (permission operation, record layer of the permission rules)
SERVICES: dict[str, tuple[str, str]] = {
    "sections.list": ("list_layer", "sections"),
    "sections.samples": ("list_layer", "sections"),
    "sections.bulletin": ("export", "sections"),
    "sections.import_samples": ("import", "sections"),
    "plots.list": ("list_layer", "plots"),
    "plots.registry": ("export", "plots"),
    "plots.move": ("transition", "plots"),
    "dust.sites": ("list_layer", "dust"),
    "dust.readings": ("list_layer", "dust"),
    "dust.import_readings": ("import", "dust"),
    "problems.list": ("list_layer", "problems"),
    "problems.export": ("export", "problems"),
    "problems.import": ("create_problem", "problems"),
    "problems.create": ("create_problem", "problems"),
    "problems.transition": ("transition", "problems"),
    "problems.edit": ("edit_record", "problems"),
    "problems.comment": ("comment", "problems"),
    "problems.attach": ("attach", "problems"),
    "problems.ranking": ("list_layer", "problems"),
    "patrols.chiefs": ("list_layer", "patrols"),
    "patrols.list": ("list_layer", "patrols"),
    "patrols.coverage": ("list_layer", "patrols"),
    "patrols.record": ("record_patrol", "patrols"),
    "patrols.finding": ("create_problem", "problems"),
}


def permission(service: str) -> tuple[str, str]:
    """(operation, layer) a service operation needs (KeyError for an unknown one: register it first)."""
    return SERVICES[service]


def may(user: User | None, service: str, record: Mapping[str, Any] | None = None) -> bool:
    """Whether ``user`` may call ``service`` (on ``record``: a mapping with ``subdistrict``/``river``)."""
    operation, layer = permission(service)
    return allowed(user, operation, layer if record is None else {**record, "layer": layer})


def require(user: User | None, service: str, record: Mapping[str, Any] | None = None) -> None:
    """PermissionDenied unless ``user`` may call ``service`` (on ``record``)."""
    operation, layer = permission(service)
    check(user, operation, layer if record is None else {**record, "layer": layer})


def _frame(user: User | None, service: str, frame: Any) -> Any:
    operation, layer = permission(service)
    return filter_frame(user, frame, operation, layer)


def _records(user: User | None, service: str, records: Iterable[Mapping[str, Any]]) -> list:
    operation, layer = permission(service)
    return filter_records(user, records, operation, layer)


# ---------------------------------------------------------------------------- sections (断面水质)
def sections(user: User | None, frame: Any) -> Any:
    """The sections list of the page: only the sections inside the jurisdiction (by river or sub-district)."""
    return _frame(user, "sections.list", frame)


def _of_codes(frame: Any, column: str, codes: Iterable[str]) -> Any:
    return frame[frame[column].isin(set(codes))] if len(frame) else frame


def section_samples(user: User | None, samples: Any, sections_frame: Any) -> Any:
    """The monitoring samples of the sections the user may see (``sections_frame``: every section)."""
    return _of_codes(samples, "section_code", sections(user, sections_frame)["code"])


def bulletin_inputs(user: User | None, samples: Any, sections_frame: Any) -> tuple[Any, Any]:
    """(sections, samples) a bulletin (PDF/Word/warning list) of ``user`` may hold: the export right,
    then only the sections inside the jurisdiction and their samples."""
    shown = _frame(user, "sections.bulletin", sections_frame)
    return shown, _of_codes(samples, "section_code", shown["code"])


def _rejections(user: User | None, service: str, codes: Iterable[tuple[int, str]],
                records: Mapping[str, Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """{row: reason} of the rows (row number, record code) whose record lies outside the jurisdiction."""
    out = {}
    for row, code in codes:
        target = records.get(code, {"code": code})
        try:
            require(user, service, {**target, "code": code})
        except PermissionDenied as exc:
            out[row] = {"row": row, "code": code, "zh": exc.zh, "en": exc.en}
    return out


def import_samples(user: User | None, store: Any, preview: Any, sections_frame: Any, **kwargs: Any) -> RowOutcome:
    """Monthly samples (``gislib.water.samples.commit_import`` of ``preview``) imported as ``user``: the
    rows of sections outside the jurisdiction are rejected with the reason, the others written (one batch,
    its id in ``created``); nothing is written without the ``import`` right or when every row is rejected."""
    import dataclasses

    from gislib.water.samples import commit_import

    require(user, "sections.import_samples")
    places = {r["code"]: r for r in sections_frame[[c for c in ("code", "river", "subdistrict")
                                                    if c in sections_frame.columns]].to_dict("records")}
    rejected = _rejections(user, "sections.import_samples",
                           [(r.row, r.section_code) for r in preview.valid_rows], places)
    outcome = RowOutcome(rejected=sorted(rejected.values(), key=lambda r: r["row"]))
    kept = dataclasses.replace(preview, rows=[r for r in preview.rows if r.row not in rejected])
    if kept.valid_rows:
        outcome.created = [{"batch": commit_import(store, kept, user.name, **kwargs), "rows": len(kept.valid_rows)}]
    return outcome


def save_dust_readings(user: User | None, store: Any, readings: Any, sites_frame: Any, source: str = "",
                       units: Mapping[str, str] | None = None) -> RowOutcome:
    """Uploaded dust readings (``gislib.dust.readings.save_readings``) saved as ``user``: the readings of sites
    outside the jurisdiction are rejected, one entry per site with the reason and how many readings
    (``{"site", "readings", "zh", "en"}``), the others written; nothing without the ``import`` right."""
    from gislib.dust.readings import save_readings

    require(user, "dust.import_readings")
    frame = readings.frame if hasattr(readings, "frame") else readings
    units = dict(units if units is not None else getattr(readings, "units", {}) or {})
    places = {r["code"]: r for r in sites_frame[[c for c in ("code", "subdistrict")
                                                 if c in sites_frame.columns]].to_dict("records")}
    sites = frame["site"].astype(str).str.strip()
    counts = sites.value_counts()
    refused = _rejections(user, "dust.import_readings", list(enumerate(sorted(counts.index))), places)
    outcome = RowOutcome(rejected=[{"site": r["code"], "readings": int(counts[r["code"]]), "zh": r["zh"], "en": r["en"]}
                                   for r in refused.values()])
    keep = ~sites.isin({r["site"] for r in outcome.rejected})
    if keep.any():
        outcome.created = [{"rows": save_readings(store, frame[keep], user.name, source, units=units)}]
    return outcome


def report_area(user: User | None, district: str) -> str | None:
    """The area a report of ``user`` names in its title: None (the district's own name) for a user of the
    whole district, else the district with the jurisdiction, e.g. "普陀区（桃浦河）", so that a chief's
    bulletin of their two sections does not read as the district's."""
    if user is None or not user.restricted:
        return None
    return f"{district}（{'、'.join([*user.rivers, *user.subdistricts, *(['辖区范围'] if user.extent else [])])}）"


# ---------------------------------------------------------------------------- plots (污染地块)
def plots(user: User | None, store: Any) -> list[dict[str, Any]]:
    """The plot records of the page (by sub-district: plots carry no river)."""
    require(user, "plots.list")
    return _records(user, "plots.list", store.list("plots"))


def registry_records(user: User | None, store: Any) -> list[dict[str, Any]]:
    """The plots a 名录 export (Excel/PDF) of ``user`` holds (PermissionDenied without the export right)."""
    require(user, "plots.registry")
    return _records(user, "plots.registry", store.list("plots"))


# ---------------------------------------------------------------------------- dust (工地扬尘)
def dust_sites(user: User | None, frame: Any) -> Any:
    """The dust sites of the page (by sub-district: sites carry no river)."""
    return _frame(user, "dust.sites", frame)


def dust_readings(user: User | None, readings: Any, sites_frame: Any) -> Any:
    """The PM10 readings (column ``site`` or ``site_code``) of the sites the user may see
    (``sites_frame``: every site)."""
    column = "site" if "site" in readings.columns else "site_code"
    return _of_codes(readings, column, dust_sites(user, sites_frame)["code"])


# ---------------------------------------------------------------------------- problems (问题闭环)
def problems(user: User | None, store: Any, **filters: Any) -> list[dict[str, Any]]:
    """The problems of the page (``store.list`` filters), inside the jurisdiction only."""
    require(user, "problems.list")
    return _records(user, "problems.list", store.list("problems", **filters))


def problems_in(user: User | None, records: Iterable[Mapping[str, Any]], export: bool = False) -> list:
    """Of problem ``records`` already read (a task batch's items), those inside the jurisdiction
    (``export``: for an export, i.e. a batch's Excel/PDF report: the export right first)."""
    service = "problems.export" if export else "problems.list"
    require(user, service)
    return _records(user, service, records)


def problems_for_export(user: User | None, store: Any, **filters: Any) -> list[dict[str, Any]]:
    """The problems an export (the problem list, ``problems export``) of ``user`` may hold."""
    require(user, "problems.export")
    return _records(user, "problems.export", store.list("problems", **filters))


def problem_guard(user: User | None, service: str = "problems.create") -> Callable[[Mapping[str, Any]], None]:
    """A check ``gislib.problems.service.create_problem`` runs on the located record before writing it."""
    require(user, service)

    def guard(record: Mapping[str, Any]) -> None:
        require(user, service, record)
    return guard


def create_problem(user: User, store: Any, fields: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Register a problem as ``user`` (the 登记 form): refused when the located problem lies outside."""
    from gislib.problems import service as svc

    return svc.create_problem(store, fields, user.name, guard=problem_guard(user), **kwargs)


def ranking(user: User | None, store: Any, month: str, today: Any) -> list[dict[str, Any]]:
    """The 红黄绿榜 of ``month`` (``gislib.problems.rankings.store_ranking``) for ``user``: refused without the
    right to read problems (a viewer). The ranking stays the district's: it compares the sub-districts with
    each other, holds counts and rates but no record, and is what the district publishes as its notice."""
    from gislib.problems.rankings import store_ranking

    require(user, "problems.ranking")
    return store_ranking(store, month, today)


# a step of a problem's life (gislib.problems.service) -> the service operation it needs: the state changes are
# the bureau's (officers, admins); a river chief reports the progress they see on their river
PROBLEM_STEPS: dict[str, str] = {
    "assign": "problems.transition", "start": "problems.transition", "request_close": "problems.transition",
    "verify": "problems.transition", "spot_check": "problems.transition", "withdraw": "problems.transition",
    "interview": "problems.edit", "reply": "problems.edit",
    "report_progress": "problems.comment", "attach_evidence": "problems.attach",
}


def may_step(user: User | None, step: str, record: Mapping[str, Any]) -> bool:
    """Whether ``user`` may take ``step`` on the problem ``record`` (for showing the step's form)."""
    return may(user, PROBLEM_STEPS[step], record)


def problem_step(user: User | None, store: Any, step: str, code: str, *args: Any, **kwargs: Any) -> Any:
    """Take one step of problem ``code``'s life as ``user`` (``gislib.problems.service.<step>(store, code,
    user.name, *args)``; ``withdraw``: ``store.remove`` with the reason and date): refused, with nothing
    written, unless the role has the step's right and the problem lies inside the jurisdiction."""
    from gislib.problems import service as svc

    service = PROBLEM_STEPS[step]
    require(user, service)
    require(user, service, store.get("problems", code))
    if step == "withdraw":
        reason, date = args
        return store.remove("problems", code, user.name, reason, date)
    if step == "attach_evidence":
        (files,) = args
        return svc.attach_evidence(store, code, files, user.name)
    return getattr(svc, step)(store, code, user.name, *args, **kwargs)


@dataclass
class RowOutcome:
    """What a batch write did: the records written and the rows rejected, each with its reason."""

    created: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "zh": …, "en": …}


def import_task_list(user: User | None, store: Any, batch: dict[str, Any], items: Sequence[dict[str, Any]],
                     **kwargs: Any) -> RowOutcome:
    """A 整改任务清单 imported as ``user``: every row is checked against the jurisdiction once it is
    located; rows outside are rejected with the reason, the others written. A user without the right
    (a viewer) gets PermissionDenied and nothing is written; invalid rows still stop the whole list
    (``gislib.problems.batches.import_batch``)."""
    from gislib.problems import batches

    require(user, "problems.import")
    outcome = RowOutcome()

    def row_guard(row: int, record: Mapping[str, Any]) -> None:
        try:
            require(user, "problems.import", record)
        except PermissionDenied as exc:
            outcome.rejected.append({"row": row, "zh": exc.zh, "en": exc.en})
            raise
    # a row with unit, measures and deadline is also assigned (交办), only by who may assign: a river chief's
    # rows are registered and wait for the bureau
    outcome.created = batches.import_batch(store, batch, list(items), user.name, row_guard=row_guard,
                                           assign=may(user, "problems.transition"), **kwargs)
    return outcome


# ---------------------------------------------------------------------------- patrols (巡河)
def chief_inside(user: User | None, chief: Mapping[str, Any], service: str = "patrols.list") -> bool:
    """Whether a river chief of the register (``river_chiefs``: sub-district and rivers) lies inside the
    user's jurisdiction: their sub-district or one of their rivers is."""
    places = [{"code": chief.get("id"), "subdistrict": chief.get("subdistrict"), "river": r}
              for r in (chief.get("rivers") or [None])]
    return any(may(user, service, p) for p in places)


def _chief_target(chief: Mapping[str, Any]) -> dict[str, Any]:
    rivers = list(chief.get("rivers") or [])
    return {"code": f"{chief.get('id')} {chief.get('name') or ''}".strip(), "subdistrict": chief.get("subdistrict"),
            "river": "、".join(rivers)}


def chiefs(user: User | None, store: Any) -> list[dict[str, Any]]:
    """The river chiefs of the register inside the user's jurisdiction."""
    require(user, "patrols.chiefs")
    return [c for c in store.patrols.chiefs() if chief_inside(user, c, "patrols.chiefs")]


def patrols(user: User | None, store: Any, **filters: Any) -> list[dict[str, Any]]:
    """The patrols of the chiefs inside the user's jurisdiction (``store.patrols.patrols`` filters)."""
    require(user, "patrols.list")
    inside = {c["id"] for c in store.patrols.chiefs(active_only=False) if chief_inside(user, c)}
    return [p for p in store.patrols.patrols(**filters) if p["chief_id"] in inside]


def _with_subdistricts(frame: Any) -> Any:
    """The coverage frame with the sub-district of each stretch's midpoint (from the data set)."""
    from gislib.dataset import load_layer

    if "subdistrict" in frame.columns or frame.empty:
        return frame
    subs = load_layer("subdistricts").to_crs(frame.crs)[["name", "geometry"]]
    mids = frame.geometry.interpolate(0.5, normalized=True)
    out = frame.copy()
    out["subdistrict"] = ""
    for name, poly in zip(subs["name"], subs.geometry):
        out.loc[mids.within(poly) & (out["subdistrict"] == ""), "subdistrict"] = name or ""
    return out


def coverage(user: User | None, store: Any, today: Any, network: Any = None) -> Any:
    """The stretch coverage (``gislib.patrols.service.coverage``) of the stretches inside the user's
    jurisdiction: stretches of their rivers, or whose midpoint lies in their sub-districts."""
    from gislib.patrols.service import coverage as all_coverage

    require(user, "patrols.coverage")
    frame = all_coverage(store, today, network)
    if user is not None and user.subdistricts:
        frame = _with_subdistricts(frame)
    return _frame(user, "patrols.coverage", frame)


def record_patrol(user: User | None, store: Any, track: Any, chief: str, **kwargs: Any) -> dict[str, Any]:
    """Record a patrol of ``chief`` (id or name) as ``user``: refused (nothing written) unless the chief's
    rivers or sub-district lie inside the user's jurisdiction."""
    from gislib.patrols import service as patrol_service

    require(user, "patrols.record")
    row = store.patrols.chief(chief)
    if not chief_inside(user, row, "patrols.record"):
        require(user, "patrols.record", _chief_target(row))  # raises, naming the chief and their rivers
    return patrol_service.record_patrol(store, track, chief, user.name, **kwargs)


def finding_to_problem(user: User | None, store: Any, patrol_code: str, finding: dict[str, Any],
                       photos: Sequence[tuple[str, bytes]] = ()) -> dict[str, Any]:
    """A patrol finding as a problem, as ``user``: the patrol must be one of the user's chiefs' and the
    located problem inside the jurisdiction (nothing is written otherwise)."""
    from gislib.patrols import service as patrol_service

    require(user, "patrols.finding")
    patrol = store.patrols.patrol(patrol_code)
    chief = store.patrols.chief(patrol["chief_id"])
    if not chief_inside(user, chief):
        require(user, "patrols.list", _chief_target(chief))
    return patrol_service.finding_to_problem(store, patrol_code, finding, user.name, list(photos),
                                             guard=problem_guard(user, "patrols.finding"))
