// log.js follows a running build's log on /builds/{id}/log. The page
// rendered the log's first data-offset bytes; this script listens to the
// event stream (data-events) for the build's log lines, each with the
// byte offset where it starts, and appends those from data-offset on.
// After (re)connecting it first reads what the stream may have missed
// from the raw log (data-raw), so nothing is lost or shown twice. ANSI
// colours are rendered as ui/ansi.go does (the same spans and classes).
(function () {
  "use strict";

  // --- ANSI SGR → HTML, the twin of ansi.go's ansiHTML. ---
  function esc(s) {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&#34;").replace(/'/g, "&#39;");
  }
  function fresh() { return { fg: 0, bg: 0, b: false, f: false, i: false, u: false }; }
  function same(a, b) { return a.fg === b.fg && a.bg === b.bg && a.b === b.b && a.f === b.f && a.i === b.i && a.u === b.u; }
  function classes(s) {
    var c = [];
    if (s.fg) c.push("fg-" + (s.fg - 1));
    if (s.bg) c.push("bg-" + (s.bg - 1));
    if (s.b) c.push("b");
    if (s.f) c.push("f");
    if (s.i) c.push("i");
    if (s.u) c.push("u");
    return c.join(" ");
  }
  function apply(s, params) {
    if (params === "") return fresh();
    var ps = params.split(";");
    for (var k = 0; k < ps.length; k++) {
      var n = /^[0-9]+$/.test(ps[k]) ? parseInt(ps[k], 10) : 0;
      if (n === 0) s = fresh();
      else if (n === 1) s.b = true;
      else if (n === 2) s.f = true;
      else if (n === 3) s.i = true;
      else if (n === 4) s.u = true;
      else if (n === 22) { s.b = false; s.f = false; }
      else if (n === 23) s.i = false;
      else if (n === 24) s.u = false;
      else if (n >= 30 && n <= 37) s.fg = n - 30 + 1;
      else if (n === 39) s.fg = 0;
      else if (n >= 40 && n <= 47) s.bg = n - 40 + 1;
      else if (n === 49) s.bg = 0;
      else if (n >= 90 && n <= 97) s.fg = n - 90 + 8 + 1;
      else if (n >= 100 && n <= 107) s.bg = n - 100 + 1;
      else if (n === 38 || n === 48) {
        if (k + 1 < ps.length && ps[k + 1] === "5" && k + 2 < ps.length) {
          var c = /^[0-9]+$/.test(ps[k + 2]) ? parseInt(ps[k + 2], 10) : -1;
          if (c >= 0 && c < 16) { if (n === 38) s.fg = c + 1; else s.bg = c % 8 + 1; }
          k += 2;
        } else if (k + 1 < ps.length && ps[k + 1] === "2") k += 4;
      }
    }
    return s;
  }
  function copy(s) { return { fg: s.fg, bg: s.bg, b: s.b, f: s.f, i: s.i, u: s.u }; }
  // escapeEnd: the end of the escape sequence at text[i] (an ESC) and,
  // for an SGR, its parameters (else null).
  function escapeEnd(t, i) {
    if (i + 1 >= t.length) return [t.length, null];
    var c = t.charCodeAt(i + 1), j;
    if (c === 0x5b) { // [
      for (j = i + 2; j < t.length; j++) { var d = t.charCodeAt(j); if (d >= 0x40 && d <= 0x7e) break; }
      if (j === t.length) return [j, null];
      var p = t.slice(i + 2, j);
      return [j + 1, t[j] === "m" && /^[0-9;]*$/.test(p) && p.length <= 64 ? p : null];
    }
    if (c === 0x5d || c === 0x50 || c === 0x5f || c === 0x5e || c === 0x58) { // ] P _ ^ X
      for (j = i + 2; j < t.length; j++) {
        if (t.charCodeAt(j) === 7) return [j + 1, null];
        if (t.charCodeAt(j) === 0x1b && j + 1 < t.length && t[j + 1] === "\\") return [j + 2, null];
      }
      return [t.length, null];
    }
    for (j = i + 1; j < t.length && t.charCodeAt(j) >= 0x20 && t.charCodeAt(j) <= 0x2f; j++) {}
    return [Math.min(j + 1, t.length), null];
  }
  // render returns [html, style at the end] for text starting in style st.
  function render(t, st) {
    var out = "", open = false, cur = st ? copy(st) : fresh(), plain = 0;
    function flush(i) {
      if (i <= plain) return;
      if (!open) { var c = classes(cur); if (c) { out += '<span class="' + c + '">'; open = true; } }
      out += esc(t.slice(plain, i));
    }
    for (var i = 0; i < t.length;) {
      var c = t.charCodeAt(i);
      if ((c >= 0x20 && c !== 0x7f) || c === 10 || c === 9) { i++; continue; }
      flush(i);
      if (c !== 0x1b) { i++; plain = i; continue; }
      var e = escapeEnd(t, i);
      if (e[1] !== null) {
        var next = apply(copy(cur), e[1]);
        if (!same(next, cur)) { if (open) { out += "</span>"; open = false; } cur = next; }
      }
      i = plain = e[0];
    }
    flush(t.length);
    if (open) out += "</span>";
    return [out, cur];
  }
  window.kilnANSI = render;

  // --- Following the log. ---
  var pre = document.getElementById("log");
  if (!pre || !pre.getAttribute("data-events") || !window.EventSource || !window.fetch || !window.TextEncoder) return;
  var run = pre.getAttribute("data-run"), build = parseInt(pre.getAttribute("data-build"), 10);
  var raw = pre.getAttribute("data-raw"), status = document.getElementById("log-status");
  var have = parseInt(pre.getAttribute("data-offset"), 10) || 0; // bytes shown, exact while `exact`
  var exact = true, last = -1, style = fresh(), queue = [], syncing = false, done = false;
  var enc = new TextEncoder(), dec = new TextDecoder();

  function say(s) { if (status) status.textContent = s; }
  function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48; }
  function append(text) {
    if (!text) return;
    var follow = atBottom();
    var r = render(text, style);
    style = r[1];
    pre.insertAdjacentHTML("beforeend", r[0]);
    var empty = document.getElementById("log-empty");
    if (empty) empty.remove();
    pre.setAttribute("data-lines", String((parseInt(pre.getAttribute("data-lines") || "0", 10)) + text.split("\n").length - 1));
    if (follow) window.scrollTo(0, document.documentElement.scrollHeight);
  }
  function line(ev) {
    var off = ev.offset || 0;
    if (exact) {
      if (off < have) return true;       // shown already
      if (off > have) return false;      // a gap: read the raw log first
      exact = false;
    } else if (off <= last) return true;
    last = off;
    append(ev.line + "\n");
    return true;
  }
  // sync reads the raw log from what is shown on: from `have` while
  // that is exact, else from the start of the last line shown (skipping
  // that line), then the queued events; a gap before the first of them
  // (lines not flushed to the store yet) is read again shortly.
  function sync() {
    syncing = true;
    var from = exact ? have : last;
    fetch(raw, { cache: "no-store", headers: from > 0 ? { Range: "bytes=" + from + "-" } : {} })
      .then(function (r) {
        if (r.status === 416) return [206, new Uint8Array(0)];
        return r.ok ? r.arrayBuffer().then(function (b) { return [r.status, new Uint8Array(b)]; }) : Promise.reject(r.status);
      })
      .then(function (res) {
        var bytes = res[0] === 206 ? res[1] : res[1].subarray(Math.min(from, res[1].length));
        if (!exact) {
          var nl = bytes.indexOf(10);
          if (nl < 0) { setTimeout(sync, 1000); return; } // the last line is not stored yet
          bytes = bytes.subarray(nl + 1);
          have = from + nl + 1;
          exact = true;
        }
        if (bytes.length) { append(dec.decode(bytes)); have += bytes.length; }
        syncing = false;
        drain();
      })
      .catch(function () { setTimeout(sync, 2000); });
  }
  function drain() {
    while (queue.length) {
      if (!line(queue[0])) { setTimeout(sync, 1000); syncing = true; return; }
      queue.shift();
    }
  }
  var es = new EventSource(pre.getAttribute("data-events"));
  es.addEventListener("log", function (m) {
    var ev; try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (ev.run !== run || ev.build !== build || ev.log !== String(build)) return;
    queue.push(ev);
    if (!syncing) drain();
  });
  es.addEventListener("build", function (m) {
    var ev; try { ev = JSON.parse(m.data); } catch (e) { return; }
    if (ev.run !== run || ev.build !== build) return;
    var st = document.getElementById("build-state");
    if (st) { st.textContent = ev.state; st.className = "state state-" + ev.state; }
    if (["succeeded", "failed", "skipped", "lost", "cancelled"].indexOf(ev.state) >= 0) {
      done = true;
      say("The build " + ev.state + "; the log is complete.");
      setTimeout(function () { es.close(); }, 1500); // the last lines may still be on their way
    }
  });
  es.onopen = function () {
    if (done) return;
    say("Following the log as it is written.");
    pre.setAttribute("data-following", "true");
    // At first and after a reconnect the stream may have missed lines:
    // read the raw log for them.
    if (!syncing) sync();
  };
  es.onerror = function () { if (!done) say("Reconnecting to the event stream…"); };
})();
