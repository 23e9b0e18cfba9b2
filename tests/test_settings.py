"""Settings: the basemap a user chooses sticks for the session, and 'save as default' reaches everyone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gislib.config import load_settings, save_defaults, saved_defaults
from gislib.errors import ConfigError

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HETU_BASEMAP", raising=False)
    return tmp_path


def test_saved_default_overrides_the_environment_default(data_dir, monkeypatch):
    monkeypatch.setenv("HETU_BASEMAP", "offline")
    assert load_settings().basemap == "offline"
    path = save_defaults(data_dir, basemap="osm")
    assert path == data_dir / "settings.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"basemap": "osm"}
    assert load_settings().basemap == "osm"


def test_a_broken_or_hostile_settings_file_is_ignored(data_dir):
    (data_dir / "settings.json").write_text('{"basemap": "javascript:alert(1)", "data_dir": "/etc"}')
    assert saved_defaults(data_dir) == {}
    assert load_settings().basemap == "offline" and load_settings().data_dir == data_dir
    (data_dir / "settings.json").write_text("not json")
    assert load_settings().basemap == "offline"


def test_unknown_default_is_refused_with_a_clear_message(data_dir):
    with pytest.raises(ConfigError, match="basemap=google 未知") as err:
        save_defaults(data_dir, basemap="google")
    assert "basemap=google is unknown; use one of offline" in err.value.text("en")
    assert not (data_dir / "settings.json").exists()


def _settings_page(data_dir):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("views/settings_view.py").run()
    assert not at.exception
    return at


def test_chosen_basemap_survives_leaving_the_settings_page(data_dir):
    at = _settings_page(data_dir)
    at.radio(key="settings_basemap").set_value("osm")
    at.button[0].click().run()  # the form's 应用 button
    assert at.session_state["basemap"] == "osm"
    at.switch_page("views/map_view.py").run()
    assert not at.exception
    assert at.session_state["basemap"] == "osm"
    at.switch_page("views/settings_view.py").run()
    assert at.radio(key="settings_basemap").value == "osm"
    assert not (data_dir / "settings.json").exists(), "a session choice must not change everyone's default"


def test_save_as_default_reaches_a_new_session(data_dir):
    at = _settings_page(data_dir)
    at.radio(key="settings_basemap").set_value("amap")
    at.checkbox(key="settings_as_default").check()
    at.button[0].click().run()
    assert saved_defaults(data_dir) == {"basemap": "amap"}
    fresh = _settings_page(data_dir)
    assert fresh.session_state["basemap"] == "amap"
    assert fresh.radio(key="settings_basemap").value == "amap"


def test_settings_page_is_a_form_not_a_json_dump(data_dir):
    at = _settings_page(data_dir)
    assert not at.json, "the configuration is shown as a table, not raw JSON"
    assert at.table and "数据目录 (HETU_DATA_DIR)" in at.table[0].value.to_string()


# Settings are read in ONE place: a module that reads os.environ itself drifts from the documented defaults
# (the data directory was REPO_ROOT/var/data in config.py and a cwd-relative var/data in gislib/store).
REPO = Path(__file__).resolve().parent.parent
ENV_READERS_ALLOWED = {"gislib/config.py", "gislib/io/uploads.py"}  # uploads: the GDAL lockdown must SET variables


def _reads_environment(source: str) -> list[int]:
    """Line numbers where ``source`` touches the process environment (os.environ/os.getenv/putenv/environb)."""
    import ast

    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "environb", "getenv", "putenv", "unsetenv"}:
            hits.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in {"environ", "environb", "getenv", "putenv"} for a in node.names):
            hits.append(node.lineno)
    return hits


def test_only_config_reads_the_environment():
    files = [REPO / "app.py", *[p for d in ("gislib", "layers", "views", "cli") for p in (REPO / d).rglob("*.py")]]
    offenders = {}
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel not in ENV_READERS_ALLOWED and (lines := _reads_environment(path.read_text(encoding="utf-8"))):
            offenders[rel] = lines
    assert not offenders, f"read settings through gislib.config (load_settings or its accessors): {offenders}"
    assert _reads_environment("import os\nx = os.environ.get('A')\n") == [2]  # the check itself can fail


def test_the_data_directory_has_one_answer_whatever_the_working_directory(tmp_path, monkeypatch):
    from gislib.config import DEFAULT_DATA_DIR
    from gislib.store import resolve_data_dir

    monkeypatch.delenv("HETU_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # a CLI run from another folder must not open a second, empty store
    assert resolve_data_dir() == load_settings().data_dir == DEFAULT_DATA_DIR == REPO / "var" / "data"
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path / "d"))
    assert resolve_data_dir() == load_settings().data_dir == tmp_path / "d"
