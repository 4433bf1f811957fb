// Starts the widget the way an ES-module host page does: `import { init }` from the npm package
// `cargo xtask dist` builds (served at /dist/npm/), options from the query string. The outcome is kept in
// `window.__webchat` = { status: 'loading' | 'started' | 'failed', handle, error } for the tests.
//
// Query: campaign (required), ws (XMPP WebSocket URL, required), bosh (HTTP-Bind URL), language,
// visitorIds, container (CSS selector), api (API base, default this origin's devserver API), token,
// livechat (JSON text: the livechat configuration's keys over the campaign's).
import { init } from '/dist/npm/index.js';

const q = new URLSearchParams(location.search);
window.__webchat = { status: 'loading', handle: null, error: null };

try {
  const options = {
    apiUrl: q.get('api') ?? `${location.origin}/api/app.php/chatbot/v1/`,
    apiToken: q.get('token') ?? 'webchat-dev-token',
    campaign: q.get('campaign'),
    websocketUrl: q.get('ws'),
  };
  for (const key of ['language', 'visitorIds', 'container', 'livechat']) {
    if (q.has(key)) options[key] = q.get(key);
  }
  if (q.has('bosh')) options.boshUrl = q.get('bosh');
  window.__webchat.handle = await init(options);
  window.__webchat.status = 'started';
} catch (e) {
  window.__webchat.error = String(e && e.message ? e.message : e);
  window.__webchat.status = 'failed';
}
