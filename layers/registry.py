"""layers.registry: every map layer, in drawing order (bottom first). A new layer is one line here."""
from __future__ import annotations

from layers.base import MapLayer
from layers.context_layers import DistrictLayer, RiversLayer, SubdistrictsLayer
from layers.dust import DustSitesLayer
from layers.outfalls import OutfallsLayer
from layers.patrol_coverage import PatrolCoverageLayer
from layers.plots import PlotsLayer
from layers.problems import ProblemsLayer
from layers.sections import SectionsLayer

LAYERS: tuple[MapLayer, ...] = (
    SubdistrictsLayer(),
    DistrictLayer(),
    PlotsLayer(),
    RiversLayer(),
    PatrolCoverageLayer(),
    DustSitesLayer(),
    OutfallsLayer(),
    SectionsLayer(),
    ProblemsLayer(),
)
BY_KEY: dict[str, MapLayer] = {layer.key: layer for layer in LAYERS}


def get_layer(key: str) -> MapLayer:
    """The layer registered under ``key``."""
    return BY_KEY[key]
