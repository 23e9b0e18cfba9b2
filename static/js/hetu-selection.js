/*
 * hetu-selection.js: the selection ring of the map page, drawn inside the map frame.
 *
 * The ring used to travel with streamlit-folium's ``feature_group`` argument: every click changed the
 * component's arguments, so Streamlit sent the whole map script again (hundreds of KB at city scale) and
 * the frame removed and re-evaluated its feature group and redrew Leaflet's canvas (about 400 ms of a
 * click). Now the component's arguments do not change when the selection does:
 *
 *  - the page (views/map_view.py) writes the selection's ring in a hidden element of its own,
 *    ``<span id="hetu-selection" data-ring="lat,lng" data-stamp="…">`` (empty ring: none), on every run;
 *    this frame reads it (same origin) every ``poll`` ms and moves its ring when it changed. A map built
 *    again (layers, filters, a page rerun that re-creates the frame) reads it at once.
 *  - a click on a point that selects it (an outfall or dust site of hetu-points.js, a monitoring section's
 *    marker) rings the point at once, before the app has answered; the page's element confirms it.
 *
 * The ring is its own small SVG layer (not on the shared canvas renderer, which a change would redraw)
 * and never takes a click. window.__hetuRing is [lat, lng] of the ring shown, or null (tests read it).
 */
(function () {
  "use strict";

  L.HetuSelection = L.Layer.extend({
    options: { color: "#ff00aa", radius: 14, weight: 3, markerId: "hetu-selection", poll: 100 },

    onAdd: function (map) {
      this._map = map;
      this._ring = null;
      this._seen = null;
      this._renderer = L.svg({ padding: 0.2 });
      map.on("hetu:select", this._clicked, this);
      // the vector layers already on the map (the map script adds this layer last)
      var groups = this._groups = [];
      map.eachLayer(function (l) { if (l instanceof L.GeoJSON) groups.push(l); });
      for (var i = 0; i < groups.length; i++) groups[i].on("click", this._vectorClicked, this);
      this._read();
      this._timer = setInterval(L.bind(this._read, this), this.options.poll);
    },

    onRemove: function (map) {
      map.off("hetu:select", this._clicked, this);
      for (var i = 0; i < this._groups.length; i++) this._groups[i].off("click", this._vectorClicked, this);
      clearInterval(this._timer);
      this.show(null);
    },

    show: function (latlng) {
      // Ring ``latlng`` (null: no ring).
      var map = this._map;
      if (!latlng) {
        if (this._ring) { map.removeLayer(this._ring); this._ring = null; }
        window.__hetuRing = null;
        return;
      }
      if (this._ring) this._ring.setLatLng(latlng);
      else {
        var o = this.options;
        this._ring = L.circleMarker(latlng, { radius: o.radius, color: o.color, weight: o.weight, fill: false,
                                              interactive: false, renderer: this._renderer }).addTo(map);
      }
      latlng = L.latLng(latlng);
      window.__hetuRing = [latlng.lat, latlng.lng];
    },

    _clicked: function (e) { this.show(e.latlng); },

    _vectorClicked: function (e) {
      // A click on a vector feature: a point feature (a monitoring section's marker) is ringed at once, like
      // a canvas point (a line or an area is ringed where the page says, when it answers); the click is sent
      // to the app at once instead of after the frame's 250 ms debounce (streamlit-folium's, which the map page's
      // frame keeps), once every click handler of this event has run (the frame reads the tooltip in the group's
      // handler, after this one).
      var t = e.propagatedFrom || e.sourceTarget, map = this._map;
      if (t && t.feature && t.getLatLng && t.feature.geometry && t.feature.geometry.type === "Point") {
        this.show(t.getLatLng());
      }
      if (L.hetuSendNow) setTimeout(function () { L.hetuSendNow(map); }, 0);
    },

    _read: function () {
      var el = null;
      try { el = window.parent.document.getElementById(this.options.markerId); } catch (e) { el = null; }
      if (!el) return;  // the page has not written it (yet): keep what is shown
      var ring = el.getAttribute("data-ring") || "", stamp = ring + "|" + (el.getAttribute("data-stamp") || "");
      if (stamp === this._seen) return;
      this._seen = stamp;
      var parts = ring.split(","), lat = parseFloat(parts[0]), lng = parseFloat(parts[1]);
      this.show(parts.length === 2 && isFinite(lat) && isFinite(lng) ? L.latLng(lat, lng) : null);
    }
  });

  L.hetuSelection = function (options) { return new L.HetuSelection(options); };
})();
