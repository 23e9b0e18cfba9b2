"""gislib.dust.readings: uploaded dust readings in the store's SQLite file, one transaction per upload."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from gislib.dust.rule import read_readings
from gislib.dust.readings import TABLE, count, load_readings, merged, save_readings
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
        yield store.db_path


@pytest.fixture
def readings(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(CSV, encoding="utf-8")
    return read_readings(path)


def test_save_and_load(db, readings):
    assert load_readings(db).empty and count(db) == 0  # no table yet
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
    with sqlite3.connect(db) as conn:  # make the LAST row of the next upload fail inside SQLite
        conn.execute(f"CREATE TRIGGER boom BEFORE INSERT ON {TABLE} WHEN NEW.site='GD-2' "
                     "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.IntegrityError, match="boom"):
        save_readings(db, readings, "officer:b")
    back = load_readings(db)
    assert count(db) == 1 and set(back["user"]) == {"officer:a"}  # nothing of the failed upload was written


def test_rejects(db, readings):
    with pytest.raises(ValidationError, match="操作人"):
        save_readings(db, readings, "")
    with pytest.raises(ValidationError, match="缺少列"):
        save_readings(db, pd.DataFrame({"site": ["a"]}), "officer:a")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (TABLE,)).fetchone() is None


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


def test_a_store_table_from_before_units_gets_the_column(db, readings):
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE {TABLE} (site TEXT NOT NULL, time TEXT NOT NULL, pm10 REAL, pm25 REAL, tsp REAL, "
                 "background REAL, source TEXT, user TEXT NOT NULL, imported_at TEXT NOT NULL, PRIMARY KEY (site, time))")
    conn.commit()
    conn.close()
    assert list(load_readings(db).columns)[-1] == "units"  # readable before the upgrade
    assert save_readings(db, readings, "officer:demo") == 3
    assert set(load_readings(db)["units"]) == {"PM10=mg/m³"}
