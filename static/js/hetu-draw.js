/*
 * hetu-draw.js: less work for Leaflet's canvas renderer on every zoom and pan (the vector layers: rivers,
 * water, sub-districts, the district, plots), without changing what is drawn or what can be hovered/clicked.
 * Loaded after leaflet.js on every Hetu map (layers/folium_elements.HetuMap). Leaflet 1.9.3 (vendored).
 *
 * 1. A path with fillOpacity 0 (the sub-districts: filled only so that hovering their inside shows their
 *    tooltip) is not filled on the canvas: a transparent fill over the whole city was rasterized on each
 *    redraw. Hit tests do not read the fill (Polygon._containsPoint), so hover and click are unchanged.
 * 2. A view set without animation (setView: the first view, search hits, zoom buttons and wheel with zoomSnap,
 *    keyboard pans; every zoom and pan of the bench) goes through Map._resetView, which fires zoomend, moveend
 *    and then viewreset. Leaflet's canvas renderer then projects every vertex on zoomend, sizes and clears the
 *    canvas on moveend, and on viewreset sizes and clears it again, projects and clips every path again and
 *    clips them a third time before drawing. Here, between viewprereset and viewreset (Leaflet's own
 *    _postponeUpdatePaths), zoomend and moveend leave the renderer alone, and viewreset sizes the canvas once,
 *    projects once, clips once and draws: the same image for a third of the work. Animated zooms and drags
 *    (no viewprereset) run as before.
 * 3. On such a view reset Leaflet's tile layers throw every tile away (viewprereset) and request the new view's
 *    tiles at once; until they arrive the basemap is blank, and their requests, arrival and decoding fell into
 *    the frames of the zoom itself (about 25 ms of a first zoom to a level). Here the tiles shown stay, scaled
 *    and placed for the new view as an animated zoom keeps them, and the new view's tiles are requested right
 *    after that image is painted; Leaflet's pruning removes the old ones once the new ones are loaded.
 */
(function () {
  "use strict";
  if (!window.L || !L.Canvas || L.Canvas.prototype._hetuDraw) return;
  var C = L.Canvas.prototype;
  C._hetuDraw = true;

  var fillStroke = C._fillStroke;
  C._fillStroke = function (ctx, layer) {
    var o = layer.options;
    if (o.fill && o.fillOpacity === 0) {
      o.fill = false;
      try { return fillStroke.call(this, ctx, layer); } finally { o.fill = true; }
    }
    return fillStroke.call(this, ctx, layer);
  };

  var onZoomEnd = C._onZoomEnd, update = C._update, reset = C._reset;
  C._onZoomEnd = function () {
    if (this._postponeUpdatePaths) return;  // inside _resetView: viewreset projects every path next
    return onZoomEnd.apply(this, arguments);
  };
  C._update = function () {
    if (this._postponeUpdatePaths && !this._hetuResetting) return;  // moveend inside _resetView: viewreset does it
    return update.apply(this, arguments);
  };
  C._reset = function () {
    if (!this._postponeUpdatePaths || !this._map) return reset.apply(this, arguments);
    this._hetuResetting = true;
    try {
      this._update();
      this._updateTransform(this._center, this._zoom);
    } finally { this._hetuResetting = false; }
    for (var id in this._layers) this._layers[id]._project();
    this._postponeUpdatePaths = false;
    this._updatePaths();  // each path clipped and simplified once, then the whole canvas drawn
  };

  var G = L.GridLayer.prototype, invalidateAll = G._invalidateAll, setView = G._setView, gridUpdate = G._update;
  G._invalidateAll = function (e) {
    // viewprereset of a map showing tiles: keep them (redraw() and setUrl() still empty the layer)
    if (e && e.type === "viewprereset" && this._map && this._tileZoom !== undefined && this._levels[this._tileZoom]) {
      this._hetuLater = true;
      return;
    }
    return invalidateAll.apply(this, arguments);
  };
  G._setView = function (center, zoom, noPrune, noUpdate) {
    if (!this._hetuLater) return setView.apply(this, arguments);
    this._setZoomTransforms(center, zoom);  // the tiles shown, scaled and placed for the new view
    if (this._hetuPending) return;
    var self = this;
    this._hetuPending = requestAnimationFrame(function () {
      setTimeout(function () {  // after the paint of the zoomed image
        self._hetuLater = false; self._hetuPending = null;
        if (self._map) setView.call(self, self._map.getCenter(), self._map.getZoom());
      }, 0);
    });
  };
  G._update = function () {
    if (this._hetuLater) return;  // moveend of the reset: the deferred _setView requests the tiles
    return gridUpdate.apply(this, arguments);
  };
})();
