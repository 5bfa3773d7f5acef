// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  function each(selector, fn, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  // Copy buttons: hidden until we know the clipboard is available.
  if (navigator.clipboard) {
    each("button[data-copy]", function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var label = button.textContent;
        navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  // Forms that ask before they act (revoke a key).
  each("form[data-confirm]", function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // Bulk selection on the project page.
  each("form.bulk", function (form) {
    var all = form.querySelector("[data-select-all]");
    var boxes = form.querySelectorAll("input[name=score_ids]");
    var button = form.querySelector("[data-needs-selection]");
    var count = form.querySelector("[data-selection-count]");
    function update() {
      var n = 0;
      Array.prototype.forEach.call(boxes, function (box) { if (box.checked) { n += 1; } });
      button.disabled = n === 0;
      count.textContent = n ? n + " selected" : "";
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (box) { box.checked = all.checked; });
        update();
      });
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    update();
  });

  // The scorer-config form: show the options of the chosen shape, and of each field's kind.
  function switcher(select, scope, attribute) {
    function update() {
      each("[" + attribute + "]", function (element) {
        element.hidden = element.getAttribute(attribute).split(" ").indexOf(select.value) < 0;
      }, scope);
    }
    select.addEventListener("change", update);
    update();
  }
  each("select[data-shape]", function (select) { switcher(select, select.form, "data-shape-for"); });
  each("select[data-kind]", function (select) {
    switcher(select, select.closest("[data-row]"), "data-kind-for");
  });

  // Compare runs: the runs go in the order they were selected, the first being
  // the baseline. Without this script the form sends them in table order.
  each("form[data-compare]", function (form) {
    var boxes = form.querySelectorAll("input[name=runs]");
    var button = form.querySelector("[data-needs-two]");
    var status = form.querySelector("[data-compare-status]");
    var hint = status.textContent;
    var order = [];
    function update() {
      order = order.filter(function (box) { return box.checked; });
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked && order.indexOf(box) < 0) { order.push(box); }
        var tag = box.closest("tr").querySelector(".baseline-tag");
        if (tag) { tag.hidden = order[0] !== box; }
      });
      button.disabled = order.length < 2;
      status.textContent = order.length ? order.length + " selected; baseline: the first selected (marked)." : hint;
    }
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
    form.addEventListener("submit", function (event) {
      // Another button of the form ("Add selected to a queue") goes where it says, as sent.
      if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }
      event.preventDefault();
      var query = order.map(function (box) { return "runs=" + encodeURIComponent(box.value); }).join("&");
      window.location.href = form.getAttribute("action") + "?" + query;
    });
    update();
  });

  // Value helpers on the add-score form.
  each("[data-value-helpers]", function (helpers) {
    var form = helpers.closest("form");
    var type = form.querySelector("#value_type");
    var value = form.querySelector("#value");
    helpers.hidden = false;
    each("button[data-fill]", function (button) {
      button.addEventListener("click", function () {
        type.value = button.getAttribute("data-kind");
        value.value = button.getAttribute("data-fill");
        value.focus();
      });
    }, helpers);
  });
})();
