"""The naive app the end-to-end benchmark compares Hetu with: the same outfalls read with geopandas,
``GeoDataFrame.explore()`` handed to ``st_folium``, Leaflet served locally (no tiles, nothing online).

    HETU_DATASET=city streamlit run bench/naive_app.py

(Streamlit serves ``static/`` beside the main script, so bench_e2e.py runs a copy of this file from a
folder whose ``static`` links to the repository's, with ``HETU_REPO`` set.)

This is what a first Streamlit GIS prototype does; it is not part of Hetu.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

REPO = Path(os.environ.get("HETU_REPO") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(REPO))
from gislib.dataset import dataset_path

LOCAL_JS = {"leaflet": "/app/static/vendor/leaflet/leaflet.js"}
LOCAL_CSS = {"leaflet_css": "/app/static/vendor/leaflet/leaflet.css"}


def offline(element):
    """Point folium's CDN files at the app's local Leaflet and drop the rest (none is needed to draw)."""
    for attr, local in (("default_js", LOCAL_JS), ("default_css", LOCAL_CSS)):
        items = getattr(element, attr, None)
        if items:
            setattr(element, attr, [(name, local[name]) for name, _ in items if name in local])
    for child in getattr(element, "_children", {}).values():
        offline(child)
    return element


st.set_page_config(page_title="naive", layout="wide")
outfalls = gpd.read_file(dataset_path(), layer="outfalls")
m = offline(outfalls.explore(tiles=None, max_zoom=19))
out = st_folium(m, height=600, use_container_width=True)
clicked = (out or {}).get("last_object_clicked_tooltip")
if clicked:
    st.write("selected:", clicked)
