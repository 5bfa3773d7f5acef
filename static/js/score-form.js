// The hand-scoring form, keyboard first. Without this file the form still works: buttons
// are radio inputs, a slider is its number box, and the Save buttons submit.
(function () {
  "use strict";

  var form = document.querySelector("form[data-score-form]");
  if (!form) { return; }
  var widgets = Array.prototype.slice.call(form.querySelectorAll("[data-widget]"));
  var comment = form.querySelector("#comment");

  function widgetOf(element) {
    return element && element.closest ? element.closest("[data-widget]") : null;
  }

  function isTyping(element) {
    if (!element) { return false; }
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") { return true; }
    return element.tagName === "INPUT" && !/^(radio|checkbox|button|submit|range)$/.test(element.type);
  }

  function answered(widget) {
    var checked = widget.querySelector("input:checked");
    var box = widget.querySelector("input[type=text], textarea");
    return Boolean(checked || (box && box.value));
  }

  // The widget the keys act on: the focused one, else the first not yet answered.
  function current() {
    var focused = widgetOf(document.activeElement);
    if (focused) { return focused; }
    for (var i = 0; i < widgets.length; i += 1) {
      if (!answered(widgets[i])) { return widgets[i]; }
    }
    return widgets[0] || null;
  }

  function focusWidget(widget) {
    var target = widget.querySelector("input:checked") ||
      widget.querySelector("input.choice-input, input[type=text], textarea");
    if (target) { target.focus(); }
  }

  function advance(widget) {
    var next = widgets[widgets.indexOf(widget) + 1];
    if (next) { focusWidget(next); } else if (comment) { comment.focus(); }
  }

  function save() {
    var button = form.querySelector("[data-default]");
    if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.isComposing) { return; }
    var target = event.target;
    if (event.key === "Enter") {
      if (!form.contains(target) && target !== document.body) { return; }
      if (target.tagName === "BUTTON" || target.tagName === "A") { return; }
      var newLine = target.tagName === "TEXTAREA" && !target.hasAttribute("data-enter-submits");
      if (event.shiftKey || (newLine && !(event.ctrlKey || event.metaKey))) { return; }
      event.preventDefault();
      save();
      return;
    }
    if (event.ctrlKey || event.metaKey || isTyping(target)) { return; }
    if (target !== document.body && !form.contains(target)) { return; }
    var widget = widgetOf(target) || current();
    if (!widget || !/^[0-9a-z]$/i.test(event.key)) { return; }
    var option = widget.querySelector('input[data-key="' + event.key.toLowerCase() + '"]');
    if (!option) { return; }
    event.preventDefault();
    option.checked = true;
    option.dispatchEvent(new Event("change", { bubbles: true }));
    advance(widget);
  });

  // Sliders: a range input drives the number box, which stays what is posted (empty until
  // chosen, so an untouched slider stores nothing).
  Array.prototype.forEach.call(form.querySelectorAll("input[data-slider]"), function (box) {
    var range = document.createElement("input");
    range.type = "range";
    range.min = box.getAttribute("data-min");
    range.max = box.getAttribute("data-max");
    range.step = box.getAttribute("data-step");
    range.className = "slider";
    range.setAttribute("aria-label", (box.labels[0] ? box.labels[0].textContent : "Value") + " slider");
    range.tabIndex = -1;
    if (box.value !== "") { range.value = box.value; }
    box.parentNode.insertBefore(range, box);
    range.addEventListener("input", function () { box.value = range.value; });
    box.addEventListener("input", function () { if (box.value !== "") { range.value = box.value; } });
  });

  var first = form.querySelector("[autofocus]");
  if (first && document.activeElement !== first) { first.focus(); }
})();
