// Run before any script of a page: record calls of dialog-like functions (tests/security).
(() => {
  const calls = [];
  Object.defineProperty(window, '__kehilaCalls', {value: calls});
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    try {
      Object.defineProperty(window, name, {
        value: function (...args) { calls.push(name + '(' + args.map(String).join(', ') + ')'); },
        writable: false, configurable: false,
      });
    } catch (e) { calls.push('could not hook ' + name); }
  }
})();
