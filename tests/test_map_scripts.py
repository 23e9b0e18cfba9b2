"""The map frame's scripts: streamlit-folium loads its js_links one after another, each once the one before has
run, so the app's own files (Leaflet and static/js) reach the frame as one file, in their order."""
from __future__ import annotations

import pytest

import layers.assets as assets


@pytest.fixture()
def gen_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "GEN_DIR", tmp_path / "gen")
    return tmp_path / "gen"


def test_the_apps_scripts_are_one_file_with_each_script_whole_and_in_order(gen_dir):
    local = [assets.LEAFLET_JS[1], assets.DRAW_JS[1], assets.POINTS_JS[1], assets.SELECTION_JS[1]]
    links = assets.bundle_scripts(local)
    assert len(links) == 1 and links[0].startswith(f"{assets.STATIC_URL}/gen/") and links[0].endswith(".js")
    text = (gen_dir / links[0].rsplit("/", 1)[1]).read_text(encoding="utf-8")
    parts = [(assets.STATIC_DIR / u[len(assets.STATIC_URL) + 1:]).read_text(encoding="utf-8") for u in local]
    positions = [text.index(part) for part in parts]
    assert positions == sorted(positions)  # Leaflet first, our files after it, as folium listed them
    assert assets.bundle_scripts(local) == links  # the same scripts, the same file


def test_other_links_keep_their_place_and_nothing_outside_static_is_read(gen_dir, tmp_path, monkeypatch):
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    (static / "js" / "a.js").write_text("var a = 1;")
    (static / "js" / "b.js").write_text("var b = 2;")
    (tmp_path / "secret.js").write_text("var secret = 'not for the browser';")
    monkeypatch.setattr(assets, "STATIC_DIR", static)
    url = assets.STATIC_URL
    links = [f"{url}/js/a.js", "https://example.org/plugin.js", f"{url}/js/a.js", f"{url}/js/b.js",
             f"{url}/../secret.js", f"{url}/js/missing.js", f"{url}/js/b.js"]
    out = assets.bundle_scripts(links)
    assert out[:2] == links[:2]  # a run of one file stays its own link, a foreign link keeps its place
    assert out[2].startswith(f"{url}/gen/") and out[3:] == links[4:]  # outside static/ or missing: kept as links
    assert (gen_dir / out[2].rsplit("/", 1)[1]).read_text() == "var a = 1;\n;\nvar b = 2;\n"
    assert not any("secret" in f.read_text() for f in gen_dir.iterdir())
