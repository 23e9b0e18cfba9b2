"""Map search (issue 11.6): rivers can be found and zoomed to; capped lists say how many there are."""
from __future__ import annotations

import pytest

from gislib.dataset import load_layer
from layers.mapview import extent_of, search


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HETU_DATASET", "putuo")


def test_a_river_is_found_by_name_first_with_its_whole_extent():
    result = search("桃浦河")
    first = result.hits[0]
    assert (first.key, first.name, first.selectable) == ("rivers", "桃浦河", False)
    rivers = load_layer("rivers", "putuo")
    expected = tuple(rivers[rivers["name"] == "桃浦河"].total_bounds)  # every piece of the river
    assert first.bounds == pytest.approx(expected)
    assert extent_of("rivers", ("桃浦河",)) == pytest.approx(expected)


def test_capped_results_say_how_many_matched():
    result = search("桃浦河")
    outfalls = load_layer("outfalls", "putuo")
    named = int(outfalls["name"].str.contains("桃浦河", regex=False).sum())
    assert named > 20
    assert result.capped()["outfalls"] == (20, named)
    assert sum(1 for h in result.hits if h.key == "outfalls") == 20


def test_a_code_is_found_with_its_point_extent():
    result = search("PT-0007")
    hit = next(h for h in result.hits if h.key == "outfalls")
    assert hit.code == "PT-0007" and hit.selectable
    assert hit.bounds[0] == hit.bounds[2] and hit.bounds[1] == hit.bounds[3]
    assert search("   ").hits == [] and search("no such thing at all").hits == []
