/*
 * hetu-points.js: a Leaflet layer that draws tens or hundreds of thousands of points on one canvas.
 *
 * Points arrive as small binary files in the pointpack layout (gislib/pointpack.py):
 *   uint32 n | int32 lon[n] (1e-6 deg) | int32 lat[n] | uint8 colour[n] | uint8 shape[n]
 * colour and shape are positions in the layer's options.colors and options.shapes (shape NAMES: circle,
 * square, triangle, diamond, ring), so no order is shared between Python and this file;
 * either one file for the whole layer (``url``) or, for very large layers, one file per z/x/y tile
 * (``tiles``: {url, labels, z, index}) fetched only for the tiles in view.
 * Each point is drawn as a pre-rendered sprite (colour x shape), so a redraw of 60,000 points
 * costs a few milliseconds. Hovering shows a tooltip; clicking fires a Leaflet 'click' event with
 * the point's exact position and its label as tooltip, which the map frame returns to Python (the map page's
 * own frame, views/map_frame/hetu-map-frame.js, or streamlit-folium's on other pages).
 * Points under the pointer win over vector layers below them (one tooltip, the click selects the point).
 * Hover labels come in chunks, fetched when first needed.
 * Below zoom ``aggregateBelow`` the layer draws the counted clusters of ``clustersUrl`` (computed once
 * per data version by pointpack.cluster_levels, anchored in world coordinates), coloured by their worst
 * (or most common) colour; a click on a cluster zooms into it.
 * Zooming never hides the canvas: during a zoom the last image is scaled like Leaflet's own renderers.
 * After every draw the canvas carries data-drawn="<points drawn or counted>" (data-clusters="<clusters>"
 * when aggregated); window.__hetuDraws counts draws and window.__hetuDrawMs keeps the last 50 draw times (ms).
 */
