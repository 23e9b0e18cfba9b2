"""The demo data builder: reproducible, realistic, on the real rivers of Putuo."""
from __future__ import annotations

import pandas as pd
import pyogrio
import pytest

from gislib.demo.build import build_putuo
from gislib.domain import OUTFALL_PHASE, OUTFALL_TYPES

METRIC = "EPSG:32651"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "putuo.gpkg"
    build_putuo(path, progress=lambda _: None)
    return path


def layer(path, name):
    return pyogrio.read_dataframe(path, layer=name, read_geometry=name not in ("section_samples", "dust_readings"))


def test_counts_and_marks(built):
    assert len(layer(built, "outfalls")) == 300
    assert len(layer(built, "sections")) == 25
    assert len(layer(built, "plots")) == 15
    assert len(layer(built, "dust_sites")) == 40
    for name in ("outfalls", "sections", "plots", "dust_sites"):
        assert (layer(built, name)["mark"] == "示例数据").all()


def test_reproducible(built, tmp_path):
    again = tmp_path / "again.gpkg"
    build_putuo(again, progress=lambda _: None)
    for name in ("outfalls", "sections", "plots", "dust_sites", "section_samples", "dust_readings"):
        a, b = layer(built, name), layer(again, name)
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry", errors="ignore")),
                                      pd.DataFrame(b.drop(columns="geometry", errors="ignore")))


def test_outfalls_sit_on_named_river_banks(built):
    outfalls = layer(built, "outfalls").to_crs(METRIC)
    rivers = layer(built, "rivers")
    named = rivers[rivers["name"].fillna("") != ""].to_crs(METRIC)
    for _, o in outfalls.sample(40, random_state=1).iterrows():
        same = named[named["name"] == o["river"]]
        assert len(same), o["river"]
        assert same.distance(o.geometry).min() <= 15.0  # on the bank of its receiving river


def test_outfall_types_and_states_are_realistic(built):
    outfalls = layer(built, "outfalls")
    valid_l2 = {l2 for l2s in OUTFALL_TYPES.values() for l2 in l2s}
    assert set(outfalls["type_l2"]) <= valid_l2
    rain = outfalls["type_l2"].str.contains("雨洪").sum()
    assert rain == outfalls["type_l2"].value_counts().max() or rain > len(outfalls) * 0.4  # rain outfalls most common
    phases = set(outfalls["state"].map(OUTFALL_PHASE))
    assert {"查", "测", "溯", "治", "管"} <= phases
    under = outfalls[outfalls["state"] == "整治中"]
    assert (under["remediation_kind"] != "").all() and (under["deadline"] != "").all()


def test_subdistricts_are_approximate_voronoi_cells_covering_the_district(built):
    units = layer(built, "subdistricts").to_crs(METRIC)
    district = layer(built, "district").to_crs(METRIC)
    assert len(units) == 10 and units["approximate"].all()
    assert units.area.sum() == pytest.approx(district.area.iloc[0], rel=0.01)
    assert abs(district.area.iloc[0] / 1e6 - 55.6) < 1.0  # geoBoundaries' Putuo is ~55.6 km²


def test_samples_cover_24_months_and_some_sections_fail(built):
    samples = layer(built, "section_samples")
    assert samples.groupby("section_code")["date"].nunique().eq(24).all()
    from gislib.water.sections import latest_status

    status = latest_status(samples, layer(built, "sections"))
    assert any(s.meets_target is False for s in status.values())
    assert any(s.meets_target is True for s in status.values())


def test_dust_readings_are_30_days_of_quarter_hours_with_some_exceedances(built):
    """Issue 11 item 12: the dust page's 最近 30 天 has 30 days of demo readings to show."""
    readings = layer(built, "dust_readings")
    assert readings.groupby("site_code").size().eq(30 * 96).all()
    days = pd.to_datetime(readings["time"]).dt.date
    assert days.nunique() == 30 and str(days.max()) == "2026-11-22"
    from gislib.dust.rule import evaluate, get_rule

    days = evaluate(readings.rename(columns={"site_code": "site", "pm10": "PM10"}), get_rule("hebei-db13-2934-2019"))
    assert any(d.exceeded for d in days) and not all(d.exceeded for d in days)


def test_context_layers_are_clipped_with_margin(built):
    district = layer(built, "district").to_crs(METRIC).geometry.iloc[0]
    rivers = layer(built, "rivers").to_crs(METRIC)
    assert rivers.distance(district).max() <= 1000.5
    assert {"苏州河", "桃浦河", "真如港"} <= set(rivers["name"].dropna())
    assert len(layer(built, "railways")) > 0 and len(layer(built, "water")) > 0
