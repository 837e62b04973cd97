/* Kehila wall of love: the loader a host page includes (dependency-free; kept under 8 KB).
   Every <div data-kehila-wall> becomes a sandboxed iframe of this hub's frame.html: the host
   page's cookies, storage and DOM stay out of reach of the wall, and the wall reaches no origin
   but the hub. The frame reports its height by postMessage; only messages from our own frames,
   with the expected shape, are believed. Include the script as often as you like.
   Without data-height, the loader runs the filter's data script (the frame's, from the hub) and
   lays its quotes out as frame.css does, measuring words on a canvas in the frame's fonts: the
   wall's height is reserved before the frame loads, and the frame's report then moves nothing. */
(function () {
  "use strict";
  var w = window;
  var d = document;
  if (w.KehilaWall) {
    w.KehilaWall.scan();
    return;
  }
  var TITLE = "__KEHILA_TITLE__";
  // The frame's words that take room (buttons, disclosure badge) and its default limit.
  var TEXT = "__KEHILA_TEXT__";
  var DEFAULT_HEIGHT = 480;
  var PARAMS = ["tag", "lang", "layout", "limit", "theme", "interval"];
  var FONT = ' system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Hebrew","Noto Naskh Arabic",sans-serif';

  function loaderUrl() {
    var current = d.currentScript;
    if (current && current.src) return current.src;
    var scripts = d.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/embed\/wall\.js(\?|#|$)/.test(scripts[i].src)) return scripts[i].src;
    }
    return null;
  }

  var src = loaderUrl();
  if (!src) return;
  var frameUrl = new URL("frame.html", src).href;
  var frames = [];
  var hints = {};
  var ctx = null;

  function mount(el) {
    if (el.hasAttribute("data-kehila-mounted")) return;
    el.setAttribute("data-kehila-mounted", "");
    var query = new URLSearchParams();
    PARAMS.forEach(function (name) {
      var value = el.getAttribute("data-" + name);
      if (value) query.set(name, value.trim());
    });
    var height = parseInt(el.getAttribute("data-height"), 10);
    var given = height > 0 && height < 20000;
    if (!given) height = DEFAULT_HEIGHT;
    var frame = d.createElement("iframe");
    // Scripts, and links that open the story in a new tab; never the host's origin.
    frame.setAttribute("sandbox", "allow-scripts allow-popups allow-popups-to-escape-sandbox");
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.setAttribute("credentialless", "");
    frame.title = el.getAttribute("data-title") || TITLE;
    // CSSOM, not a style attribute: a host CSP without 'unsafe-inline' styles allows this.
    var s = frame.style;
    s.display = "block";
    s.width = "100%";
    s.maxWidth = "100%";
    s.border = "0";
    s.overflow = "hidden";
    s.height = height + "px";
    frame.src = frameUrl + "?" + query.toString();
    el.appendChild(frame);
    var entry = { frame: frame, host: el, adjusted: 0, reserved: given ? height : null };
    frames.push(entry);
    if (given) return;
    entry.query = query;
    hint(entry);
    // The host's own styles may still change the wall's width (until the frame reports).
    if (w.ResizeObserver) {
      new ResizeObserver(function () {
        if (entry.items) size(entry);
      }).observe(frame);
    }
  }

  function slug(value) {
    value = (value || "").trim().toLowerCase();
    return /^[a-z0-9][a-z0-9-]*$/.test(value) ? value : "_";
  }

  function hint(entry) {
    var key = slug(entry.query.get("lang")) + "/" + slug(entry.query.get("tag"));
    var known = hints[key];
    if (!known) {
      known = hints[key] = { waiting: [] };
      var script = d.createElement("script");
      script.src = new URL("data/" + key + ".js", src).href;
      script.setAttribute("data-kehila-hint", key);
      script.onerror = function () {
        sized(known, []); // no such filter: the frame says "No quotes yet."
      };
      d.head.appendChild(script);
    }
    known.waiting.push(entry);
    if (known.items) sized(known, known.items);
  }

  // The data script calls kehilaWall(data); its <script> element says which filter it holds.
  w.kehilaWall = function (data) {
    var script = d.currentScript;
    var known = script && hints[script.getAttribute("data-kehila-hint")];
    if (known && data && Array.isArray(data.items)) sized(known, data.items);
  };

  function sized(known, items) {
    known.items = items;
    known.waiting.forEach(function (entry) {
      if (entry.items) return;
      var limit = parseInt(entry.query.get("limit"), 10);
      entry.items = items.slice(0, limit >= 1 ? limit : TEXT.limit);
      // At the next frame: laid out with the host's stylesheets (no frame comes while they load).
      w.requestAnimationFrame(function () {
        size(entry);
      });
    });
  }

  function size(entry) {
    ctx = ctx || d.createElement("canvas").getContext("2d");
    var width = entry.frame.getBoundingClientRect().width - 8; // body padding: 0.25rem
    if (entry.reported || !ctx || !(width > 0)) return;
    var height = Math.ceil(8 + measure(entry.items, entry.query.get("layout"), width));
    if (height < 20000) {
      entry.frame.style.height = height + "px";
      entry.reserved = height;
    }
  }

  // frame.css in numbers (px, 1rem = 16px, line-height 1.5; lengths in 1/64 px, as laid out).
  function measure(items, layout, width) {
    if (!items.length) return 24; // "No quotes yet."
    var tallest = 0;
    var total = -12;
    var carousel = layout === "carousel";
    // A grid of columns at least 16rem wide, 0.75rem apart; the list and carousel: one column.
    var columns = layout === "list" || carousel ? 1 : Math.floor((width + 12) / (Math.min(width, 256) + 12));
    var column = (width - 12 * (columns - 1)) / columns;
    items.forEach(function (item, n) {
      tallest = Math.max(tallest, card(item, column));
      if (!carousel && ((n + 1) % columns === 0 || n === items.length - 1)) {
        total += tallest + 12;
        tallest = 0;
      }
    });
    return carousel ? tallest + (items.length > 1 ? controls(items.length, width) : 0) : total;
  }

  // A quote's box: 1px border, 0.9rem 1rem padding, the quote, its caption and disclosure.
  function card(item, width) {
    width -= 34;
    var caption = [];
    if (item.author) words(words(caption, item.author, "600 14.4px"), " \u00b7 ", "14.4px");
    var height =
      30.78125 +
      25.1875 * lines(words([], "\u201c" + item.quote + "\u201d", "16.8px"), width) +
      8 +
      21.59375 * lines(words(caption, item.title, "14.4px"), width);
    var disclosure = item.disclosure;
    if (disclosure) {
      // The badge is one box (0.4rem padding each side), then the label and the story's note.
      var note = [[words([], TEXT.disclosure, "700 13.6px").reduce(sum, 12.8), 0]];
      var own = disclosure.text ? ": " + disclosure.text : "";
      height += 8 + 20.390625 * lines(words(note, " " + disclosure.label + own, "13.6px"), width);
    }
    return height;
  }

  function sum(total, word) {
    return total + word[0] + word[1];
  }

  // Appends [width, space after] of each word (and of each part that a hyphen may end).
  function words(list, text, font) {
    ctx.font = font + FONT;
    var space = ctx.measureText(" ").width;
    String(text || "")
      .split(/(\s+)/)
      .forEach(function (part, n) {
        if (n % 2) {
          if (list.length) list[list.length - 1][1] += space;
        } else {
          part
            .replace(/-/g, "-\n")
            .split("\n")
            .forEach(function (piece) {
              if (piece) list.push([ctx.measureText(piece).width, 0]);
            });
        }
      });
    return list;
  }

  function lines(list, width) {
    var count = 1;
    var x = 0;
    list.forEach(function (word) {
      if (x > 0 && x + word[0] > width) {
        count += 1;
        x = 0;
      }
      // A word wider than the line breaks anywhere (overflow-wrap: anywhere).
      count += Math.max(0, Math.ceil(word[0] / width) - 1);
      x = (word[0] > width ? word[0] % width : x + word[0]) + word[1];
    });
    return count;
  }

  // The carousel's controls: three buttons (2rem high at least, 0.75rem padding, 1px border)
  // and the status, 0.5rem apart, wrapping; then 0.5rem above the quote.
  function controls(count, width) {
    var reduce = w.matchMedia && w.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var rows = 1;
    var x = -8;
    [TEXT.previous, reduce ? TEXT.play : TEXT.pause, TEXT.next, "1 / " + count].forEach(
      function (label, n) {
        var box = words([], label, "14.4px").reduce(sum, n < 3 ? 26 : 0);
        if (n < 3) box = Math.max(box, 32);
        if (x > 0 && x + 8 + box > width) {
          rows += 1;
          x = box;
        } else x += 8 + box;
      }
    );
    return rows * 40;
  }

  function scan() {
    var found = d.querySelectorAll("[data-kehila-wall]");
    for (var i = 0; i < found.length; i++) mount(found[i]);
  }

  w.addEventListener("message", function (event) {
    var data = event.data;
    if (
      !data ||
      typeof data !== "object" ||
      data.kehila !== "wall" ||
      data.type !== "height" ||
      typeof data.height !== "number" ||
      !isFinite(data.height) ||
      data.height < 0 ||
      data.height > 20000
    ) {
      return;
    }
    for (var i = 0; i < frames.length; i++) {
      var entry = frames[i];
      // A sandboxed frame's origin is "null": only the window object tells our frames apart.
      if (entry.frame.contentWindow !== event.source) continue;
      entry.reported = true;
      var height = Math.ceil(data.height);
      if (entry.frame.style.height !== height + "px") {
        entry.frame.style.height = height + "px";
        entry.adjusted += 1;
      }
      entry.host.setAttribute("data-kehila-height", String(height));
      return;
    }
  });

  w.KehilaWall = { scan: scan, frames: frames };
  scan();
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan);
})();
