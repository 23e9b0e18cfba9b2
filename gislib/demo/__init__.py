"""gislib.demo: builds Hetu's demo data sets reproducibly from the OpenStreetMap sources."""
from gislib.demo.build import build_city, build_putuo

__all__ = ["build_putuo", "build_city"]
