/*
 * hetu-points.js: a Leaflet layer that draws tens of thousands of points on one canvas.
 *
 * The points arrive as one small binary file (fetched once, cached by the browser):
 *   uint32 n | int32 lon[n] (1e-6 deg) | int32 lat[n] | uint8 colour[n] | uint8 shape[n]
 * Each point is drawn as a pre-rendered sprite (colour x shape), so a redraw of 60,000 points
 * costs a few milliseconds. Hovering shows a tooltip; clicking fires a Leaflet 'click' event with
 * the point's exact position and its label as tooltip, which streamlit-folium returns to Python.
 * After every draw the canvas carries data-drawn="<points drawn>" and window.__hetuDraws counts.
 */
(function () {
  "use strict";
  var SHAPES = ["circle", "square", "triangle", "diamond", "ring"];

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
      url: null, labelsUrl: null, colors: ["#3388ff"], labels: null, shapeLabels: null,
      radius: [[0, 2.5], [13, 3.5], [15, 5], [17, 6.5]], pane: "markerPane", name: "points",
      spriteLimit: 3000
    },

    initialize: function (options) {
      L.setOptions(this, options); this._n = 0; this._labels = null; this._sprites = {}; this._stamps = {};
    },

    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create("canvas", "hetu-points leaflet-zoom-hide");
      c.setAttribute("data-layer", this.options.name);
      c.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(c);
      this._tip = L.DomUtil.create("div", "hetu-points-tip", map.getContainer());
      this._tip.style.cssText = "position:absolute;z-index:1000;pointer-events:none;display:none;background:#fff;" +
        "border:1px solid #999;border-radius:4px;padding:2px 6px;font:12px sans-serif;white-space:nowrap;box-shadow:0 1px 3px rgba(0,0,0,.3)";
      map.on("moveend resize viewreset", this._redraw, this);
      map.on("zoomstart", this._hide, this);
      map.on("mousemove", this._onMove, this);
      map.on("mouseout", this._hideTip, this);
      map.on("click", this._onClick, this);
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
      map.off("mousemove", this._onMove, this);
      map.off("mouseout", this._hideTip, this);
      map.off("click", this._onClick, this);
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
      if (this.options.labelsUrl) {
        var self = this;
        fetch(this.options.labelsUrl).then(function (r) { return r.json(); })
          .then(function (labels) { self._labels = labels; }).catch(function () {});
      }
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
      var x = this._x, y = this._y, col = this._col, shp = this._shp, n = this._n, colors = this.options.colors;
      var sprites = this._sprites, m = r + 3, visible = [];
      for (var i = 0; i < n; i++) {
        var px = x[i] * scale - ox, py = y[i] * scale - oy;
        if (px < -m || py < -m || px > size.x + m || py > size.y + m) continue;
        visible.push(i);
        var k = Math.floor(px / cell) + Math.floor(py / cell) * cols;
        (grid[k] || (grid[k] = [])).push(i);
      }
      var count = visible.length;
      var spriteOf = function (i) {
        var key = col[i] * 8 + shp[i], s = sprites[key];
        if (!s) s = sprites[key] = sprite(colors[col[i]] || "#3388ff", SHAPES[shp[i]] || "circle", r);
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
      c.style.visibility = "visible";
      c.setAttribute("data-drawn", String(count));
      window.__hetuDraws = (window.__hetuDraws || 0) + 1;
      window.__hetuLastDraw = performance.now();
      if (!window.__hetuFirstDraw) window.__hetuFirstDraw = window.__hetuLastDraw;
    },

    _nearest: function (cp) {
      if (!this._grid) return -1;
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
      var o = this.options, parts = [];
      if (this._labels && this._labels[i]) parts.push(this._labels[i]);
      if (o.labels && o.labels[this._col[i]]) parts.push(o.labels[this._col[i]]);
      if (o.shapeLabels && o.shapeLabels[this._shp[i]]) parts.push(o.shapeLabels[this._shp[i]]);
      return parts.join(" · ");
    },

    _onMove: function (e) {
      var i = this._nearest(e.containerPoint);
      if (i < 0) { this._hideTip(); this._map.getContainer().style.cursor = ""; return; }
      this._map.getContainer().style.cursor = "pointer";
      this._tip.textContent = this._label(i);
      this._tip.style.left = (e.containerPoint.x + 12) + "px";
      this._tip.style.top = (e.containerPoint.y - 10) + "px";
      this._tip.style.display = "block";
    },

    _hideTip: function () { if (this._tip) this._tip.style.display = "none"; },

    _onClick: function (e) {
      var i = this._nearest(e.containerPoint);
      if (i < 0) return;
      // The label is data: streamlit-folium reads tooltip content through innerHTML, so hand it escaped.
      var label = this._label(i).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      var latlng = L.latLng(this._lat[i] * 1e-6, this._lon[i] * 1e-6);
      var target = { _tooltip: { _content: label }, getTooltip: function () { return { getContent: function () { return label; } }; } };
      this.fire("click", { latlng: latlng, sourceTarget: target, index: i });
    }
  });

  L.hetuPoints = function (options) { return new L.HetuPoints(options); };
})();
