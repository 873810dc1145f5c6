/* Store console: scanning forms with several inputs (part, bin, quantity) and small page helpers.
 *
 * In a form[data-scan-form], the fields marked data-scan-step follow the scan input: Enter in a
 * field moves to the next empty required field instead of submitting, so a keyboard-wedge scanner
 * can scan the part, then the bin, and the clerk types the quantity (Enter then submits through
 * scan.js). After an accepted scan, fields marked data-scan-reset go back to their start value. */
(function () {
  "use strict";

  function steps(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-scan-input], [data-scan-step]"));
  }

  function nextEmpty(form, current) {
    var all = steps(form);
    var start = all.indexOf(current);
    for (var i = 0; i < all.length; i += 1) {
      var field = all[(start + 1 + i) % all.length];
      if (field !== current && field.required && !field.value.trim()) { return field; }
    }
    return null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-scan-form]").forEach(function (form) {
      if (!form.querySelector("[data-scan-step]")) { return; }
      form.addEventListener("keydown", function (event) {
        if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
        var next = nextEmpty(form, event.target);
        if (next) {
          event.preventDefault();
          next.focus();
          next.select && next.select();
        }
      });
      form.addEventListener("ims:scan", function (event) {
        if (!event.detail || !event.detail.ok) { return; }
        form.querySelectorAll("[data-scan-reset]").forEach(function (field) {
          field.value = field.getAttribute("data-scan-reset");
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
