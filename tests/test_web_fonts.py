"""The CJK web font: a WOFF2 cut of the bundled Noto Sans SC that carries every character the app shows,
declared the same way in the Streamlit theme and in the map frame's CSS, built off the page's critical path."""
from __future__ import annotations

import re
import threading
import tomllib
from pathlib import Path

import pyogrio
from fontTools.ttLib import TTFont

import layers.assets as assets
from gislib.messages import CATALOG
from gislib.reports import fonts

REPO = Path(__file__).resolve().parent.parent


def _ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for lo, hi in re.findall(r"U\+([0-9A-F]+)-([0-9A-F]+)", text):
        out.append((int(lo, 16), int(hi, 16)))
    return out


def test_web_font_text_has_every_character_the_app_writes_and_common_hanzi():
    text = set(fonts.web_font_text())
    catalog = {c for entry in CATALOG.values() for value in entry if isinstance(value, str)
               for c in value if fonts.in_web_range(c)}  # each key's (zh, en)
    assert catalog and catalog <= text, sorted(catalog - text)[:20]
    assert fonts.gb2312_level1() <= text  # names typed by users: the 3,755 common hanzi
    names = set()
    for layer, _ in pyogrio.list_layers(REPO / "data" / "geo" / "putuo.gpkg"):
        frame = pyogrio.read_dataframe(REPO / "data" / "geo" / "putuo.gpkg", layer=layer, read_geometry=False)
        for column in frame.columns:
            if frame[column].dtype == object or str(frame[column].dtype).startswith("str"):
                names.update(c for v in frame[column].dropna() for c in str(v) if fonts.in_web_range(c))
    assert names and names <= text, sorted(names - text)[:20]  # the demo data's names, rare hanzi (泾, 浜) too
    assert "河" in text and "图" in text and "Ⅲ" in text and "，" in text
    assert not {c for c in text if c.isascii()}  # Latin comes from the page's own fonts, never from this one


def test_web_font_is_woff2_with_exactly_the_given_characters(tmp_path):
    out = fonts.build_web_font(fonts.REGULAR, tmp_path / "x.woff2", "河图排污口Ⅲ类")
    assert out.read_bytes()[:4] == b"wOF2"
    font = TTFont(str(out))
    assert set(font.getBestCmap()) == {ord(c) for c in "河图排污口Ⅲ类"}
    name = font["name"].getDebugName(0) or ""
    assert "Adobe" in name or "Google" in name  # the OFL copyright stays with the cut


def test_theme_and_map_css_declare_the_built_face_for_the_same_code_points():
    theme = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())["theme"]
    faces = theme["fontFaces"]
    assert [Path(f["url"]).name for f in faces] == list(fonts.WEB_FACES)
    assert all(f["url"].startswith("app/static/fonts/") for f in faces)
    for face in faces:
        assert _ranges(face["unicodeRange"]) == list(fonts.WEB_UNICODE_RANGES)
    css = (REPO / "static" / "css" / "hetu-map.css").read_text()
    declared = re.findall(r"@font-face\s*{[^}]*}", css)
    assert len(declared) == len(fonts.WEB_FACES)
    for name, block in zip(fonts.WEB_FACES, declared):
        assert f"/app/static/fonts/{name}" in block and 'format("woff2")' in block
        assert _ranges(block) == list(fonts.WEB_UNICODE_RANGES)
    # only a fallback: after the system CJK fonts in both stacks
    assert theme["font"].index("Microsoft YaHei") < theme["font"].index("Hetu CJK")
    stack = re.search(r"\.leaflet-container[^{]*{[^}]*font-family:([^;]*);", css).group(1)
    assert stack.index("Microsoft YaHei") < stack.index("Hetu CJK")


def _tmp_fonts_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(assets, "WEB_FONTS_DIR", tmp_path / "fonts")
    monkeypatch.setattr(assets, "WEB_FONTS_MANIFEST", tmp_path / "fonts" / "web-fonts.json")
    monkeypatch.setattr(fonts, "web_font_text", lambda root=None: "河图")


def test_build_web_fonts_builds_once_and_replaces_the_old_otf_copies(monkeypatch, tmp_path):
    _tmp_fonts_dir(monkeypatch, tmp_path)
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "NotoSansSC-Hetu-Regular.otf").write_bytes(b"old copy")
    assert assets.build_web_fonts() is True
    assert assets.web_fonts_ready()
    assert sorted(p.name for p in (tmp_path / "fonts").iterdir()) == sorted([*fonts.WEB_FACES, "web-fonts.json"])
    assert assets.build_web_fonts() is False  # up to date: nothing rebuilt
    monkeypatch.setattr(fonts, "web_font_text", lambda root=None: "河图水")  # new characters: rebuilt
    assert assets.build_web_fonts() is True
    font = TTFont(str(tmp_path / "fonts" / next(iter(fonts.WEB_FACES))))
    assert ord("水") in font.getBestCmap()


def test_a_page_never_builds_the_web_font_itself(monkeypatch, tmp_path):
    _tmp_fonts_dir(monkeypatch, tmp_path)
    monkeypatch.setattr(assets, "_font_build", None)
    calls, done = [], threading.Event()

    def build():
        calls.append(threading.current_thread() is threading.main_thread())
        done.set()

    monkeypatch.setattr(assets, "build_web_fonts", build)
    assets.ensure_web_fonts()
    assets.ensure_web_fonts()  # a second page while the first build runs (or failed): no second build
    assert done.wait(10)
    assets._font_build.join(10)
    assert calls == [False]
