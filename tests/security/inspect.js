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
    for (const el of content.querySelectorAll(active)) {
      bad.push(`active element in content <${el.localName}> ${el.outerHTML.slice(0, 120)}`);
    }
  }
  return bad;
}
