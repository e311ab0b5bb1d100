/* FlashDigest paper card: a tap on the flowchart zooms it to the card's full width, another tap
   shrinks it back. Without this script the flowchart simply shows at its fitted size. */
(function () {
  "use strict";
  var figures = document.querySelectorAll(".fd-figure");
  function toggle(figure) {
    var zoomed = figure.classList.toggle("fd-zoomed");
    figure.setAttribute("aria-expanded", zoomed ? "true" : "false");
  }
  function enable(figure) {
    if (figure.getAttribute("data-fd-zoom") || !figure.querySelector("img")) {
      return;
    }
    figure.setAttribute("data-fd-zoom", "on");
    figure.setAttribute("role", "button");
    figure.setAttribute("aria-expanded", "false");
    figure.classList.add("fd-zoomable", "tappable");
    var hint = figure.querySelector(".fd-figure-hint");
    if (hint) {
      hint.textContent = "Flowchart \u00b7 tap to zoom";
    }
    /* onclick and "tappable": AnkiDroid and AnkiMobile then leave the tap to the card */
    figure.onclick = function () {
      toggle(figure);
    };
  }
  for (var i = 0; i < figures.length; i++) {
    enable(figures[i]);
  }
})();
