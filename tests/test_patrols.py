"""巡河: tracks read from GPX/KML/KMZ with real-world quirks, matched to a hand-drawn river network,
coverage by days since last patrolled, and chiefs' frequency against the rule of their level."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString

from gislib.geo.crs import to_wgs84, wgs84_to_gcj02
from gislib.errors import DataError, ValidationError
from gislib.geo.network import METRIC_CRS, build_network
from gislib.patrols import frequency
from gislib.patrols.coverage import coverage_frame, coverage_summary, covered_stretches
from gislib.patrols.repo import PatrolRepo
from gislib.patrols.service import record_patrol
from gislib.patrols.tracks import points_track, read_track
from gislib.store import open_store

X0, Y0 = 500_000.0, 3_460_000.0  # EPSG:4549 metres near Putuo


def _ll(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_wgs84(X0 + x, Y0 + y, METRIC_CRS)
    return float(lon), float(lat)


# Hand-drawn network: river A runs west→east 0..2000 m; at its east end (2000, 0) river B continues
# east to 4000 m and river C branches north to (2000, 1500).
NET = build_network(gpd.GeoDataFrame(
    {"name": ["A河", "B河", "C河"]},
    geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)]), LineString([(X0 + 2000, Y0), (X0 + 4000, Y0)]),
              LineString([(X0 + 2000, Y0), (X0 + 2000, Y0 + 1500)])], crs=METRIC_CRS))
EDGE = {NET.edge_name[i]: i for i in range(NET.n_edges)}


def _gpx(segments: list[list[tuple[float, float, str | None]]], creator: str = "test") -> bytes:
    segs = "".join("<trkseg>" + "".join(
        f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}">' + (f"<time>{t}</time>" if t else "") + "</trkpt>"
        for lon, lat, t in seg) + "</trkseg>" for seg in segments)
    return (f'<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="{creator}" '
            f'xmlns="http://www.topografix.com/GPX/1/1"><trk><name>巡河</name>{segs}</trk></gpx>').encode()


def _along_a(n: int = 41, offset_m: float = 8.0, times: bool = True) -> list[tuple[float, float, str | None]]:
    """A walk along river A, 8 m off its centre line, one point every 50 m, 1 minute apart."""
    start = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanghai
    return [(*_ll(50 * i, offset_m), (start + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ") if times else None)
            for i in range(n)]


def test_track_along_one_stretch_covers_it_and_not_its_neighbours():
    track = read_track(_gpx([_along_a()]), "a.gpx")
    assert covered_stretches(NET, track.metric(), tolerance_m=30) == [EDGE["A河"]]
    # 2000 m walked (40 steps of 50 m), to within the projection's rounding
    assert track.length_m() == pytest.approx(2000, abs=1)
    assert track.duration_min() == 40


def test_track_without_timestamps_and_with_two_segments():
    pts = _along_a(times=False)
    track = read_track(_gpx([pts[:15], pts[25:]]), "no_time.gpx")
    assert track.duration_min() is None and track.start_end() == (None, None)
    # the 500 m gap between the segments (points 14 → 25) does not count: 14×50 + 15×50 = 1450 m
    assert track.length_m() == pytest.approx(1450, abs=1)
    # 1450 of 2000 m of river A lie within the tolerance: covered; B and C are not
    assert covered_stretches(NET, track.metric(), tolerance_m=30) == [EDGE["A河"]]


def test_gcj02_track_from_a_chinese_app_is_shifted_back_onto_the_river():
    pts = _along_a()
    lon, lat = wgs84_to_gcj02(np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
    shifted = [(a, b, p[2]) for a, b, p in zip(lon, lat, pts)]
    # read as WGS84 the track lies hundreds of metres off the river and covers nothing
    raw = read_track(_gpx([shifted]), "track.gpx", crs="wgs84")
    assert covered_stretches(NET, raw.metric(), tolerance_m=30) == []
    # named after the app (高德), it is recognised as GCJ-02; or the option says so explicitly
    for track in (read_track(_gpx([shifted]), "高德导出_巡河.gpx"), read_track(_gpx([shifted]), "t.gpx", crs="gcj02")):
        assert track.source_crs == "gcj02"
        assert covered_stretches(NET, track.metric(), tolerance_m=30) == [EDGE["A河"]]


def test_kml_and_kmz_linestrings_gx_track_and_tapped_points():
    coords = " ".join(f"{lon:.7f},{lat:.7f},0" for lon, lat, _ in _along_a())
    kml = (f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
           f"<LineString><coordinates>{coords}</coordinates></LineString></Placemark></Document></kml>").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", kml)
    for track in (read_track(kml, "a.kml"), read_track(buf.getvalue(), "a.kmz")):
        assert covered_stretches(NET, track.metric(), tolerance_m=30) == [EDGE["A河"]]
    gx = ('<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Placemark><gx:Track>'
          + "".join(f"<when>{t}</when>" for _, _, t in _along_a())
          + "".join(f"<gx:coord>{lon} {lat} 0</gx:coord>" for lon, lat, _ in _along_a())
          + "</gx:Track></Placemark></kml>").encode()
    assert read_track(gx, "gx.kml").duration_min() == 40
    tapped = points_track([_ll(2000, 10), _ll(2005, 700), _ll(1995, 1490)])
    assert covered_stretches(NET, tapped.metric(), tolerance_m=30) == [EDGE["C河"]]


def test_hostile_and_broken_track_files_get_clear_errors():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE g [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><trk><name>&b;</name></trk></gpx>')
    with pytest.raises(ValidationError, match="实体"):
        read_track(bomb, "bomb.gpx")
    with pytest.raises(DataError, match="不是有效的 XML"):
        read_track(b"<gpx><trk>", "cut.gpx")
    with pytest.raises(DataError, match="没有轨迹点"):
        read_track(_gpx([]), "empty.gpx")
    with pytest.raises(ValidationError, match="不支持的轨迹格式"):
        read_track(b"x", "track.fit")
    with pytest.raises(DataError, match="KMZ"):
        read_track(b"PK not a zip", "t.kmz")


def test_coverage_days_since_last_patrolled():
    patrols = [{"date": "2026-11-01", "stretches": [EDGE["A河"]]}, {"date": "2026-10-01", "stretches": [EDGE["A河"], EDGE["B河"]]}]
    frame = coverage_frame(NET, patrols, dt.date(2026, 11, 10)).set_index("river")
    assert frame.loc["A河", "days_since"] == 9 and frame.loc["A河", "band"] == 1  # ≤30 days
    assert frame.loc["B河", "days_since"] == 40 and frame.loc["B河", "band"] == 2  # ≤90 days
    assert frame.loc["C河", "band"] == 4  # never
    summary = coverage_summary(frame.reset_index(), 30, dt.date(2026, 11, 10))
    assert (summary["stretches"], summary["stretches_covered"], summary["never_patrolled"]) == (3, 1, 1)
    assert summary["covered_km"] == 2.0 and summary["length_km"] == 5.5


def test_record_patrol_and_frequency_per_level(tmp_path):
    st = open_store(tmp_path)
    repo = PatrolRepo(st)
    repo.save_chief({"id": "C1", "name": "孙某某", "level": "街镇级", "subdistrict": "桃浦镇", "rivers": ["A河"]}, "admin")
    repo.save_chief({"id": "C2", "name": "王某某", "level": "区级", "rivers": ["A河", "B河"]}, "admin")
    p = record_patrol(st, read_track(_gpx([_along_a()]), "a.gpx"), "孙某某", "chief:孙某某", network=NET)
    assert (p["date"], p["duration_min"], p["stretches"]) == ("2026-11-02", 40.0, [EDGE["A河"]])
    assert p["started_at"] == "2026-11-02T09:00+08:00"
    with pytest.raises(ValidationError, match="巡河日期"):
        record_patrol(st, read_track(_gpx([_along_a(times=False)]), "b.gpx"), "C1", "u", network=NET)
    rules = {"街镇级": {"period": "week", "min_count": 1, "min_minutes": 30, "min_km": 2},
             "区级": {"period": "month", "min_count": 1, "min_minutes": 30, "min_km": 0}}
    # November 2026: weeks starting Mon 2, 9, 16, 23 (the week of the 30th ends in December); by
    # 2026-11-30 all four are over. One 40-min, 2.0 km patrol in the week of the 2nd meets one week.
    month = frequency.chief_month(repo.chief("C1"), repo.patrols(), rules, "2026-11", dt.date(2026, 11, 30))
    assert (month["patrols"], month["valid"], month["periods"], month["periods_met"], month["met"]) == (1, 1, 4, 1, False)
    district = frequency.chief_month(repo.chief("C2"), repo.patrols(), rules, "2026-11", dt.date(2026, 11, 30))
    assert (district["patrols"], district["met"]) == (0, False)
    short = {"duration_min": 20, "length_m": 2500}
    assert frequency.counts(short, rules["街镇级"]) == (False, "时长 20 分钟 < 30 分钟")
    assert frequency.counts({"duration_min": None, "length_m": 2500}, rules["街镇级"])[0] is False
    st.close()
