/* Kehila wall of love: the sandboxed frame (embed/frame.html). Reads its filters from the URL
   (tag, lang, layout, limit, theme, interval), runs the data script of that filter from the hub
   (a sandboxed frame has an opaque origin: a script loads where a fetch would need CORS), builds
   the quotes with textContent only, and reports its height to the host page's loader. */
(function () {
  "use strict";
  var d = document;
  var root = d.documentElement;
  var text = JSON.parse(d.getElementById("kehila-text").textContent);
  var params = new URLSearchParams(location.search);

  function slug(value) {
    value = (value || "").trim().toLowerCase();
    return /^[a-z0-9][a-z0-9-]*$/.test(value) ? value : "";
  }
  function choice(value, allowed, fallback) {
    return allowed.indexOf(value) >= 0 ? value : fallback;
  }

  var tag = slug(params.get("tag"));
  var lang = slug(params.get("lang"));
  var layout = choice(params.get("layout"), ["wall", "carousel", "list"], "wall");
  var theme = choice(params.get("theme"), ["light", "dark", "auto"], "auto");
  var limit = parseInt(params.get("limit"), 10);
  if (!(limit >= 1)) limit = text.limit;
  limit = Math.min(limit, text.max);
  var interval = parseFloat(params.get("interval"));
  if (!(interval >= 1)) interval = 6;
  var dark = window.matchMedia("(prefers-color-scheme: dark)");
  function applyTheme() {
    var resolved = theme === "auto" ? (dark.matches ? "dark" : "light") : theme;
    root.setAttribute("data-theme", resolved);
  }
  applyTheme();
  if (theme === "auto" && dark.addEventListener) dark.addEventListener("change", applyTheme);
  root.setAttribute("data-layout", layout);

  var main = d.getElementById("wall");

  function el(name, className, content) {
    var node = d.createElement(name);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function quote(item) {
    var figure = el("figure", "quote");
    figure.lang = item.lang;
    figure.dir = item.dir;
    var block = el("blockquote");
    block.appendChild(el("p", null, item.quote));
    figure.appendChild(block);
    var caption = el("figcaption");
    if (item.author) caption.appendChild(el("span", "author", item.author));
    var link = el("a", "story", item.title);
    link.href = item.url;
    link.target = "_blank";
    link.rel = "noopener";
    caption.appendChild(link);
    figure.appendChild(caption);
    if (item.disclosure) {
      // Beside the quote, always: a material connection is never left out.
      var note = el("p", "disclosure");
      note.lang = text.lang;
      note.dir = text.dir;
      note.appendChild(el("span", "badge", text.disclosure));
      note.appendChild(d.createTextNode(" " + item.disclosure.label));
      if (item.disclosure.text) {
        note.appendChild(d.createTextNode(": "));
        var own = el("span", null, item.disclosure.text);
        own.lang = item.lang;
        own.dir = item.dir;
        note.appendChild(own);
      }
      figure.appendChild(note);
    }
    return figure;
  }

  function list(items) {
    var container = el(layout === "list" ? "ol" : "ul", "quotes quotes--" + layout);
    container.setAttribute("role", "list");
    items.forEach(function (item) {
      var entry = el("li");
      entry.appendChild(quote(item));
      container.appendChild(entry);
    });
    return container;
  }

  function carousel(items) {
    var region = el("section", "carousel");
    region.setAttribute("aria-roledescription", text.carousel);
    region.setAttribute("aria-label", text.title);
    var slides = el("div", "slides");
    slides.setAttribute("aria-live", "off");
    var figures = items.map(function (item, n) {
      var slide = el("div", "slide");
      slide.setAttribute("role", "group");
      slide.setAttribute("aria-roledescription", text.slide);
      slide.setAttribute("aria-label", n + 1 + " / " + items.length);
      slide.appendChild(quote(item));
      slides.appendChild(slide);
      return slide;
    });
    var controls = el("div", "controls");
    var previous = el("button", "previous", text.previous);
    var pause = el("button", "pause");
    var next = el("button", "next", text.next);
    var status = el("span", "status");
    [previous, pause, next].forEach(function (button) {
      button.type = "button";
    });
    controls.appendChild(previous);
    controls.appendChild(pause);
    controls.appendChild(next);
    controls.appendChild(status);
    region.appendChild(controls);
    region.appendChild(slides);

    var active = 0;
    var timer = null;
    var reduce = window.matchMedia("(prefers-reduced-motion: reduce)");
    // Stopped by the visitor (the pause button), or by the system's reduced-motion setting.
    var stopped = reduce.matches;
    var held = false;

    function show(index) {
      active = (index + figures.length) % figures.length;
      figures.forEach(function (slide, n) {
        slide.classList.toggle("slide--active", n === active);
        slide.setAttribute("aria-hidden", n === active ? "false" : "true");
        if (n === active) slide.removeAttribute("inert");
        else slide.setAttribute("inert", "");
      });
      region.setAttribute("data-active", String(active));
      status.textContent = active + 1 + " / " + figures.length;
    }
    function running() {
      return !stopped && !held && figures.length > 1;
    }
    function schedule() {
      if (timer) clearInterval(timer);
      timer = null;
      if (running()) {
        timer = setInterval(function () {
          show(active + 1);
        }, interval * 1000);
      }
      pause.textContent = stopped ? text.play : text.pause;
      pause.setAttribute("aria-pressed", stopped ? "true" : "false");
      region.setAttribute("data-running", running() ? "true" : "false");
      // Announce slides only when they change at the visitor's request.
      slides.setAttribute("aria-live", running() ? "off" : "polite");
    }
    previous.addEventListener("click", function () {
      show(active - 1);
    });
    next.addEventListener("click", function () {
      show(active + 1);
    });
    pause.addEventListener("click", function () {
      stopped = !stopped;
      schedule();
    });
    region.addEventListener("keydown", function (event) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        var forward = (event.key === "ArrowRight") === (root.dir !== "rtl");
        show(active + (forward ? 1 : -1));
        event.preventDefault();
      }
    });
    // Rotation waits while the pointer or the keyboard is on the carousel.
    region.addEventListener("mouseenter", function () {
      held = true;
      schedule();
    });
    region.addEventListener("mouseleave", function () {
      held = false;
      schedule();
    });
    region.addEventListener("focusin", function () {
      held = true;
      schedule();
    });
    region.addEventListener("focusout", function (event) {
      if (!region.contains(event.relatedTarget)) {
        held = false;
        schedule();
      }
    });
    var onChange = function () {
      stopped = reduce.matches;
      schedule();
    };
    if (reduce.addEventListener) reduce.addEventListener("change", onChange);
    if (figures.length < 2) controls.hidden = true;
    show(0);
    schedule();
    return region;
  }

  var reported = -1;
  function report() {
    var height = Math.ceil(d.body.getBoundingClientRect().height);
    if (height === reported) return;
    reported = height;
    parent.postMessage({ kehila: "wall", type: "height", height: height }, "*");
  }

  function render(items) {
    items = items.slice(0, limit);
    if (!items.length) main.appendChild(el("p", "empty", text.empty));
    else main.appendChild(layout === "carousel" ? carousel(items) : list(items));
    main.setAttribute("aria-busy", "false");
    report();
    if (window.ResizeObserver) new ResizeObserver(report).observe(d.body);
  }

  window.kehilaWall = function (data) {
    window.kehilaWall = function () {};
    render(data && data.items ? data.items : []);
  };
  var script = d.createElement("script");
  script.src = "data/" + (lang || "_") + "/" + (tag || "_") + ".js";
  script.onerror = function () {
    window.kehilaWall({ items: [] });
  };
  d.head.appendChild(script);
})();
