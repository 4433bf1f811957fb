// webchat as an ES module: `import { init } from 'webchat'; const cv = await init({...})`.
// Two download stages, as with the script tag: this module and the launcher's WebAssembly load
// with the page; the chat (its glue, its wasm and the chat texts of the language in use) is a
// dynamic `import()` the launcher asks for on the first sign of interest, so bundlers split it
// off. The assets sit next to this file (bundlers such as Vite copy them).
import load, { init as start } from './webchat_launcher.js';

let loading = null;
let chat = null;
let attempt = 0;

// What the launcher's handoff needs: `{ start, table }` (see the launcher crate's `handoff`).
function loadChat(tag) {
  if (!chat) {
    // A retry asks for the glue under another URL: a failed `import()` may stay failed.
    const retry = attempt ? `?retry=${attempt}` : '';
    const table = fetch(new URL(`./i18n/${tag}.txt`, import.meta.url))
      .then((r) => (r.ok ? r.text() : null), () => null);
    chat = Promise.all([import(`./webchat.js${retry}`), table]).then(async ([m, text]) => {
      await m.default({ module_or_path: new URL('./webchat_bg.wasm', import.meta.url) });
      return { start: m.startChat, table: text };
    });
    chat.catch(() => {
      chat = null;
      attempt += 1;
    });
  }
  return chat;
}

// The campaign read the launcher starts with, sent while the launcher's wasm loads (same URL,
// token and headers as the launcher's client); the launcher takes it over through `early`.
function readEarly(o) {
  // The options as the launcher reads them: trimmed, and none of the three may be empty.
  const [api, token, campaign] = [o?.apiUrl, o?.apiToken, o?.campaign]
    .map((v) => (typeof v === 'string' ? v.trim() : ''));
  if (!api || !token || !campaign) return undefined; // the launcher reports it
  let id;
  try {
    // RFC 3986's unreserved characters stay, everything else is percent-encoded, as the
    // launcher does.
    id = encodeURIComponent(campaign)
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined; // a lone surrogate: the launcher reads it its own way
  }
  let url = `${api.replace(/\/?$/, '/')}campaigns/${id}`;
  const sent = fetch(url, { headers: { 'X-API-TOKEN': token, Accept: 'application/json' } });
  sent.catch(() => {}); // the launcher meets the failure when it takes the request over
  return (wanted) => {
    if (wanted !== url) return undefined;
    url = null; // handed out once
    return sent;
  };
}

/**
 * Starts the widget. See index.d.ts for the options and the returned API.
 * @param {import('./index.js').WebchatOptions} options
 * @returns {Promise<import('./index.js').Webchat>}
 */
export async function init(options) {
  const early = readEarly(options);
  if (!loading) {
    loading = load({ module_or_path: new URL('./webchat_launcher_bg.wasm', import.meta.url) });
    // A failed download may be retried by the next init().
    loading.catch(() => { loading = null; });
  }
  await loading;
  return start(options, { loadChat, early });
}

/** The host events `on`/`off` accept. */
export const EVENTS = Object.freeze([
  'ready', 'open', 'close', 'chat:started', 'chat:ended', 'message', 'agent:typing',
  'survey:submitted', 'cobrowsing:requested', 'cobrowsing:accepted', 'cobrowsing:denied',
  'visibility', 'error',
]);
