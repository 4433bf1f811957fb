// Continuity in Chromium against devserver and the run's XMPP backend: a reload in the
// middle of a chat with agent messages sent while the page is away (each shown exactly once, no
// flash of an empty chat, no new chat session), a navigation to another page, and session-based
// vs persistent visitor ids across pages and browser contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript, widgetUrl, screenshot,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// Texts in the conversation, in order, as `agent:TEXT` / `visitor:TEXT`.
async function conversation(page) {
  return page.locator('.wc-msg').evaluateAll((rows) =>
    rows.map((row) => {
      const text = row.querySelector('.wc-bubble')?.textContent ?? '';
      return `${row.classList.contains('wc-msg--visitor') ? 'visitor' : 'agent'}:${text}`;
    }),
  );
}

/// Installed before any page script: records how many message rows the widget's window showed
/// the first time it was rendered (`window.__firstWindowRows`), to catch an empty flash.
function recordFirstRender() {
  window.__firstWindowRows = null;
  const look = () => {
    const root = document.getElementById('webchat-widget')?.shadowRoot;
    const win = root?.querySelector('.wc-window');
    if (win && window.__firstWindowRows === null) {
      window.__firstWindowRows = root.querySelectorAll('.wc-msg').length;
    }
    if (window.__firstWindowRows === null) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/// Chat API calls devserver logged (method + path), oldest first.
async function apiCalls() {
  return (await control.requests())
    .filter((r) => r.path.includes('/chatbot/v1/'))
    .map((r) => `${r.method} ${r.path.replace(/^.*\/chatbot\/v1\//, '')}`);
}

test('a reload mid-chat: the window comes back at once, agent messages sent meanwhile appear once', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'before the reload');
  // The agent answers what it got (so both sides agree on the order).
  await waitFor(async () => (await transcript(session.id)).length === 1, { message: 'the first message at the agent' });
  await control.agentAct(session.id, { action: 'message', body: 'agent 1' });
  await w.agentMessages.filter({ hasText: 'agent 1' }).waitFor();
  await waitFor(async () => (await w.visitorMessages.first().getAttribute('data-status')) === 'sent', {
    message: 'first message sent',
  });
  await control.clearRequests();

  // While the next page loads (the old one is gone, its socket dead), the agent writes twice.
  let sentDuring = false;
  let wrote;
  const written = new Promise((resolve) => {
    wrote = resolve;
  });
  await page.route('**/npm/webchat_launcher.js', async (route) => {
    if (!sentDuring) {
      sentDuring = true;
      await control.agentAct(session.id, { action: 'message', body: 'during the reload 1' });
      await control.agentAct(session.id, { action: 'message', body: 'during the reload 2' });
      wrote();
    }
    await route.continue();
  });
  await page.addInitScript(recordFirstRender);
  await page.reload();
  await written;
  assert.ok(sentDuring, 'the agent wrote while the page was away');
  await page.waitForFunction(() => window.__webchat && window.__webchat.status !== 'loading');
  await page.waitForFunction(() => window.__firstWindowRows !== null);
  const firstRows = await page.evaluate(() => window.__firstWindowRows);
  assert.ok(firstRows >= 2, `the window's first render showed ${firstRows} messages (an empty flash?)`);

  await w.agentMessages.filter({ hasText: 'during the reload 2' }).waitFor();
  await w.composer.fill('after the reload');
  await w.composer.press('Enter');
  await waitFor(
    async () => (await transcript(session.id)).some((m) => m.from === 'visitor' && m.body === 'after the reload'),
    { message: 'the visitor message after the reload at the agent' },
  );
  await control.agentAct(session.id, { action: 'message', body: 'agent 2' });
  await w.agentMessages.filter({ hasText: 'agent 2' }).waitFor();
  // Give late duplicates (archive, stream resumption) a moment to show up if they were to.
  await page.waitForTimeout(500);
  assert.deepEqual(await conversation(page), [
    'visitor:before the reload',
    'agent:agent 1',
    'agent:during the reload 1',
    'agent:during the reload 2',
    'visitor:after the reload',
    'agent:agent 2',
  ]);
  // The same chat session continued: credentials read again, nothing created.
  const calls = await apiCalls();
  assert.ok(calls.includes(`GET xmppcredentials/${session.credentials[0]}`), calls.join('\n'));
  assert.ok(!calls.some((c) => c.startsWith('POST ')), `no new session or credentials: ${calls.join(', ')}`);
  const server = (await transcript(session.id)).map((m) => `${m.from}:${m.body}`);
  assert.deepEqual(server, [
    'visitor:before the reload',
    'agent:agent 1',
    'agent:during the reload 1',
    'agent:during the reload 2',
    'visitor:after the reload',
    'agent:agent 2',
  ]);
  assert.notEqual((await control.session(session.id)).status, 'closed', 'a reload never ends the chat');
  await screenshot(page, 'identity-after-reload');
  assertNoProblems(problems);
  await context.close();
});

