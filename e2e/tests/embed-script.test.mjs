// Embedding with the script tag: loader.js defines the global at once, queues calls made
// before the widget loaded and replays them in order; the widget loads after `load` + idle, at
// once on `chat.open()`, or on the first interaction with data-load="interaction". Every API
// call and every event, bad calls, destroy() and a fresh start, data-global / data-position /
// data-z-index / data-language / data-container, the chat window built only on the first open,
// and the ES module package giving the same API (two init() calls at once: one is refused).
//
// Pages come from a small Node server on its own origin (e2e/pages/embed-server.mjs); the API
// and the XMPP WebSocket are devserver's, cross-origin as on a customer's site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAMPAIGNS, API_TOKEN, API_PATH, env, widget, assertNoProblems, onlyOn, signInAgent, control,
  waitFor, waitForVisitorOnline, screenshot, browserSuite, embedVars,
} from '../lib/harness.mjs';
import { start } from '../pages/embed-server.mjs';

const suite = browserSuite({
  serve: async () => start({ pkg: env().pkg, vars: await embedVars() }),
});

/** The script-tag page with query parameters (`data-*` become loader attributes). */
function scriptPage(params = {}) {
  const u = new URL('/pages/embed-script.html', suite.server.origin);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** The events the page recorded so far: `[{ name, detail }]`. */
async function events(page) {
  return page.evaluate(() => window.__events.map(({ name, detail }) => ({ name, detail })));
}

/** Waits for an event `name` whose detail satisfies `match` (a partial object); returns it. */
async function waitEvent(page, name, match = {}) {
  try {
    return await waitFor(
      async () =>
        (await events(page)).find(
          (e) => e.name === name && Object.entries(match).every(([k, v]) => e.detail[k] === v),
        ),
      { message: `event ${name} ${JSON.stringify(match)}` },
    );
  } catch (e) {
    // What the page said explains a missing event far better than the timeout does.
    const seen = await page
      .evaluate(() => ({
        state: window.CV?.chat?.state?.(),
        events: (window.__events ?? []).map((x) => x.name),
        early: window.__early,
        loaded: performance.getEntriesByType('resource').map((r) => r.name.split('/').pop()),
      }))
      .catch((err) => String(err));
    e.message += `; the page reported: ${JSON.stringify(page.__problems ?? [])}; it shows ${JSON.stringify(seen)}`;
    throw e;
  }
}

/** Calls `CV.<path>(...args)` in the page; returns `{ value }` or `{ error: {name, message} }`. */
async function call(page, path, ...args) {
  return page.evaluate(
    ([path, args, global]) => {
      const parts = path.split('.');
      const cv = window[global];
      const owner = parts.length > 1 ? cv[parts[0]] : cv;
      try {
        return { value: owner[parts[parts.length - 1]](...args) ?? null };
      } catch (e) {
        return { error: { name: e.name, message: e.message } };
      }
    },
    [path, args, 'CV'],
  );
}

function wasmRequests() {
  return suite.server.requests.filter((r) => r.path.endsWith('.wasm'));
}

test('queue: calls made before the widget loaded are replayed in order, after load and idle', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  suite.server.requests.length = 0;
  const user = { email: 'queue.user@example.com', firstname: 'Quinn', lastname: 'Queue' };
  await page.goto(scriptPage({ tag: JSON.stringify(user) }));
  await page.waitForFunction(() => window.__early);
  const early = await page.evaluate(() => window.__early);
  assert.deepEqual(early, { state: 'loading', isOpen: false, wasmRequested: false });

  // Handlers subscribed before load see `ready`.
  await waitEvent(page, 'ready');
  // The wasm was fetched only after the page's load event.
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((e) => /\.wasm$/.test(e.name));
    return { loadEnd: nav.loadEventEnd, wasmStart: wasm?.startTime ?? null };
  });
  assert.ok(timing.wasmStart !== null, 'the wasm was loaded');
  assert.ok(timing.wasmStart >= timing.loadEnd, `wasm at ${timing.wasmStart} ms, load at ${timing.loadEnd} ms`);
  assert.equal((await call(page, 'chat.state')).value, 'idle');

  // The queued tag was replayed: the chat starts as that user.
  const w = widget(page);
  await call(page, 'chat.open');
  await w.composer.fill('Hello from a tagged user');
  await w.composer.press('Enter');
  const session = await waitFor(
    async () => (await control.sessions()).find((s) => s.user?.email === user.email),
    { message: 'a session of the tagged user' },
  );
  assert.equal(session.visitor_identifier, user.email);
  const started = await waitEvent(page, 'chat:started');
  assert.equal(started.detail.sessionId, session.id);
  assertNoProblems(problems);
  await context.close();
});

