// The agreement editor's KPI rows (templates/agreements/version_edit.html): add and remove rows without
// saving, and show the total of the weights as it changes. Without this script the page still works: the
// blank row adds a KPI on save, the "Remove this KPI" box removes one, and the server checks the total.
(function () {
  "use strict";
  function start() {
    var editor = document.querySelector("[data-kpi-editor]");
    if (!editor) { return; }
    var prefix = editor.getAttribute("data-prefix");
    var list = editor.querySelector("[data-kpi-rows]");
    var template = document.getElementById("kpi-empty-row");
    var addButton = editor.querySelector("[data-kpi-add]");
    var totalBox = editor.querySelector("[data-kpi-total]");
    var totalValue = editor.querySelector("[data-kpi-total-value]");
    var totalState = editor.querySelector("[data-kpi-total-state]");
    var totalForms = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var maxForms = parseInt(document.getElementById("id_" + prefix + "-MAX_NUM_FORMS").value, 10);

    function rows() {
      return Array.prototype.slice.call(list.querySelectorAll("[data-kpi-row]"));
    }
    function isRemoved(row) {
      var box = row.querySelector("input[name$='-DELETE']");
      return box && box.checked;
    }
    // A row counts once it has a name: the blank row the page offers is not a KPI until it is filled in.
    function counts(row) {
      var name = row.querySelector("input[name$='-name']");
      return !isRemoved(row) && name && name.value.trim() !== "";
    }
    function updateTotal() {
      var total = 0;
      rows().forEach(function (row) {
        var weight = row.querySelector("input[name$='-weight']");
        if (counts(row) && weight && weight.value.trim() !== "") {
          total += parseInt(weight.value, 10) || 0;
        }
      });
      totalValue.textContent = String(total);
      var ok = total === 100;
      totalBox.classList.toggle("kpi-total-ok", ok);
      totalBox.classList.toggle("kpi-total-off", !ok);
      totalState.textContent = ok ? totalState.getAttribute("data-ok") : totalState.getAttribute("data-off");
    }
    function renumber() {
      var n = 0;
      rows().forEach(function (row) {
        if (!isRemoved(row)) {
          n += 1;
          var number = row.querySelector("[data-kpi-number]");
          if (number) { number.textContent = String(n); }
        }
      });
      addButton.disabled = rows().length >= maxForms;
    }
    function enhance(row) {
      var box = row.querySelector("input[name$='-DELETE']");
      var remove = row.querySelector("[data-kpi-remove]");
      if (!box || !remove) { return; }
      // The button replaces the checkbox; the checkbox stays in the form and carries the removal to the server.
      var checkLine = box.closest(".row-remove");
      if (checkLine) { checkLine.hidden = true; }
      remove.hidden = false;
      remove.addEventListener("click", function () {
        box.checked = true;
        row.hidden = true;
        renumber();
        updateTotal();
        addButton.focus();
      });
    }

    rows().forEach(function (row) { if (!isRemoved(row)) { enhance(row); } else { row.hidden = true; } });
    addButton.hidden = false;
    totalBox.hidden = false;
    addButton.addEventListener("click", function () {
      var index = parseInt(totalForms.value, 10);
      if (index >= maxForms) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      totalForms.value = String(index + 1);
      enhance(row);
      renumber();
      updateTotal();
      var first = row.querySelector("input, textarea, select");
      if (first) { first.focus(); }
    });
    editor.addEventListener("input", updateTotal);
    editor.addEventListener("change", updateTotal);
    renumber();
    updateTotal();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
