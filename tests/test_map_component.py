"""The map page's rendered-once map (views.map_component) hands streamlit-folium's component exactly what
``st_folium`` would for the same map, and a click's rerun does not render the map again."""
import folium
import pytest
import streamlit_folium

from layers.base import Filters
from views import map_component


def _map() -> folium.Map:
    fmap = folium.Map(location=[31.25, 121.4], zoom_start=13, tiles=None, prefer_canvas=True)
    folium.GeoJson({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "桃浦河"},
         "geometry": {"type": "LineString", "coordinates": [[121.38, 31.27], [121.42, 31.28]]}}]},
        tooltip=folium.GeoJsonTooltip(["name"])).add_to(fmap)
    fmap.fit_bounds([[31.2, 121.3], [31.3, 121.5]])
    return fmap


def _ring() -> folium.FeatureGroup:
    group = folium.FeatureGroup(name="selection")
    folium.CircleMarker([31.27, 121.39], radius=14, color="#ff00aa").add_to(group)
    return group


@pytest.fixture
def calls(monkeypatch):
    seen = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **kw: seen.append(kw) or None)
    monkeypatch.setattr(map_component, "frame_component", lambda **kw: seen.append(kw) or None)
    return seen


def test_the_component_gets_what_st_folium_would_send(calls):
    """The map page's frame gets st_folium's arguments for the same map; its header starts with the frame's
    Content-Security-Policy for that very script (views.map_csp), as every streamlit-folium map's does."""
    from views.map_csp import csp_meta

    returned = ["last_object_clicked", "last_object_clicked_tooltip"]
    streamlit_folium.st_folium(_map(), key="hetu_map", height=600, use_container_width=True,
                               returned_objects=returned, feature_group_to_add=_ring())
    shown = map_component.render(_map())
    map_component.show(shown, key="hetu_map", height=600, returned_objects=returned, feature_group_to_add=_ring())
    theirs, ours = calls
    assert set(theirs) == set(ours)
    for name in theirs:
        if name not in ("on_change", "header"):  # a closure each; the header below
            assert ours[name] == theirs[name], name
    assert ours["header"] == csp_meta(theirs["script"]) + theirs["header"]
    assert "LineString" in ours["script"] and "feature_group_feature_group_0" in ours["feature_group"]


def test_the_map_frame_is_served_from_its_own_directory():
    """The frame Streamlit serves for the map page: its page and script, beside this module."""
    assert map_component.frame_component.name == "views.map_component.hetu_map"
    index = (map_component.FRAME_DIR / "index.html").read_text(encoding="utf-8")
    assert '<script defer src="./hetu-map-frame.js"></script>' in index and 'id="map_div"' in index
    # Leaflet, asked for as the frame opens, is the map's first script, on its own (not in the bundle after it)
    assert f'<script async data-global="L" src="{map_component.FRAME_PRELOADED}"></script>' in index
    from layers.mapview import HetuMap

    links = map_component.render(HetuMap(location=[31.25, 121.4], zoom_start=13, tiles=None)).js_links
    assert links[0] == map_component.FRAME_PRELOADED and map_component.FRAME_PRELOADED not in links[1:]
    script = (map_component.FRAME_DIR / "hetu-map-frame.js").read_text(encoding="utf-8")
    # the one inline script the policy allows is the text views.map_csp hashes
    assert '"window.map = map_div; window.initComponent(map_div, " + a.return_on_hover + ");"' in script


def test_a_map_is_built_once_per_key_and_the_cache_is_bounded(calls):
    built = []

    class Result:
        def __init__(self):
            built.append(1)
            self.fmap = _map()

    first = map_component.rendered(("test", 1), Result)
    again = map_component.rendered(("test", 1), Result)
    assert first is again and len(built) == 1
    for k in range(map_component.MAX_MAPS + 1):
        map_component.rendered(("test", 2, k), Result)
    assert ("test", 1) not in map_component._maps and len(map_component._maps) <= map_component.MAX_MAPS
    # the kept map's folium object is not re-rendered: showing it twice with different rings sends the same script
    map_component.show(first, key="k", feature_group_to_add=_ring())
    map_component.show(first, key="k", feature_group_to_add=folium.FeatureGroup(name="selection"))
    assert calls[0]["script"] == calls[1]["script"] and calls[0]["key"] == calls[1]["key"]
    assert calls[0]["feature_group"] != calls[1]["feature_group"]


def test_the_warm_up_prepares_the_default_map_the_page_asks_for(tmp_path, monkeypatch):
    """What the first user of a fresh server waits for is ready when they arrive: the warm-up renders the map
    the page asks for with the default layers (the same cache key), once per data directory."""
    from gislib.config import load_settings
    from layers.base import Filters
    from layers.registry import LAYERS

    monkeypatch.setenv("HETU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HETU_DATASET", "putuo")
    monkeypatch.setenv("HETU_WARM_UP", "1")
    map_component._maps.clear()
    thread = map_component.warm_up(str(tmp_path), "putuo")
    assert map_component.warm_up(str(tmp_path), "putuo") is None  # once
    map_component.wait_for_warm_up(240)  # what the map page does first: it waits for the map only
    assert len(map_component._maps) == 1  # rendered by the warm-up, before the page asks
    thread.join(240)  # the click index and the river network follow beside the page
    assert not thread.is_alive()
    s = load_settings()
    on = tuple(layer.key for layer in LAYERS if layer.default_on)
    shown = map_component.map_for(on, Filters(), s.lang, s.basemap, s.tianditu_key, None, "putuo")
    assert len(map_component._maps) == 1 and shown is next(iter(map_component._maps.values()))
    assert shown.result.counts["outfalls"] > 0 and "L.map(" in shown.script


