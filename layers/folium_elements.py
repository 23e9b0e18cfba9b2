"""layers.folium_elements: the only module that subclasses folium (our thin adapter).

* :class:`HetuMap`: a ``folium.Map`` whose JS/CSS come from the app (no CDN).
* :class:`PointCanvas`: the canvas point layer of ``static/js/hetu-points.js``.
* :class:`HtmlControl`: a Leaflet control holding static HTML (legend, demo mark).
* :class:`SelectionRing`: the map page's selection ring, drawn in the frame (``static/js/hetu-selection.js``).
* :class:`FetchedGeoJson`: a ``folium.GeoJson`` whose data the frame fetches from a generated file.

Importing it also makes branca and folium reuse compiled templates (:func:`_reuse_compiled_templates`).
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from gislib.safe_text import html_text, plain
from layers.assets import (
    DRAW_JS,
    FETCH_JS,
    HETU_CSS,
    LEAFLET_CSS,
    LEAFLET_JS,
    POINTS_JS,
    SELECTION_JS,
)


class _Verbatim:
    """A "template" without any Jinja syntax, rendered as Jinja renders it: the text itself, less one
    trailing newline (Jinja's ``keep_trailing_newline=False``). branca's Figure wraps every element's
    rendered script in ``Element(text)``, which compiled each text, GeoJSON data included, as a Jinja
    template (a third of a filtered city map's render time) only to render it back unchanged."""

    __slots__ = ("_text",)

    def __init__(self, source: str) -> None:
        self._text = source[:-1] if source.endswith("\n") else source

    @staticmethod
    def fits(source: str) -> bool:
        """True for text Jinja renders unchanged but for the trailing newline: no tag, no comment, no
        expression delimiters and no carriage return (Jinja normalises line ends)."""
        return "{{" not in source and "{%" not in source and "{#" not in source and "\r" not in source

    def render(self, *args, **kwargs) -> str:
        return self._text

    module = SimpleNamespace()  # what branca's MacroElement reads of a template: no macros here


def _reuse_compiled_templates() -> None:
    """branca's ``Element(template_string)`` and folium's tooltip CSS compile a Jinja template on every
    instance (the same few sources over and over: about 90 compilations, half a second to 1.5 s, per city
    map). Compiled templates are immutable (rendering takes its data as arguments), so the two module names
    are pointed at a cache of compiled ones; sources over 64 KB are compiled as before. branca 0.8.2 /
    folium 0.20.0 (pinned); ``tests/test_map_component.py`` checks the rendered map is unchanged."""
    from functools import lru_cache

    import branca.element
    import folium.features

    for module in (branca.element, folium.features):
        original = module.Template
        if getattr(original, "_hetu_cached", False):
            continue
        compiled = lru_cache(maxsize=512)(original)

        def template(source, *args, _original=original, _compiled=compiled, **kwargs):
            if args or kwargs or not isinstance(source, str):
                return _original(source, *args, **kwargs)
            if _Verbatim.fits(source):
                return _Verbatim(source)
            return _original(source) if len(source) > 65_536 else _compiled(source)

        template._hetu_cached = True
        module.Template = template


_reuse_compiled_templates()


class HetuMap(folium.Map):
    """folium.Map without CDN dependencies: Leaflet and our CSS are served by the app; hetu-draw.js spares
    Leaflet's canvas renderer its redundant work on each zoom and pan (same image)."""

    default_js = [LEAFLET_JS, DRAW_JS]
    default_css = [LEAFLET_CSS, HETU_CSS]


class PointCanvas(JSCSSMixin, MacroElement):
    """Tens of thousands of points drawn on one canvas from a binary file (see pointpack); ``tiles``
    (url and labels templates with {x} {y}, tile zoom z, index of "x_y" keys) instead of ``url`` for
    very large layers; ``clusters_url``: the counted clusters drawn below the aggregation zoom."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.hetuPoints({{ this.options_json }});
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)
    default_js = [FETCH_JS, POINTS_JS]

    def __init__(self, url: str | None, colors: list[str], labels: list[str], shape_labels: list[str],
                 name: str, labels_urls: list[str] | None = None, labels_chunk: int = 5000, show: bool = True,
                 radius=None, cluster_text: str | None = None, clusters_url: str | None = None,
                 tiles: dict | None = None, shapes: list[str] | None = None):
        super().__init__()
        self._name = "HetuPoints"
        self.layer_name = name
        self.show = show
        options = {"url": url, "labelsUrls": labels_urls or [], "labelsChunk": labels_chunk, "colors": colors,
                   "labels": labels, "shapeLabels": shape_labels, "name": name,
                   "shapes": shapes or ["circle"]}  # shape NAMES; each point carries its position in them
        if radius:
            options["radius"] = radius
        if clusters_url:
            options["clustersUrl"] = clusters_url
        if tiles:
            options["tiles"] = tiles
        if cluster_text:
            options["clusterText"] = cluster_text
        self.options_json = json.dumps(options, ensure_ascii=False)



class SelectionRing(JSCSSMixin, MacroElement):
    """The map page's selection ring, drawn inside the map frame by ``static/js/hetu-selection.js``: at once
    for a click on a point, and wherever the page's hidden element ``#<marker_id>`` (written on every run by
    ``views.map_view.selection_marker``) says. The selection never changes the component's arguments, so a
    click does not make Streamlit send the map again. Added last, after the vector layers it listens to."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.hetuSelection({{ this.options_json }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)
    default_js = [SELECTION_JS]

    def __init__(self, marker_id: str = "hetu-selection", color: str = "#ff00aa", radius: int = 14, weight: int = 3):
        super().__init__()
        self._name = "SelectionRing"
        self.options_json = json.dumps({"markerId": marker_id, "color": color, "radius": radius, "weight": weight})


# The few lines of folium 0.20's GeoJson template that put the data into the script; FetchedGeoJson
# replaces them (the rest of the template, styles, tooltips and popups, is folium's own).
_EMBED_START, _EMBED_END = "{%- if this.embed %}", "{%- endif %}"
_FETCH_DATA = """{%- if this.data_url %}
        var {{ this.get_name() }}_data = window.hetuFetch({{ this.data_url|tojson }}, "json");
        window.__hetuGeoData = (window.__hetuGeoData
            || (window.hetuPointsPainted ? window.hetuPointsPainted() : Promise.resolve())).then(function () {
            return {{ this.get_name() }}_data.then({{ this.get_name() }}_add, function (e) { console.error(e); }); });
        {%- else %}
            {{ this.get_name() }}_add({{ this.data|tojson }});
        {%- endif %}"""


def _fetching_template():
    """folium.GeoJson's template with the data fetched from ``this.data_url`` instead of written into the
    script (None if this folium's template is not the one expected: the data is then embedded)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(folium.GeoJson)))
        source = next(node.value.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                      and any(getattr(t, "id", None) == "_template" for t in node.targets))
        start = source.index(_EMBED_START)
        end = source.index(_EMBED_END, start) + len(_EMBED_END)
    except (OSError, TypeError, ValueError, StopIteration, AttributeError, IndexError):
        return None
    from folium.template import (
        Template as FoliumTemplate,  # (its filters: tojavascript)
    )

    return FoliumTemplate(source[:start] + _FETCH_DATA + source[end:])


class FetchedGeoJson(JSCSSMixin, folium.GeoJson):
    """A ``folium.GeoJson`` whose features the map frame fetches from a generated static file (published
    when the map is rendered, named by its content) instead of reading them in the map's script: the
    script Streamlit sends over the websocket on the first load of the map page was 640 KB at city scale,
    nearly all of it rivers, water and sub-district outlines, parsed as JavaScript on the browser's main
    thread. The files are fetched at once, in parallel, and added in the order of the layers (the canvas
    draws in the order paths were added: water areas under the rivers). The data text is the same as
    folium would embed (``tojson``: HTML-safe JSON), so names stay escaped text. Needs a style function
    (every Hetu layer has one: the layer is empty until its data arrives)."""

    _fetch_template = _fetching_template()
    default_js = [FETCH_JS]  # window.hetuFetch, which the fetching template calls

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_url = None
        if self._fetch_template is not None and self.style:
            self._template = self._fetch_template

    def render(self, **kwargs):
        if self._template is self._fetch_template and self.embed:
            from jinja2.utils import htmlsafe_json_dumps

            from layers.assets import publish

            self.data_url = publish(str(htmlsafe_json_dumps(self.data)).encode("utf-8"), ".json")
        super().render(**kwargs)


class TextTooltip(folium.Tooltip):
    """A tooltip of plain text lines: each line HTML-escaped, the whole JSON-encoded into the script.

    folium.Tooltip puts its text unescaped into a JS template literal, so a name with ``<img onerror>``,
    a backtick or ``${…}`` would run or break the map; here every line shows as the characters typed."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.html|tojson }}, {{ this.options|tojson }});
        {% endmacro %}
    """)

    def __init__(self, *lines, sticky: bool = True):
        super().__init__("", sticky=sticky)
        self.html = "<br>".join(html_text(line) for line in lines if plain(line))


class HtmlControl(MacroElement):
    """A fixed Leaflet control with static HTML (the legend, the 示例数据 mark)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
          var ctl = L.control({position: {{ this.position|tojson }}});
          ctl.onAdd = function () {
            var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          ctl.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, html: str, position: str = "bottomright", css_class: str = "hetu-legend"):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html
        self.position = position
        self.css_class = css_class


class FitWhenSized(MacroElement):
    """The map's first view once its frame has its final size (iframes resize after creation).

    * The frame fills the browser window below it: the page's stylesheet sizes the map iframe from
      the CSS variable ``--hetu-map-h`` that this script keeps up to date on the parent page.
    * The view is the last one this browser tab showed for the data set (kept in sessionStorage), so
      a map rebuilt after a layer switch or the export toggle stays where the user was; otherwise
      the data set's bounds. A pending :class:`ViewRequest` wins over both.
    * Focusing the map for the keyboard never scrolls the page (a scroll between mouse-down and
      mouse-up would eat the first click).
    * The legend is folded on narrow (phone) screens.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (m) {
          var b = L.latLngBounds({{ this.bounds|tojson }}), key = "hetu.view." + {{ this.dataset|tojson }};
          var saved = null;
          try { saved = JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { saved = null; }
          if (m.keyboard && m.keyboard.enabled()) {
            m.keyboard.disable();
            m.keyboard._onMouseDown = function () {
              if (!this._focused) this._map.getContainer().focus({preventScroll: true});
            };
            m.keyboard.enable();
          }
          var frame = null;
          try { frame = window.frameElement; } catch (e) { frame = null; }
          function fill() {
            m.getContainer().style.height = "100vh";
            if (!frame || !window.parent || !window.parent.document) return;
            // the frame's top in the page, whatever scrolls (the window or a container of the page)
            var top = frame.getBoundingClientRect().top + window.parent.scrollY;
            for (var el = frame.parentElement; el; el = el.parentElement) top += el.scrollTop || 0;
            var h = Math.max({{ this.min_height }}, Math.round(window.parent.innerHeight - top - {{ this.bottom_gap }}));
            var root = window.parent.document.documentElement.style;
            if (root.getPropertyValue("--hetu-map-h") !== h + "px") root.setProperty("--hetu-map-h", h + "px");
          }
          fill();
          try { window.parent.addEventListener("resize", fill); } catch (e) {}
          setInterval(fill, 400);  // the header above grows and shrinks (search results, the selection card)
          window.addEventListener("resize", function () { m.invalidateSize(); });
          // The first view is set at once, without animation, so the points are drawn once at it. Until the user
          // takes the map (presses, touches, scrolls or types on it, or moves it), a resized frame gets the same
          // view again: the iframe is sized after creation, and the header above it grows and shrinks with the
          // page's answer (search results, the selection card). A ViewRequest (search hit, river filter) goes
          // through here too (window.__hetuApplyView(true)) and holds the same way: one mechanism for both.
          var moved = false, applying = false, firstSize = null;
          function applyView(fresh) {
            if (fresh) moved = false;  // a new request: what the user did before it no longer counts
            applying = true;
            try { setView(); } finally { applying = false; }
          }
          function setView() {
            var req = window.__hetuViewReq;
            if (req) m.fitBounds(req.bounds, L.extend({animate: false}, req.options));
            else if (saved && saved.c) m.setView(saved.c, saved.z, {animate: false});
            else m.fitBounds(b, {padding: [8, 8], animate: false});
          }
          m.invalidateSize({pan: false});
          applyView();
          firstSize = m.getSize();
          window.__hetuApplyView = applyView;
          var box = m.getContainer(), taken = function () { moved = true; };
          ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (t) { box.addEventListener(t, taken, true); });
          m.on("movestart", function () { if (!applying) moved = true; });
          m.on("resize", function () { if (!moved) applyView(); });
          setTimeout(function () {
            fill();
            m.invalidateSize({pan: false});
            if (!moved && !m.getSize().equals(firstSize)) applyView();
            window.__hetuSized = true;
            m.on("moveend", function () {
              try { window.sessionStorage.setItem(key, JSON.stringify({c: m.getCenter(), z: m.getZoom()})); } catch (e) {}
            });
            if (m.getSize().x < 800) {
              m.getContainer().querySelectorAll('.hetu-legend details').forEach(function (d) { d.open = false; });
            }
          }, 250);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]], dataset: str = "putuo", min_height: int = 320,
                 bottom_gap: int = 12):
        super().__init__()
        self._name = "FitWhenSized"
        self.bounds = bounds
        self.dataset = dataset
        self.min_height = min_height
        self.bottom_gap = bottom_gap


class ViewRequest(MacroElement):
    """Move the live map to ``bounds`` once (search hit, river filter): sent with streamlit-folium's
    ``feature_group_to_add``, so the map is not rebuilt. ``nonce`` makes each request happen exactly
    once per browser tab, even when the map is rebuilt later with the same request still attached. It is
    applied by :class:`FitWhenSized`'s script (``window.__hetuApplyView``), which fits a resized frame to it
    again (the answer's search results above the map shrink it) until the user takes the map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
          var nonce = {{ this.nonce|tojson }}, done = null;
          try { done = window.sessionStorage.getItem("hetu.viewNonce"); } catch (e) {}
          if (done === nonce) return;
          try { window.sessionStorage.setItem("hetu.viewNonce", nonce); } catch (e) {}
          var req = window.__hetuViewReq = {bounds: L.latLngBounds({{ this.bounds|tojson }}),
                                            options: {maxZoom: {{ this.max_zoom }}, padding: [24, 24]}};
          if (window.__hetuApplyView) window.__hetuApplyView(true);  // else the map's first view takes it
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: tuple[float, float, float, float], nonce: str, max_zoom: int = 17):
        super().__init__()
        self._name = "ViewRequest"
        minx, miny, maxx, maxy = bounds
        self.bounds = [[miny, minx], [maxy, maxx]]
        self.nonce = nonce
        self.max_zoom = max_zoom