test('every API call and event, and bad calls that throw without breaking the widget', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage());
  await waitEvent(page, 'ready');
  const w = widget(page);

  // The API object's shape.
  const shape = await page.evaluate(() => ({
    top: Object.keys(window.CV).filter((k) => typeof window.CV[k] === 'function').sort(),
    user: Object.keys(window.CV.user).sort(),
    chat: Object.keys(window.CV.chat).sort(),
  }));
  assert.deepEqual(shape.top, ['destroy', 'load', 'off', 'on']);
  assert.deepEqual(shape.user, ['reset', 'tag']);
  assert.deepEqual(shape.chat, ['auto', 'close', 'hide', 'isOpen', 'open', 'show', 'state', 'toggle']);

  // open / close / toggle / isOpen, with their events.
  assert.equal((await call(page, 'chat.isOpen')).value, false);
  await call(page, 'chat.open');
  await w.window.waitFor();
  assert.equal((await call(page, 'chat.isOpen')).value, true);
  await waitEvent(page, 'open');
  await call(page, 'chat.close');
  await w.window.waitFor({ state: 'hidden' });
  await waitEvent(page, 'close');
  await call(page, 'chat.toggle');
  await w.window.waitFor();
  await call(page, 'chat.toggle');
  await w.window.waitFor({ state: 'hidden' });
  const openClose = (await events(page)).filter((e) => e.name === 'open' || e.name === 'close');
  assert.deepEqual(openClose.map((e) => e.name), ['open', 'close', 'open', 'close']);

  // hide / show / auto, with visibility events.
  await call(page, 'chat.hide');
  await w.launcher.waitFor({ state: 'hidden' });
  await waitEvent(page, 'visibility', { visible: false, reason: 'api' });
  await call(page, 'chat.show');
  await w.launcher.waitFor();
  await waitEvent(page, 'visibility', { visible: true, reason: 'api' });
  await call(page, 'chat.hide');
  await w.launcher.waitFor({ state: 'hidden' });
  await call(page, 'chat.auto');
  await w.launcher.waitFor();

  // off() stops a handler.
  const counted = await page.evaluate(() => {
    window.__count = 0;
    window.__h = () => { window.__count += 1; };
    window.CV.on('open', window.__h);
    window.CV.on('open', window.__h); // twice: still one registration
    return true;
  });
  assert.ok(counted);
  await call(page, 'chat.open');
  await waitFor(() => page.evaluate(() => window.__count === 1), { message: 'the handler ran once' });
  await page.evaluate(() => window.CV.off('open', window.__h));
  await call(page, 'chat.close');
  await call(page, 'chat.open');
  await waitFor(async () => (await events(page)).filter((e) => e.name === 'open').length === 4, {
    message: 'the fourth open event',
  });
  assert.equal(await page.evaluate(() => window.__count), 1, 'off() removed the handler');

  // Bad calls throw one clear TypeError each; the widget goes on.
  const unknown = await page.evaluate(() => {
    try { window.CV.on('bogus', () => {}); return null; } catch (e) { return { name: e.name, message: e.message }; }
  });
  assert.equal(unknown?.name, 'TypeError');
  assert.match(unknown.message, /unknown event "bogus"; use one of: ready, open, close/);
  const notFn = await page.evaluate(() => {
    try { window.CV.on('open', 5); return null; } catch (e) { return e.message; }
  });
  assert.match(notFn, /`fn` must be a function/);
  const noEmail = await call(page, 'user.tag', { firstname: 'Nobody' });
  assert.equal(noEmail.error?.name, 'TypeError');
  assert.match(noEmail.error.message, /email/);
  const notObject = await call(page, 'user.tag', 'ana@example.com');
  assert.equal(notObject.error?.name, 'TypeError');
  assert.equal((await call(page, 'chat.state')).value, 'idle');

  // A chat: chat:started, message (both directions), agent:typing, cobrowsing, chat:ended, survey.
  await w.composer.fill('Hello, I need help');
  await w.composer.press('Enter');
  const started = await waitEvent(page, 'chat:started');
  const visitorMsg = await waitEvent(page, 'message', { direction: 'visitor' });
  assert.equal(visitorMsg.detail.text, 'Hello, I need help');
  assert.equal(visitorMsg.detail.sender.length > 0, true);
  const sessionId = started.detail.sessionId;
  await waitForVisitorOnline(sessionId);
  assert.equal((await call(page, 'chat.state')).value, 'chatting');
  assert.equal(await page.evaluate(() => window.CV.visitorId), (await control.session(sessionId)).tracker_id);

  await control.agentAct(sessionId, { action: 'typing', state: 'composing' });
  await waitEvent(page, 'agent:typing', { typing: true });
  await control.agentAct(sessionId, { action: 'message', body: 'Hi, I am Ana <b>not bold</b>' });
  const agentMsg = await waitEvent(page, 'message', { direction: 'agent' });
  assert.equal(agentMsg.detail.text, 'Hi, I am Ana <b>not bold</b>');
  assert.ok(agentMsg.detail.sender.length > 0);

  await control.agentAct(sessionId, { action: 'cobrowse' });
  await waitEvent(page, 'cobrowsing:requested');
  await page.locator('.wc-cobrowse-accept').click();
  const accepted = await waitEvent(page, 'cobrowsing:accepted');
  assert.equal(accepted.detail.accepted, true);

  await control.agentAct(sessionId, { action: 'close' });
  const ended = await waitEvent(page, 'chat:ended');
  assert.equal(ended.detail.by, 'agent');
  let lastState;
  await waitFor(async () => (lastState = (await call(page, 'chat.state')).value) === 'ended', {
    message: 'chat.state() "ended"',
  }).catch((e) => {
    throw new Error(`${e.message}; chat.state() was ${lastState}; page problems: ${problems.join(' | ')}`);
  });
  const survey = page.locator('.wc-survey');
  await survey.locator('.wc-survey-option[data-value="good"]').click();
  await survey.locator('textarea').fill('Great help');
  await survey.locator('.wc-survey-submit').click();
  const submitted = await waitEvent(page, 'survey:submitted');
  assert.equal(submitted.detail.result, 'good');
  assert.equal(submitted.detail.comment, 'Great help');

  // Every documented event but `cobrowsing:denied` and `error` (tests of their own) was seen.
  const seen = new Set((await events(page)).map((e) => e.name));
  for (const name of ['ready', 'open', 'close', 'chat:started', 'chat:ended', 'message', 'agent:typing',
    'survey:submitted', 'cobrowsing:requested', 'cobrowsing:accepted', 'visibility']) {
    assert.ok(seen.has(name), `event ${name} seen`);
  }
  assertNoProblems(problems);
  await context.close();
});

