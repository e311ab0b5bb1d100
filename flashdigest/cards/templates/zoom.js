/* FlashDigest paper card: a tap on the flowchart shows it at three times the card's width in a
   frame that scrolls both ways; another tap fits it to the card again. Without this script the
   flowchart simply shows at the card's width. */
(function () {
  "use strict";
  var HINTS = {
    en: ["Flowchart \u00b7 tap to zoom", "Flowchart \u00b7 scroll to read, tap to fit"],
    zh: ["\u6d41\u7a0b\u56fe \u00b7 \u70b9\u6309\u653e\u5927", "\u6d41\u7a0b\u56fe \u00b7 \u6ed1\u52a8\u67e5\u770b\uff0c\u70b9\u6309\u8fd8\u539f"]
  };
  var figures = document.querySelectorAll(".fd-figure");
  function hintsFor(figure) {
    var card = figure.closest ? figure.closest(".fd-card") : null;
    var lang = card ? (card.getAttribute("lang") || "").toLowerCase() : "";
    return HINTS[lang] || HINTS.en;
  }
  function show(figure, zoomed) {
    figure.classList.toggle("fd-zoomed", zoomed);
    figure.setAttribute("aria-expanded", zoomed ? "true" : "false");
    var hint = figure.querySelector(".fd-figure-hint");
    if (hint) {
      hint.textContent = hintsFor(figure)[zoomed ? 1 : 0];
    }
    var frame = figure.querySelector(".fd-figure-frame");
    if (frame && !zoomed) {
      frame.scrollLeft = 0;
      frame.scrollTop = 0;
    }
  }
  function enable(figure) {
    if (figure.getAttribute("data-fd-zoom") || !figure.querySelector("img")) {
      return;
    }
    figure.setAttribute("data-fd-zoom", "on");
    figure.setAttribute("role", "button");
    figure.classList.add("fd-zoomable", "tappable");
    show(figure, false);
    /* onclick and "tappable": AnkiDroid and AnkiMobile then leave the tap to the card */
    figure.onclick = function () {
      show(figure, !figure.classList.contains("fd-zoomed"));
    };
  }
  for (var i = 0; i < figures.length; i++) {
    enable(figures[i]);
  }
})();
