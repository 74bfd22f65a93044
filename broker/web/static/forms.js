// Form fields that say in Vietnamese what they expect: an input's `data-invalid` replaces the
// browser's own message ("Please match the requested format.") when its value does not fit.
"use strict";
(function () {
  for (const input of document.querySelectorAll("input[data-invalid]")) {
    input.addEventListener("invalid", () => input.setCustomValidity(input.dataset.invalid));
    input.addEventListener("input", () => input.setCustomValidity(""));
  }
})();