test('cobrowsing:denied and user.reset()', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ open: '1' }));
  await waitEvent(page, 'ready');
  const w = widget(page);
  await w.composer.fill('Hi');
  await w.composer.press('Enter');
  const { detail } = await waitEvent(page, 'chat:started');
  await waitForVisitorOnline(detail.sessionId);
  await control.agentAct(detail.sessionId, { action: 'cobrowse' });
  await page.locator('.wc-cobrowse-deny').click();
  assert.equal((await waitEvent(page, 'cobrowsing:denied')).detail.accepted, false);

  const before = await page.evaluate(() => window.CV.visitorId);
  await call(page, 'user.reset');
  await waitFor(async () => (await page.evaluate(() => window.CV.visitorId)) !== before, {
    message: 'a new visitor id after reset',
  });
  await waitFor(async () => (await control.session(detail.sessionId)).status === 'closed', {
    message: 'reset ended the chat',
  });
  await w.visitorMessages.first().waitFor({ state: 'detached' });
  assertNoProblems(problems);
  await context.close();
});

test('error: an unusable campaign reports `error`, state "unavailable", and calls only warn', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ 'var-CAMPAIGN': CAMPAIGNS.inactive }));
  const error = await waitEvent(page, 'error');
  assert.match(error.detail.message, /inactive/);
  assert.equal((await call(page, 'chat.state')).value, 'unavailable');
  const opened = await call(page, 'chat.open');
  assert.equal(opened.error, undefined);
  assert.equal((await call(page, 'chat.isOpen')).value, false);
  // The one console error is the widget's own report of the campaign.
  assertNoProblems(problems, [/webchat: hidden: the campaign is inactive/]);
  await context.close();
});

