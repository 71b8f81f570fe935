// live.js keeps a server-rendered page current: it listens to the API's
// event stream (the URL in <body data-live-events>) and, after events
// (at most every 500 ms), fetches the page again and swaps every element
// marked data-live (by id) for its new version. With data-live-run on
// <body>, only events of that run count. Without JavaScript the page
// reloads itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-live-events");
  if (!url || !window.EventSource || !window.DOMParser) return;
  var onlyRun = body.getAttribute("data-live-run");
  var timer = null, busy = false, again = false;

  function refresh() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll("[data-live][id]").forEach(function (fresh) {
          var old = document.getElementById(fresh.id);
          if (old) old.replaceWith(document.importNode(fresh, true));
        });
        document.documentElement.setAttribute("data-live-updated", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
  }
  function schedule() { if (!timer) timer = setTimeout(refresh, 500); }

  var es = new EventSource(url);
  function onEvent(ev) {
    if (onlyRun) {
      try { if (JSON.parse(ev.data).run !== onlyRun) return; } catch (e) { return; }
    }
    schedule();
  }
  ["run", "build", "builder", "publish"].forEach(function (k) { es.addEventListener(k, onEvent); });
  es.onopen = function () { document.documentElement.setAttribute("data-live", "connected"); schedule(); };
  es.onerror = function () { document.documentElement.setAttribute("data-live", "reconnecting"); };
})();
