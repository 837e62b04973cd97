/* Kehila wall of love: the loader a host page includes (dependency-free; kept under 8 KB).
   Every <div data-kehila-wall> becomes a sandboxed iframe of this hub's frame.html: the host
   page's cookies, storage and DOM stay out of reach of the wall, and the wall reaches no origin
   but the hub. The frame reports its height by postMessage; only messages from our own frames,
   with the expected shape, are believed. Include the script as often as you like. */
(function () {
  "use strict";
  var w = window;
  var d = document;
  if (w.KehilaWall) {
    w.KehilaWall.scan();
    return;
  }
  var TITLE = "__KEHILA_TITLE__";
  var DEFAULT_HEIGHT = 480;
  var PARAMS = ["tag", "lang", "layout", "limit", "theme", "interval"];

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

  function mount(el) {
    if (el.hasAttribute("data-kehila-mounted")) return;
    el.setAttribute("data-kehila-mounted", "");
    var query = new URLSearchParams();
    PARAMS.forEach(function (name) {
      var value = el.getAttribute("data-" + name);
      if (value) query.set(name, value.trim());
    });
    var height = parseInt(el.getAttribute("data-height"), 10);
    if (!(height > 0 && height < 20000)) height = DEFAULT_HEIGHT;
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
    frames.push({ frame: frame, host: el, adjusted: 0 });
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
      var height = Math.ceil(data.height);
      if (entry.frame.style.height !== height + "px") {
        entry.frame.style.height = height + "px";
        entry.adjusted += 1;
      }
      entry.host.setAttribute("data-kehila-height", String(height));
      entry.host.dispatchEvent(new CustomEvent("kehila-wall:height", { detail: height }));
      return;
    }
  });

  w.KehilaWall = { scan: scan, frames: frames };
  scan();
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan);
})();