test('chat.open() before load loads at once; a bad queued call is logged at replay', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  // Interaction mode would wait forever without the open() call.
  await page.goto(scriptPage({ open: '1', bogus: '1', 'data-load': 'interaction' }));
  await waitEvent(page, 'ready');
  await widget(page).window.waitFor();
  assert.equal((await call(page, 'chat.isOpen')).value, true);
  assertNoProblems(problems, [/webchat: CV\.on\(\) failed: on\(\): unknown event "bogus"/]);
  assert.equal(problems.length, 1, 'exactly one message for the bad call');
  await context.close();
});

test('data-load="interaction" waits for the first interaction', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  suite.server.requests.length = 0;
  await page.goto(scriptPage({ 'data-load': 'interaction' }));
  await page.waitForFunction(() => document.readyState === 'complete');
  await page.waitForTimeout(1500);
  assert.equal(wasmRequests().length, 0, 'nothing loaded without interaction');
  assert.equal((await call(page, 'chat.state')).value, 'loading');
  await page.mouse.move(200, 200);
  await page.mouse.move(220, 240);
  await waitEvent(page, 'ready');
  assert.equal(wasmRequests().length, 1);
  assertNoProblems(problems);
  await context.close();
});

test('destroy() while the widget is still loading: nothing appears', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ 'data-load': 'interaction' }));
  await page.waitForFunction(() => window.__early);
  suite.server.requests.length = 0;
  await page.evaluate(() => { window.CV.chat.open(); window.CV.destroy(); });
  await waitFor(() => wasmRequests().length === 1, { message: 'the load that open() started' });
  await page.waitForTimeout(1500);
  assert.equal(await widget(page).host.count(), 0, 'no widget after destroy()');
  assert.equal((await call(page, 'chat.state')).value, 'destroyed');
  assertNoProblems(problems);
  await context.close();
});

