/* hetu-fetch: the map frame's data files, fetched compressed once instead of compressed on every request.

   The server writes each generated data file under static/gen twice: as it is and gzipped beside it (<name>.gz,
   compressed once when published; layers/assets.py publish). Streamlit's server serves a .gz file as
   application/gzip, which its compression middleware leaves alone; every other file it gzipped again, at level
   9, for every request (the city's 600 KB outfall file took ~40 ms of the first draw). Here the .gz is fetched and
   decompressed by the browser (DecompressionStream); a browser without it, a name that is not such a file, or a
   .gz that fails, gets the file as it is. */
(function () {
  "use strict";
  var PUBLISHED = /\/gen\/[0-9a-f]{24}\.(bin|json)$/;
  var canInflate = typeof DecompressionStream === "function" && typeof Response === "function";

  function plain(url, type) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for " + url);
      return r[type]();
    });
  }

  // type: "arrayBuffer" or "json"
  window.hetuFetch = function (url, type) {
    if (!canInflate || !PUBLISHED.test(url)) return plain(url, type);
    return fetch(url + ".gz").then(function (r) {
      if (!r.ok || !r.body) throw new Error("HTTP " + r.status + " for " + url + ".gz");
      return new Response(r.body.pipeThrough(new DecompressionStream("gzip")))[type]();
    }).catch(function () { return plain(url, type); });
  };
})();
