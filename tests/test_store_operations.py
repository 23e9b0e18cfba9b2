"""db upgrade / copy / backup / restore (gislib.store.operations, ``python -m gislib db``)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gislib.store import open_store
from gislib.store import operations as ops

REPO = Path(__file__).resolve().parent.parent


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def sqlite_url(path: Path) -> str:
    return "sqlite:///" + str(path.resolve())  # sqlite:////abs/dir


@pytest.fixture()
def putuo(tmp_path) -> Path:
    """The Putuo demo store (as the app seeds it) with edits, a workflow step, a conflict and photos."""
    from gislib.services import catalog

    folder = tmp_path / "putuo"
    st = catalog.store(folder, "putuo")
    code = st.list("outfalls")[0]["code"]
    rec = st.update("outfalls", code, {"address": "真如镇某路 1 号"}, st.get("outfalls", code)["version"], "officer")
    with pytest.raises(Exception):
        st.update("outfalls", code, {"address": "x"}, rec["version"] - 1, "other")
    st.attach("outfalls", code, "现场.png", png(), "officer")
    st.attach("outfalls", code, "说明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "officer", kind="document")
    return folder


def records(store) -> dict:
    return {layer: {r["code"]: r for r in store.list(layer, include_removed=True)}
            for layer in ("outfalls", "sections", "plots", "dust")}


def test_copy_putuo_to_postgis_and_back(putuo, pg_schema, tmp_path):
    pg_files, back = tmp_path / "pg-files", tmp_path / "back"
    there = ops.copy(sqlite_url(putuo), pg_schema, to_data_dir=pg_files)
    assert there["tables"]["features"]["rows"] > 300 and there["tables"]["audit"]["rows"] > 300
    assert there["attachments"] == 2
    again = ops.copy(pg_schema, sqlite_url(back), from_data_dir=pg_files)
    assert again["tables"] == there["tables"]  # identical counts and checksums, table by table
    with open_store(putuo) as a, open_store(pg_files, url=pg_schema) as p, open_store(back) as b:
        code = a.list("outfalls")[0]["code"]
        assert records(a) == records(p) == records(b)
        assert a.audit("outfalls", code) == p.audit("outfalls", code) == b.audit("outfalls", code)
        assert len(a.conflicts()) == len(b.conflicts()) == 1
        shas = [x["sha256"] for x in a.attachments("outfalls", code)]
        assert [x["sha256"] for x in b.attachments("outfalls", code)] == shas
        assert b.attachment_path(shas[0]).read_bytes() == a.attachment_path(shas[0]).read_bytes()
        # the copy is a working store: new rows continue after the copied ids on PostGIS
        p.update("outfalls", code, {"address": "新地址"}, p.get("outfalls", code)["version"], "officer")
        assert p.audit("outfalls", code)[0]["new"] == "新地址"


def test_copy_refuses_a_non_empty_target_unless_replace(putuo, tmp_path):
    other = tmp_path / "other"
    with open_store(other) as st:
        st.create("sections", {"code": "DM-1", "name": "断面", "lon": 121.4, "lat": 31.2}, "alice")
    with pytest.raises(ops.ConfigError, match="--replace"):
        ops.copy(sqlite_url(putuo), sqlite_url(other))
    with open_store(other) as st:
        assert st.get("sections", "DM-1")["name"] == "断面"  # nothing lost
    ops.copy(sqlite_url(putuo), sqlite_url(other), replace=True)
    assert list(other.glob("hetu.sqlite.replaced-*"))  # the replaced file is kept
    with open_store(other) as st, open_store(putuo) as src:
        assert records(st) == records(src)


@pytest.mark.usefixtures("db_backend")
def test_backup_and_restore_round_trip(tmp_path):
    data = tmp_path / "data"
    with open_store(data) as st:
        st.create("sections", {"code": "DM-1", "name": "断面", "lon": 121.4, "lat": 31.2}, "alice")
        photo = st.attach("sections", "DM-1", "a.png", png(), "alice")
    ops.backup(tmp_path / "bak", data_dir=data)
    with open_store(data) as st:
        st.update("sections", "DM-1", {"name": "改坏了"}, 1, "mallory")
    with pytest.raises(ops.ConfigError, match="--replace"):
        ops.restore(tmp_path / "bak", data_dir=data)
    (Path(photo["path"])).unlink()
    ops.restore(tmp_path / "bak", data_dir=data, replace=True)
    with open_store(data) as st:
        assert st.get("sections", "DM-1")["name"] == "断面" and st.get("sections", "DM-1")["version"] == 1
        assert Path(st.attachments("sections", "DM-1")[0]["path"]).read_bytes() == png()
        st.update("sections", "DM-1", {"name": "新名"}, 1, "alice")  # the restored store takes writes


def test_db_cli_upgrade_and_errors(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HETU_DB_URL"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "gislib", "db", *a], cwd=REPO, env=env,  # noqa: E731
                                    capture_output=True, text=True, timeout=120)
    done = run("upgrade", "--data-dir", str(tmp_path))
    assert done.returncode == 0 and "sqlite: schema version" in done.stdout
    done = run("copy", "--from", sqlite_url(tmp_path), "--to", "mysql://x/y")
    assert done.returncode == 2 and "postgresql://" in done.stderr and "Traceback" not in done.stderr
    done = run("restore", "--from", str(tmp_path / "nothing"), "--data-dir", str(tmp_path))
    assert done.returncode == 2 and "db backup --out" in done.stderr