test('destroy() removes everything without errors; a fresh start works', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage());
  await waitEvent(page, 'ready');
  const w = widget(page);
  await call(page, 'chat.open');
  await w.composer.fill('Before destroy');
  await w.composer.press('Enter');
  const { detail } = await waitEvent(page, 'chat:started');
  await waitForVisitorOnline(detail.sessionId);

  const domBefore = await page.evaluate(() => document.body.children.length);
  await call(page, 'destroy');
  await call(page, 'destroy'); // harmless twice
  await w.host.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.body.children.length), domBefore - 1);
  assert.equal((await call(page, 'chat.state')).value, 'destroyed');
  // The live chat was ended properly.
  await waitFor(async () => (await control.session(detail.sessionId)).status === 'closed', {
    message: 'destroy() ended the chat',
  });

  // A fresh start: the next call that needs the widget brings it back.
  const readyCount = (await events(page)).filter((e) => e.name === 'ready').length;
  await page.evaluate(() => window.__record(window.CV)); // the old handlers went with destroy()
  await call(page, 'chat.open');
  await w.window.waitFor();
  await waitFor(async () => (await events(page)).filter((e) => e.name === 'ready').length > readyCount, {
    message: 'ready again',
  });
  // The widget remembers the tab's conversation (continuity): the destroyed chat shows as
  // ended, and the visitor starts a new one.
  await waitFor(async () => ['idle', 'ended'].includes((await call(page, 'chat.state')).value), {
    message: 'the widget ready after a fresh start',
  });
  if ((await call(page, 'chat.state')).value === 'ended') {
    await page.getByRole('button', { name: 'Start a new chat' }).click();
  }
  await w.composer.fill('After a fresh start');
  await w.composer.press('Enter');
  await waitFor(async () => (await events(page)).filter((e) => e.name === 'chat:started').length === 2, {
    message: 'a second chat',
  });
  assertNoProblems(problems);
  await context.close();
});

test('data-global, data-position and data-z-index', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ 'data-global': 'Chat', 'data-position': 'bottom-left', 'data-z-index': '1234' }));
  await page.waitForFunction(() => window.Chat && typeof window.Chat.on === 'function');
  assert.equal(await page.evaluate(() => typeof window.CV), 'undefined');
  await page.evaluate(() => window.Chat.load().then(() => true));
  const w = widget(page);
  await w.launcher.waitFor();
  const box = await w.launcher.boundingBox();
  assert.ok(box.x < 100, `launcher on the left (x=${box.x})`);
  const z = await page.locator('.wc-launcher').evaluate((el) => getComputedStyle(el).zIndex);
  assert.equal(z, '1234');
  await page.evaluate(() => window.Chat.chat.open());
  // The frame shows first and the chat's window takes its place: measure the chat's.
  await w.window.waitFor();
  const win = await w.window.boundingBox();
  assert.ok(win.x < 100, `window on the left (x=${win.x})`);
  await screenshot(page, 'embed-bottom-left');
  assertNoProblems(problems);
  await context.close();
});

test('data-language: the widget speaks the given language whatever the campaign says', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ 'data-language': 'de' }));
  await waitEvent(page, 'ready');
  const root = page.locator('.wc-root');
  await waitFor(async () => (await root.getAttribute('lang')) === 'de', { message: 'lang="de"' });
  const label = await page.locator('.wc-launcher').getAttribute('aria-label');
  assert.notEqual(label, 'Open chat', 'the launcher is labelled in German');
  assertNoProblems(problems);
  await context.close();
});

test('the chat window is built on the first open only, then kept with its draft', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage());
  await waitEvent(page, 'ready');
  const w = widget(page);
  await w.launcher.waitFor();
  // Start-up renders the launcher alone: the window costs nothing until it is wanted.
  assert.equal(await w.window.count(), 0, 'no window before the first open');
  await w.launcher.click();
  await w.composer.waitFor();
  await waitFor(
    () => page.evaluate(() => document.getElementById('webchat-widget').shadowRoot.activeElement?.tagName === 'TEXTAREA'),
    { message: 'focus moves into the composer of the window this open built' },
  );
  await w.composer.fill('half a thought');
  await page.locator('.wc-minimise').click();
  await w.window.waitFor({ state: 'hidden' });
  assert.equal(await w.window.count(), 1, 'kept while minimised');
  await call(page, 'chat.open');
  assert.equal(await w.composer.inputValue(), 'half a thought');
  assertNoProblems(problems);
  await context.close();
});

