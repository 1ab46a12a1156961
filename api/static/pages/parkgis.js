/* parkgis pages: small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so a screen reader announces it (GOV.UK pattern).
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
