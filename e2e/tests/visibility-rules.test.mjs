// Visibility rules end to end: the launcher follows agent availability flipped live
// through devserver's /_test/ surface, a single-page app's route changes, an ongoing chat
// survives its rule turning false, bad rules leave the widget visible with one clear console
// error, and chat.hide()/show()/auto() override the rules. Hidden means no launcher and no chat
// session. Only the ongoing-chat test needs XMPP; it runs on every backend, the others on the
// embedded one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, CAMPAIGNS, widget, assertNoProblems, signInAgent, control, waitFor, waitForSession,
  waitForVisitorOnline, pageUrl, screenshot, onlyOn,
} from '../lib/harness.mjs';

const suite = browserSuite();
let ws;
before(async () => {
  ws = (await control.xmpp()).ws_url;
});

/** Opens the visibility page with `rules` (an object, or `{ text }` for a raw string). */
async function openWithRules(page, rules, extra = {}) {
  const params = { campaign: CAMPAIGNS.english, ws, ...extra };
  if (rules && typeof rules.text === 'string') params.rulesText = rules.text;
  else if (rules) params.rules = JSON.stringify(rules);
  await page.goto(pageUrl('visibility.html', params));
  await page.waitForFunction(() => window.__webchat && window.__webchat.status !== 'loading');
  const state = await page.evaluate(() => ({ status: window.__webchat.status, error: window.__webchat.error }));
  assert.equal(state.status, 'started', `the widget did not start: ${state.error}`);
}

/** Whether the widget's root is shown (the rules' `hidden` attribute is absent). */
async function shown(page) {
  return page.evaluate(() => {
    const host = document.querySelector('#webchat-widget');
    const root = host?.shadowRoot?.querySelector('.wc-root');
    if (!host || !root) return null;
    return !host.hidden && !root.hidden;
  });
}

async function waitShown(page, want, message) {
  await waitFor(async () => (await shown(page)) === want, {
    message: message ?? `widget ${want ? 'shown' : 'hidden'}`,
  });
}

/** The `visibility` events recorded after init, from index `from` on: `[{ visible, reason }]`.
 * (The initial state's event may fire before `cv.on` is registered, so tests count from a mark.) */
async function events(page, from = 0) {
  return page.evaluate(
    (from) => window.__webchat.events.slice(from).map(({ visible, reason }) => ({ visible, reason })),
    from,
  );
}

async function chatSessionsPosted() {
  return (await control.requests()).filter((r) => r.method === 'POST' && r.path.endsWith('/chatsessions'));
}

test('agentAvailable: the launcher appears when an agent signs in and goes when none is left', async (t) => {
  // Only devserver's Public API is involved: one backend is enough.
  if (onlyOn(t, 'embedded')) return;
  await control.clearRequests();
  const { page, problems, context } = await suite.newPage();
  await openWithRules(page, { agentAvailable: true, pollSeconds: 5 });
  const w = widget(page);
  // Nobody is signed in: hidden, no launcher to press.
  await waitShown(page, false);
  assert.equal(await w.launcher.isVisible(), false);
  await screenshot(page, 'visibility-hidden');

  const agent = await signInAgent();
  await waitShown(page, true, 'the launcher after an agent signed in (next poll)');
  await w.launcher.waitFor();
  await waitFor(async () => (await events(page)).some((e) => e.visible && e.reason === 'rules'), {
    message: 'a visibility event {visible: true, reason: "rules"}',
  });
  // The launcher that appears is usable: the composer is enabled.
  await w.launcher.click();
  await w.composer.waitFor();
  assert.equal(await w.composer.isEnabled(), true);
  await page.locator('.wc-minimise').click();
  await w.window.waitFor({ state: 'hidden' });

  await control.signOutAgent(agent.id);
  await waitShown(page, false, 'hidden again once no agent is left');
  const last = (await events(page)).at(-1);
  assert.deepEqual(last, { visible: false, reason: 'rule:agentAvailable' });
  // The campaign was polled, and hidden meant no chat session.
  const polls = (await control.requests()).filter(
    (r) => r.method === 'GET' && r.path.endsWith(`/campaigns/${CAMPAIGNS.english}`),
  );
  assert.ok(polls.length >= 3, `campaign polled (${polls.length} reads)`);
  assert.deepEqual(await chatSessionsPosted(), []);
  assertNoProblems(problems);
  await context.close();
});

