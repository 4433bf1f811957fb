// The two download stages through the script tag, as `cargo xtask dist` ships them: a page view
// that never interacts downloads only the launcher; the pointer on the launcher fetches and
// starts the chat, so the click finds it ready; a bare click on a cold cache opens the frame at
// once, and what the visitor types and sends there reaches the chat (the queued message sent
// exactly once, the draft kept); `CV.chat.open()` before load; a chat download that fails
// (a clear word and a retry button in the frame, the launcher still working); the ES module
// package splitting the chat off the same way; the page's `livechat` option crossing to the chat
// (the offline colour and title before and after it loads) and checked by the launcher. A reload mid-chat is `identity-continuity`'s
// (restored before the first paint), the strict CSP `embed-csp`'s, the SPA `embed-spa`'s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGNS, API_TOKEN, API_PATH, env, widget, assertNoProblems, signInAgent, control, waitFor,
  browserSuite, embedVars,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

const suite = browserSuite({
  serve: async () => start({ pkg: env().pkg, vars: await embedVars() }),
});

/** The launcher's files (content-hashed as shipped, or wasm-bindgen's names). */
const LAUNCHER = /\/(loader\.js|webchat-launcher\.[0-9a-f]+\.(js|wasm)|webchat_launcher(\.js|_bg\.wasm))$/;
/** The chat's wasm, glue and texts. */
const CHAT_WASM = /\/(webchat\.[0-9a-f]+\.wasm|webchat_bg\.wasm)$/;
const CHAT = /\/(webchat\.[0-9a-f]+\.(js|wasm)|webchat(\.js|_bg\.wasm)|webchat-i18n\.[0-9a-f]+\/[^/]+\.txt|i18n\/[^/]+\.txt)(\?.*)?$/;

function scriptPage(params = {}) {
  const u = new URL('/pages/embed-script.html', suite.server.origin);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** Every path the page requests from the embedding server, in order. */
function recordRequests(page) {
  const paths = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === suite.server.origin) paths.push(url.pathname + url.search);
  });
  return paths;
}

async function eventNames(page) {
  return page.evaluate(() => window.__events.map((e) => e.name));
}

/** The chat's own window (not the launcher's frame), in the shadow root. */
function chatWindow(page) {
  return page.locator('.wc-window:not(.wc-frame)');
}

/** Whether the composer (the chat's or the frame's) has the focus. */
async function composerFocused(page) {
  return page.evaluate(() => {
    const active = document.getElementById('webchat-widget')?.shadowRoot?.activeElement;
    return !!active && active.classList.contains('wc-input');
  });
}

test('a page view that never interacts downloads only the launcher', async () => {
  const { page, problems, context } = await suite.newPage();
  const paths = recordRequests(page);
  const campaignReads = [];
  page.on('request', (r) => {
    if (r.method() === 'GET' && /\/campaigns\/[^/?]+$/.test(new URL(r.url()).pathname)) campaignReads.push(r.url());
  });
  await page.goto(scriptPage());
  await waitFor(async () => (await eventNames(page)).includes('ready'), { message: 'ready' });
  await widget(page).launcher.waitFor();
  // Everything the page would fetch by itself has been fetched.
  await page.waitForLoadState('networkidle');
  const ours = paths.filter((p) => p.startsWith('/cdn/'));
  assert.ok(ours.length >= 3, `the loader and the launcher: ${JSON.stringify(ours)}`);
  assert.deepEqual(ours.filter((p) => !LAUNCHER.test(p)), [], 'nothing but the launcher');
  assert.equal(await page.evaluate(() => window.CV.chat.state()), 'offline');
  // The loader sent the campaign read with the launcher's download; the launcher (and its
  // visibility rules) took that request over instead of sending their own.
  assert.equal(campaignReads.length, 1, `one campaign read: ${JSON.stringify(campaignReads)}`);
  assertNoProblems(problems);
  await context.close();
});

test('the loader reads the campaign the launcher asks for: trimmed, percent-encoded the same way', async () => {
  const { page, problems, context } = await suite.newPage();
  const campaignReads = [];
  page.on('request', (r) => {
    if (r.method() === 'GET' && /\/campaigns\/[^/?]+$/.test(new URL(r.url()).pathname)) campaignReads.push(r.url());
  });
  // No such campaign: the launcher hides the widget and says why, after one read.
  await page.goto(scriptPage({ 'var-CAMPAIGN': ' no such campaign ü!*(x) ' }));
  await waitFor(async () => (await eventNames(page)).includes('error'), { message: 'the error event' });
  await page.waitForLoadState('networkidle');
  assert.deepEqual(
    campaignReads.map((u) => new URL(u).pathname.split('/').pop()),
    ['no%20such%20campaign%20%C3%BC%21%2A%28x%29'],
    'one read, taken over by the launcher',
  );
  assertNoProblems(problems, [/status of 404/, /webchat: hidden: /]);
  await context.close();
});

