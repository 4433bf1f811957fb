//! The shared end-to-end harness: Debian Chromium through playwright-core, page helpers that
//! collect console and page errors, devserver's `/_test/` control surface, screenshots and the
//! axe-core audit.
//!
//! What it does not: start devserver or build the widget. `cargo xtask test --only e2e-embedded`
//! (or `e2e-ejabberd`, `e2e-prosody`) builds the wasm package, starts devserver with
//! `--test-control --backend X` serving a site dir (`/pkg/` = the wasm-bindgen package,
//! `/pages/` = `e2e/pages/`) and sets:
//!
//! - `WEBCHAT_E2E_URL`        devserver's base URL, e.g. `http://127.0.0.1:41234`
//! - `WEBCHAT_E2E_BACKEND`    `embedded` | `ejabberd` | `prosody`
//! - `WEBCHAT_E2E_PKG`        the directory with the built wasm-bindgen package (served at `/pkg/`)
//! - `WEBCHAT_E2E_ARTIFACTS`  where screenshots go
//! - `WEBCHAT_E2E_IDENTITY_SECRET`  the campaigns' identity secret (devserver's
//!   `--identity-secret`): `signUser` signs users with it as a site's server would
//!
//! Without `WEBCHAT_E2E_URL` every helper that needs devserver throws: a test run outside xtask
//! fails loudly instead of passing vacuously.
//!
//! Running a subset: `WEBCHAT_E2E_ONLY=identity- cargo xtask test --only e2e-embedded` runs only
//! the test files whose name contains `identity-`. Files run one at a time against one
//! devserver, so a test signs in its own agents (`signInAgent`) and signs them out
//! (`signOutAgents`) in `after`. Pages live in `e2e/pages/` and are served at `/pages/`;
//! the wasm-bindgen package at `/pkg/`. Screenshots: `target/e2e-artifacts/BACKEND/`;
//! devserver's log: `target/xtask-logs/devserver-e2e-BACKEND.log`.

