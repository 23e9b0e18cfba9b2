/* hetu-map-frame: the map page's map frame, speaking Streamlit's component protocol itself.

   It does what streamlit-folium 0.27.4's frontend does for the arguments the map page sends (views/map_component.py
   passes the same arguments st_folium would), without that frontend's 225 KB React bundle, which the browser
   fetched, parsed and ran (~55 ms of the main thread, shared with Streamlit's own page) before the map's own
   scripts were even asked for:

   - the first render loads the map's css_links and js_links (the scripts one after another, in order; Leaflet,
     always the first, index.html asks for when the frame opens, while the page sends the arguments), puts the
     map's header (its styles and the Content-Security-Policy of views/map_csp.py) into the head and appends the map
     script, as the one inline script whose hash that policy allows: the script and its initComponent line, the same
     text streamlit-folium appends;
   - window.__GLOBAL_DATA__ and window.initComponent are streamlit-folium's, so the map's own scripts
     (static/js/hetu-points.js sendNow) build the same values;
   - every render after the first replaces the feature groups drawn on top when they changed, and applies a
     requested zoom or centre;
   - values go to Streamlit as streamlit-folium sends them: clicks on the map and on layers, and the view after a
     pan or zoom, debounced 250 ms, filtered by returned_objects, and sent only when different from the last.

   Drawing tools, geocoder results, tag filters and WMS layer lists are left out: this map has none of them (the
   other pages' maps use st_folium and its own frontend). */
