// Loaded first (a plain external script, so it works under the strict CSP): records every CSP
// violation and every webchat event the page sees, for the embedding tests.
window.__violations = [];
window.__events = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push({
    directive: e.violatedDirective,
    blocked: e.blockedURI,
    source: e.sourceFile + ':' + e.lineNumber,
    sample: e.sample,
  });
});
window.__EVENTS = [
  'ready', 'open', 'close', 'chat:started', 'chat:ended', 'message', 'agent:typing',
  'survey:submitted', 'cobrowsing:requested', 'cobrowsing:accepted', 'cobrowsing:denied',
  'visibility', 'error',
];
/** Subscribes to every event of `cv`, recording `{ name, detail, at }` in window.__events. */
window.__record = function (cv) {
  window.__EVENTS.forEach(function (name) {
    cv.on(name, function (detail) {
      window.__events.push({ name: name, detail: JSON.parse(JSON.stringify(detail || {})), at: Date.now() });
    });
  });
};