def test_reused_templates_render_the_same_map(monkeypatch):
    """The compiled-template cache (layers.folium_elements) changes nothing in what a map renders to:
    the same map rendered with the cache and with the libraries' own compile-every-time templates."""
    import re

    import branca.element
    import folium.features
    import folium.template
    import jinja2

    import layers.folium_elements  # noqa: F401 - installs the cache

    assert getattr(branca.element.Template, "_hetu_cached", False)

    def tooltip_map():
        fmap = _map()
        folium.GeoJson({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "真如港"},
             "geometry": {"type": "Point", "coordinates": [121.4, 31.25]}}]},
            tooltip=folium.GeoJsonTooltip(["name"]), popup=folium.GeoJsonPopup(["name"])).add_to(fmap)
        return fmap

    def ids_out(text):
        return re.sub(r"_[0-9a-f]{32}", "_ID", text)

    cached = map_component.render(tooltip_map())
    monkeypatch.setattr(branca.element, "Template", jinja2.Template)
    monkeypatch.setattr(folium.features, "Template", folium.template.Template)
    plain = map_component.render(tooltip_map())
    assert ids_out(cached.script) == ids_out(plain.script) and ids_out(cached.header) == ids_out(plain.header)
    assert "bindTooltip" in cached.script and "foliumtooltip" in cached.header.lower()


@pytest.mark.parametrize("text", ["", "x", "abc\n", "abc\n\n", "  \n", "}} { %} #}", "var a = {\"k\": [1, 2]};\n",
                                  "<div>\u771f\u5982\u6e2f &amp; \\u003c</div>\n", "a\r\nb", "{{ this }}", "{% if 1 %}y{% endif %}",
                                  "{# note #}z"])
def test_text_without_jinja_syntax_renders_as_jinja_renders_it(text):
    """branca wraps every rendered script in Element(text); such text is no longer compiled as a template
    but must come out exactly as Jinja would render it (texts with Jinja syntax still go to Jinja)."""
    import jinja2

    from layers.folium_elements import _Verbatim

    if _Verbatim.fits(text):
        assert _Verbatim(text).render(this=None, kwargs={}) == jinja2.Template(text).render(this=None, kwargs={})
    else:
        assert text.count("{{") or text.count("{%") or text.count("{#") or "\r" in text


def test_a_real_map_renders_the_same_with_verbatim_texts(monkeypatch):
    """The Putuo map page's default map (every default layer) renders to the same script and header with
    the cache and without it."""
    import re

    import branca.element
    import folium.features
    import folium.template
    import jinja2

    from gislib.config import load_settings
    from layers.mapview import build_map
    from layers.registry import LAYERS

    on = tuple(layer.key for layer in LAYERS if layer.default_on)
    s = load_settings()

    def ids_out(text):
        return re.sub(r"_[0-9a-f]{32}", "_ID", text)

    cached = map_component.render(build_map(on, Filters(), s.lang, s.basemap, dataset="putuo").fmap)
    monkeypatch.setattr(branca.element, "Template", jinja2.Template)
    monkeypatch.setattr(folium.features, "Template", folium.template.Template)
    plain = map_component.render(build_map(on, Filters(), s.lang, s.basemap, dataset="putuo").fmap)
    assert ids_out(cached.script) == ids_out(plain.script) and ids_out(cached.header) == ids_out(plain.header)
    assert "L.hetuPoints" in cached.script


def test_a_map_that_fails_to_build_is_built_again_next_time():
    calls = []

    def failing():
        calls.append(1)
        raise ValueError("no layers")

    for _ in range(2):
        with pytest.raises(ValueError):
            map_component.rendered(("test", "broken"), failing)
    assert len(calls) == 2 and ("test", "broken") not in map_component._maps
    assert ("test", "broken") not in map_component._building


def test_a_filter_a_layer_has_nothing_to_do_with_leaves_that_layer_as_it_was():
    """A river filter keeps every district outline and every water area: the map reuses the unfiltered
    frames (and their encoded GeoJSON) for those layers, while the outfalls are filtered."""
    from layers.mapview import styled_layer

    river = Filters(rivers=("桃浦河",))
    assert styled_layer("district", river, "zh", "putuo") is styled_layer("district", Filters(), "zh", "putuo")
    outfalls = styled_layer("outfalls", river, "zh", "putuo")
    everything = styled_layer("outfalls", Filters(), "zh", "putuo")
    assert 0 < len(outfalls) < len(everything) and set(outfalls["river"]) == {"桃浦河"}


def test_the_components_first_bounds_are_the_view_the_map_is_fitted_to():
    """Until the browser reports its own, the component's bounds are the extent the map opens on (the
    export of the current view uses them), not the extent of every vertex of every layer."""
    from gislib.config import load_settings
    from layers.registry import LAYERS

    s = load_settings()
    on = tuple(layer.key for layer in LAYERS if layer.default_on)
    shown = map_component.map_for(on, Filters(), s.lang, s.basemap, s.tianditu_key, None, "putuo")
    w, so, e, n = shown.result.bounds
    assert shown.bounds == {"_southWest": {"lat": so, "lng": w}, "_northEast": {"lat": n, "lng": e}}
