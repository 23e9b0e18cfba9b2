"""gislib: Hetu's Streamlit-free core (CRS, import/export, store, water quality, tracing, snapshots, raster).

Nothing in this package imports streamlit. Heavy optional dependencies are imported inside the
functions that need them so that ``python -m gislib`` starts quickly.
"""
from gislib.errors import HetuError

__all__ = ["HetuError"]
__version__ = "0.1.0"
