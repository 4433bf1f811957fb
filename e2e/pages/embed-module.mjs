// Starts the widget the npm way: `import { init } from '<package>/index.js'`, options from the
// query string (api, token, campaign, ws, and any other init option by name). Exposes
// window.__start(options?) so a test can start again after destroy(), and window.__cv.
import { init, EVENTS } from '/npm/index.js';

const q = new URLSearchParams(location.search);
const options = {};
for (const [k, v] of q) options[{ api: 'apiUrl', token: 'apiToken', ws: 'websocketUrl' }[k] ?? k] = v;

window.__eventNames = EVENTS;
window.__start = async (extra = {}) => {
  try {
    window.__cv = await init({ ...options, ...extra });
    window.__record(window.__cv);
    return 'started';
  } catch (e) {
    return `failed: ${e.message}`;
  }
};
window.__started = window.__start();
