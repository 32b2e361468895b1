// After htmx swaps a proposal in place: keep keyboard focus on it and announce its new state.
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  var el = target && target.id ? document.getElementById(target.id) : null;
  if (!el || !el.classList.contains("proposal")) return;
  var live = document.getElementById("live");
  if (live) live.textContent = el.getAttribute("data-announce") || "";
  var alert = el.querySelector("[role=alert]");
  var focusable = alert ? null : el.querySelector(".actions button, .actions summary");
  if (!focusable) { el.setAttribute("tabindex", "-1"); focusable = el; }
  focusable.focus();
});

// A refused change (expired session handled by HX-Redirect; CSRF, 5xx) must not fail silently.
document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("htmx-error");
  if (!box) return;
  var template = document.body.getAttribute("data-htmx-error") || "Error {status}";
  box.textContent = template.replace("{status}", String(event.detail.xhr.status));
  box.hidden = false;
  box.focus();
});

// A refused form comes back with the message beside each field: put the keyboard on the first one.
document.addEventListener("DOMContentLoaded", function () {
  var invalid = document.querySelector("main [aria-invalid=true]");
  if (invalid) invalid.focus();
});

// The certificate of volunteering's print button (no inline handlers: the CSP forbids them).
document.addEventListener("click", function (event) {
  var target = event.target;
  if (target && target.closest && target.closest("[data-print]")) window.print();
});
