// The snapshots page's rollback form: shown only with JavaScript, it
// posts {"snapshot", "force"} to the API with the admin token as a
// bearer header and says what the API answered. The token is kept in
// the input only (never stored).
"use strict";
(function () {
  var form = document.querySelector("form[data-rollback]");
  if (!form) return;
  var status = document.getElementById("rollback-status");
  form.hidden = false;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var snapshot = form.elements.snapshot.value;
    var token = form.elements.token.value.trim();
    var force = form.elements.force.checked;
    if (!snapshot || !token) {
      status.textContent = "Choose a snapshot and give an admin token.";
      return;
    }
    if (!window.confirm("Roll " + form.dataset.target + " back to " + snapshot + (force ? " without the regression guard" : "") + "?")) return;
    var button = form.querySelector("button");
    button.disabled = true;
    status.textContent = "Rolling back to " + snapshot + "…";
    fetch(form.action, {
      method: "POST",
      headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
      body: JSON.stringify({ snapshot: snapshot, force: force }),
      credentials: "omit"
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
        if (resp.ok && body && body.unchanged) {
          status.textContent = "Nothing to do: the head already has the content of " + snapshot + ".";
          return;
        }
        if (resp.ok) {
          status.textContent = "Rolled back: the head is now " + ((body && body.snapshot) || "a new snapshot") + ". Reloading…";
          window.setTimeout(function () { window.location.reload(); }, 1500);
          return;
        }
        var msg = body && body.error ? body.error.code + ": " + body.error.message : text;
        status.textContent = "Refused (" + resp.status + "): " + msg;
      });
    }).catch(function (err) {
      status.textContent = "The request failed: " + err;
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