test('the pointer on the launcher fetches the chat; the click finds it ready', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const paths = recordRequests(page);
  await page.goto(scriptPage());
  const w = widget(page);
  await w.launcher.waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(paths.filter((p) => CHAT.test(p)).length, 0, 'no chat before the pointer came');
  await w.launcher.hover();
  await waitFor(async () => paths.some((p) => CHAT_WASM.test(p)), { message: 'the chat requested on hover' });
  // Started in the background, its window built (hidden) before any click.
  await chatWindow(page).waitFor({ state: 'attached' });
  assert.equal(await chatWindow(page).isVisible(), false);
  await w.launcher.click();
  await chatWindow(page).waitFor();
  await waitFor(() => composerFocused(page), { message: 'the composer focused' });
  assert.equal(await page.locator('.wc-frame').count(), 0, 'no frame: the chat was there');
  assert.deepEqual(
    (await eventNames(page)).filter((n) => n === 'open' || n === 'ready'),
    ['ready', 'open'],
  );
  assertNoProblems(problems);
  await context.close();
});

test('a bare click on a cold cache: the frame at once, the queued message sent once, the draft kept', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  const paths = recordRequests(page);
  // The chat's wasm waits until the test lets it through: a slow network, deterministically.
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route(CHAT_WASM, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(scriptPage());
  const w = widget(page);
  await w.launcher.waitFor();
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => {
    // A click without a hover first (a touch screen, a keyboard): no prefetch before it.
    document.getElementById('webchat-widget').shadowRoot.querySelector('.wc-launcher').click();
  });
  const frame = page.locator('.wc-frame');
  await frame.waitFor();
  assert.equal(await frame.getAttribute('role'), 'dialog');
  assert.match(await frame.locator('.wc-title').textContent(), /Chat with us/);
  assert.equal(await frame.locator('.wc-status').getAttribute('data-phase'), 'connecting');
  await waitFor(() => composerFocused(page), { message: 'the frame composer focused' });
  assert.ok(paths.some((p) => CHAT_WASM.test(p)), 'the click asked for the chat');

  // The visitor writes before the chat is there.
  await w.composer.fill('Hello before the chat loaded');
  await w.composer.press('Enter');
  await frame.locator('.wc-msg--visitor').filter({ hasText: 'Hello before the chat loaded' }).waitFor();
  await w.composer.fill('and a draft');
  release();

  // The chat takes the frame's place with all of it.
  await chatWindow(page).waitFor();
  await waitFor(async () => (await page.locator('.wc-frame').count()) === 0, { message: 'the frame gone' });
  await w.visitorMessages.filter({ hasText: 'Hello before the chat loaded' }).waitFor();
  assert.equal(await w.composer.inputValue(), 'and a draft');
  const visitorId = await page.evaluate(() => window.CV.visitorId);
  const session = await waitFor(
    async () => (await control.sessions()).find((s) => s.tracker_id === visitorId),
    { message: 'the chat session' },
  );
  await waitFor(
    async () => (await control.session(session.id)).transcript?.length >= 1,
    { message: 'the message reached the agent' },
  );
  const sent = (await control.session(session.id)).transcript.filter((m) => m.body === 'Hello before the chat loaded');
  assert.equal(sent.length, 1, 'sent exactly once');
  assert.equal(await w.visitorMessages.filter({ hasText: 'Hello before the chat loaded' }).count(), 1);
  assert.deepEqual(
    (await eventNames(page)).filter((n) => n === 'open' || n === 'chat:started'),
    ['open', 'chat:started'],
  );
  assertNoProblems(problems);
  await context.close();
});

test('CV.chat.open() before load: the chat is fetched at once and opens', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const paths = recordRequests(page);
  await page.goto(scriptPage({ open: '1' }));
  const w = widget(page);
  await chatWindow(page).waitFor();
  assert.equal(await page.evaluate(() => window.CV.chat.isOpen()), true);
  await w.composer.waitFor();
  assert.ok(paths.some((p) => CHAT_WASM.test(p)));
  assertNoProblems(problems);
  await context.close();
});