(function () {
  "use strict";

  var lastHeight;
  var loading = false;
  var latest = null;  // the newest render's arguments (one that arrives while the scripts load is applied after)

  function send(type, extra) {
    var msg = { isStreamlitMessage: true, type: type };
    for (var k in extra) msg[k] = extra[k];
    window.parent.postMessage(msg, "*");
  }

  function setFrameHeight(height) {
    if (height === lastHeight) return;
    lastHeight = height;
    send("streamlit:setFrameHeight", { height: height });
  }

  function setComponentValue(value) {
    send("streamlit:setComponentValue", { value: value, dataType: "json" });
  }

  function debounce(fn, wait) {
    var timer = null, lastArg;
    return function (arg) {
      lastArg = arg;
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; fn(lastArg); }, wait);
    };
  }

  function updateComponentValue(map) {
    var g = window.__GLOBAL_DATA__, wrap = g.wrap_longitude;
    var w = function (p) { return p && wrap ? map.wrapLatLng(p) : p; };
    var bounds = map.getBounds();
    var all = {
      last_clicked: w(g.lat_lng_clicked), last_object_clicked: w(g.last_object_clicked),
      last_object_clicked_count: g.last_object_clicked_count, last_object_clicked_tooltip: g.last_object_clicked_tooltip,
      last_object_clicked_popup: g.last_object_clicked_popup, all_drawings: g.all_drawings,
      last_active_drawing: g.last_active_drawing, last_geocoder_result: g.last_geocoder_result,
      bounds: bounds && wrap ? map.wrapLatLngBounds(bounds) : bounds, zoom: map.getZoom(),
      last_circle_radius: g.last_circle_radius, last_circle_polygon: g.last_circle_polygon, center: w(map.getCenter()),
      selected_layers: Object.values(g.selected_layers), selected_tags: g.selected_tags
    };
    var value = g.returned_objects
      ? Object.fromEntries(Object.entries(all).filter(function (kv) { return g.returned_objects.includes(kv[0]); }))
      : all;
    if (JSON.stringify(g.previous_data) !== JSON.stringify(value)) {
      g.previous_data = value;
      setComponentValue(value);
    }
  }

  var debouncedUpdate = debounce(updateComponentValue, 250);

  function textOf(markup) {
    // The text of a tooltip's or popup's HTML, read in an inert template (nothing in it loads or runs).
    var t = document.createElement("template");
    t.innerHTML = markup;
    return (t.content.textContent || "").trim();
  }

  function onMapClick(e) {
    window.__GLOBAL_DATA__.lat_lng_clicked = e.latlng;
    debouncedUpdate(window.map);
  }

  function onMapMove() { debouncedUpdate(window.map); }

  function onLayerClick(e) {
    var g = window.__GLOBAL_DATA__;
    g.last_object_clicked = e.latlng || null;
    g.last_object_clicked_count += 1;
    try {
      var s = e.sourceTarget, t = e.target;
      if (s && typeof s.getTooltip === "function" && s._tooltip && s._tooltip._content) {
        g.last_object_clicked_tooltip = textOf(s.getTooltip().getContent());
      } else if (t && typeof t.getTooltip === "function" && t._tooltip && t._tooltip._content) {
        g.last_object_clicked_tooltip = t.getTooltip().getContent()(s).innerText;
      }
    } catch (err) { console.log(err); }
    try {
      var s2 = e.sourceTarget, t2 = e.target;
      if (s2 && typeof s2.getPopup === "function" && s2._popup && s2._popup._content) {
        g.last_object_clicked_popup = s2.getPopup().getContent().innerText;
      } else if (t2 && typeof t2.getPopup === "function" && t2._popup && t2._popup._content) {
        g.last_object_clicked_popup = t2.getPopup().getContent()(s2).innerText;
      }
    } catch (err) { console.log(err); }
    if (e.layer && typeof e.layer.toGeoJSON === "function") g.last_active_drawing = e.layer.toGeoJSON();
    g.all_drawings = window.drawnItems && typeof window.drawnItems.toGeoJSON === "function"
      ? window.drawnItems.toGeoJSON().features : [];
    debouncedUpdate(window.map);
  }

  function bindLayers(map, onHover) {
    for (var id in map._layers) {
      var layer = map._layers[id];
      if (layer && typeof layer.on === "function") {
        layer.off("click", onLayerClick); layer.on("click", onLayerClick);
        if (onHover) { layer.off("mouseover", onLayerClick); layer.on("mouseover", onLayerClick); }
      }
    }
  }

  // Called by the map script's last line (the same line streamlit-folium appends).
  window.initComponent = function (map, onHover) {
    map.on("click", onMapClick);
    map.on("moveend", onMapMove);
    bindLayers(map, onHover);
    setFrameHeight(window.__GLOBAL_DATA__.height);
    updateComponentValue(map);
  };

  function loadScripts(links, i) {
    if (i >= links.length) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      // Leaflet: index.html asked for it when the frame opened (data-global: what it defines when it has run)
      var pre = Array.prototype.find.call(document.scripts, function (el) { return el.getAttribute("src") === links[i]; });
      if (pre) {
        var name = pre.getAttribute("data-global");
        if (name && window[name]) { resolve(); return; }
        pre.addEventListener("load", function () { resolve(); });
        pre.addEventListener("error", function () { reject(new Error("could not load " + links[i])); });
        return;
      }
      var s = document.createElement("script");
      s.src = links[i]; s.async = false; s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + links[i])); };
      document.body.appendChild(s);
    }).then(function () { return loadScripts(links, i + 1); });
  }

  // The map is built at the frame's final size: the page gives the frame its height by a stylesheet when it lays
  // the frame out, which it is made to do here (reading the frame's box) before the map script runs. The frame's
  // resize event, which the browser sends at its next rendering step, then finds the map at that size already
  // (nothing to lay out or fit again).
  function settleSize() {
    try {
      if (window.frameElement) window.frameElement.getBoundingClientRect();
    } catch (e) { /* not reachable: the size comes with the resize event */ }
  }

  function pixelatedStyle(on) {
    return on ? ".leaflet-image-layer{image-rendering:-webkit-optimize-contrast;image-rendering:crisp-edges;" +
      "image-rendering:pixelated}" : ".leaflet-image-layer{}";
  }

  function build(a) {
    lastHeight = a.height;  // the frame's height already (Streamlit sizes it from the arguments)
    var parent = document.getElementById("parent");
    var div = document.getElementById("map_div"), div2 = document.getElementById("map_div2");
    [div, div2].forEach(function (d) {
      if (d) { d.style.height = a.height + "px"; d.style.width = a.width + "px"; }
    });
    window.__GLOBAL_DATA__ = {
      lat_lng_clicked: null, last_object_clicked: null, last_object_clicked_count: 0,
      last_object_clicked_tooltip: null, last_object_clicked_popup: null, all_drawings: null,
      last_active_drawing: null, zoom: null, last_circle_radius: null, last_circle_polygon: null,
      returned_objects: a.returned_objects, previous_data: a["default"], last_zoom: null, last_center: null,
      last_feature_group: null, last_layer_control: null, selected_layers: {}, height: a.height,
      wrap_longitude: !!a.wrap_longitude, selected_tags: [], last_geocoder_result: null
    };
    if (a.script.indexOf("map_div2") !== -1 && parent) {
      parent.classList.remove("single"); parent.classList.add("double");
    }
    // The styles first, so that they are in when the map is laid out; then the scripts, in order.
    (a.css_links || []).forEach(function (href) {
      var l = document.createElement("link");
      l.rel = "stylesheet"; l.href = href;
      document.head.appendChild(l);
    });
    loading = true;
    return loadScripts(a.js_links || [], 0).then(function () {
      settleSize();
      var style = document.createElement("style");
      style.textContent = pixelatedStyle(a.pixelated);
      document.head.appendChild(style);
      document.head.insertAdjacentHTML("beforeend", a.header || "");  // the policy, before the map script
      var holder = document.createElement("div");
      holder.innerHTML = a.html || "";
      document.body.appendChild(holder);
      var script = document.createElement("script");
      script.textContent = a.script + "window.map = map_div; window.initComponent(map_div, " + a.return_on_hover + ");";
      document.body.appendChild(script);
    }).catch(function (err) { console.error("hetu map:", err); })
      .then(function () { loading = false; if (latest) finish(latest); });
  }

  function finish(a) {
    var map = window.map, g = window.__GLOBAL_DATA__;
    if (!map || !g) return;
    var group = a.feature_group, control = a.layer_control;
    if (group !== g.last_feature_group || control !== g.last_layer_control || a.height !== g.height) {
      if (window.feature_group && window.feature_group.length) {
        window.feature_group.forEach(function (layer) { map.removeLayer(layer); });
      }
      window.feature_group = [];
      if (window.layer_control) map.removeControl(window.layer_control);
      g.last_feature_group = group; g.last_layer_control = control; g.height = a.height;
      if (group) {
        (0, eval)(group + (control || ""));  // eslint-disable-line no-eval -- allowed by the policy for this
        bindLayers(map, a.return_on_hover);
      } else if (control) {
        (0, eval)(control);  // eslint-disable-line no-eval
      }
      setFrameHeight(a.height);
    }
    var zoom = map.getZoom(), center = map.getCenter(), changed = false;
    if (a.zoom && a.zoom !== g.last_zoom) { zoom = a.zoom; g.last_zoom = a.zoom; changed = true; }
    if (a.center && JSON.stringify(a.center) !== JSON.stringify(g.last_center)) {
      center = a.center; g.last_center = a.center; changed = true;
    }
    if (changed) map.setView(center, zoom);
  }

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || e.data.type !== "streamlit:render") return;
    var a = e.data.args || {};
    latest = a;
    if (!window.map && !loading) build(a);
    else if (!loading) finish(a);
  });

  // Ready, and nothing else until there is a map: Streamlit gives the frame the height of its arguments from the
  // start (and the map page's stylesheet sets it), so the frame does not report its empty body's height first, as
  // streamlit-folium's frontend does. Every message costs the page a re-render and a check of its origin.
  send("streamlit:componentReady", { apiVersion: 1 });
})();