import { createHmac } from 'node:crypto';
import { mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
/// The `e2e/` directory.
export const E2E_DIR = dirname(here);

/// The built-in campaigns of devserver (`devserver/src/campaigns.rs`).
export const CAMPAIGNS = Object.freeze({
  /** English, active, smiley survey + comments + thanks, co-browsing on. */
  english: 'Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX',
  /** Inactive: 409 CHAT_CAMPAIGN_INACTIVE. */
  inactive: 'UqJEeQ1w3VyhauoHuwsygIJrCaKzFRKCi',
  /** Active, never available: 409 No Availability. */
  noAvailability: 'campaign-no-availability',
  /** German, thumbs survey, no comments, co-browsing never saved (null texts). */
  germanThumbs: 'campaign-de-thumbs',
  /** No survey (options `[]`, texts null). */
  noSurvey: 'campaign-no-survey',
  /** Arabic, right to left, smiley survey, co-browsing on. */
  arabic: 'campaign-ar-rtl',
  /** Language `auto` (the browser's), smiley survey without texts: every text the widget's. */
  autoLanguage: 'campaign-auto-language',
  /** Every livechat feature on: pre-chat form, departments, offline form, greetings, transcript. */
  allFeatures: 'campaign-all-features',
});

/// The API token devserver accepts by default.
export const API_TOKEN = 'webchat-dev-token';
/// The Public API path on devserver.
export const API_PATH = '/api/app.php/chatbot/v1/';

/// How long the helpers wait for something to happen (real XMPP servers take a moment).
export const WAIT_MS = 15_000;

/// The environment xtask passes, checked.
export function env() {
  const url = process.env.WEBCHAT_E2E_URL;
  if (!url) {
    throw new Error(
      'WEBCHAT_E2E_URL is not set: e2e tests run under `cargo xtask test --only e2e-embedded` ' +
        '(or e2e-ejabberd / e2e-prosody), which starts devserver and sets WEBCHAT_E2E_* variables',
    );
  }
  const backend = process.env.WEBCHAT_E2E_BACKEND ?? 'embedded';
  const artifacts =
    process.env.WEBCHAT_E2E_ARTIFACTS ?? join(E2E_DIR, '..', 'target', 'e2e-artifacts', backend);
  return {
    url: url.replace(/\/+$/, ''),
    backend,
    pkg: process.env.WEBCHAT_E2E_PKG ?? null,
    artifacts,
  };
}

/// What a site's server sends with `CV.user.tag`: hex HMAC-SHA256, with the campaign's identity
/// secret, over the user's id or, without one, the trimmed, lower-cased email.
export function signUser(user) {
  const secret = process.env.WEBCHAT_E2E_IDENTITY_SECRET;
  if (!secret) throw new Error('WEBCHAT_E2E_IDENTITY_SECRET is not set (xtask sets it)');
  const signedString = user.id != null ? String(user.id) : user.email.trim().toLowerCase();
  return createHmac('sha256', secret).update(signedString).digest('hex');
}

/// `user` with its signature, as a logged-in site tags it.
export function signed(user) {
  return { ...user, signature: signUser(user) };
}

/// One Public API call from the test (not from a page): `{ status, body }` with the body parsed
/// when it is JSON. `headers` adds the proofs (`X-Chat-Secret`, `X-User-Signature`).
export async function api(method, path, { headers = {}, body } = {}) {
  const init = { method, headers: { 'X-API-TOKEN': API_TOKEN, ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(new URL(`${API_PATH}${path}`, env().url), init);
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the text itself
  }
  return { status: res.status, body: parsed, text };
}

/// The backend of this run (`embedded`, `ejabberd`, `prosody`).
export function backend() {
  return env().backend;
}

/// Skips the test unless the run's backend is one of `backends`. Returns true when skipped, so
/// a test does `if (onlyOn(t, 'embedded')) return;`.
export function onlyOn(t, ...backends) {
  const b = backend();
  if (backends.includes(b)) return false;
  t.skip(`only on ${backends.join('/')}; this run is ${b}`);
  return true;
}

// ---- browser ----------------------------------------------------------------------------------

/// Chromium's flags for running as root on a closed network.
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/// Launches Debian Chromium (`WEBCHAT_E2E_CHROMIUM` overrides the path). playwright-core gives
/// every launch a fresh temporary user-data-dir and removes it on `close()`.
export async function launchBrowser(options = {}) {
  return chromium.launch({
    executablePath: process.env.WEBCHAT_E2E_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    timeout: 30_000,
  });
}

/// The hooks an e2e file shares, registered where it is called (a file's top level): one
/// browser for the file, launched before its first test and closed after its last, and every
/// agent signed out before each test and at the end (no chat leaks into the next test).
/// With `serve` (async, returns a server with `close()`, such as `pages/embed-server.mjs`'s
/// `start`), also a page server, started after the browser and closed after it.
/// Returns `newPage(contextOptions)` on that browser, and `server`, the page server.
export function browserSuite({ serve } = {}) {
  let browser;
  let server;
  before(async () => {
    browser = await launchBrowser();
    if (serve) server = await serve();
  });
  beforeEach(async () => {
    await signOutAgents();
  });
  after(async () => {
    await signOutAgents();
    await browser?.close();
    await server?.close();
  });
  return {
    newPage: (contextOptions) => newPage(browser, contextOptions),
    get server() {
      return server;
    },
  };
}

/// What the embed pages fill in (`pages/embed-server.mjs`'s `vars`): this run's Public API and
/// token, the English campaign, and the XMPP WebSocket devserver names.
export async function embedVars() {
  const xmpp = await control.xmpp();
  return { API: `${env().url}${API_PATH}`, TOKEN: API_TOKEN, CAMPAIGN: CAMPAIGNS.english, WS: xmpp.ws_url };
}

/// The strict Content-Security-Policy the embed tests put on their pages: scripts, styles and
/// images from the page's own origin, connections to it, devserver and the XMPP WebSocket in
/// `vars` (from `embedVars`).
export function strictPolicy(vars) {
  const api = new URL(env().url).origin;
  const ws = new URL(vars.WS).origin.replace(/^http/, 'ws');
  return (
    `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; ` +
    `connect-src 'self' ${api} ${ws}; img-src 'self' data:`
  );
}

/// A new isolated context (own storage) and page. `problems` collects every console error and
/// uncaught page error as text; call `assertNoProblems(problems)` at the end of a test.
/// `contextOptions` go to `browser.newContext` (viewport, locale, timezoneId, …).
export async function newPage(browser, contextOptions = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    ...contextOptions,
  });
  // Wasm traps deep inside Leptos need more than V8's default 10 frames to be understood.
  await context.addInitScript(() => {
    Error.stackTraceLimit = 60;
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  const consoleMessages = [];
  page.on('console', (msg) => {
    consoleMessages.push({ type: msg.type(), text: msg.text() });
    if (msg.type() === 'error') {
      // The browser's own "Failed to load resource" lines name the URL only in the location.
      const where = msg.location()?.url;
      const suffix = where && !msg.text().includes(where) ? ` (${where})` : '';
      problems.push(`console.error: ${msg.text()}${suffix}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
  page.on('crash', () => problems.push('page crashed'));
  // Kept on the page too, so helpers that only get the page can report what it logged.
  page.__problems = problems;
  return { context, page, problems, consoleMessages };
}

/// What real servers do that Chromium reports as a console error although the widget did
/// nothing wrong. ejabberd 23.01 sometimes sends a data frame after its own WebSocket close
/// frame when a session ends; Chromium then logs "Data frame received after close". On a close
/// at the same moment from both sides it may send a second close frame ("Close received after
/// close"); the widget leaves the server a second to close first, which makes that rare.
const SERVER_QUIRKS = {
  ejabberd: [
    /WebSocket connection to '[^']*' failed: Data frame received after close/,
    /WebSocket connection to '[^']*' failed: Close received after close/,
  ],
};

/// Throws if `problems` holds anything not matched by one of the `allow` regexps (or by a known
/// quirk of this run's XMPP server, see `SERVER_QUIRKS`).
export function assertNoProblems(problems, allow = []) {
  const known = [...allow, ...(SERVER_QUIRKS[backend()] ?? [])];
  const left = problems.filter((p) => !known.some((re) => re.test(p)));
  if (left.length > 0) {
    throw new Error(`the page reported ${left.length} problem(s):\n  ${left.join('\n  ')}`);
  }
}

// ---- the widget test page ---------------------------------------------------------------------

let xmppInfoCache = null;

/// URL of a page under `e2e/pages/` on devserver, with query parameters.
export function pageUrl(name, params = {}) {
  const u = new URL(`/pages/${name}`, env().url);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
  }
  return u.toString();
}

/// URL of `e2e/pages/widget.html`, which starts the widget with
/// `import { init } from '/dist/npm/index.js'` (the npm package) and these options:
/// `campaign` (default the English campaign), `language`, `visitorIds`, `container`,
/// `websocketUrl` (default: devserver's XMPP WebSocket for this backend, from `/_test/xmpp`) and
/// `boshUrl` (none by default), `livechat` (an object of the livechat configuration's keys).
export async function widgetUrl(options = {}) {
  if (!xmppInfoCache) xmppInfoCache = await control.xmpp();
  return pageUrl('widget.html', {
    campaign: options.campaign ?? CAMPAIGNS.english,
    language: options.language,
    visitorIds: options.visitorIds,
    container: options.container,
    ws: options.websocketUrl ?? xmppInfoCache.ws_url,
    bosh: options.boshUrl,
    api: options.apiUrl,
    token: options.apiToken,
    livechat: options.livechat === undefined ? undefined : JSON.stringify(options.livechat),
  });
}

/// Opens the widget test page and waits until `init` resolved (or failed: then it throws with
/// the error). Returns the page's `window.__webchat` state `{ status, visitorId, error }`.
export async function openWidget(page, options = {}) {
  await page.goto(await widgetUrl(options));
  await page.waitForFunction(() => window.__webchat && window.__webchat.status !== 'loading');
  const state = await page.evaluate(() => ({
    status: window.__webchat.status,
    visitorId: window.__webchat.handle?.visitorId ?? null,
    error: window.__webchat.error ?? null,
  }));
  if (state.status !== 'started') {
    throw new Error(`the widget did not start: ${state.error}`);
  }
  return state;
}

/// Widget locators. Playwright's CSS locators pierce the open shadow root. `window` is the
/// chat's window, not the launcher's frame that stands in for it until the chat is loaded.
export function widget(page) {
  return {
    host: page.locator('#webchat-widget'),
    launcher: page.getByRole('button', { name: 'Open chat' }),
    window: page.locator('.wc-window:not(.wc-frame)'),
    log: page.getByRole('log'),
    composer: page.getByRole('textbox', { name: 'Type your message' }),
    send: page.getByRole('button', { name: 'Send' }),
    end: page.getByRole('button', { name: 'End chat' }),
    minimise: page.getByRole('button', { name: 'Minimise chat' }),
    notices: page.locator('.wc-notice'),
    agentMessages: page.locator('.wc-msg--agent'),
    visitorMessages: page.locator('.wc-msg--visitor'),
  };
}

// ---- devserver's /_test/ control surface --------------------------------------------------------

async function call(method, path, body) {
  const url = new URL(`/_test/${path.replace(/^\/+/, '')}`, env().url);
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} /_test/${path}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

/// Thin wrappers over `/_test/…` (devserver/API.md). Each throws on a non-2xx status with the
/// server's message.
export const control = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body ?? {}),
  put: (path, body) => call('PUT', path, body ?? {}),
  delete: (path) => call('DELETE', path),

  /** `[{seq,time_ms,method,path,query,status,origin,has_token}]` */
  requests: () => call('GET', 'requests'),
  clearRequests: () => call('DELETE', 'requests'),
  /** All sessions, newest first, with agent, transcript, credentials. */
  sessions: () => call('GET', 'chatsessions'),
  session: (id) => call('GET', `chatsessions/${encodeURIComponent(id)}`),
  setStatus: (id, status) => call('POST', `chatsessions/${encodeURIComponent(id)}/status`, { status }),
  addMessage: (id, message) => call('POST', `chatsessions/${encodeURIComponent(id)}/messages`, message),
  /** `forced`: true | false | null (null: back to the campaign's mode). */
  forceAvailability: (campaign, forced) =>
    call('PUT', `campaigns/${encodeURIComponent(campaign)}/availability`, { forced }),
  agents: () => call('GET', 'agents'),
  /** `{nickname, firstname?, max_slots?, campaigns?, available?}` → the agent with its `id`. */
  signInAgent: (agent) => call('POST', 'agents', agent),
  signOutAgent: (id) => call('DELETE', `agents/${id}`),
  setAgentAvailable: (id, available) => call('PUT', `agents/${id}/availability`, { available }),
  /** The stanzas agent `nickname` received, oldest first: `[{seq,time_ms,agent,from,xml}]`. */
  agentStanzas: (nickname) => call('GET', `agents/${encodeURIComponent(nickname)}/stanzas`),
  /** Makes the session's agent act: `{action:"message",body}`, `{action:"typing",state}`,
   * `{action:"close"}`, `"block"`, `{action:"transfer",to}`, `"away"`, `"back"`, `"cobrowse"`. */
  agentAct: (id, action) => call('POST', `chatsessions/${encodeURIComponent(id)}/agent`, action),
  /** `{visitor_jid, agent_jid, visitor_online, visitor_state, cobrowsing, agent_away}` */
  live: (id) => call('GET', `chatsessions/${encodeURIComponent(id)}/live`),
  /** `{backend, domain, agent_domain, ws_url}` */
  xmpp: () => call('GET', 'xmpp'),
};

/// devserver's default operator token (`--operator-token`; never the public API token).
export const OPERATOR_TOKEN = 'webchat-dev-operator-token';

async function operatorCall(method, campaignId, body, token = OPERATOR_TOKEN) {
  const url = new URL(`/operator/v1/campaigns/${encodeURIComponent(campaignId)}/visibility`, env().url);
  const init = { method, headers: { authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/// The operator API (devserver/API.md): what the customer's server calls to show or hide the
/// chat. Each throws on a non-2xx status, except `raw`, which returns `{status, body}`.
export const operator = {
  /** `change`: `{visibility: 'shown'|'hidden'|'auto', visitor?, user?: {id}|{email}, until?, seconds?}`. */
  set: async (change, campaignId = CAMPAIGNS.english) => {
    const r = await operatorCall('PUT', campaignId, change);
    if (r.status !== 200) throw new Error(`PUT operator visibility: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  },
  /** `{campaign_id, overrides: [{scope, key, visibility, until, set_at}]}` */
  list: async (campaignId = CAMPAIGNS.english) => (await operatorCall('GET', campaignId)).body,
  /** Removes every override of the campaign. */
  clear: async (campaignId = CAMPAIGNS.english) => {
    const r = await operatorCall('DELETE', campaignId);
    if (r.status !== 204) throw new Error(`DELETE operator visibility: ${r.status}`);
  },
  raw: operatorCall,
};

/// Signs in an available test agent for `campaigns` (default: all). Returns devserver's agent
/// (`{id, info: {nickname, firstname, jid}, available, …}`) plus `nickname` and `jid` for
/// convenience; sign it out with `signOutAgents()` or `control.signOutAgent(agent.id)`.
///
/// The nickname is `nickname` if given. Otherwise, on the embedded backend, the first name (so
/// screenshots show "Ana"; a random suffix when it is taken); on ejabberd and Prosody always a
/// fresh one (`ana-x7k2p9`): agents are real accounts there, and logging the same account in
/// again right after it signed out races with the server's cleanup of the old session.
export async function signInAgent({ firstname = 'Ana', nickname, campaigns = [], maxSlots = null, available = true } = {}) {
  const clean = (firstname.replace(/[^A-Za-z0-9._-]/g, '') || 'agent').toLowerCase();
  const fresh = () => `${clean}-${Math.random().toString(36).slice(2, 8)}`;
  const candidates = nickname
    ? [nickname]
    : backend() === 'embedded'
      ? [firstname.replace(/[^A-Za-z0-9._-]/g, '') || 'agent', fresh()]
      : [fresh()];
  let agent;
  for (const [i, candidate] of candidates.entries()) {
    try {
      agent = await control.signInAgent({ nickname: candidate, firstname, campaigns, max_slots: maxSlots, available });
      break;
    } catch (e) {
      if (!/: 409 /.test(e.message) || i === candidates.length - 1) throw e;
    }
  }
  return { ...agent, nickname: agent.info.nickname, jid: agent.info.jid };
}

/// Waits until agent `nickname` received a stanza whose XML matches `pattern`; returns it.
export async function waitForAgentStanza(nickname, pattern, message = `a stanza matching ${pattern}`) {
  return waitFor(async () => (await control.agentStanzas(nickname)).find((s) => pattern.test(s.xml)), {
    message,
  });
}

/// Signs out every agent signed in through the control surface or the console, so one test's
/// agents do not answer the next test's chats.
export async function signOutAgents() {
  const agents = await control.agents();
  for (const a of agents) {
    await control.signOutAgent(a.id).catch(() => {});
  }
}

/// Polls `fn` (sync or async) until it returns a truthy value, which it returns; throws after
/// `timeout` ms with `message` and the last value or error.
export async function waitFor(fn, { timeout = WAIT_MS, interval = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/// The newest session of `visitorId` (its `tracker_id`), once it exists.
export async function waitForSession(visitorId, { withCredentials = true } = {}) {
  return waitFor(
    async () => {
      const all = await control.sessions();
      const s = all.find((x) => x.tracker_id === visitorId);
      if (!s) return null;
      if (withCredentials && (!s.credentials || s.credentials.length === 0)) return null;
      return s;
    },
    { message: `a chat session of visitor ${visitorId}` },
  );
}

/// Waits until the chat's visitor is online on XMPP (its directed presence reached the agent).
export async function waitForVisitorOnline(sessionId) {
  return waitFor(async () => (await control.live(sessionId)).visitor_online, {
    message: `visitor of ${sessionId} online`,
  });
}

// ---- artifacts ---------------------------------------------------------------------------------

/// Saves a screenshot as `ARTIFACTS/NAME.png` (per backend dir) and returns its path. `target`
/// is a page or a locator; `options` go to Playwright's `screenshot` (`clip`, `fullPage`, …).
export async function screenshot(target, name, options = {}) {
  const dir = env().artifacts;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await target.screenshot({ path, animations: 'disabled', ...options });
  return path;
}

/// The bottom-right corner of a 1280×800 page where the floating widget lives (for README
/// pictures).
export const WIDGET_CLIP = Object.freeze({ x: 850, y: 50, width: 430, height: 750 });
/// The bottom-left corner, where a right-to-left widget lives.
export const WIDGET_CLIP_RTL = Object.freeze({ x: 0, y: 50, width: 430, height: 750 });

// ---- accessibility -----------------------------------------------------------------------------

/// The axe-core build injected into pages.
export const AXE_PATH = join(E2E_DIR, 'node_modules', 'axe-core', 'axe.min.js');

/// Runs axe-core in the page and returns its violations (`[]` = clean). `context` is an axe
/// context (default: the whole document; `'#webchat-widget'` for the widget only); `options`
/// are axe run options (default: every rule, best practices included).
export async function axeAudit(page, context = null, options = {}) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(
    async ([ctx, opts]) => {
      const result = await window.axe.run(ctx ?? document, { resultTypes: ['violations'], ...opts });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
      }));
    },
    [context, options],
  );
}

/// A readable list of axe violations for an assertion message.
export function formatViolations(violations) {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes.map((n) => `    ${JSON.stringify(n.target)}: ${n.summary}`).join('\n'),
    )
    .join('\n');
}

// ---- chat flow ---------------------------------------------------------------------------------

/// Opens the launcher (if the window is closed), types `text` and sends it with Enter. Returns
/// the chat session once it has XMPP credentials, its visitor is online and the agent has read the
/// first message (the agent can act).
export async function startChat(page, text = 'Hello, I have a question') {
  const w = widget(page);
  if (!(await w.window.isVisible())) await w.launcher.click();
  await w.composer.fill(text);
  await w.composer.press('Enter');
  const visitorId = await page.evaluate(() => window.__webchat.handle.visitorId);
  const session = await waitForSession(visitorId);
  await waitForVisitorOnline(session.id);
  // Agents answer what they have read: a reply sent before the question reached the agent would
  // come first in the transcript.
  await waitFor(async () => (await transcript(session.id)).some((m) => m.from === 'visitor'), {
    message: 'the first message at the agent',
  });
  return session;
}

/// A campaign as the Public API serves it to the widget (`GET campaigns/{id}`).
export async function campaign(id) {
  const res = await fetch(new URL(`${API_PATH}campaigns/${encodeURIComponent(id)}`, env().url), {
    headers: { 'X-API-TOKEN': API_TOKEN },
  });
  if (!res.ok) throw new Error(`GET campaigns/${id}: ${res.status} ${await res.text()}`);
  return res.json();
}

/// The transcript of a session as devserver recorded it (`[{id, from, nick?, body, timestamp}]`).
export async function transcript(sessionId) {
  return (await control.session(sessionId)).transcript ?? [];
}
