// assay's own script: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A filter form submits as soon as a select changes.
  for (const select of document.querySelectorAll("form.filters select")) {
    select.addEventListener("change", () => select.form.requestSubmit());
  }
  // An override decision asks once more before it is sent.
  for (const form of document.querySelectorAll("form.decide")) {
    form.addEventListener("submit", (event) => {
      const override = form.querySelector("input[name=override]");
      if (override && override.checked && !window.confirm("Decide against the recommendation?")) {
        event.preventDefault();
      }
    });
  }
});