(function () {
  "use strict";
  // The vector layers (rivers, water, outlines: layers/folium_elements.py FetchedGeoJson) are added once every
  // point layer of the map has drawn its first data and that image is painted, or after HOLD_MS at most: their
  // data arrive at the same time, and adding a thousand paths first (~45 ms) held the points back. A map with no
  // point layer adds them at once.
  var HOLD_MS = 500, pointLayers = 0, painted = null, release = null;
  window.hetuPointsPainted = function () {
    if (!painted) {
      painted = new Promise(function (resolve) { release = resolve; });
      setTimeout(function () { if (!pointLayers && release) release(); }, 0);  // the map's script has run by then
      setTimeout(function () { if (release) release(); }, HOLD_MS);
    }
    return painted;
  };
  function pointLayerDrawn() {
    if (--pointLayers > 0) return;
    window.hetuPointsPainted();
    requestAnimationFrame(function () { setTimeout(function () { if (release) release(); }, 0); });  // after the paint
  }
  var REF = 4194304;  // a point's reference: chunk * REF + index in the chunk
  var BUCKET_Z = 12;  // whole-layer files are bucketed by tiles of this zoom

  function sprite(color, shape, r, stroke, readable) {
    // ``readable``: a canvas made to be read back (stamps). A sprite that is drawn is never read back: once
    // read, Chromium keeps a canvas on the CPU and copies it on every later drawImage (tens of ms a zoom).
    var pad = 2, size = Math.ceil(2 * r + 2 * pad), c = document.createElement("canvas");
    var dpr = window.devicePixelRatio || 1;
    c.width = size * dpr; c.height = size * dpr;
    var g = c.getContext("2d", readable ? { willReadFrequently: true } : undefined); g.scale(dpr, dpr);
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

  function parsePoints(buf) {
    // One pointpack file -> a chunk with web-mercator world coordinates at zoom 0 (0..256).
    var n = new Uint32Array(buf, 0, 1)[0];
    var lon = new Int32Array(buf, 4, n), lat = new Int32Array(buf, 4 + 4 * n, n);
    var x = new Float64Array(n), y = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      var la = lat[i] * 1e-6 * Math.PI / 180;
      x[i] = (lon[i] * 1e-6 + 180) / 360 * 256;
      y[i] = (1 - Math.log(Math.tan(la) + 1 / Math.cos(la)) / Math.PI) / 2 * 256;
    }
    return { n: n, lon: lon, lat: lat, x: x, y: y, col: new Uint8Array(buf, 4 + 8 * n, n),
             shp: new Uint8Array(buf, 4 + 9 * n, n), labels: {} };
  }

  function parseClusters(buf) {
    // pointpack.cluster_levels: per zoom level the cells' world x, y, count and style.
    var levels = new Uint32Array(buf, 0, 1)[0], off = 4, out = [];
    for (var z = 0; z < levels; z++) {
      var m = new Uint32Array(buf, off, 1)[0]; off += 4;
      out.push({ m: m, x: new Float32Array(buf, off, m), y: new Float32Array(buf, off + 4 * m, m),
                 n: new Uint32Array(buf, off + 8 * m, m), style: new Uint32Array(buf, off + 12 * m, m) });
      off += 16 * m;
    }
    return out;
  }

  L.HetuPoints = L.Layer.extend({
    options: {
      url: null, labelsUrl: null, colors: ["#3388ff"], shapes: ["circle"], labels: null, shapeLabels: null,
      radius: [[0, 2.5], [13, 3.5], [15, 5], [17, 6.5]], pane: "markerPane", name: "points",
      spriteLimit: 800, labelsUrls: null, labelsChunk: 5000,
      clustersUrl: null, tiles: null, aggregateBelow: 13, clusterText: "{n}"
    },

    initialize: function (options) {
      L.setOptions(this, options);
      this._n = 0; this._chunks = []; this._tiles = {}; this._levels = null;
      this._sprites = {}; this._stamps = {}; this._clusters = null; this._vis = new Float64Array(1024);
      var index = (this.options.tiles && this.options.tiles.index) || [];
      this._tileIndex = {};
      for (var i = 0; i < index.length; i++) this._tileIndex[index[i]] = true;
    },

    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create("canvas", "hetu-points leaflet-zoom-animated");
      c.setAttribute("data-layer", this.options.name);
      c.style.pointerEvents = "none";
      map.getPane(this.options.pane).appendChild(c);
      this._tip = L.DomUtil.create("div", "hetu-points-tip", map.getContainer());
      this._tip.style.cssText = "position:absolute;z-index:1000;pointer-events:none;display:none;background:#fff;" +
        "border:1px solid #999;border-radius:4px;padding:2px 6px;font-size:12px;white-space:nowrap;box-shadow:0 1px 3px rgba(0,0,0,.3)";
      // The end of a view change draws at once (a zoom or pan then costs no wait for the next frame); a resize or
      // a reset (its moveend follows) and new data draw at the next frame.
      map.on("moveend", this._drawNow, this);
      map.on("resize viewreset", this._redraw, this);
      map.on("zoomstart", this._hideTip, this);
      map.on("zoomanim", this._animateZoom, this);
      map.on("zoom", this._onZoom, this);
      // Capture phase: a point under the pointer is handled before the vector layers see the event.
      this._capMove = L.bind(this._onMove, this);
      this._capClick = L.bind(this._onClick, this);
      map.getContainer().addEventListener("mousemove", this._capMove, true);
      map.getContainer().addEventListener("click", this._capClick, true);
      map.on("mouseout", this._hideTip, this);
      this._openTips = [];  // vector tooltips open now (closed when a point is under the pointer)
      map.on("tooltipopen", this._tipOpened, this);
      map.on("tooltipclose", this._tipClosed, this);
      if (this._started) { this._redraw(); return; }
      this._started = true;
      var self = this, o = this.options;
      if (o.url || o.clustersUrl || o.tiles) { pointLayers++; this._awaited = true; }
      if (o.clustersUrl) this._fetch(o.clustersUrl, function (buf) { self._levels = parseClusters(buf); self._redraw(); });
      if (o.url) {
        this._fetch(o.url, function (buf) {
          var urls = o.labelsUrls || (o.labelsUrl ? [o.labelsUrl] : []);
          var ch = self._addChunk(parsePoints(buf), urls, o.labelsChunk, true);
          self._n = ch.n; self._lon = ch.lon; self._lat = ch.lat; self._x = ch.x; self._y = ch.y;
          self._col = ch.col; self._shp = ch.shp; self._labels = ch.labels;
          window.__hetuParsed = performance.now();
          if (urls.length === 1) self._fetchLabels(ch, 0);
          self._redraw();
        });
      } else { this._redraw(); }
    },

    onRemove: function (map) {
      L.DomUtil.remove(this._canvas); L.DomUtil.remove(this._tip);
      map.off("moveend", this._drawNow, this);
      map.off("resize viewreset", this._redraw, this);
      map.off("zoomstart", this._hideTip, this);
      map.off("zoomanim", this._animateZoom, this);
      map.off("zoom", this._onZoom, this);
      map.getContainer().removeEventListener("mousemove", this._capMove, true);
      map.getContainer().removeEventListener("click", this._capClick, true);
      map.off("mouseout", this._hideTip, this);
      map.off("tooltipopen", this._tipOpened, this);
      map.off("tooltipclose", this._tipClosed, this);
    },

    _fetch: function (url, done) {
      var c = this._canvas;
      var self = this;
      // hetu-fetch.js comes with every point layer (layers/folium_elements.py PointCanvas)
      return window.hetuFetch(url, "arrayBuffer").then(function (buf) { self._hasData = true; return done(buf); })
        .catch(function (e) { console.error("hetu-points:", e); c.setAttribute("data-error", String(e)); });
    },

    _addChunk: function (ch, labelUrls, labelsChunk, bucketed) {
      ch.id = this._chunks.length; ch.labelUrls = labelUrls; ch.labelsChunk = labelsChunk;
      if (bucketed) {  // grouped while the browser is idle (not before the first image), or when first needed
        ch.unbucketed = true;
        var self = this, idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
        idle(function () { if (ch.unbucketed) self._bucket(ch); }, { timeout: 1000 });
      }
      this._chunks.push(ch);
      return ch;
    },

    _bucket: function (ch) {
      // The points of a whole-layer file grouped once by tile of zoom BUCKET_Z, so that a zoomed-in draw
      // visits the points of the tiles in view instead of all of them.
      ch.unbucketed = false;
      var f = Math.pow(2, BUCKET_Z) / 256, lists = {}, key, i;
      for (i = 0; i < ch.n; i++) {
        key = Math.floor(ch.x[i] * f) + "_" + Math.floor(ch.y[i] * f);
        (lists[key] || (lists[key] = [])).push(i);
      }
      ch.buckets = {};
      for (key in lists) ch.buckets[key] = Int32Array.from(lists[key]);
      ch.nBuckets = Object.keys(lists).length;
    },

    _tileRange: function (z, size, margin) {
      // The tiles of zoom z under the view (and ``margin`` pixels around it).
      var f = Math.pow(2, z) / 256 / this._scale, m = margin || 0;
      return { x0: Math.floor((this._ox - m) * f), x1: Math.floor((this._ox + size.x + m) * f),
               y0: Math.floor((this._oy - m) * f), y1: Math.floor((this._oy + size.y + m) * f) };
    },

    _fetchLabels: function (ch, k) {
      // One chunk of hover labels; the tip is refreshed when it arrives.
      if (ch.labels[k] || !ch.labelUrls || !ch.labelUrls[k]) return;
      var self = this;
      ch.labels[k] = "loading";
      window.hetuFetch(ch.labelUrls[k], "json")
        .then(function (labels) {
          ch.labels[k] = labels;
          if (self._tipRef >= 0 && Math.floor(self._tipRef / REF) === ch.id) self._tip.textContent = self._label(self._tipRef);
        }).catch(function () { delete ch.labels[k]; });
    },

    _radius: function (z) {
      var r = this.options.radius, out = r[0][1];
      for (var i = 0; i < r.length; i++) if (z >= r[i][0]) out = r[i][1];
      return out;
    },

    // Zoom animation: the last image is scaled and moved with the map (as L.Renderer does), never hidden.
    _animateZoom: function (e) { this._updateTransform(e.center, e.zoom); },

    _onZoom: function () { if (!this._map._animatingZoom) this._updateTransform(this._map.getCenter(), this._map.getZoom()); },

    _updateTransform: function (center, zoom) {
      if (!this._center) return;
      var map = this._map, scale = map.getZoomScale(zoom, this._zoom);
      var offset = map.getSize().multiplyBy(-0.5 * scale).add(map.project(this._center, zoom))
        .subtract(map._getNewPixelOrigin(center, zoom));
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },

    _redraw: function (e) {
      // Coalesce the several events of one view change (zoomend, moveend, resize) into one draw. A map event
      // (e) whose view was drawn already, at once on moveend, draws nothing; new data (no e) always draws.
      if (this._frame) return;
      var self = this, view = e ? this._viewKey() : null;
      this._frame = requestAnimationFrame(function () {
        self._frame = null;
        if (!view || self._drawnView !== self._viewKey()) self._draw();
      });
    },

    _drawNow: function (e) {
      // Before the first draw the map is still being set up (its first view may be set more than once in the
      // same task): wait for the frame, so only the final view is drawn and only its tiles are fetched.
      if (this._drawnView === undefined) { this._redraw(e); return; }
      if (this._frame) { cancelAnimationFrame(this._frame); this._frame = null; }
      this._draw();
    },

    _viewKey: function () {
      var m = this._map;
      if (!m) return "";
      var c = m.getCenter(), s = m.getSize();
      return m.getZoom() + ":" + c.lat + ":" + c.lng + ":" + s.x + "x" + s.y;
    },

    _spriteOf: function (colour, shape, r) {
      var key = r + ":" + (colour * 8 + shape), s = this._sprites[key];
      if (!s) s = this._sprites[key] = sprite(this.options.colors[colour] || "#3388ff", this.options.shapes[shape] || "circle", r);
      return s;
    },

    _stampOf: function (colour, shape, r) {
      // The opaque pixels of a sprite as (offset x, offset y, colour) triples, for direct writes.
      var key = r + ":" + (colour * 8 + shape), st = this._stamps[key];
      if (st) return st;
      var o = this.options, s = sprite(o.colors[colour] || "#3388ff", o.shapes[shape] || "circle", r, null, true);
      var w = s.img.width, h = s.img.height;
      var data = s.img.getContext("2d").getImageData(0, 0, w, h).data, out = [];
      var cx = Math.floor(w / 2), cy = Math.floor(h / 2);
      for (var y = 0; y < h; y++) for (var x = 0; x < w; x++) {
        var o = (y * w + x) * 4;
        if (data[o + 3] < 128) continue;
        out.push(x - cx, y - cy, (255 << 24) | (data[o + 2] << 16) | (data[o + 1] << 8) | data[o]);
      }
      st = this._stamps[key] = new Int32Array(out);
      return st;
    },

    _warm: function () {
      // Sprites and stamps of every zoom's radius, made while idle so that no zoom pays for them.
      if (this._warmed) return;
      this._warmed = true;
      var self = this, radii = this.options.radius, ncol = this.options.colors.length;
      var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
      idle(function () {
        // Each sprite is also drawn once on a scratch canvas: Chromium keeps its snapshot, so the first zoom
        // to a new radius does not make one per sprite.
        var scratch = document.createElement("canvas").getContext("2d");
        for (var k = 0; k < radii.length; k++) for (var c = 0; c < ncol; c++) for (var s = 0; s < self.options.shapes.length; s++) {
          self._stampOf(c, s, radii[k][1]);
          scratch.drawImage(self._spriteOf(c, s, radii[k][1]).img, 0, 0);
        }
      });
    },

    _draw: function () {
      if (!this._map) return;
      this._t0 = performance.now();
      this._drawnView = this._viewKey();
      var map = this._map, size = map.getSize(), c = this._canvas, dpr = window.devicePixelRatio || 1;
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      var W = Math.round(size.x * dpr), H = Math.round(size.y * dpr);
      if (c.width !== W || c.height !== H) {
        c.width = W; c.height = H;
        c.style.width = size.x + "px"; c.style.height = size.y + "px";
        this._image = null;
      }
      var z = map.getZoom(), origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      this._center = map.getCenter(); this._zoom = z;
      this._scale = Math.pow(2, z); this._ox = origin.x - pane.x; this._oy = origin.y - pane.y;
      var g = c.getContext("2d");
      if (this._levels && z < this.options.aggregateBelow) {
        this._grid = null;
        this._finishDraw(c, this._drawClusters(g, this._levels[Math.min(Math.floor(z), this._levels.length - 1)], size, dpr));
        this._warm();  // also while counted clusters show: the first zoom in to single points needs them
        return;
      }
      this._clusters = null;
      if (this.options.tiles && z < this.options.aggregateBelow) return;  // tiles only where points show
      var chunks = this.options.tiles ? this._tilesInView(size) : this._chunks;
      if (!chunks.length && !this.options.tiles) return;  // the points are not here yet
      var count = this._collect(chunks, size, this._radius(z));
      if (count <= this.options.spriteLimit) this._drawSprites(g, count, size, dpr);
      else this._drawPixels(g, count, W, H, dpr);
      this._finishDraw(c, count);
      this._warm();
    },

    _collect: function (chunks, size, r) {
      // The points in view (references into this._vis) and a 16 px grid of them for hit tests.
      var scale = this._scale, ox = this._ox, oy = this._oy, m = r + 3, count = 0;
      var cell = 16, cols = Math.ceil(size.x / cell) + 1, grid = this._grid = {};
      this._cols = cols; this._cell = cell; this._spriteR = r;
      var t = this._tileRange(BUCKET_Z, size, m), nt = (t.x1 - t.x0 + 1) * (t.y1 - t.y0 + 1);
      for (var k = 0; k < chunks.length; k++) {
        var ch = chunks[k], x = ch.x, y = ch.y, base = ch.id * REF, lists = [null];
        if (ch.unbucketed) this._bucket(ch);
        if (ch.buckets && nt < ch.nBuckets) {  // only the buckets in view
          lists = [];
          for (var tx = t.x0; tx <= t.x1; tx++) for (var ty = t.y0; ty <= t.y1; ty++) {
            var b = ch.buckets[tx + "_" + ty];
            if (b) lists.push(b);
          }
        }
        for (var li = 0; li < lists.length; li++) {
          var list = lists[li], n = list ? list.length : ch.n;
          for (var j = 0; j < n; j++) {
            var i = list ? list[j] : j, px = x[i] * scale - ox, py = y[i] * scale - oy;
            if (px < -m || py < -m || px > size.x + m || py > size.y + m) continue;
            if (count === this._vis.length) { var v = new Float64Array(count * 2); v.set(this._vis); this._vis = v; }
            this._vis[count++] = base + i;
            var key = Math.floor(px / cell) + Math.floor(py / cell) * cols;
            (grid[key] || (grid[key] = [])).push(base + i);
          }
        }
      }
      this._visCount = count;
      return count;
    },

    _drawSprites: function (g, count, size, dpr) {
      // Few points: anti-aliased sprites.
      var r = this._spriteR, scale = this._scale, ox = this._ox, oy = this._oy, chunks = this._chunks;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, size.x, size.y);
      for (var j = 0; j < count; j++) {
        var ref = this._vis[j], ch = chunks[Math.floor(ref / REF)], i = ref % REF;
        var s = this._spriteOf(ch.col[i], ch.shp[i], r);
        g.drawImage(s.img, ch.x[i] * scale - ox - s.size / 2, ch.y[i] * scale - oy - s.size / 2, s.size, s.size);
      }
    },

    _drawPixels: function (g, count, W, H, dpr) {
      // Many points: write pixels straight into one image buffer (tens of thousands in a few ms).
      if (!this._image) { this._image = g.createImageData(W, H); this._buf = new Uint32Array(this._image.data.buffer); }
      var buf = this._buf, r = this._spriteR, scale = this._scale, ox = this._ox, oy = this._oy, chunks = this._chunks;
      buf.fill(0);
      for (var j = 0; j < count; j++) {
        var ref = this._vis[j], ch = chunks[Math.floor(ref / REF)], i = ref % REF;
        var st = this._stampOf(ch.col[i], ch.shp[i], r);
        var bx = Math.round((ch.x[i] * scale - ox) * dpr), by = Math.round((ch.y[i] * scale - oy) * dpr);
        for (var q = 0; q < st.length; q += 3) {
          var xx = bx + st[q], yy = by + st[q + 1];
          if (xx >= 0 && yy >= 0 && xx < W && yy < H) buf[yy * W + xx] = st[q + 2];
        }
      }
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.putImageData(this._image, 0, 0);
    },

    _tilesInView: function (size) {
      // Tile mode: the loaded tiles in view; the missing ones are fetched (each redraws when it arrives).
      var t = this.options.tiles, r = this._tileRange(t.z, size), out = [], self = this;
      for (var tx = r.x0; tx <= r.x1; tx++) for (var ty = r.y0; ty <= r.y1; ty++) {
        var key = tx + "_" + ty, have = this._tiles[key];
        if (!this._tileIndex[key]) continue;
        if (have && have !== "loading") { out.push(have); continue; }
        if (have) continue;
        this._tiles[key] = "loading";
        (function (key, tx, ty) {
          self._fetch(t.url.replace("{x}", tx).replace("{y}", ty), function (buf) {
            var labels = t.labels ? [t.labels.replace("{x}", tx).replace("{y}", ty)] : [];
            self._tiles[key] = self._addChunk(parsePoints(buf), labels, 1e9);
            self._redraw();
          });
        })(key, tx, ty);
      }
      return out;
    },

    _finishDraw: function (c, count) {
      c.setAttribute("data-drawn", String(count));
      if (this._clusters) c.setAttribute("data-clusters", String(this._clusters.length));
      else c.removeAttribute("data-clusters");
      window.__hetuDraws = (window.__hetuDraws || 0) + 1;
      window.__hetuLastDraw = performance.now();
      window.__hetuDrawMs = (window.__hetuDrawMs || []).concat([window.__hetuLastDraw - this._t0]).slice(-50);
      if (!window.__hetuFirstDraw) window.__hetuFirstDraw = window.__hetuLastDraw;
      if (this._awaited && this._hasData) { this._awaited = false; pointLayerDrawn(); }
    },

    _drawClusters: function (g, level, size, dpr) {
      // The pre-computed counted cells of this zoom level that are in view; a cell of one is its point.
      var scale = this._scale, ox = this._ox, oy = this._oy, colors = this.options.colors, out = [], total = 0;
      var r1 = this._radius(this._zoom);
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, size.x, size.y);
      g.textAlign = "center"; g.textBaseline = "middle";
      var font = null;  // set only when it changes: parsing a font string per mark costs more than the mark
      for (var j = 0; j < level.m; j++) {
        var cx = level.x[j] * scale - ox, cy = level.y[j] * scale - oy, n = level.n[j];
        if (cx < -30 || cy < -30 || cx > size.x + 30 || cy > size.y + 30) continue;
        var colour = level.style[j] >> 8, shape = level.style[j] & 255;
        total += n;
        if (n === 1) {
          var s = this._spriteOf(colour, shape, r1);
          g.drawImage(s.img, cx - s.size / 2, cy - s.size / 2, s.size, s.size);
          out.push({ x: cx, y: cy, r: r1 + 2, n: 1, color: colour });
          continue;
        }
        var r = Math.min(24, 9 + 3.2 * Math.log(n));
        g.beginPath(); g.arc(cx, cy, r, 0, 2 * Math.PI);
        g.fillStyle = colors[colour] || "#3388ff"; g.globalAlpha = 0.85; g.fill(); g.globalAlpha = 1;
        g.lineWidth = 2; g.strokeStyle = "#ffffff"; g.stroke();
        var f = n >= 1000 ? "bold 10px sans-serif" : "bold 11px sans-serif";
        if (f !== font) { g.font = font = f; }
        g.fillStyle = "#ffffff";
        g.fillText(n >= 10000 ? Math.round(n / 1000) + "k" : String(n), cx, cy);
        out.push({ x: cx, y: cy, r: r, n: n, color: colour });
      }
      this._clusters = out;
      return total;
    },

    _clusterAt: function (cp) {
      if (!this._clusters) return null;
      for (var j = this._clusters.length - 1; j >= 0; j--) {
        var c = this._clusters[j];
        if ((c.x - cp.x) * (c.x - cp.x) + (c.y - cp.y) * (c.y - cp.y) <= c.r * c.r) return c;
      }
      return null;
    },

    _pos: function (ref) {
      var ch = this._chunks[Math.floor(ref / REF)], i = ref % REF;
      return { ch: ch, i: i, x: ch.x[i] * this._scale - this._ox, y: ch.y[i] * this._scale - this._oy };
    },

    _nearest: function (cp) {
      // The reference of the drawn point under cp (-1 when none); in one-file mode, its index.
      if (!this._grid || this._clusters) return -1;
      var cell = this._cell, gx = Math.floor(cp.x / cell), gy = Math.floor(cp.y / cell);
      var best = -1, bestD = Math.pow(this._spriteR + 4, 2);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
        var list = this._grid[(gx + dx) + (gy + dy) * this._cols];
        if (!list) continue;
        for (var j = 0; j < list.length; j++) {
          var p = this._pos(list[j]), d = (p.x - cp.x) * (p.x - cp.x) + (p.y - cp.y) * (p.y - cp.y);
          if (d <= bestD) { bestD = d; best = list[j]; }
        }
      }
      return best;
    },

    pointsInView: function (limit) {
      // Screen positions of drawn single points that a click would select (for tests and benchmarks).
      var out = [], size = this._map.getSize();
      for (var j = 0; this._grid && j < this._visCount && out.length < (limit || 50); j++) {
        var p = this._pos(this._vis[j]);
        if (p.x < 60 || p.y < 60 || p.x > size.x - 60 || p.y > size.y - 60) continue;
        if (this._nearest(p) === this._vis[j]) out.push({ x: p.x, y: p.y, ref: this._vis[j] });
      }
      return out;
    },

    _label: function (ref) {
      var o = this.options, parts = [], ch = this._chunks[Math.floor(ref / REF)], i = ref % REF;
      var k = Math.floor(i / ch.labelsChunk), chunk = ch.labels[k], at = i - k * ch.labelsChunk;
      if (chunk && chunk !== "loading" && chunk[at]) parts.push(chunk[at]);
      else this._fetchLabels(ch, k);
      if (o.labels && o.labels[ch.col[i]]) parts.push(o.labels[ch.col[i]]);
      if (o.shapeLabels && o.shapeLabels[ch.shp[i]]) parts.push(o.shapeLabels[ch.shp[i]]);
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
        if (this._tipRef !== -1) { this._hideTip(); map.getContainer().style.cursor = ""; }
        return;
      }
      // The point wins: the vector layers below never see this move, and their open tooltips close.
      e.stopPropagation(); e._hetuHandled = true;
      this._closeVectorTooltips();
      map.getContainer().style.cursor = "pointer";
      this._tipRef = c ? -2 : i;
      this._showTip(c ? this.options.clusterText.replace("{n}", c.n) : this._label(i), cp);
    },

    _tipOpened: function (e) { this._openTips.push(e.tooltip); },

    _tipClosed: function (e) { this._openTips = this._openTips.filter(function (t) { return t !== e.tooltip; }); },

    _closeVectorTooltips: function () {
      var map = this._map;
      this._openTips.slice().forEach(function (t) { map.closeTooltip(t); });
    },

    _hideTip: function () { this._tipRef = -1; if (this._tip) this._tip.style.display = "none"; },

    _onClick: function (e) {
      var map = this._map;
      if (!map || e._hetuHandled || (map.dragging && map.dragging.moved())) return;
      var cp = map.mouseEventToContainerPoint(e), c = this._clusterAt(cp);
      if (c) {  // a cluster: zoom in to it (a lone point: to where it can be selected)
        e.stopPropagation(); e._hetuHandled = true; this._hideTip();
        var z = c.n === 1 ? this.options.aggregateBelow : map.getZoom() + 2;
        map.setView(map.containerPointToLatLng([c.x, c.y]), Math.min(Math.max(z, map.getZoom() + 1), map.getMaxZoom()));
        return;
      }
      var ref = this._nearest(cp);
      if (ref < 0) return;
      e.stopPropagation(); e._hetuHandled = true;  // the point is on top: the section or plot below is not clicked
      this._hideTip();
      // The label is data: the frame reads tooltip content as HTML (streamlit-folium's through innerHTML), so hand it escaped.
      var label = this._label(ref).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      var p = this._pos(ref), latlng = L.latLng(p.ch.lat[p.i] * 1e-6, p.ch.lon[p.i] * 1e-6);
      var target = { _tooltip: { _content: label }, getTooltip: function () { return { getContent: function () { return label; } }; } };
      this.fire("click", { latlng: latlng, sourceTarget: target, index: ref });
      sendNow(map);
      map.fire("hetu:select", { latlng: latlng, layer: this.options.name });  // the ring, at once (hetu-selection.js)
    }
  });

  // The frame sends a click's value 250 ms late (its updates are debounced, for pans, as streamlit-folium's): a point's
  // click is sent at once, built exactly as its updateComponentValue builds it from window.__GLOBAL_DATA__
  // (streamlit-folium 0.27.4, pinned, and views/map_frame/hetu-map-frame.js alike), and kept as the last value
  // sent, so the debounced call sends nothing.
  function sendNow(map) {
    var g = window.__GLOBAL_DATA__;
    if (!g || !g.returned_objects || window.parent === window) return;
    var all = {
      last_clicked: g.lat_lng_clicked, last_object_clicked: g.last_object_clicked,
      last_object_clicked_count: g.last_object_clicked_count, last_object_clicked_tooltip: g.last_object_clicked_tooltip,
      last_object_clicked_popup: g.last_object_clicked_popup, all_drawings: g.all_drawings,
      last_active_drawing: g.last_active_drawing, last_geocoder_result: g.last_geocoder_result,
      bounds: map.getBounds(), zoom: map.getZoom(), last_circle_radius: g.last_circle_radius,
      last_circle_polygon: g.last_circle_polygon, center: map.getCenter(),
      selected_layers: Object.values(g.selected_layers || {}), selected_tags: g.selected_tags
    };
    var value = Object.fromEntries(Object.entries(all).filter(function (kv) { return g.returned_objects.includes(kv[0]); }));
    if (JSON.stringify(g.previous_data) === JSON.stringify(value)) return;
    g.previous_data = value;
    window.parent.postMessage({ isStreamlitMessage: true, type: "streamlit:setComponentValue", value: value,
                                dataType: "json" }, "*");
  }

  L.hetuSendNow = sendNow;  // also for clicks on vector features (hetu-selection.js)
  L.hetuPoints = function (options) { return new L.HetuPoints(options); };
})();
