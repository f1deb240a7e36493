// The values' order on the organization settings page (templates/alliance/settings.html). Without this script
// each move button posts the form and the page comes back in the new order (alliance.views.move_value); with it,
// the buttons and a drag by the handle move the row here, renumber the hidden `position` inputs the same way
// (1..n in the list's order) and announce the new place in the status line. Save stores the order either way.
(function () {
  "use strict";
  function start() {
    var list = document.querySelector("[data-value-list]");
    if (!list) { return; }
    var status = document.getElementById("value-order-status");
    var dragged = null;

    function rows() {
      return Array.prototype.filter.call(list.children, function (el) { return el.hasAttribute("data-value-row"); });
    }
    function button(row, direction) {
      return row.querySelector("button[name='move'][value$=':" + direction + "']");
    }
    function renumber() {
      var all = rows();
      all.forEach(function (row, i) {
        row.querySelector("input[name$='-position']").value = String(i + 1);
        row.querySelector("[data-value-place]").textContent = String(i + 1);
        button(row, "up").disabled = i === 0;
        button(row, "down").disabled = i === all.length - 1;
      });
    }
    function announce(row, moved) {
      var all = rows();
      var template = list.getAttribute(moved ? "data-moved" : "data-not-moved") || "";
      status.textContent = template
        .replace("{title}", row.getAttribute("data-title") || "")
        .replace("{n}", String(all.indexOf(row) + 1))
        .replace("{total}", String(all.length));
    }

    list.addEventListener("click", function (event) {
      var clicked = event.target.closest("button[name='move']");
      if (!clicked || !list.contains(clicked)) { return; }
      event.preventDefault();
      var row = clicked.closest("[data-value-row]");
      var up = /:up$/.test(clicked.value);
      var neighbour = up ? row.previousElementSibling : row.nextElementSibling;
      if (neighbour) {
        list.insertBefore(row, up ? neighbour : neighbour.nextElementSibling);
      }
      renumber();
      announce(row, Boolean(neighbour));
      // Keep the focus on the button that was pressed; at the end of the list it is disabled, so the other one.
      var same = button(row, up ? "up" : "down");
      (same.disabled ? button(row, up ? "down" : "up") : same).focus();
    });

    // Dragging: only by the handle (so text in the fields can still be selected), mouse and pen alike.
    rows().forEach(function (row) {
      var handle = row.querySelector("[data-drag-handle]");
      handle.hidden = false;
      handle.addEventListener("mousedown", function () { row.draggable = true; });
      row.addEventListener("dragstart", function (event) {
        dragged = row;
        row.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.id);
      });
      row.addEventListener("dragend", function () {
        row.draggable = false;
        row.classList.remove("dragging");
        if (dragged) {
          renumber();
          announce(dragged, true);
          dragged = null;
        }
      });
    });
    list.addEventListener("dragover", function (event) {
      if (!dragged) { return; }
      event.preventDefault();
      var over = event.target.closest("[data-value-row]");
      if (!over || over === dragged) { return; }
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    list.addEventListener("drop", function (event) { event.preventDefault(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
