// The availability week grid (templates/_week_grid.html): the checkboxes work on their own; this adds
// click-and-drag over cells, arrow keys (one tab stop for the whole grid), Shift+arrow to mark while
// moving, and the summary of marked times in words. Cells run in week order: down a day's column, then
// on to the next day's 00:00, and from Sunday 23:30 back to Monday 00:00, so a stretch past midnight
// is one run (the server stores it as one overnight window: service/web/week_grid.py).
(function () {
  "use strict";

  function setup(root) {
    var table = root.querySelector("table");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var perDay = rows.length;
    var cells = [];  // week order: day by day, each day from 00:00
    for (var d = 0; d < 7; d++) {
      for (var r = 0; r < perDay; r++) cells.push(rows[r].cells[d + 1].querySelector("input"));
    }
    var total = cells.length;
    var step = parseInt(root.getAttribute("data-step"), 10) || 30;
    var days = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return th.getAttribute("data-day");
    }).slice(1);
    var summary = root.querySelector("[data-week-grid-summary]");
    var keys = root.querySelector("[data-week-grid-keys]");
    if (keys) {
      keys.hidden = false;
      table.setAttribute("aria-describedby", (table.getAttribute("aria-describedby") || "") + " " + keys.id);
    }

    function indexOf(input) { return cells.indexOf(input); }

    // One tab stop: the grid's current cell (the first marked one, else Monday 00:00).
    var current = cells.filter(function (c) { return c.checked; })[0] || cells[0];
    function makeCurrent(input) {
      current.tabIndex = -1;
      current = input;
      current.tabIndex = 0;
    }
    cells.forEach(function (c) { c.tabIndex = -1; });
    current.tabIndex = 0;
    root.addEventListener("focusin", function (e) {
      if (cells.indexOf(e.target) >= 0) makeCurrent(e.target);
    });

    function hhmm(minute) {
      minute = ((minute % 1440) + 1440) % 1440;
      var h = Math.floor(minute / 60), m = minute % 60;
      return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
    }
    function win(first, length) {
      var start = (first % perDay) * step;
      return {day: Math.floor(first / perDay) % 7, start: start, text: days[Math.floor(first / perDay) % 7] + " " +
              hhmm(start) + "–" + hhmm(start + length * step)};
    }
    // The same runs as week_grid.windows_of: one window per run, cut at midnights when a day or longer.
    function windows() {
      var on = cells.map(function (c) { return c.checked; });
      var count = on.filter(Boolean).length, out = [];
      if (count === 0) return out;
      if (count === total) {
        for (var d = 0; d < 7; d++) out.push(win(d * perDay, perDay));
        return out;
      }
      for (var i = 0; i < total; i++) {
        if (!on[i] || on[(i - 1 + total) % total]) continue;
        var length = 1;
        while (on[(i + length) % total]) length++;
        if (length < perDay || (length === perDay && i % perDay === 0)) {
          out.push(win(i, length));
        } else {
          var at = i, left = length;
          while (left > 0) {
            var piece = Math.min(left, perDay - (at % perDay));
            out.push(win(at, piece));
            at = (at + piece) % total;
            left -= piece;
          }
        }
      }
      out.sort(function (a, b) { return a.day - b.day || a.start - b.start; });
      return out;
    }
    function update() {
      if (!summary) return;
      var ws = windows();
      summary.textContent = ws.length ? ws.map(function (w) { return w.text; }).join(" · ")
                                      : root.getAttribute("data-none");
    }
    root.addEventListener("change", update);

    // Keyboard: arrows move (down from 23:30 is the next day's 00:00), Shift+arrow marks as it moves.
    root.addEventListener("keydown", function (e) {
      var i = indexOf(e.target);
      if (i < 0) return;
      var day = Math.floor(i / perDay), row = i % perDay, to;
      switch (e.key) {
        case "ArrowDown": to = (i + 1) % total; break;
        case "ArrowUp": to = (i - 1 + total) % total; break;
        case "ArrowRight": to = ((day + 1) % 7) * perDay + row; break;
        case "ArrowLeft": to = ((day + 6) % 7) * perDay + row; break;
        case "Home": to = day * perDay; break;
        case "End": to = day * perDay + perDay - 1; break;
        default: return;
      }
      e.preventDefault();
      if (e.shiftKey && cells[to].checked !== cells[i].checked) {
        cells[to].checked = cells[i].checked;
        cells[to].dispatchEvent(new Event("change", {bubbles: true}));
      }
      cells[to].focus();
    });

    // Mouse and pen: press on a cell and drag; every cell from there to the pointer, in week order,
    // takes the new state of the first. Touch keeps the page's scrolling: a tap toggles one cell.
    var drag = null, handled = false;
    function cellAt(x, y) {
      var el = document.elementFromPoint(x, y);
      var td = el && el.closest ? el.closest("td") : null;
      var input = td && table.contains(td) ? td.querySelector("input") : null;
      return input ? indexOf(input) : -1;
    }
    function paint(to) {
      var a = Math.min(drag.from, to), b = Math.max(drag.from, to);
      for (var k = 0; k < total; k++) {
        var want = k >= a && k <= b ? drag.state : drag.before[k];
        if (cells[k].checked !== want) cells[k].checked = want;
      }
      drag.to = to;
      update();
    }
    table.addEventListener("pointerdown", function (e) {
      handled = false;
      if (e.pointerType === "touch" || e.button !== 0) return;
      var i = cellAt(e.clientX, e.clientY);
      if (i < 0) return;
      e.preventDefault();  // no text selection, no native toggle: the click that follows is ours
      drag = {from: i, to: i, state: !cells[i].checked, before: cells.map(function (c) { return c.checked; })};
      paint(i);
    });
    document.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var i = cellAt(e.clientX, e.clientY);
      if (i >= 0 && i !== drag.to) paint(i);
    });
    document.addEventListener("pointerup", function () {
      if (!drag) return;
      var end = cells[drag.to];
      drag = null;
      handled = true;
      end.focus();
      root.dispatchEvent(new Event("change", {bubbles: true}));
    });
    table.addEventListener("click", function (e) {
      if (handled && e.detail !== 0) e.preventDefault();  // the drag already set the cells
      if (e.target.tagName === "INPUT") handled = false;
    }, true);
    update();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-week-grid]"), setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
