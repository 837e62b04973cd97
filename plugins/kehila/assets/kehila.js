/* Kehila hub: the wall of love's tag filter (no page load). Without this script the tag chips are
   plain links to the tag pages, so nothing is lost when JavaScript is off. */
(function () {
  "use strict";

  var PREFIX = "kehila-t--";

  function tagOf(element) {
    for (var i = 0; i < element.classList.length; i++) {
      var name = element.classList[i];
      if (name.indexOf(PREFIX) === 0) return name.slice(PREFIX.length);
    }
    return null;
  }

  function setup() {
    var filter = document.querySelector(".kehila-filter");
    var wall = document.querySelector(".kehila-wall");
    if (!filter || !wall || filter.dataset.kehilaReady) return;
    filter.dataset.kehilaReady = "1";
    var chips = filter.querySelectorAll(".kehila-chip");
    var quotes = wall.querySelectorAll(".kehila-wall__quote");

    function show(tag) {
      chips.forEach(function (chip) {
        var active = tag ? tagOf(chip) === tag : chip.classList.contains("kehila-chip--all");
        chip.classList.toggle("kehila-chip--active", active);
        chip.setAttribute("aria-pressed", active ? "true" : "false");
      });
      quotes.forEach(function (quote) {
        quote.hidden = tag ? !quote.classList.contains(PREFIX + tag) : false;
      });
    }

    chips.forEach(function (chip) {
      chip.setAttribute("role", "button");
      // A button answers the space bar as well as Enter (a link answers only Enter).
      chip.addEventListener("keydown", function (event) {
        if (event.key === " ") {
          event.preventDefault();
          chip.click();
        }
      });
      chip.addEventListener("click", function (event) {
        event.preventDefault();
        var tag = tagOf(chip);
        var current = filter.querySelector(".kehila-chip--active");
        // Clicking the active tag again shows every quote.
        show(current === chip ? null : tag);
      });
    });
    show(null);
  }

  // Material's instant loading swaps pages without a reload: it emits on document$.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
