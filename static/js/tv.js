/* The TV board (reports.pages.tv): one board at a time, the next every
   data-tv-rotate seconds (20 by default), and the rows whose place changed
   since that board was last on screen marked: "moved-up" (▲ and by how many
   places), "moved-down" (▼) or "moved-new" (●, new in the top rows).

   The places last shown are remembered per board in sessionStorage, so that a
   reload of the screen still compares with what the room saw. Marks last for
   one showing of a board; a change that arrives while a board is on screen
   (live.js replacing the boards) is marked at once. */
(function () {
  "use strict";

  var root = document.querySelector("[data-tv]");
  if (!root) {
    return;
  }
  var seconds = parseInt(root.getAttribute("data-tv-rotate"), 10);
  if (!(seconds >= 1)) {
    seconds = 20;
  }
  var storageKey = "tv-places:" + root.getAttribute("data-tv-key");
  var seen = load(); // board key → {competitor code: place}, as last shown
  var marks = {}; // board key → {competitor code: {kind, by}}, for the current showing
  var shown = null; // key of the board on screen
  var turn = 0;

  function load() {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey)) || {};
    } catch (error) {
      return {};
    }
  }

  function save() {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(seen));
    } catch (error) {
      // Storage full or refused: the marks then cover this tab's life only.
    }
  }

  function boards() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-tv-board]"));
  }

  function rows(board) {
    return Array.prototype.slice.call(board.querySelectorAll("tr[data-code]"));
  }

  function places(board) {
    var result = {};
    rows(board).forEach(function (row) {
      result[row.getAttribute("data-code")] = parseInt(row.getAttribute("data-position"), 10);
    });
    return result;
  }

  // Mark the rows whose place differs from the one last shown; then remember what is shown.
  function compare(board, key) {
    var before = seen[key];
    var now = places(board);
    var boardMarks = marks[key] || (marks[key] = {});
    if (before) {
      Object.keys(now).forEach(function (code) {
        var was = before[code];
        if (was === undefined) {
          boardMarks[code] = { kind: "new", by: 0 };
        } else if (was > now[code]) {
          boardMarks[code] = { kind: "up", by: was - now[code] };
        } else if (was < now[code]) {
          boardMarks[code] = { kind: "down", by: now[code] - was };
        }
      });
    }
    seen[key] = now;
    save();
  }

  function paint(board, key) {
    var boardMarks = marks[key] || {};
    rows(board).forEach(function (row) {
      var mark = boardMarks[row.getAttribute("data-code")];
      var cell = row.querySelector("[data-move]");
      row.classList.remove("moved-up", "moved-down", "moved-new");
      if (cell) {
        cell.textContent = "";
      }
      if (!mark) {
        return;
      }
      row.classList.add("moved-" + mark.kind);
      if (cell) {
        cell.textContent = mark.kind === "up" ? "▲" + mark.by : mark.kind === "down" ? "▼" + mark.by : "●";
      }
    });
  }

  function display(board) {
    boards().forEach(function (other) {
      other.hidden = other !== board;
    });
    var key = board.getAttribute("data-tv-board");
    Array.prototype.forEach.call(document.querySelectorAll("[data-tv-dot]"), function (dot) {
      dot.classList.toggle("current", dot.getAttribute("data-tv-dot") === key);
    });
  }

  // A new showing of the board at ``index``: compared with its last showing.
  function show(index) {
    var all = boards();
    if (!all.length) {
      return;
    }
    turn = index % all.length;
    var board = all[turn];
    shown = board.getAttribute("data-tv-board");
    marks[shown] = {};
    display(board);
    compare(board, shown);
    paint(board, shown);
  }

  // The boards were replaced (live.js): keep the board on screen, mark what moved.
  document.addEventListener("live:updated", function () {
    var all = boards();
    var board = all.filter(function (candidate) {
      return candidate.getAttribute("data-tv-board") === shown;
    })[0];
    if (!board) {
      show(0);
      return;
    }
    turn = all.indexOf(board);
    display(board);
    compare(board, shown);
    paint(board, shown);
  });

  show(0);
  window.setInterval(function () {
    show(turn + 1);
  }, seconds * 1000);
})();
