"""layers.assets: the map's JS/CSS served by the app itself, and generated data files.

Streamlit serves ``./static`` at ``/app/static/`` (``server.enableStaticServing``). Every
JS and CSS file the map needs is vendored there, so the browser never contacts a CDN.
"""
from __future__ import annotations

from pathlib import Path

from gislib.dataset import REPO_ROOT
from gislib.geo.pointpack import content_name

STATIC_DIR = REPO_ROOT / "static"
STATIC_URL = "/app/static"
GEN_DIR = STATIC_DIR / "gen"
KEEP_GENERATED = 200

LEAFLET_JS = ("leaflet", f"{STATIC_URL}/vendor/leaflet/leaflet.js")
LEAFLET_CSS = ("leaflet_css", f"{STATIC_URL}/vendor/leaflet/leaflet.css")
POINTS_JS = ("hetu_points", f"{STATIC_URL}/js/hetu-points.js")
HETU_CSS = ("hetu_css", f"{STATIC_URL}/css/hetu-map.css")


FONTS_SRC = REPO_ROOT / "assets" / "fonts"
WEB_FONTS_DIR = STATIC_DIR / "fonts"  # copies, not a symlink: the static server refuses paths outside static/


def ensure_web_fonts() -> None:
    """Copy the bundled CJK font into ``static/fonts`` (the web-font fallback of .streamlit/config.toml
    and hetu-map.css) when it is missing or stale."""
    import shutil

    for src in FONTS_SRC.glob("*.otf"):
        dst = WEB_FONTS_DIR / src.name
        if dst.exists() and dst.stat().st_size == src.stat().st_size:
            continue
        WEB_FONTS_DIR.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_suffix(".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(dst)


def publish(data: bytes, suffix: str) -> str:
    """Write generated data under ``static/gen`` by content hash and return its URL."""
    GEN_DIR.mkdir(parents=True, exist_ok=True)
    name = content_name(data, suffix)
    path = GEN_DIR / name
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        _prune(GEN_DIR)
    return f"{STATIC_URL}/gen/{name}"


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_GENERATED:]:
        old.unlink(missing_ok=True)


def tile_url(dataset: str) -> str:
    """URL template of the offline basemap tiles of a data set."""
    return f"{STATIC_URL}/tiles/{dataset}/{{z}}/{{x}}/{{y}}.png"
