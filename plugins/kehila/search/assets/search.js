/* Kehila search: the search box in Material's header, over Kehila's chunked static index.
 *
 * The index (written by kehila/search/index.py) has one part per language. A query fetches the
 * manifest, the one term chunk each query word falls into, and the documents of the results on
 * screen: kilobytes, not the whole index. normalize() and WORD must match kehila/search/text.py.
 * Everything the index holds is inserted as text, never as markup.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const base = new URL("../../", script.src); // this file is <site>/assets/kehila/search.js
  const root = new URL("kehila-search/", base);
  const WORD = /[\p{L}\p{N}]+/gu;
  const TEXT_WORD = /[\p{L}\p{N}\p{M}\u05F3\u05F4\u0640]+/gu; // words of page text, with their marks
  const MIN_WORD = 2;
  const PAGE_SIZE = 10;
  const FINALS = { "ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ" };
  /* The site's language, its right-to-left languages and the search box's words, from Kehila's
   * catalog: the build writes them in place of the next line (kehila/search/__init__.py). */
  const SITE = {"locale": "en", "rtl": [], "strings": {}}; // kehila:site

  function normalize(text) {
    return text
      .normalize("NFC")
      .toLowerCase()
      .replace(/[\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u05F3\u05F4]/g, "")
      .replace(/[\u05BE\u05C0\u05C3\u05C6]/g, " ")
      .replace(/[ךםןףץ]/g, (c) => FINALS[c])
      .replace(/[\u064B-\u065F\u0670\u0640]/g, "")
      .replace(/[أإآ]/g, "ا")
      .replace(/ё/g, "е");
  }

  /* Light stemming, as kehila/search/text.py does it (hebrew_stem, arabic_light): a query word
   * the index does not know as it is is looked up again stemmed. */
  const MIN_ROOT = 3;
  const HE_PREFIXES = new Set("והבלמשכ");
  const HE_SUFFIXES = ["ותיהמ", "ותיהנ", "ותיכמ", "ותינו", "ותיו", "ותיה", "ותי",
    "יהמ", "יהנ", "יכמ", "ינו", "ימ", "ות", "יו", "יה", "ה", "ת"];
  const AR_PREFIXES = ["وال", "فال", "بال", "كال", "ولل", "لل", "ال"];
  const AR_SUFFIXES = ["ات"];
  function hebrewStem(word) {
    const letters = [...word];
    let start = 0;
    while (HE_PREFIXES.has(letters[start]) && letters.length - start - 1 >= MIN_ROOT) start++;
    const rest = letters.slice(start).join("");
    for (const suffix of HE_SUFFIXES) {
      if (rest.endsWith(suffix) && rest.length - suffix.length >= MIN_ROOT) return rest.slice(0, -suffix.length);
    }
    return rest;
  }
  function arabicLight(word) {
    for (const prefix of AR_PREFIXES) {
      if (word.startsWith(prefix) && word.length - prefix.length >= MIN_ROOT) {
        word = word.slice(prefix.length);
        break;
      }
    }
    for (const suffix of AR_SUFFIXES) {
      if (word.endsWith(suffix) && word.length - suffix.length >= MIN_ROOT) return word.slice(0, -suffix.length);
    }
    return word;
  }
  const LIGHT = { he: hebrewStem, ar: arabicLight };

  function words(text) {
    return (normalize(text).match(WORD) || []).filter((w) => w.length >= MIN_WORD);
  }

  /* -- fetching ------------------------------------------------------------------------------ */

  const cache = new Map();
  function getJSON(path) {
    if (!cache.has(path)) {
      const request = fetch(new URL(path, root)).then((response) => {
        if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
        return response.json();
      });
      request.catch(() => cache.delete(path));
      cache.set(path, request);
    }
    return cache.get(path);
  }

  const manifest = () => getJSON("manifest.json");

  async function chunkFor(lang, key) {
    const firsts = (await manifest()).languages[lang].chunks;
    let lo = 0;
    let hi = firsts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firsts[mid] <= key) lo = mid;
      else hi = mid - 1;
    }
    return getJSON(`${lang}/t/${lo}.json`);
  }

  function decode(deltas) {
    const hits = new Map(); // doc -> 1 when the word is in the title, else 0
    let value = 0;
    for (const delta of deltas) {
      value += delta;
      hits.set(value >> 1, value & 1);
    }
    return hits;
  }

  function union(target, hits) {
    for (const [doc, flag] of hits) target.set(doc, Math.max(target.get(doc) || 0, flag));
    return target;
  }

  /* The postings of a word the index knows (as a stem, or as a form leading to one). */
  async function exact(lang, word) {
    let entry = (await chunkFor(lang, word))[word];
    if (typeof entry === "string") {
      const stem = entry;
      entry = (await chunkFor(lang, stem))[stem];
      if (Array.isArray(entry)) return { hits: decode(entry), keys: [stem, word] };
    } else if (Array.isArray(entry)) {
      return { hits: decode(entry), keys: [word] };
    }
    return null;
  }

  /* One query word in one language: {hits, keys} (keys: what to highlight), or null. */
  async function lookup(lang, word, isLast) {
    const known = await exact(lang, word);
    if (known) return known;
    // A form the hub never used, with Hebrew prefixes or an Arabic article: its light stem.
    const light = LIGHT[lang] ? LIGHT[lang](word) : word;
    if (light !== word) {
      const stemmed = await exact(lang, light);
      if (stemmed) return { hits: stemmed.hits, keys: [...stemmed.keys, word] };
    }
    const chunk = await chunkFor(lang, word);
    const hits = new Map();
    const keys = [];
    // A word still being typed: every stem it begins.
    if (isLast) {
      for (const key in chunk) {
        if (key.startsWith(word) && Array.isArray(chunk[key]) && keys.length < 50) {
          union(hits, decode(chunk[key]));
          keys.push(key);
        }
      }
    }
    // An inflection the hub never used: the longest stem the word begins with.
    if (!keys.length) {
      let best = null;
      for (const key in chunk) {
        if (key.length >= 3 && word.startsWith(key) && Array.isArray(chunk[key])) {
          if (!best || key.length > best.length) best = key;
        }
      }
      if (best) {
        union(hits, decode(chunk[best]));
        keys.push(best);
      }
    }
    return keys.length ? { hits, keys } : null;
  }

  async function facet(lang, name, value) {
    const facets = await getJSON(`${lang}/facets.json`);
    const deltas = (facets[name] || {})[value] || [];
    const docs = new Set();
    let doc = 0;
    for (const delta of deltas) docs.add((doc += delta));
    return docs;
  }

  /* All results of a query: [{lang, doc, score}], best first, and the keys to highlight. */
  async function search(query, filters) {
    const terms = words(query);
    const info = await manifest();
    const langs = filters.lang ? [filters.lang] : Object.keys(info.languages);
    const results = [];
    const keys = new Set();
    if (!terms.length) return { results, keys };
    const endsInWord = /[\p{L}\p{N}]$/u.test(query);
    await Promise.all(
      langs.map(async (lang) => {
        if (!info.languages[lang]) return;
        const total = info.languages[lang].docs;
        const found = await Promise.all(
          terms.map((w, i) => lookup(lang, w, endsInWord && i === terms.length - 1))
        );
        if (found.some((f) => f === null)) return; // every word must match
        let scores = null;
        for (const { hits, keys: matched } of found) {
          matched.forEach((k) => keys.add(k));
          const weight = Math.log(1 + total / hits.size);
          const next = new Map();
          for (const [doc, flag] of hits) {
            if (scores && !scores.has(doc)) continue;
            next.set(doc, (scores ? scores.get(doc) : 0) + weight * (flag ? 3 : 1));
          }
          scores = next;
        }
        const allowed = [];
        if (filters.kind) allowed.push(await facet(lang, "kind", filters.kind));
        if (filters.tag) allowed.push(await facet(lang, "tag", filters.tag));
        for (const [doc, score] of scores) {
          if (allowed.every((set) => set.has(doc))) results.push({ lang, doc, score });
        }
      })
    );
    // Best score first; documents are numbered newest first, so ties favour newer items.
    results.sort((a, b) => b.score - a.score || a.doc - b.doc || (a.lang < b.lang ? -1 : 1));
    return { results, keys };
  }

  /* -- excerpts ------------------------------------------------------------------------------ */

  function matches(word, keys) {
    const w = normalize(word);
    // A word of the excerpt with a prefix ("והתזכורות", "والتذكير") matches by its light stem.
    const forms = [w, hebrewStem(w), arabicLight(w)];
    for (const key of keys) {
      for (const f of forms) if (f.startsWith(key) || key.startsWith(f) && f.length >= 3) return true;
    }
    return false;
  }

  /* Append `text` to `parent`, with the words that match `keys` in <mark>. */
  function highlight(parent, text, keys) {
    let last = 0;
    for (const m of text.matchAll(TEXT_WORD)) {
      if (!matches(m[0], keys)) continue;
      parent.append(text.slice(last, m.index));
      const mark = document.createElement("mark");
      mark.textContent = m[0];
      parent.append(mark);
      last = m.index + m[0].length;
    }
    parent.append(text.slice(last));
  }

  function excerpt(text, keys, size = 220) {
    let at = 0;
    for (const m of text.matchAll(TEXT_WORD)) {
      if (matches(m[0], keys)) {
        at = m.index;
        break;
      }
    }
    let start = Math.max(0, at - 60);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;
    const end = Math.min(text.length, start + size);
    return (start > 0 ? "… " : "") + text.slice(start, end) + (end < text.length ? " …" : "");
  }

  /* -- user interface ------------------------------------------------------------------------ */

  const t = (key) => SITE.strings[key] || "";
  const numbers = new Intl.NumberFormat(SITE.locale);
  const plurals = new Intl.PluralRules(SITE.locale);
  /* A plural message for n: the form of n's plural category (CLDR), with the number in it. */
  function count(key, n) {
    const forms = SITE.strings[key] || {};
    return (forms[plurals.select(n)] || forms.other || "").replace("{count}", numbers.format(n));
  }
  const direction = (lang) => (SITE.rtl.includes(lang.split("-")[0]) ? "rtl" : "ltr");

  function svg(path, name) {
    const ns = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(ns, "svg");
    if (name) icon.setAttribute("class", name);
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    const shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    icon.append(shape);
    return icon;
  }
  // Drawn for Kehila: a lens, an arrow and a cross on a 24-unit grid.
  const LENS = "M10 3a7 7 0 0 1 5.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1 1 10 3m0 2a5 5 0 1 0 0 10 5 5 0 0 0 0-10";
  const ARROW = "M20 11v2H8l5.5 5.5-1.4 1.4L4.2 12l7.9-7.9 1.4 1.4L8 11z";
  const CROSS = "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4l5.6 5.6L5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6z";

  function el(tag, attrs = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    node.append(...children);
    return node;
  }

  function mount() {
    const header = document.querySelector(".md-header__inner");
    const toggle = document.getElementById("__search");
    // Material's own search is on (the switch for small hubs): leave the header alone.
    if (!header || !toggle || document.querySelector('[data-md-component="search"]')) return;

    const placeholder = t("placeholder");
    const button = el("label", { class: "md-header__button md-icon", for: "__search", title: placeholder }, [svg(LENS)]);
    const input = el("input", {
      type: "text", class: "md-search__input", name: "query", "aria-label": placeholder,
      placeholder, autocapitalize: "off", autocorrect: "off", autocomplete: "off",
      spellcheck: "false", "data-kehila-search": "query",
    });
    const icon = el("label", { class: "md-search__icon md-icon", for: "__search" }, [svg(LENS), svg(ARROW, "kehila-search__back")]);
    const reset = el("button", { type: "reset", class: "md-search__icon md-icon", title: t("reset"), "aria-label": t("reset"), tabindex: "-1" }, [svg(CROSS)]);
    const form = el("form", { class: "md-search__form", name: "search", role: "search" }, [
      input, icon, el("nav", { class: "md-search__options" }, [reset]),
    ]);
    const lang = el("select", { "data-kehila-filter": "lang", "aria-label": t("language") });
    const kind = el("select", { "data-kehila-filter": "kind", "aria-label": t("kind") });
    const tag = el("select", { "data-kehila-filter": "tag", "aria-label": t("tag") });
    const filters = el("div", { class: "kehila-search__filters" }, [lang, kind, tag]);
    const meta = el("div", { class: "md-search-result__meta", "data-kehila-search": "meta", text: t("start") });
    const list = el("ol", { class: "md-search-result__list", role: "presentation", "data-kehila-search": "results" });
    const more = el("button", { type: "button", class: "md-button kehila-search__more", hidden: "", text: "…" });
    const output = el("div", { class: "md-search__output" }, [
      el("div", { class: "md-search__scrollwrap", tabindex: "0" }, [
        filters, el("div", { class: "md-search-result" }, [meta, list, more]),
      ]),
    ]);
    const box = el("div", { class: "md-search kehila-search", role: "dialog", "data-kehila-search": "box" }, [
      el("label", { class: "md-search__overlay", for: "__search" }),
      el("div", { class: "md-search__inner", role: "search" }, [form, output]),
    ]);
    const source = header.querySelector(".md-header__source");
    header.insertBefore(button, source);
    header.insertBefore(box, source);

    let filtersReady = null;
    function fillFilters() {
      filtersReady = filtersReady || manifest().then((info) => {
        const names = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames([SITE.locale], { type: "language" }) : null;
        lang.append(el("option", { value: "", text: t("all_languages") }));
        for (const code of Object.keys(info.languages)) {
          lang.append(el("option", { value: code, text: (names && names.of(code)) || code }));
        }
        kind.append(el("option", { value: "", text: t("all_kinds") }));
        for (const [code, label] of Object.entries(info.kinds)) kind.append(el("option", { value: code, text: label }));
        tag.append(el("option", { value: "", text: t("all_tags") }));
        for (const name of info.tags) tag.append(el("option", { value: name, text: `#${name}` }));
      });
      return filtersReady;
    }

    let generation = 0;
    let current = { results: [], keys: new Set(), shown: 0 };

    async function showMore(run) {
      const slice = current.results.slice(current.shown, current.shown + PAGE_SIZE);
      const docs = await Promise.all(slice.map((r) => getJSON(`${r.lang}/d/${r.doc}.json`)));
      if (run !== generation) return;
      const keys = [...current.keys];
      docs.forEach((doc, i) => {
        const title = el("h1");
        highlight(title, doc.t, keys);
        const text = el("p");
        highlight(text, excerpt(doc.x, keys), keys);
        const tags = el("nav", { class: "md-tags" }, doc.g.map((g) => el("span", { class: "md-tag", text: `#${g}` })));
        const article = el("article", { class: "md-search-result__article md-typeset", lang: slice[i].lang, dir: direction(slice[i].lang) }, [
          el("div", { class: "kehila-search__kind", text: (current.kinds[doc.k] || doc.k) }), title, text, tags,
        ]);
        const link = el("a", { href: new URL(doc.u, base).href, class: "md-search-result__link" }, [article]);
        list.append(el("li", { class: "md-search-result__item", "data-kehila-result": doc.u }, [link]));
      });
      current.shown += slice.length;
      const left = current.results.length - current.shown;
      more.hidden = left <= 0;
      more.textContent = count("more", left);
    }

    async function run() {
      const query = input.value;
      const mine = ++generation;
      if (!words(query).length) {
        list.replaceChildren();
        more.hidden = true;
        meta.textContent = t("start");
        return;
      }
      try {
        const info = await manifest();
        const found = await search(query, { lang: lang.value, kind: kind.value, tag: tag.value });
        if (mine !== generation) return;
        current = { ...found, shown: 0, kinds: info.kinds };
        list.replaceChildren();
        const n = found.results.length;
        meta.textContent = n === 0 ? t("none") : count("results", n);
        meta.dataset.count = String(n);
        await showMore(mine);
        // What the list on screen answers (tests and assistive tools can wait for it).
        meta.dataset.state = [query, lang.value, kind.value, tag.value].join("|");
      } catch (error) {
        meta.textContent = t("unavailable");
        console.warn("Kehila search:", error);
      }
    }

    let timer = null;
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    };
    input.addEventListener("input", schedule);
    for (const select of [lang, kind, tag]) select.addEventListener("change", run);
    input.addEventListener("focus", () => {
      toggle.checked = true;
      fillFilters();
    });
    toggle.addEventListener("change", () => {
      if (toggle.checked) {
        fillFilters();
        setTimeout(() => input.focus(), 50);
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = list.querySelector("a");
      if (first) window.location.href = first.href;
    });
    form.addEventListener("reset", () => setTimeout(run, 0));
    more.addEventListener("click", () => showMore(generation));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.checked) {
        toggle.checked = false;
        input.blur();
      } else if (event.key === "/" && !toggle.checked && !/INPUT|TEXTAREA|SELECT/.test(document.activeElement.tagName)) {
        event.preventDefault();
        toggle.checked = true;
        input.focus();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
