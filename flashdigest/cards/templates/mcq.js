/* FlashDigest MCQ: shuffle the options, mark the tapped one right or wrong, carry the order and
   the choice to the back. One script for both sides: the back repeats the front through FrontSide,
   and the script finds out which side it is on. Without this script the card still works: the
   options in their stored order on the front, the answer stated on the back. Its words come in
   the card's language (the lang attribute the note's Lang field sets). */
(function () {
  "use strict";
  var STORE_KEY = "flashdigest-mcq";
  var STATE_MAX_AGE_MS = 60 * 60 * 1000;
  var script = document.currentScript;
  var WORDS = {
    en: {
      yours: "your choice",
      correct: "correct",
      chose: "You chose {0}. Flip the card to check.",
      right: "Right: {0} is correct.",
      wrong: "Not quite: the answer is {0}.",
      gradeRight: "Grade Good, or Hard if you guessed.",
      gradeWrong: "Grade Again."
    },
    zh: {
      yours: "\u4f60\u7684\u9009\u62e9",
      correct: "\u6b63\u786e\u7b54\u6848",
      chose: "\u4f60\u9009\u4e86 {0}\u3002\u7ffb\u9762\u67e5\u770b\u7b54\u6848\u3002",
      right: "\u7b54\u5bf9\u4e86\uff1a{0} \u662f\u6b63\u786e\u7b54\u6848\u3002",
      wrong: "\u4e0d\u5bf9\uff1a\u7b54\u6848\u662f {0}\u3002",
      gradeRight: "\u8bf7\u8bc4\u201c\u826f\u597d\u201d\uff1b\u82e5\u662f\u731c\u7684\uff0c\u8bc4\u201c\u56f0\u96be\u201d\u3002",
      gradeWrong: "\u8bf7\u8bc4\u201c\u91cd\u6765\u201d\u3002"
    }
  };
  var words = WORDS.en;

  function say(text, value) {
    return text.replace("{0}", value);
  }

  function fnv1a(text) {
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i++) {
      hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
    }
    return ("0000000" + hash.toString(16)).slice(-8);
  }

  function squash(text) {
    return (text || "").replace(/\s+/g, " ").trim();
  }

  function letterFor(position) {
    return position < 26 ? String.fromCharCode(65 + position) : String(position + 1);
  }

  function findRoot() {
    var before = script && script.previousElementSibling;
    if (before && before.classList.contains("fd-mcq")) {
      return before;
    }
    var roots = document.querySelectorAll(".fd-mcq");
    return roots.length ? roots[roots.length - 1] : null;
  }

  function readChoices(root) {
    var list = root.querySelector("ol.fd-options, ol");
    if (!list) {
      return null;
    }
    var items = [];
    for (var i = 0; i < list.children.length; i++) {
      if (list.children[i].tagName === "LI") {
        items.push(list.children[i]);
      }
    }
    var prompt = root.querySelector(".fd-prompt");
    var seed = list.getAttribute("data-fd-seed") || "";
    var identity = seed || squash(prompt ? prompt.textContent : "");
    return { list: list, items: items, seed: seed, identity: identity };
  }

  function optionText(item) {
    var text = item.querySelector(".fd-option-text");
    return squash((text || item).textContent);
  }

  function correctIndex(choices, back) {
    if (choices.seed) {
      for (var i = 0; i < choices.items.length; i++) {
        var key = fnv1a(choices.seed + ":" + i + ":right");
        if (choices.items[i].getAttribute("data-fd-key") === key) {
          return i;
        }
      }
    }
    /* the answer's own words: not the sentence of the point that states it, which follows them */
    var answer = back ? back.querySelector(".fd-answer-own") || back.querySelector(".fd-answer-text") : null;
    var wanted = answer ? squash(answer.textContent) : "";
    for (var j = 0; wanted && j < choices.items.length; j++) {
      if (optionText(choices.items[j]) === wanted) {
        return j;
      }
    }
    return -1;
  }

  function newOrder(count, shuffle) {
    var order = [];
    for (var i = 0; i < count; i++) {
      order.push(i);
    }
    for (var k = count - 1; shuffle && k > 0; k--) {
      var pick = Math.floor(Math.random() * (k + 1));
      var held = order[k];
      order[k] = order[pick];
      order[pick] = held;
    }
    return order;
  }

  function isOrderOf(order, count) {
    if (!order || order.length !== count) {
      return false;
    }
    var seen = [];
    for (var i = 0; i < count; i++) {
      var value = order[i];
      if (typeof value !== "number" || value < 0 || value >= count || seen[value]) {
        return false;
      }
      seen[value] = true;
    }
    return true;
  }

  function saveState(state) {
    window.__flashdigestMcq = state;
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (error) {
      /* no sessionStorage here: the window global is all we carry */
    }
  }

  function storedStates() {
    var states = [window.__flashdigestMcq];
    try {
      states.push(JSON.parse(window.sessionStorage.getItem(STORE_KEY) || "null"));
    } catch (error) {
      /* unreadable or absent: the back falls back to the digest's order */
    }
    return states;
  }

  function carriedState(choices) {
    var states = storedStates();
    for (var i = 0; i < states.length; i++) {
      var state = states[i];
      /* the window global is this page's own front (desktop); stored state may be a stale review's */
      var fresh = state && (i === 0 || Math.abs(Date.now() - state.time) < STATE_MAX_AGE_MS);
      if (fresh && state.identity === choices.identity && isOrderOf(state.order, choices.items.length)) {
        return state;
      }
    }
    return null;
  }

  function arrange(choices, order) {
    for (var position = 0; position < order.length; position++) {
      var item = choices.items[order[position]];
      choices.list.appendChild(item);
      var letter = item.querySelector(".fd-letter");
      if (letter) {
        letter.textContent = letterFor(position);
      }
    }
  }

  function addBadge(item, text) {
    var badge = document.createElement("span");
    badge.className = "fd-badge";
    badge.textContent = text;
    item.appendChild(badge);
  }

  function markOptions(choices, chosen, correct) {
    for (var i = 0; i < choices.items.length; i++) {
      var item = choices.items[i];
      if (i === correct) {
        item.classList.add("fd-correct");
        addBadge(item, "\u2713 " + (i === chosen ? words.yours : words.correct));
      } else if (i === chosen) {
        item.classList.add(correct < 0 ? "fd-chosen" : "fd-wrong");
        addBadge(item, (correct < 0 ? "" : "\u2717 ") + words.yours);
      }
    }
  }

  function verdictText(state, chosen, correct) {
    var correctLetter = letterFor(state.order.indexOf(correct));
    if (correct < 0) {
      return say(words.chose, letterFor(state.order.indexOf(chosen)));
    }
    if (chosen === correct) {
      return "\u2713 " + say(words.right, correctLetter);
    }
    return "\u2717 " + say(words.wrong, correctLetter);
  }

  /* how to grade what just happened: a wrong choice is Again, a right guess no better than Hard */
  function showGrade(root, chosen, correct) {
    var grade = root.querySelector(".fd-grade");
    if (grade && chosen >= 0 && correct >= 0) {
      grade.textContent = chosen === correct ? words.gradeRight : words.gradeWrong;
    }
  }

  function showVerdict(root, state, chosen, correct) {
    var verdict = root.querySelector(".fd-verdict");
    if (!verdict) {
      return;
    }
    var tone = correct < 0 ? "fd-verdict-open" : chosen === correct ? "fd-verdict-right" : "fd-verdict-wrong";
    verdict.textContent = verdictText(state, chosen, correct);
    verdict.className = "fd-verdict " + tone;
  }

  function choose(root, choices, state, index) {
    if (state.chosen >= 0) {
      return;
    }
    state.chosen = index;
    state.time = Date.now();
    saveState(state);
    var correct = correctIndex(choices, null);
    root.classList.add("fd-answered");
    markOptions(choices, index, correct);
    showVerdict(root, state, index, correct);
    showGrade(root, index, correct);
  }

  /* AnkiDroid and AnkiMobile take a tap for their own gestures (flip, grade) unless the element
     has an onclick handler or the class "tappable"; an option has both. */
  function listenForChoice(root, choices, state, index) {
    var item = choices.items[index];
    item.setAttribute("role", "button");
    item.classList.add("tappable");
    item.onclick = function () {
      choose(root, choices, state, index);
    };
  }

  function runFront(root, choices) {
    var shuffle = (root.getAttribute("data-fd-shuffle") || "on").toLowerCase() !== "off";
    var state = {
      identity: choices.identity,
      order: newOrder(choices.items.length, shuffle),
      chosen: -1,
      time: Date.now()
    };
    arrange(choices, state.order);
    saveState(state);
    root.classList.add("fd-live");
    for (var i = 0; i < choices.items.length; i++) {
      listenForChoice(root, choices, state, i);
    }
  }

  function runBack(root, choices, back) {
    var state = carriedState(choices);
    if (!state) {
      state = { identity: choices.identity, order: newOrder(choices.items.length, false), chosen: -1 };
      root.classList.add("fd-not-carried");
    }
    var chosen = typeof state.chosen === "number" && state.chosen < choices.items.length ? state.chosen : -1;
    var correct = correctIndex(choices, back);
    arrange(choices, state.order);
    root.classList.add("fd-revealed");
    markOptions(choices, chosen, correct);
    showGrade(root, chosen, correct);
    var letter = back.querySelector(".fd-answer-letter");
    if (letter && correct >= 0) {
      letter.textContent = letterFor(state.order.indexOf(correct));
      /* the marked options show the answer's text: the box names its letter, so it shows once */
      back.classList.add("fd-marked");
    }
  }

  function run() {
    var root = findRoot();
    var lang = root ? (root.getAttribute("lang") || "").toLowerCase() : "";
    words = WORDS[lang] || WORDS.en;
    var choices = root ? readChoices(root) : null;
    if (!choices || !choices.items.length) {
      return;
    }
    var back = document.querySelector(".fd-mcq-back");
    if (back) {
      runBack(root, choices, back);
    } else {
      runFront(root, choices);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
