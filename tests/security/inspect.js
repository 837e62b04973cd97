// Evaluated in each loaded page: list what hostile content must never leave in the DOM.
() => {
  const bad = [];
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data',
    'poster', 'background', 'srcdoc', 'lowsrc', 'dynsrc', 'codebase', 'cite', 'longdesc',
    'ping', 'srcset', 'manifest', 'icon', 'profile', 'usemap', 'from', 'to', 'values']);
  // Browsers ignore controls and spaces around a URL (and tabs and newlines inside it).
  const squash = (v) => v.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+/, '').toLowerCase();
  for (const el of document.querySelectorAll('*')) {
    for (const a of Array.from(el.attributes)) {
      const name = a.name.toLowerCase();
      const shown = `<${el.localName} ${a.name}="${a.value.slice(0, 80)}">`;
      if (name.startsWith('on')) bad.push(`inline handler ${shown}`);
      if (urlAttrs.has(name)) {
        // What the browser would do with the URL: its scheme after parsing, as for a click.
        let scheme = '';
        try {
          scheme = new URL(a.value.trim(), document.baseURI).protocol;
        } catch (e) {
          scheme = '';
        }
        const v = squash(a.value);
        if (scheme === 'javascript:' || scheme === 'vbscript:' || v.startsWith('javascript:')
            || v.startsWith('vbscript:') || v.startsWith('data:text/html'))
          bad.push(`script URL ${shown}`);
      }
    }
  }
  for (const a of document.querySelectorAll('a, area')) {
    if (a.href && squash(a.href).startsWith('javascript:')) {
      bad.push(`javascript: link ${a.outerHTML.slice(0, 120)}`);
    }
  }
  const content = document.querySelector('article.md-content__inner')
    || document.querySelector('.md-content');
  if (content) {
    const active = [
      'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'base',
      'meta', 'link', 'style', 'template', 'math', 'input', 'textarea', 'select', 'portal',
      'svg:not([class*="md-"] svg, .md-icon svg, .twemoji svg)',
    ].join(', ');
    // Kehila's own Embed page is a tool made of controls: its one form (pickers), the fragment's
    // read-only text box and the live preview's sandboxed frame come from Kehila's template, never
    // from content. They are allowed there alone: on the page whose path is the Embed page's, in
    // its one container. Anywhere else, and anything else there, is still a finding.
    const embedPage = /\/stories\/embed\/(index\.html)?$/.test(location.pathname);
    const tools = embedPage ? content.querySelectorAll('[data-kehila-embed]') : [];
    const tool = tools.length === 1 ? tools[0] : null;
    const ownControl = (el) => {
      if (!tool || !tool.contains(el)) return false;
      const form = el.closest('form');
      if (form && form.parentElement === tool && form.matches('form.kehila-embed__form')
          && (el === form || el.matches('select, input[type="number"][name="limit"]'))) return true;
      if (el.matches('textarea[readonly][data-kehila-embed-fragment]')
          && el.parentElement === tool) return true;
      const sandbox = (el.getAttribute('sandbox') || '').split(/\s+/);
      return el.matches('iframe[sandbox]') && !sandbox.includes('allow-same-origin')
        && el.closest('[data-kehila-embed-preview]') !== null;
    };
    for (const el of content.querySelectorAll(active)) {
      if (ownControl(el)) continue;
      bad.push(`active element in content <${el.localName}> ${el.outerHTML.slice(0, 120)}`);
    }
  }
  return bad;
}
