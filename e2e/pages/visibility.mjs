// Starts the widget with visibility rules, the way an ES-module host page does. The outcome is
// kept in `window.__webchat` = { status, cv, error, events } for the tests; `events` collects
// every `visibility` event after init resolved.
//
// Query: campaign, ws (required), rules (the `visibility` option as JSON; passed as an object),
// rulesText (passed as a string, unparsed), visitorIds, api, token.
import { init } from '/dist/npm/index.js';

const q = new URLSearchParams(location.search);
window.__webchat = { status: 'loading', cv: null, error: null, events: [] };

try {
  const options = {
    apiUrl: q.get('api') ?? `${location.origin}/api/app.php/chatbot/v1/`,
    apiToken: q.get('token') ?? 'webchat-dev-token',
    campaign: q.get('campaign'),
    websocketUrl: q.get('ws'),
  };
  if (q.has('visitorIds')) options.visitorIds = q.get('visitorIds');
  if (q.has('rules')) options.visibility = JSON.parse(q.get('rules'));
  if (q.has('rulesText')) options.visibility = q.get('rulesText');
  const cv = await init(options);
  cv.on('visibility', (detail) => window.__webchat.events.push(detail));
  window.__webchat.cv = cv;
  window.__webchat.status = 'started';
} catch (e) {
  window.__webchat.error = String(e && e.message ? e.message : e);
  window.__webchat.status = 'failed';
}
