"""Make a store file with the code of main at c492e70 (schema 40, samples and dust outside the migrations).

Run with PYTHONPATH pointing at an export of that commit (see README.md); not collected by pytest."""
import sys, shutil
from pathlib import Path
import pandas as pd
from gislib.store import open_store
from gislib.water.samples import preview_import, commit_import
from gislib.dust.readings import save_readings
out = Path(sys.argv[1]); tmp = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/hetu-old-store"); shutil.rmtree(tmp, ignore_errors=True)
st = open_store(tmp)
st.create("outfalls", {"code": "PTPK0001", "name": "旧库排口", "lon": 121.4, "lat": 31.25,
                       "type_l1": "工业排污口", "type_l2": "工矿企业排污口", "subdistrict": "长征镇", "river": "桃浦河"}, "officer:li")
st.remember_import("officer:li", "src-1", "columns", {"排口编码": "code"})
sections = pd.DataFrame({"code": ["PTDM001", "PTDM002"], "name": ["凌家浜1号断面", "中槎浦1号断面"],
                         "target_class": ["V", "V"], "water_type": ["河流", "河流"]})
csv = tmp / "s.csv"
csv.write_text("断面名称,采样日期,溶解氧,氨氮,汞(μg/L)\nPTDM001,2026-10-08,5.5,0.8,0.5\nPTDM002,2026-10-09,4.0,0.025L,0.1\n", encoding="utf-8")
commit_import(st, preview_import(csv, sections), "officer:li")
readings = pd.DataFrame({"site": ["GD-1", "GD-1"], "time": ["2026-11-22 08:00", "2026-11-22 08:15"],
                         "PM10": [120.0, 140.0], "background": [60.0, None]})
save_readings(st.db_path, readings, "officer:wang", "r.csv", units={"PM10": "mg/m³"})
st.close()
import sqlite3
c = sqlite3.connect(tmp / "hetu.sqlite"); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.execute("PRAGMA journal_mode=DELETE"); c.execute("VACUUM"); c.close()
shutil.copy(tmp / "hetu.sqlite", out)
print(out.stat().st_size)
