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

  /* The "Embed" page. The choices write the snippet, the preview is the real wall (the hub's
     own loader), and the static fragment of the chosen filter is shown for pages without
     JavaScript. Without this script the page still shows the default snippet and fragment.
     The snippet has no data-height: the loader works the wall's height out at the host's own
     width, where a height measured in this preview would be wrong on a narrower (or wider) page. */
  function setupEmbed() {
    var root = document.querySelector("[data-kehila-embed]");
    if (!root || root.dataset.kehilaReady) return;
    root.dataset.kehilaReady = "1";
    var form = root.querySelector("form");
    var code = root.querySelector("[data-kehila-embed-snippet]");
    var preview = root.querySelector("[data-kehila-embed-preview]");
    var fragment = root.querySelector("[data-kehila-embed-fragment]");
    var fragmentLink = root.querySelector("[data-kehila-embed-fragment-link]");
    var status = root.querySelector(".kehila-embed__status");
    var version = 0;

    function choices() {
      var data = new FormData(form);
      var limit = parseInt(data.get("limit"), 10);
      var max = parseInt(form.elements.limit.max, 10);
      return {
        tag: data.get("tag") || "",
        lang: data.get("lang") || "",
        layout: data.get("layout") || "wall",
        limit: limit >= 1 ? Math.min(limit, max) : "",
        theme: data.get("theme") || "auto",
      };
    }

    function attributes(c) {
      var list = [["data-kehila-wall", null]];
      if (c.tag) list.push(["data-tag", c.tag]);
      if (c.lang) list.push(["data-lang", c.lang]);
      if (c.layout !== "wall") list.push(["data-layout", c.layout]);
      if (c.limit) list.push(["data-limit", String(c.limit)]);
      if (c.theme !== "auto") list.push(["data-theme", c.theme]);
      return list;
    }

    function writeSnippet(c) {
      var attrs = attributes(c)
        .map(function (pair) {
          return pair[1] === null ? pair[0] : pair[0] + '="' + pair[1] + '"';
        })
        .join(" ");
      code.textContent =
        "<div " + attrs + "></div>\n" +
        '<script src="' + root.dataset.hubLoader + '" async></script>';
    }

    function loadFragment(c) {
      var path = (c.lang || "_") + "/" + (c.tag || "_") + ".html";
      var url = root.dataset.fragments + path;
      fragmentLink.href = url;
      var mine = ++version;
      fetch(url)
        .then(function (response) {
          return response.ok ? response.text() : "";
        })
        .then(function (text) {
          if (mine === version) fragment.value = text;
        })
        .catch(function () {});
    }

    var shown = null;

    function update() {
      var c = choices();
      // A field that loses focus fires "change" again: the same choices keep their preview.
      var key = JSON.stringify(c);
      if (key === shown) return;
      shown = key;
      preview.textContent = "";
      var host = document.createElement("div");
      attributes(c).forEach(function (pair) {
        host.setAttribute(pair[0], pair[1] === null ? "" : pair[1]);
      });
      preview.appendChild(host);
      writeSnippet(c);
      loadFragment(c);
      if (window.KehilaWall) window.KehilaWall.scan();
    }

    function copy(text) {
      var done = function () {
        status.textContent = root.dataset.copied;
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {});
      }
    }

    root.querySelectorAll("[data-kehila-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button.dataset.kehilaCopy === "snippet" ? code.textContent : fragment.value);
      });
    });
    form.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    if (!window.KehilaWall) {
      var script = document.createElement("script");
      script.src = root.dataset.loader;
      script.async = true;
      document.head.appendChild(script);
    }
    update();
  }

  function setupAll() {
    setup();
    setupEmbed();
  }

  // Material's instant loading swaps pages without a reload: it emits on document$.
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(setupAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupAll);
  } else {
    setupAll();
  }
})();
