/*
 * hetu-points.js: a Leaflet layer that draws tens of thousands of points on one canvas.
 *
 * The points arrive as one small binary file (fetched once, cached by the browser):
 *   uint32 n | int32 lon[n] (1e-6 deg) | int32 lat[n] | uint8 colour[n] | uint8 shape[n]
 * colour and shape are positions in the layer's options.colors and options.shapes (shape NAMES: circle,
 * square, triangle, diamond, ring), so no order is shared between Python and this file.
 * Each point is drawn as a pre-rendered sprite (colour x shape), so a redraw of 60,000 points
 * costs a few milliseconds. Hovering shows a tooltip; clicking fires a Leaflet 'click' event with
 * the point's exact position and its label as tooltip, which streamlit-folium returns to Python.
 * Points under the pointer win over vector layers below them (one tooltip, the click selects the point).
 * Hover labels come in chunks of ``labelsChunk`` points, fetched when first needed.
 * Zoomed out over many points, they are aggregated into counted grid clusters coloured by their worst
 * (or most common) colour; a click on a cluster zooms into it.
 * After every draw the canvas carries data-drawn="<points drawn>" (data-clusters="<clusters>" when
 * aggregated) and window.__hetuDraws counts.
 */
(function () {
  "use strict";

  function sprite(color, shape, r, stroke) {
    var pad = 2, size = Math.ceil(2 * r + 2 * pad), c = document.createElement("canvas");
    var dpr = window.devicePixelRatio || 1;
    c.width = size * dpr; c.height = size * dpr;
    var g = c.getContext("2d"); g.scale(dpr, dpr);
    var m = size / 2;
    g.beginPath();
    if (shape === "square") { g.rect(m - r * 0.85, m - r * 0.85, 1.7 * r, 1.7 * r); }
    else if (shape === "triangle") { g.moveTo(m, m - r); g.lineTo(m + r, m + r * 0.8); g.lineTo(m - r, m + r * 0.8); g.closePath(); }
    else if (shape === "diamond") { g.moveTo(m, m - r); g.lineTo(m + r, m); g.lineTo(m, m + r); g.lineTo(m - r, m); g.closePath(); }
    else { g.arc(m, m, r, 0, 2 * Math.PI); }
    g.fillStyle = color; g.fill();
    g.lineWidth = shape === "ring" ? Math.max(1.5, r / 2.5) : 1;
    g.strokeStyle = shape === "ring" ? "#222" : (stroke || "#ffffff");
    g.stroke();
    return { img: c, size: size };
  }

  L.HetuPoints = L.Layer.extend({
    options: {
      url: null, labelsUrl: null, colors: ["#3388ff"], shapes: ["circle"], labels: null, shapeLabels: null,
      radius: [[0, 2.5], [13, 3.5], [15, 5], [17, 6.5]], pane: "markerPane", name: "points",
      spriteLimit: 3000, labelsUrls: null, labelsChunk: 5000, severity: null,
      aggregateBelow: 13, aggregateMin: 4000, clusterCell: 56, clusterText: "{n}"
    },

    initialize: function (options) {
      L.setOptions(this, options); this._n = 0; this._labels = {}; this._sprites = {}; this._stamps = {};
      this._clusters = null;
    },

    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create("canvas", "hetu-points leaflet-zoom-hide");
      c.setAttribute("data-layer", this.options.name);
      c.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(c);
      this._tip = L.DomUtil.create("div", "hetu-points-tip", map.getContainer());
      this._tip.style.cssText = "position:absolute;z-index:1000;pointer-events:none;display:none;background:#fff;" +
        "border:1px solid #999;border-radius:4px;padding:2px 6px;font-size:12px;white-space:nowrap;box-shadow:0 1px 3px rgba(0,0,0,.3)";
      map.on("moveend resize viewreset", this._redraw, this);
      map.on("zoomstart", this._hide, this);
      // Capture phase: a point under the pointer is handled before the vector layers see the event.
      this._capMove = L.bind(this._onMove, this);
      this._capClick = L.bind(this._onClick, this);
      map.getContainer().addEventListener("mousemove", this._capMove, true);
      map.getContainer().addEventListener("click", this._capClick, true);
      map.on("mouseout", this._hideTip, this);
      this._openTips = [];  // vector tooltips open now (closed when a point is under the pointer)
      map.on("tooltipopen", this._tipOpened, this);
      map.on("tooltipclose", this._tipClosed, this);
      var self = this;
      if (this._x) { this._redraw(); return; }
      fetch(this.options.url).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status + " for " + self.options.url);
        return r.arrayBuffer();
      }).then(function (buf) { self._parse(buf); self._redraw(); })
        .catch(function (e) { console.error("hetu-points:", e); c.setAttribute("data-error", String(e)); });
    },

    onRemove: function (map) {
      L.DomUtil.remove(this._canvas); L.DomUtil.remove(this._tip);
      map.off("moveend resize viewreset", this._redraw, this);
      map.off("zoomstart", this._hide, this);
      map.getContainer().removeEventListener("mousemove", this._capMove, true);
      map.getContainer().removeEventListener("click", this._capClick, true);
      map.off("mouseout", this._hideTip, this);
      map.off("tooltipopen", this._tipOpened, this);
      map.off("tooltipclose", this._tipClosed, this);
    },

    _parse: function (buf) {
      var n = new Uint32Array(buf, 0, 1)[0];
      var lon = new Int32Array(buf, 4, n), lat = new Int32Array(buf, 4 + 4 * n, n);
      this._col = new Uint8Array(buf, 4 + 8 * n, n);
      this._shp = new Uint8Array(buf, 4 + 9 * n, n);
      this._lon = lon; this._lat = lat;
      // Web-mercator world coordinates at zoom 0 (0..256), computed once.
      var x = this._x = new Float64Array(n), y = this._y = new Float64Array(n);
      for (var i = 0; i < n; i++) {
        var la = lat[i] * 1e-6 * Math.PI / 180;
        x[i] = (lon[i] * 1e-6 + 180) / 360 * 256;
        y[i] = (1 - Math.log(Math.tan(la) + 1 / Math.cos(la)) / Math.PI) / 2 * 256;
      }
      this._n = n; window.__hetuParsed = performance.now();
      var urls = this.options.labelsUrls || (this.options.labelsUrl ? [this.options.labelsUrl] : []);
      this._labelUrls = urls;
      if (urls.length === 1) this._fetchLabels(0);
    },

    _fetchLabels: function (k) {
      // One chunk of hover labels (points k*chunk .. (k+1)*chunk-1); the tip is refreshed when it arrives.
      if (this._labels[k] || !this._labelUrls || !this._labelUrls[k]) return;
      var self = this;
      this._labels[k] = "loading";
      fetch(this._labelUrls[k]).then(function (r) { return r.json(); })
        .then(function (labels) {
          self._labels[k] = labels;
          if (self._tipIndex >= 0 && Math.floor(self._tipIndex / self.options.labelsChunk) === k) {
            self._tip.textContent = self._label(self._tipIndex);
          }
        }).catch(function () { delete self._labels[k]; });
    },

    _radius: function (z) {
      var r = this.options.radius, out = r[0][1];
      for (var i = 0; i < r.length; i++) if (z >= r[i][0]) out = r[i][1];
      return out;
    },

    _hide: function () { if (this._canvas) this._canvas.style.visibility = "hidden"; this._hideTip(); },

    _redraw: function () {
      // Coalesce the several events of one view change (zoomend, moveend, resize) into one draw.
      if (this._frame) return;
      var self = this;
      this._frame = requestAnimationFrame(function () { self._frame = null; self._draw(); });
    },

    _stampOf: function (key, sprite) {
      // The opaque pixels of a sprite as (offset x, offset y, colour) triples, for direct writes.
      var st = this._stamps[key];
      if (st) return st;
      var w = sprite.img.width, h = sprite.img.height, g = sprite.img.getContext("2d");
      var data = g.getImageData(0, 0, w, h).data, out = [];
      var cx = Math.floor(w / 2), cy = Math.floor(h / 2);
      for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) {
        var o = (y * w + x) * 4;
        if (data[o + 3] < 128) continue;
        out.push(x - cx, y - cy, (255 << 24) | (data[o + 2] << 16) | (data[o + 1] << 8) | data[o]);
      }
      st = this._stamps[key] = new Int32Array(out);
      return st;
    },

    _draw: function () {
      if (!this._map || !this._x) return;
      var map = this._map, size = map.getSize(), c = this._canvas, dpr = window.devicePixelRatio || 1;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(c, topLeft);
      var W = Math.round(size.x * dpr), H = Math.round(size.y * dpr);
      if (c.width !== W || c.height !== H) {
        c.width = W; c.height = H;
        c.style.width = size.x + "px"; c.style.height = size.y + "px";
        this._image = null;
      }
      var z = map.getZoom(), scale = Math.pow(2, z), r = this._radius(z);
      if (this._spriteR !== r) { this._sprites = {}; this._stamps = {}; this._spriteR = r; }
      var origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      var ox = origin.x - pane.x, oy = origin.y - pane.y;
      var g = c.getContext("2d");
      var cell = 16, cols = Math.ceil(size.x / cell) + 1, grid = this._grid = {};
      var x = this._x, y = this._y, col = this._col, shp = this._shp, n = this._n, colors = this.options.colors,
          shapes = this.options.shapes;
      var sprites = this._sprites, m = r + 3, visible = [];
      for (var i = 0; i < n; i++) {
        var px = x[i] * scale - ox, py = y[i] * scale - oy;
        if (px < -m || py < -m || px > size.x + m || py > size.y + m) continue;
        visible.push(i);
        var k = Math.floor(px / cell) + Math.floor(py / cell) * cols;
        (grid[k] || (grid[k] = [])).push(i);
      }
      var count = visible.length;
      this._clusters = null;
      if (z < this.options.aggregateBelow && count >= this.options.aggregateMin) {
        this._drawClusters(g, visible, x, y, scale, ox, oy, size, dpr);
        this._cols = cols; this._cell = cell; this._scale = scale; this._ox = ox; this._oy = oy;
        this._finishDraw(c, count);
        return;
      }
      var spriteOf = function (i) {
        var key = col[i] * 8 + shp[i], s = sprites[key];
        if (!s) s = sprites[key] = sprite(colors[col[i]] || "#3388ff", shapes[shp[i]] || "circle", r);
        return s;
      };
      if (count <= this.options.spriteLimit) {
        // Few points: anti-aliased sprites.
        g.setTransform(dpr, 0, 0, dpr, 0, 0);
        g.clearRect(0, 0, size.x, size.y);
        for (var j = 0; j < count; j++) {
          var i2 = visible[j], s = spriteOf(i2);
          g.drawImage(s.img, x[i2] * scale - ox - s.size / 2, y[i2] * scale - oy - s.size / 2, s.size, s.size);
        }
      } else {
        // Many points: write pixels straight into one image buffer (tens of thousands in a few ms).
        if (!this._image) { this._image = g.createImageData(W, H); this._buf = new Uint32Array(this._image.data.buffer); }
        var buf = this._buf; buf.fill(0);
        for (var j2 = 0; j2 < count; j2++) {
          var i3 = visible[j2], key = col[i3] * 8 + shp[i3];
          var st = this._stamps[key] || this._stampOf(key, spriteOf(i3));
          var bx = Math.round((x[i3] * scale - ox) * dpr), by = Math.round((y[i3] * scale - oy) * dpr);
          for (var q = 0; q < st.length; q += 3) {
            var xx = bx + st[q], yy = by + st[q + 1];
            if (xx >= 0 && yy >= 0 && xx < W && yy < H) buf[yy * W + xx] = st[q + 2];
          }
        }
        g.setTransform(1, 0, 0, 1, 0, 0);
        g.putImageData(this._image, 0, 0);
      }
      this._cols = cols; this._cell = cell; this._scale = scale; this._ox = ox; this._oy = oy;
      this._finishDraw(c, count);
    },

    _finishDraw: function (c, count) {
      c.style.visibility = "visible";
      c.setAttribute("data-drawn", String(count));
      if (this._clusters) c.setAttribute("data-clusters", String(this._clusters.length));
      else c.removeAttribute("data-clusters");
      window.__hetuDraws = (window.__hetuDraws || 0) + 1;
      window.__hetuLastDraw = performance.now();
      if (!window.__hetuFirstDraw) window.__hetuFirstDraw = window.__hetuLastDraw;
    },

    _drawClusters: function (g, visible, x, y, scale, ox, oy, size, dpr) {
      // Counted grid clusters: one disc per screen cell, coloured by the worst (or most common) colour.
      var cell = this.options.clusterCell, cols = Math.ceil(size.x / cell) + 1, cells = {}, sev = this.options.severity;
      for (var j = 0; j < visible.length; j++) {
        var i = visible[j], px = x[i] * scale - ox, py = y[i] * scale - oy;
        var k = Math.floor(px / cell) + Math.floor(py / cell) * cols, a = cells[k];
        if (!a) a = cells[k] = { n: 0, sx: 0, sy: 0, hist: {} };
        a.n++; a.sx += px; a.sy += py; a.hist[this._col[i]] = (a.hist[this._col[i]] || 0) + 1;
      }
      var out = [], colors = this.options.colors;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, size.x, size.y);
      g.textAlign = "center"; g.textBaseline = "middle";
      for (var key in cells) {
        var c = cells[key], best = -1, bestScore = -1;
        for (var ci in c.hist) {
          var score = sev ? (sev[ci] || 0) * 1e9 + c.hist[ci] : c.hist[ci];
          if (score > bestScore) { bestScore = score; best = +ci; }
        }
        var cx = c.sx / c.n, cy = c.sy / c.n, r = Math.min(24, 9 + 3.2 * Math.log(c.n));
        g.beginPath(); g.arc(cx, cy, r, 0, 2 * Math.PI);
        g.fillStyle = colors[best] || "#3388ff"; g.globalAlpha = 0.85; g.fill(); g.globalAlpha = 1;
        g.lineWidth = 2; g.strokeStyle = "#ffffff"; g.stroke();
        g.font = "bold " + (c.n >= 1000 ? 10 : 11) + "px sans-serif"; g.fillStyle = "#ffffff";
        g.fillText(c.n >= 10000 ? Math.round(c.n / 1000) + "k" : String(c.n), cx, cy);
        out.push({ x: cx, y: cy, r: r, n: c.n, color: best });
      }
      this._clusters = out;
    },

    _clusterAt: function (cp) {
      if (!this._clusters) return null;
      for (var j = 0; j < this._clusters.length; j++) {
        var c = this._clusters[j];
        if ((c.x - cp.x) * (c.x - cp.x) + (c.y - cp.y) * (c.y - cp.y) <= c.r * c.r) return c;
      }
      return null;
    },

    _nearest: function (cp) {
      if (!this._grid || this._clusters) return -1;
      var cell = this._cell, gx = Math.floor(cp.x / cell), gy = Math.floor(cp.y / cell);
      var best = -1, bestD = Math.pow(this._spriteR + 4, 2);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var list = this._grid[(gx + dx) + (gy + dy) * this._cols];
        if (!list) continue;
        for (var j = 0; j < list.length; j++) {
          var i = list[j];
          var px = this._x[i] * this._scale - this._ox, py = this._y[i] * this._scale - this._oy;
          var d = (px - cp.x) * (px - cp.x) + (py - cp.y) * (py - cp.y);
          if (d <= bestD) { bestD = d; best = i; }
        }
      }
      return best;
    },

    _label: function (i) {
      var o = this.options, parts = [], k = Math.floor(i / o.labelsChunk), chunk = this._labels[k];
      if (chunk && chunk !== "loading" && chunk[i - k * o.labelsChunk]) parts.push(chunk[i - k * o.labelsChunk]);
      else this._fetchLabels(k);
      if (o.labels && o.labels[this._col[i]]) parts.push(o.labels[this._col[i]]);
      if (o.shapeLabels && o.shapeLabels[this._shp[i]]) parts.push(o.shapeLabels[this._shp[i]]);
      return parts.join(" · ");
    },

    _showTip: function (text, cp) {
      // Kept inside the map: flipped to the left of the pointer near the right edge, below near the top.
      var tip = this._tip, size = this._map.getSize();
      tip.textContent = text; tip.style.display = "block"; tip.style.whiteSpace = "nowrap";
      tip.style.maxWidth = Math.max(120, size.x - 16) + "px";
      if (tip.offsetWidth > size.x - 16) tip.style.whiteSpace = "normal";
      var w = tip.offsetWidth, h = tip.offsetHeight;
      var left = cp.x + 12 + w > size.x - 4 ? cp.x - 12 - w : cp.x + 12;
      var top = cp.y - 10 - h < 4 ? cp.y + 14 : cp.y - 10 - h;
      tip.style.left = Math.max(4, Math.min(left, size.x - w - 4)) + "px";
      tip.style.top = Math.max(4, Math.min(top, size.y - h - 4)) + "px";
    },

    _onMove: function (e) {
      if (!this._map || e.buttons) return;  // a drag: leave it to Leaflet
      var map = this._map, cp = map.mouseEventToContainerPoint(e), i = this._nearest(cp), c = this._clusterAt(cp);
      if (e._hetuHandled || (i < 0 && !c)) {  // nothing here, or another point layer's point is on top
        if (this._tipIndex !== -1) { this._hideTip(); map.getContainer().style.cursor = ""; }
        return;
      }
      // The point wins: the vector layers below never see this move, and their open tooltips close.
      e.stopPropagation(); e._hetuHandled = true;
      this._closeVectorTooltips();
      map.getContainer().style.cursor = "pointer";
      this._tipIndex = c ? -2 : i;
      this._showTip(c ? this.options.clusterText.replace("{n}", c.n) : this._label(i), cp);
    },

    _tipOpened: function (e) { this._openTips.push(e.tooltip); },

    _tipClosed: function (e) { this._openTips = this._openTips.filter(function (t) { return t !== e.tooltip; }); },

    _closeVectorTooltips: function () {
      var map = this._map;
      this._openTips.slice().forEach(function (t) { map.closeTooltip(t); });
    },

    _hideTip: function () { this._tipIndex = -1; if (this._tip) this._tip.style.display = "none"; },

    _onClick: function (e) {
      var map = this._map;
      if (!map || e._hetuHandled || (map.dragging && map.dragging.moved())) return;
      var cp = map.mouseEventToContainerPoint(e), c = this._clusterAt(cp);
      if (c) {  // a cluster: zoom in to it
        e.stopPropagation(); e._hetuHandled = true; this._hideTip();
        map.setView(map.containerPointToLatLng([c.x, c.y]), Math.min(map.getZoom() + 2, map.getMaxZoom()));
        return;
      }
      var i = this._nearest(cp);
      if (i < 0) return;
      e.stopPropagation(); e._hetuHandled = true;  // the point is on top: the section or plot below is not clicked
      this._hideTip();
      // The label is data: streamlit-folium reads tooltip content through innerHTML, so hand it escaped.
      var label = this._label(i).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      var latlng = L.latLng(this._lat[i] * 1e-6, this._lon[i] * 1e-6);
      var target = { _tooltip: { _content: label }, getTooltip: function () { return { getContent: function () { return label; } }; } };
      this.fire("click", { latlng: latlng, sourceTarget: target, index: i });
    }
  });

  L.hetuPoints = function (options) { return new L.HetuPoints(options); };
})();