test('navigating to another page continues the chat and its outbox', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'on page one');
  await waitFor(async () => (await transcript(session.id)).length === 1, { message: 'the first message at the agent' });
  await control.agentAct(session.id, { action: 'message', body: 'hello from the agent' });
  await w.agentMessages.filter({ hasText: 'hello from the agent' }).waitFor();

  const second = new URL(await widgetUrl());
  second.searchParams.set('page', 'two');
  second.hash = 'checkout';
  await page.goto(second.toString());
  await page.waitForFunction(() => window.__webchat && window.__webchat.status === 'started');
  // `init` resolves with the launcher; the running chat's stage restores right after it.
  await w.agentMessages.filter({ hasText: 'hello from the agent' }).waitFor();
  assert.deepEqual((await conversation(page)).slice(0, 2), ['visitor:on page one', 'agent:hello from the agent']);
  await w.composer.fill('on page two');
  await w.composer.press('Enter');
  await waitFor(
    async () => (await transcript(session.id)).some((m) => m.from === 'visitor' && m.body === 'on page two'),
    { message: 'the message from page two at the agent' },
  );
  await control.agentAct(session.id, { action: 'message', body: 'see you on page two' });
  await w.agentMessages.filter({ hasText: 'see you on page two' }).waitFor();
  assert.deepEqual(await conversation(page), [
    'visitor:on page one',
    'agent:hello from the agent',
    'visitor:on page two',
    'agent:see you on page two',
  ]);
  const sessions = (await control.sessions()).filter((s) => s.tracker_id === session.tracker_id);
  assert.equal(sessions.length, 1, 'one chat session across both pages');
  assertNoProblems(problems);
  await context.close();
});

/// The visitor id a fresh page of `context` gets with `visitorIds`.
async function idOf(context, visitorIds) {
  const page = await context.newPage();
  const state = await openWidget(page, { visitorIds });
  const stored = await page.evaluate(() => {
    const pick = (s) => Object.keys(s).filter((k) => k.startsWith('webchat:')).sort();
    return { session: pick(sessionStorage), local: pick(localStorage), cookies: document.cookie };
  });
  return { page, id: state.visitorId, stored };
}

test('session-based ids end with the tab; persistent ids last across pages, never across contexts', async () => {
  const { context, problems } = await suite.newPage();
  // Session-based (the default): kept by a reload, a new tab is a new visitor.
  const a = await idOf(context, 'session');
  // Only `webchat:` keys, only in sessionStorage, no cookies. What follows the campaign read may
  // or may not be written yet: the campaign's look for the next page view, and the visit count
  // the campaign's greeting for returning visitors (`visitNumber`) needs.
  const afterRead = (k) => !['webchat:campaign', 'webchat:visits', 'webchat:visit_session'].includes(k);
  assert.deepEqual(
    { ...a.stored, session: a.stored.session.filter(afterRead) },
    { session: ['webchat:visitor_id'], local: [], cookies: '' },
  );
  await a.page.reload();
  await a.page.waitForFunction(() => window.__webchat && window.__webchat.status === 'started');
  assert.equal(await a.page.evaluate(() => window.__webchat.handle.visitorId), a.id);
  const b = await idOf(context, 'session');
  assert.notEqual(b.id, a.id);

  // Persistent: the same id in every page of this browser profile, in localStorage only.
  const p1 = await idOf(context, 'persistent');
  assert.deepEqual(p1.stored.local.filter(afterRead), ['webchat:visitor_id']);
  const p2 = await idOf(context, 'persistent');
  assert.equal(p2.id, p1.id);
  await p1.page.close();
  await p2.page.close();

  // Another browser context (another profile): nothing is shared.
  const { context: other } = await suite.newPage();
  const q = await idOf(other, 'persistent');
  assert.notEqual(q.id, p1.id);
  const s = await idOf(other, 'session');
  assert.notEqual(s.id, a.id);
  assertNoProblems(problems);
  await other.close();
  await context.close();
});
