(function () {
  function key(cell) { return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim(); }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      function sort() {
        var up = th.getAttribute("aria-sort") !== "ascending", num = th.dataset.type === "num";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[i]), y = key(b.cells[i]);
          if (num) {  // empty cells (missing, not graded) stay last either way
            x = x === "" ? NaN : +x; y = y === "" ? NaN : +y;
            if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }
            return up ? x - y : y - x;
          }
          var c = x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filter), count = document.getElementById(input.dataset.count);
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        var hit = !q || r.dataset.name.indexOf(q) >= 0;
        r.hidden = !hit; shown += hit;
      });
      if (count) { count.textContent = shown + " shown"; }
    });
  });
})();
