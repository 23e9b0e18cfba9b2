"""gislib.dust.readings: uploaded dust readings behind the store's repository, one transaction per upload."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from gislib.dust.rule import read_readings
from gislib.dust.readings import count, load_readings, merged, save_readings
from gislib.errors import ValidationError
from gislib.store import open_store

CSV = """站点,时间,PM10(mg/m³),背景值
GD-1,2026-11-22 08:00,0.120,0.060
GD-1,2026-11-22 08:15,0.140,0.060
GD-2,2026-11-22 08:00,0.080,
GD-2,not a time,0.1,0.05
GD-3,2026-11-22 08:00,abc,0.05
"""


@pytest.fixture
def db(tmp_path):
    with open_store(tmp_path / "data") as store:
        yield store


@pytest.fixture
def readings(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(CSV, encoding="utf-8")
    return read_readings(path)


def test_save_and_load(db, readings):
    assert load_readings(db).empty and count(db) == 0  # nothing uploaded yet
    assert [e.line for e in readings.errors] == [5, 6]  # per-row errors come from read_readings
    assert save_readings(db, readings, "officer:demo", "r.csv") == 3
    back = load_readings(db)
    assert list(back["site"]) == ["GD-1", "GD-1", "GD-2"]
    assert back["PM10"].tolist() == pytest.approx([120.0, 140.0, 80.0])  # mg/m³ converted to µg/m³
    assert back["background"].iloc[0] == pytest.approx(60.0) and pd.isna(back["background"].iloc[2])
    assert back["time"].iloc[1] == pd.Timestamp("2026-11-22 08:15")
    assert set(back["user"]) == {"officer:demo"} and set(back["source"]) == {"r.csv"}
    assert list(load_readings(db, site="GD-2")["site"]) == ["GD-2"]


def test_same_site_and_time_is_replaced(db, readings):
    save_readings(db, readings, "officer:a")
    again = readings.frame.copy()
    again["PM10"] = again["PM10"] + 1
    save_readings(db, again, "officer:b")
    back = load_readings(db)
    assert count(db) == 3
    assert back["PM10"].tolist() == pytest.approx([121.0, 141.0, 81.0])
    assert set(back["user"]) == {"officer:b"}


def test_one_transaction_all_or_nothing(db, readings):
    save_readings(db, readings.frame.iloc[:1], "officer:a")
    with sqlite3.connect(db.db_path) as conn:  # make the LAST row of the next upload fail inside SQLite
        conn.execute("CREATE TRIGGER boom BEFORE INSERT ON dust_readings WHEN NEW.site='GD-2' "
                     "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    revision = db.revision()
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        save_readings(db, readings, "officer:b")
    assert db.revision() == revision  # a rolled-back upload does not change the revision either
    back = load_readings(db)
    assert count(db) == 1 and set(back["user"]) == {"officer:a"}  # nothing of the failed upload was written


def test_rejects(db, readings):
    with pytest.raises(ValidationError, match="操作人"):
        save_readings(db, readings, "")
    with pytest.raises(ValidationError, match="缺少列"):
        save_readings(db, pd.DataFrame({"site": ["a"]}), "officer:a")
    assert count(db) == 0


def test_merged_upload_wins():
    base = pd.DataFrame({"site": ["A", "A"], "time": ["2026-11-22 08:00", "2026-11-22 08:15"],
                         "PM10": [50.0, 60.0], "background": [40.0, 40.0]})
    up = pd.DataFrame({"site": ["A", "B"], "time": pd.to_datetime(["2026-11-22 08:15", "2026-11-22 08:00"]),
                       "PM10": [99.0, 70.0], "PM2.5": [float("nan")] * 2, "TSP": [float("nan")] * 2,
                       "background": [41.0, 30.0]})
    out = merged(base, up)
    assert list(zip(out["site"], out["PM10"])) == [("A", 50.0), ("A", 99.0), ("B", 70.0)]
    assert "PM2.5" not in out.columns  # all-empty pollutant columns of the upload are not added


def test_the_written_unit_is_recorded(db, readings):
    # PM10(mg/m³) 0.120 is stored as 120 µg/m³, with the unit the file was written in
    save_readings(db, readings, "officer:demo", "r.csv")
    back = load_readings(db).set_index(["site", "time"])
    first = back.loc[("GD-1", pd.Timestamp("2026-11-22 08:00"))]
    assert first["PM10"] == pytest.approx(120) and first["units"] == "PM10=mg/m³"


def test_after_an_upload_the_map_colours_the_site_as_the_dust_page_judges_it(tmp_path, monkeypatch):
    """Issue 14.5: the map's dust colours came from the data set alone while the dust page merged uploads."""
    from gislib.services.catalog import store
    from layers.dust import DustSitesLayer, merged_readings

    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    before = DustSitesLayer().load("putuo")
    calm = before[before["has_data"] & ~before["exceeded"]].iloc[0]
    day = pd.Timestamp(calm["status_date"])
    dusty = pd.DataFrame({"site": calm["code"], "PM10": 9000.0, "background": 40.0,
                          "time": pd.date_range(day + pd.Timedelta(hours=8), periods=16, freq="15min")})
    save_readings(store(dataset="putuo"), dusty, "officer:demo", "dusty.csv")

    after = DustSitesLayer().load("putuo").set_index("code").loc[calm["code"]]
    assert after["exceeded"] and after["status_date"] == calm["status_date"]
    page = merged_readings("putuo")  # what the dust page shows for that site and day
    mine = page[(page["site"] == calm["code"]) & (page["time"].dt.normalize() == day)]
    assert mine["PM10"].max() == 9000.0