test('a chat download that fails: a clear word and a retry, the launcher still works', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  // The chat's wasm is refused until the test allows it.
  let failures = 0;
  let allowed = false;
  await page.route(CHAT_WASM, async (route) => {
    if (allowed) {
      await route.continue();
    } else {
      failures += 1;
      await route.fulfill({ status: 503, body: 'unavailable' });
    }
  });
  await page.goto(scriptPage());
  const w = widget(page);
  await w.launcher.waitFor();
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => window.CV.chat.open());
  const frame = page.locator('.wc-frame');
  const retry = frame.getByRole('button', { name: 'Retry' });
  await retry.waitFor();
  assert.equal(await frame.locator('.wc-status').getAttribute('data-phase'), 'reconnecting');
  assert.match(await frame.locator('.wc-frame-note').textContent(), /Reconnecting/);
  // The launcher still closes and opens the frame meanwhile.
  await page.evaluate(() => window.CV.chat.close());
  await frame.waitFor({ state: 'hidden' });
  await page.evaluate(() => window.CV.chat.open());
  await frame.waitFor();
  // The launcher tries again by itself, backing off; after its second try the next is seconds
  // away, so the button is what loads it now.
  await waitFor(async () => failures >= 2, { message: 'a second automatic try' });
  allowed = true;
  await retry.click();
  await chatWindow(page).waitFor();
  await w.composer.waitFor();
  assert.equal(await page.locator('.wc-frame').count(), 0);
  assertNoProblems(problems, [/Failed to load resource: the server responded with a status of 503/]);
  await context.close();
});

/** The launcher's background colour, as computed. */
async function launcherColor(page) {
  return page.evaluate(() => {
    const launcher = document.getElementById('webchat-widget').shadowRoot.querySelector('.wc-launcher');
    return getComputedStyle(launcher).backgroundColor;
  });
}

test('the livechat option crosses to the chat: the offline colour and title before and after the chat loads', async () => {
  // Nobody signed in: the campaign is offline. The page's keys win over the campaign's.
  const { page, problems, context } = await suite.newPage();
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(CHAT_WASM, async (route) => {
    await held;
    await route.continue();
  });
  const livechat = JSON.stringify({ offlineColor: '#7c2d12', offlineTitle: 'Back at nine' });
  await page.goto(scriptPage({ 'data-livechat': livechat }));
  const w = widget(page);
  await w.launcher.waitFor();
  await waitFor(async () => (await eventNames(page)).includes('ready'), { message: 'ready' });
  assert.equal(await launcherColor(page), 'rgb(124, 45, 18)', 'the launcher in the offline colour');
  // The frame stands in while the chat's download is held: the page's offline title.
  await page.evaluate(() => window.CV.chat.open());
  const frame = page.locator('.wc-frame');
  await frame.waitFor();
  assert.equal((await frame.locator('.wc-title').textContent()).trim(), 'Back at nine');
  release();
  await chatWindow(page).waitFor();
  // The chat's session read the option through the handoff: its header says the same.
  await waitFor(
    async () => (await chatWindow(page).locator('.wc-title').textContent()).trim() === 'Back at nine',
    { message: "the chat's header takes the page's offline title" },
  );
  assert.equal(await chatWindow(page).locator('.wc-status').getAttribute('data-phase'), 'offline');
  assert.equal(await launcherColor(page), 'rgb(124, 45, 18)', 'still the offline colour');
  assertNoProblems(problems);
  await context.close();
});

test('a livechat option with an unknown key rejects init at once', async () => {
  const { page, context } = await suite.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(scriptPage({ 'data-livechat': '{"sonud": true}' }));
  await waitFor(async () => errors.some((e) => e.includes('option `livechat`: unknown key "sonud"')), {
    message: 'the error in the console',
  });
  await context.close();
});

test('the ES module package: the launcher first, the chat as a dynamic import on interest', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const paths = recordRequests(page);
  const u = new URL('/pages/embed-module.html', suite.server.origin);
  u.searchParams.set('api', `${env().url}${API_PATH}`);
  u.searchParams.set('token', API_TOKEN);
  u.searchParams.set('campaign', CAMPAIGNS.english);
  u.searchParams.set('ws', (await control.xmpp()).ws_url);
  await page.goto(u.toString());
  assert.equal(await page.evaluate(() => window.__started), 'started');
  const w = widget(page);
  await w.launcher.waitFor();
  await page.waitForLoadState('networkidle');
  const npm = paths.filter((p) => p.startsWith('/npm/'));
  assert.ok(npm.some((p) => p.endsWith('webchat_launcher_bg.wasm')), JSON.stringify(npm));
  assert.deepEqual(npm.filter((p) => CHAT.test(p)), [], 'no chat before interest');
  await w.launcher.click();
  await chatWindow(page).waitFor();
  await w.composer.waitFor();
  assert.ok(paths.some((p) => p.startsWith('/npm/') && CHAT_WASM.test(p)));
  assert.ok(paths.some((p) => /^\/npm\/i18n\/en\.txt$/.test(p)), 'the English chat texts');
  assertNoProblems(problems);
  await context.close();
});