test('data-container: an inline chat inside the page', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  const { page, problems, context } = await suite.newPage();
  await page.goto(scriptPage({ 'data-container': '#inline-chat', open: '1' }));
  await waitEvent(page, 'ready');
  const w = widget(page);
  await w.window.waitFor();
  const container = await page.locator('#inline-chat').boundingBox();
  const win = await w.window.boundingBox();
  assert.ok(win.x >= container.x && win.x + win.width <= container.x + container.width + 1, 'inside horizontally');
  assert.ok(win.y >= container.y && win.y + win.height <= container.y + container.height + 1, 'inside vertically');
  assert.equal(await page.locator('#webchat-widget').count(), 0, 'no floating host');
  await screenshot(page, 'embed-inline');
  // Minimised, the window leaves its space in the container to the launcher.
  await w.minimise.click();
  await w.window.waitFor({ state: 'hidden' });
  await w.launcher.waitFor();
  const launcher = await w.launcher.boundingBox();
  assert.ok(launcher.y + launcher.height <= container.y + container.height + 1, 'the launcher inside the container');
  await w.launcher.click();
  await w.window.waitFor();
  await call(page, 'destroy');
  assert.equal(await page.locator('#inline-chat').evaluate((el) => el.shadowRoot?.childElementCount ?? 0), 0);
  assertNoProblems(problems);
  await context.close();
});

test('ES module package: init() resolves to the same API; destroy() then init() again', async (t) => {
  if (onlyOn(t, 'embedded')) return; // the same on every XMPP backend
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  const xmpp = await control.xmpp();
  const u = new URL('/pages/embed-module.html', suite.server.origin);
  u.searchParams.set('api', `${env().url}${API_PATH}`);
  u.searchParams.set('token', API_TOKEN);
  u.searchParams.set('campaign', CAMPAIGNS.english);
  u.searchParams.set('ws', xmpp.ws_url);
  u.searchParams.set('visitorIds', 'persistent');
  await page.goto(u.toString());
  assert.equal(await page.evaluate(() => window.__started), 'started');
  const shape = await page.evaluate(() => ({
    top: ['on', 'off', 'destroy'].every((k) => typeof window.__cv[k] === 'function'),
    user: Object.keys(window.__cv.user).sort(),
    chat: Object.keys(window.__cv.chat).sort(),
    events: window.__eventNames,
  }));
  assert.ok(shape.top);
  assert.deepEqual(shape.user, ['reset', 'tag']);
  assert.deepEqual(shape.chat, ['auto', 'close', 'hide', 'isOpen', 'open', 'show', 'state', 'toggle']);
  assert.equal(shape.events.length, 13);
  await waitEvent(page, 'ready');
  // Persistent ids live in localStorage.
  const id = await page.evaluate(() => window.__cv.visitorId);
  assert.ok(await page.evaluate((id) => Object.values(localStorage).includes(id), id));

  // A second widget on the same spot is refused clearly.
  const twice = await page.evaluate(() => window.__start());
  assert.match(twice, /already running/);

  await page.evaluate(() => window.__cv.destroy());
  await widget(page).host.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.__cv.chat.state()), 'destroyed');
  // init() yields to the page while it starts: a second one meanwhile is refused all the same.
  const both = await page.evaluate(() => Promise.all([window.__start(), window.__start()]));
  assert.equal(both.filter((r) => r === 'started').length, 1, JSON.stringify(both));
  assert.match(both.find((r) => r !== 'started'), /already running/);
  assert.equal(await widget(page).host.count(), 1, 'one floating host');
  await page.evaluate(() => window.__cv.destroy());
  await widget(page).host.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => window.__start()), 'started');
  await widget(page).launcher.waitFor();
  assert.equal(await page.evaluate(() => window.__cv.visitorId), id, 'the same persistent visitor');

  // Bad options reject with the option's name.
  const bad = await page.evaluate(() => window.__start({ websocketUrl: 'http://nope' }));
  assert.match(bad, /websocketUrl/);
  assertNoProblems(problems);
  await context.close();
});
