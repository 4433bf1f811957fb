// webchat as an ES module: `import { init } from 'webchat'; const cv = await init({...})`.
// Loads the WebAssembly once (next to this file, so bundlers such as Vite copy it as an asset),
// then starts a widget and resolves to the same API object the script tag's global has.
import load, { init as start } from './webchat.js';

let loading = null;

/**
 * Starts the widget. See index.d.ts for the options and the returned API.
 * @param {import('./index.js').WebchatOptions} options
 * @returns {Promise<import('./index.js').Webchat>}
 */
export async function init(options) {
  if (!loading) {
    loading = load({ module_or_path: new URL('./webchat_bg.wasm', import.meta.url) });
    // A failed download may be retried by the next init().
    loading.catch(() => { loading = null; });
  }
  await loading;
  return start(options);
}

/** The host events `on`/`off` accept. */
export const EVENTS = Object.freeze([
  'ready', 'open', 'close', 'chat:started', 'chat:ended', 'message', 'agent:typing',
  'survey:submitted', 'cobrowsing:requested', 'cobrowsing:accepted', 'cobrowsing:denied',
  'visibility', 'error',
]);