test('pages: a single-page app route change hides and shows the widget', async (t) => {
  // Only devserver's Public API is involved: one backend is enough.
  if (onlyOn(t, 'embedded')) return;
  const { page, problems, context } = await suite.newPage();
  await openWithRules(page, { pages: { exclude: ['/pages/private/*'] } });
  await waitShown(page, true);
  await page.waitForTimeout(50);
  const mark = (await events(page)).length;
  await page.evaluate(() => history.pushState({}, '', '/pages/private/account'));
  await waitShown(page, false, 'hidden on an excluded route');
  await page.evaluate(() => history.replaceState({}, '', '/pages/shop/item?id=7'));
  await waitShown(page, true, 'shown again on replaceState');
  await page.evaluate(() => history.pushState({}, '', '/pages/private/orders'));
  await waitShown(page, false);
  await page.goBack({ waitUntil: 'commit' });
  await waitShown(page, true, 'shown again on the back button (popstate)');
  assert.deepEqual(await events(page, mark), [
    { visible: false, reason: 'rule:pages' },
    { visible: true, reason: 'rules' },
    { visible: false, reason: 'rule:pages' },
    { visible: true, reason: 'rules' },
  ]);
  // destroy() puts the History API back.
  const restored = await page.evaluate(() => {
    const wrapped = history.pushState;
    window.__webchat.cv.destroy();
    return wrapped !== history.pushState && /native code/.test(String(history.pushState));
  });
  assert.equal(restored, true, 'history.pushState restored on destroy');
  assertNoProblems(problems);
  await context.close();
});

test('an ongoing chat survives its rule turning false', async () => {
  await signInAgent();
  const { page, problems, context } = await suite.newPage();
  await openWithRules(page, { pages: { exclude: ['/pages/private/*'] } });
  await waitShown(page, true);
  const w = widget(page);
  await w.launcher.click();
  await w.composer.fill('Hello, can you help me with my order?');
  await w.composer.press('Enter');
  const visitorId = await page.evaluate(() => window.__webchat.cv.visitorId);
  const session = await waitForSession(visitorId);
  await waitForVisitorOnline(session.id);

  // The visitor navigates (SPA) to a page the rule excludes: the chat stays.
  await page.evaluate(() => history.pushState({}, '', '/pages/private/checkout'));
  await control.agentAct(session.id, { action: 'message', body: 'Sure, one moment.' });
  await w.agentMessages.filter({ hasText: 'Sure, one moment.' }).waitFor();
  assert.equal(await shown(page), true, 'still visible during the chat');
  // Minimised, the chat still goes on: still visible.
  await page.locator('.wc-minimise').click();
  await page.waitForTimeout(300);
  assert.equal(await shown(page), true, 'a minimised running chat is not hidden');
  await screenshot(page, 'visibility-chat-kept');

  // The agent ends the chat while the window is minimised.
  await control.agentAct(session.id, { action: 'close' });
  await waitFor(async () => (await page.evaluate(() => window.__webchat.cv.chat.state())) === 'ended', {
    message: 'chat ended',
  });
  // Over, minimised, nothing unread: the rule applies again.
  await waitShown(page, false, 'hidden after the chat, on the excluded page');
  assertNoProblems(problems);
  await context.close();
});

test('bad rules: one clear console error naming the rule, and the widget stays visible', async (t) => {
  // Only devserver's Public API is involved: one backend is enough.
  if (onlyOn(t, 'embedded')) return;
  await signInAgent();
  const { page, problems, consoleMessages, context } = await suite.newPage();
  await openWithRules(page, { text: '{"agentOnline": true, "secondsOnPage": "ten"}' });
  await waitShown(page, true);
  const ours = consoleMessages.filter((m) => m.text.includes('visibility rules ignored'));
  assert.equal(ours.length, 1, JSON.stringify(consoleMessages));
  assert.equal(ours[0].type, 'error');
  assert.match(ours[0].text, /rule `secondsOnPage` is a string/);
  assertNoProblems(problems, [/visibility rules ignored/]);
  await context.close();
});

test('chat.hide(), show() and auto() override the rules', async (t) => {
  // Only devserver's Public API is involved: one backend is enough.
  if (onlyOn(t, 'embedded')) return;
  const { page, problems, context } = await suite.newPage();
  await openWithRules(page, { secondsOnPage: 3600 });
  await waitShown(page, false);
  await page.waitForTimeout(50);
  const mark = (await events(page)).length;
  await page.evaluate(() => window.__webchat.cv.chat.show());
  await waitShown(page, true, 'shown by chat.show()');
  await page.evaluate(() => window.__webchat.cv.chat.auto());
  await waitShown(page, false, 'the rule again after chat.auto()');
  await page.evaluate(() => history.pushState({}, '', '/pages/elsewhere'));
  await page.evaluate(() => window.__webchat.cv.chat.hide());
  await waitShown(page, false);
  assert.deepEqual(await events(page, mark), [
    { visible: true, reason: 'api' },
    { visible: false, reason: 'rule:secondsOnPage' },
  ]);
  assertNoProblems(problems);
  await context.close();
});
