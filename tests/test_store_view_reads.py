"""The plot buffer's candidates come from the store (``catalog.near_frame``: ST_DWithin on PostGIS, the
lon/lat index on SQLite) and give exactly the answer of measuring every record of the layer."""
from __future__ import annotations

import pandas as pd
import pytest
import shapely

from gislib.geo.proximity import ProximityQuery, within
from gislib.reports.plot_registry import plot_geometry
from gislib.services import catalog

pytestmark = pytest.mark.usefixtures("db_backend")  # every test on SQLite and on PostGIS


@pytest.fixture()
def putuo(tmp_path):
    st = catalog.store(tmp_path, "putuo")
    yield tmp_path
    with catalog._lock:
        catalog._stores.pop((str(catalog.store_dir(tmp_path, "putuo")), "putuo"), None)
    st.close()


def test_near_frame_gives_the_whole_layer_answer(putuo):
    plots = catalog.layer_frame("plots", putuo, "putuo")
    outfall = catalog.layer_frame("outfalls", putuo, "putuo").iloc[0]
    targets = [(plot_geometry(row), row["code"]) for _i, row in plots.head(3).iterrows()]
    targets.append((shapely.Point(outfall.geometry.x + 0.001, outfall.geometry.y), None))  # a point near an outfall
    for geom, code in targets:
        for metres in (50.0, 500.0, 3000.0):
            query = ProximityQuery(geom, metres, exclude_code=code)
            whole = within(query, **{k: catalog.layer_frame(k, putuo, "putuo")
                                     for k in ("outfalls", "plots", "dust_sites")})
            near = within(query, **{k: catalog.near_frame(k, geom.wkt, metres, putuo, "putuo")
                                    for k in ("outfalls", "plots", "dust_sites")})
            pd.testing.assert_frame_equal(near, whole)
    assert len(whole) > 10  # 3 km around a point in the district holds records of several kinds
    assert len(catalog.near_frame("outfalls", geom.wkt, 3000.0, putuo, "putuo")) < len(
        catalog.layer_frame("outfalls", putuo, "putuo"))  # and the store left most of the layer out
