/* "Add another" rows: the page works without it (save, and rows you filled are kept); this only adds empty rows. */
(function () {
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var list = document.querySelector('[data-formset="' + prefix + '"]');
    var template = document.getElementById(prefix + "-empty");
    if (!total || !max || !list || !template) return;
    function update() { button.hidden = parseInt(total.value, 10) >= parseInt(max.value, 10); }
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__num__/g, String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var added = list.lastElementChild.querySelector("input, textarea");
      if (added) added.focus();
      update();
    });
    update();
  });
})();
