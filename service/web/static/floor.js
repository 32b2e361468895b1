// The exchange floor's pages: live from the board stream, and the broker's agreements kept in the
// browser until the server has them. Plain JavaScript, no build step; text is set with textContent.
(function () {
  "use strict";
  var body = document.body;
  var eventId = body.getAttribute("data-event");
  var csrf = body.getAttribute("data-csrf");
  var t = function (name) { return body.getAttribute("data-t-" + name) || name; };

  // ---- live: re-fetch every [data-refresh] region when anything happens in the hall ------------
  var pending = null;
  function refreshAll() {
    pending = null;
    document.querySelectorAll("[data-refresh]").forEach(function (el) {
      fetch(el.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "X-Floor": "1" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          el.innerHTML = html;  // server-rendered, escaped by the template engine
          el.setAttribute("data-refreshed", String(Date.now()));
          tick();
        })
        .catch(function () { /* offline: the next message or reconnect refreshes */ });
    });
  }
  function soon() { if (!pending) pending = setTimeout(refreshAll, 60); }
  // A broker's suggestions change only when an agreement involves the participant or a counterpart on
  // the list (a need met drops a suggestion; nothing else moves the top of the list): other agreements
  // in the hall leave the page as it is, so ten brokers do not re-read the catalogue for every one.
  function concerns(e) {
    var watched = document.querySelector("[data-watch]");
    if (!watched) return true;
    var ids = watched.getAttribute("data-watch").split(" ");
    try {
      var parties = JSON.parse(e.data).agreement.parties;
      return parties.some(function (p) { return ids.indexOf(p) >= 0; });
    } catch (err) { return true; }
  }
  var streamUrl = body.getAttribute("data-stream");
  if (streamUrl && document.querySelector("[data-refresh]")) {
    var es = new EventSource(streamUrl);
    es.addEventListener("agreement_registered", function (e) { if (concerns(e)) soon(); });
    es.addEventListener("agreement_confirmed", function () { if (!document.querySelector("[data-watch]")) soon(); });
    ["gong", "state_changed", "catalogue_changed"].forEach(function (kind) { es.addEventListener(kind, soon); });
    // the header's state follows the gong and the other moves
    var names = JSON.parse(body.getAttribute("data-states") || "{}");
    ["gong", "state_changed"].forEach(function (kind) {
      es.addEventListener(kind, function (e) {
        var pill = document.getElementById("state"), state = JSON.parse(e.data).state;
        if (!pill || !names[state]) return;
        pill.textContent = names[state];
        pill.className = "pill state-" + state;
        pill.setAttribute("data-state", state);
      });
    });
    var first = true;
    // the first snapshot on (re)connect: refresh after a reconnect, when messages may have been missed
    es.addEventListener("board_snapshot", function () { if (!first) soon(); first = false; });
    es.addEventListener("error", function () { first = false; });
  }

  // ---- network state ---------------------------------------------------------------------------
  var net = document.getElementById("net");
  function showNet() { if (net) net.hidden = navigator.onLine; }
  window.addEventListener("online", function () { showNet(); flush(); soon(); });
  window.addEventListener("offline", showNet);
  showNet();

  // ---- the børsgeneral's countdown -------------------------------------------------------------
  function tick() {
    var el = document.getElementById("countdown");
    if (!el || !el.getAttribute("data-opened")) return;
    var end = Date.parse(el.getAttribute("data-opened")) + Number(el.getAttribute("data-minutes")) * 60000;
    var left = Math.round((end - Date.now()) / 1000);
    if (left <= 0) { el.textContent = el.getAttribute("data-over"); el.classList.add("over"); return; }
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
  }
  setInterval(tick, 1000);
  tick();

  // ---- notary: confirm in place ------------------------------------------------------------------
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute("data-floor-post")) return;
    e.preventDefault();
    var region = form.closest("[data-refresh]");
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    fetch(form.action, { method: "POST", credentials: "same-origin", body: new FormData(form),
                         headers: { "X-CSRFToken": csrf, "X-Floor": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (region) region.innerHTML = html; })
      .catch(function () { if (button) button.disabled = false; });
  });

  // ---- the broker's agreement form and outbox ----------------------------------------------------
  var form = document.getElementById("agreement-form");
  var outboxKey = "samspill.floor.outbox." + eventId + "." + (body.getAttribute("data-who") || "");
  var doneKey = outboxKey + ".done";
  function load(key) { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function save(key, list) { localStorage.setItem(key, JSON.stringify(list)); }
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }

  function renderOutbox() {
    var box = document.getElementById("outbox"), list = document.getElementById("outbox-list");
    if (!box || !list) return;
    var queued = load(outboxKey), done = load(doneKey).slice(-6);
    list.textContent = "";
    queued.forEach(function (item) { list.appendChild(line("unsent", t("unsent") + ": " + item.label, item.key)); });
    done.slice().reverse().forEach(function (item) {
      var text = item.ok ? t("sent") + ": " + item.label : t("refused") + ": " + item.label + " — " + item.reason;
      list.appendChild(line(item.ok ? "sent" : "refused", text, item.key));
    });
    box.hidden = queued.length === 0 && done.length === 0;
  }
  function line(kind, text, key) {
    var li = document.createElement("li");
    li.className = kind;
    li.setAttribute("data-key", key);
    li.textContent = text;
    return li;
  }

  var sending = false;
  function flush() {
    if (sending || !form) return Promise.resolve();
    sending = true;
    var queue = load(outboxKey);
    function next(i) {
      if (i >= queue.length) return Promise.resolve();
      var item = queue[i];
      return fetch(form.getAttribute("data-post"), {
        method: "POST", credentials: "same-origin", body: JSON.stringify(item.body),
        headers: { "Content-Type": "application/json", "Idempotency-Key": item.key, "X-CSRFToken": csrf },
      }).then(function (r) {
        if (r.status >= 500 || r.status === 429 || r.status === 401) {
          if (r.status === 401) item.reason = t("signin");
          return "stop";  // keep it: the server did not take it; try again later
        }
        return r.json().catch(function () { return {}; }).then(function (doc) {
          var reason = doc.detail || "";
          if (doc.errors && doc.errors.length && !/not-trading/.test(doc.type || "")) {
            reason += " (" + doc.errors.map(function (x) { return x.field; }).join(", ") + ")";
          }
          // answered: out of the queue, into the record (sent, or refused with the reason)
          save(outboxKey, load(outboxKey).filter(function (q) { return q.key !== item.key; }));
          var done = load(doneKey);
          done.push({ key: item.key, label: item.label, ok: r.ok, reason: reason, id: doc.id || null });
          save(doneKey, done.slice(-30));
          renderOutbox();
          return next(i + 1);
        });
      }, function () { return "stop"; });  // no network: everything stays queued
    }
    return next(0).then(function () { sending = false; renderOutbox(); },
                        function () { sending = false; renderOutbox(); });
  }
  setInterval(function () { if (load(outboxKey).length) flush(); }, 3000);

  if (form) {
    var current = null;
    document.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button.use") : null;
      if (!b) return;
      current = JSON.parse(b.getAttribute("data-draft"));
      fill(current);
    });
    function fill(draft) {
      var names = draft.names;
      document.getElementById("af-parties").textContent = names[draft.parties[0]] + " ↔ " + names[draft.parties[1]];
      document.getElementById("af-title").value = draft.title || "";
      var gives = document.getElementById("af-gives"), tpl = document.getElementById("give-template");
      gives.textContent = "";
      draft.gives.forEach(function (g, i) {
        var node = tpl.content.firstElementChild.cloneNode(true);
        var other = draft.parties[0] === g.from ? draft.parties[1] : draft.parties[0];
        node.querySelector("legend").textContent = names[g.from] + " → " + names[other];
        node.setAttribute("data-i", String(i));
        node.querySelector("[data-f=kind]").value = g.kind;
        var unit = node.querySelector("[data-f=unit]"), amount = node.querySelector("[data-f=amount]");
        unit.value = g.items != null ? "items" : "hours";
        amount.value = String(g.items != null ? g.items : g.hours);
        // hours in parts (2.5) are fine; items are whole: the browser's own check follows the unit
        var steps = function () { amount.step = unit.value === "items" ? "1" : "any"; amount.min = unit.value === "items" ? "1" : "0.01"; };
        steps();
        unit.addEventListener("change", steps);
        node.querySelector("[data-f=description]").value = g.description || "";
        gives.appendChild(node);
      });
      form.hidden = false;
      form.scrollIntoView({ block: "start" });
    }
    document.getElementById("af-cancel").addEventListener("click", function () { form.hidden = true; current = null; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!current) return;
      var draft = current, bodyDoc = {};
      ["parties", "category", "asked_by", "offer", "need"].forEach(function (k) { if (draft[k] != null) bodyDoc[k] = draft[k]; });
      bodyDoc.title = document.getElementById("af-title").value.trim();
      bodyDoc.gives = Array.prototype.map.call(form.querySelectorAll("fieldset.give"), function (node) {
        var g = draft.gives[Number(node.getAttribute("data-i"))];
        var give = { from: g.from, kind: node.querySelector("[data-f=kind]").value,
                     description: node.querySelector("[data-f=description]").value.trim() };
        if (g.offer) give.offer = g.offer;
        if (g.need) give.need = g.need;
        var n = Number(node.querySelector("[data-f=amount]").value);
        give[node.querySelector("[data-f=unit]").value] = node.querySelector("[data-f=unit]").value === "items" ? Math.round(n) : n;
        return give;
      });
      var label = draft.names[draft.parties[0]] + " ↔ " + draft.names[draft.parties[1]] +
        (bodyDoc.title ? " (" + bodyDoc.title + ")" : "");
      // kept in the browser first: a lost connection never loses it, and its key makes a resend harmless
      var queue = load(outboxKey);
      queue.push({ key: newKey(), body: bodyDoc, label: label, at: Date.now() });
      save(outboxKey, queue);
      form.hidden = true;
      current = null;
      renderOutbox();
      flush();
    });
    renderOutbox();
    flush();
  }
})();
