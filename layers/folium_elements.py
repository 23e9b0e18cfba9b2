"""layers.folium_elements: the only module that subclasses folium (our thin adapter).

* :class:`HetuMap`: a ``folium.Map`` whose JS/CSS come from the app (no CDN).
* :class:`PointCanvas`: the canvas point layer of ``static/js/hetu-points.js``.
* :class:`HtmlControl`: a Leaflet control holding static HTML (legend, demo mark).
"""
from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from gislib.safe_text import html_text, plain
from layers.assets import HETU_CSS, LEAFLET_CSS, LEAFLET_JS, POINTS_JS


class HetuMap(folium.Map):
    """folium.Map without CDN dependencies: Leaflet and our CSS are served by the app."""

    default_js = [LEAFLET_JS]
    default_css = [LEAFLET_CSS, HETU_CSS]


class PointCanvas(JSCSSMixin, MacroElement):
    """Tens of thousands of points drawn on one canvas from a binary file (see pointpack)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.hetuPoints({{ this.options_json }});
        {% if this.show %}{{ this.get_name() }}.addTo({{ this._parent.get_name() }});{% endif %}
        {% endmacro %}
    """)
    default_js = [POINTS_JS]

    def __init__(self, url: str, colors: list[str], labels: list[str], shape_labels: list[str],
                 name: str, labels_url: str | None = None, show: bool = True, radius=None):
        super().__init__()
        self._name = "HetuPoints"
        self.layer_name = name
        self.show = show
        options = {"url": url, "labelsUrl": labels_url, "colors": colors, "labels": labels,
                   "shapeLabels": shape_labels, "name": name}
        if radius:
            options["radius"] = radius
        self.options_json = json.dumps(options, ensure_ascii=False)



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
    """Fit the map to bounds once its frame has its final size (iframes resize after creation),
    and fold the legend on narrow (phone) screens."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (m) {
          var b = L.latLngBounds({{ this.bounds|tojson }});
          setTimeout(function () {
            m.invalidateSize();
            m.fitBounds(b, {padding: [8, 8]});
            if (m.getSize().x < 800) {
              m.getContainer().querySelectorAll('.hetu-legend details').forEach(function (d) { d.open = false; });
            }
          }, 250);
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitWhenSized"
        self.bounds = bounds
