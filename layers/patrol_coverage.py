"""layers.patrol_coverage: river stretches coloured by days since they were last patrolled (巡河覆盖)."""
from __future__ import annotations

import folium

from gislib.i18n import t
from gislib.patrols.coverage import BAND_COLORS, band_label
from gislib.problems.config import load_config
from gislib.safe_text import html_text
from layers.base import LegendEntry, MapLayer
from layers.context_layers import _geojson
from layers.folium_elements import FetchedGeoJson


def coverage_layer_frame(dataset: str | None = None):
    """Every stretch of the data set's network with its last patrol date and band (as of today)."""
    from gislib.demo.problems import ensure_demo
    from gislib.patrols.service import coverage
    from gislib.problems.locate import dataset_context
    from gislib.problems.service import today_shanghai
    from gislib.services.catalog import store

    st_ = store(dataset=dataset)
    ensure_demo(st_, dataset)
    return coverage(st_, today_shanghai(), dataset_context(dataset).network)


class PatrolCoverageLayer(MapLayer):
    """Stretches as lines: green (recent) → red (long ago), grey never patrolled."""

    key = "patrol_coverage"
    source = "rivers"
    kind = "line"
    demo = True
    default_on = False
    keep_on_disk = False  # overdue as of today; the demo is seeded on first use

    def load(self, dataset=None):
        return coverage_layer_frame(dataset)

    def styled(self, gdf, lang="zh"):
        bands = tuple(load_config()["coverage"]["bands_days"])
        out = gdf.copy()
        out["_cat"] = out["band"]
        out["_color"] = [BAND_COLORS[b] for b in out["band"]]
        out["_band"] = [band_label(b, bands, lang) for b in out["band"]]
        out["_river"] = [html_text(r or "—") for r in out["river"]]
        out["_days"] = ["—" if d is None or d != d else str(int(d)) for d in out["days_since"]]
        out["_label"] = out["_river"]
        return out

    def legend(self, styled, lang="zh"):
        bands = tuple(load_config()["coverage"]["bands_days"])
        counts = styled["band"].value_counts()
        return [LegendEntry(band_label(b, bands, lang), BAND_COLORS[b], "line", int(counts.get(b, 0)))
                for b in range(5) if counts.get(b, 0)]

    def to_folium(self, styled, lang="zh"):
        fields = ["_river", "last_patrolled", "_days", "_band"]
        aliases = [t(f"maplayer.coverage.{k}", lang) for k in ("river", "last_patrolled", "days", "band")]
        return FetchedGeoJson(
            _geojson(styled, fields + ["_color"], precision=6), name=self.title(lang),
            style_function=lambda f: {"color": f["properties"]["_color"], "weight": 5, "opacity": 0.9},
            tooltip=folium.GeoJsonTooltip(fields, aliases=aliases),
        )

    def draw_static(self, ax, styled, lang="zh"):
        s = styled.to_crs(3857)
        s.plot(ax=ax, color=list(s["_color"]), linewidth=2.5, zorder=4)
