// Logged-in users (`docs/protocol.md` §4) in Chromium against devserver and the run's XMPP
// backend: `user.tag` with the site's signature sends the user with the chat (the agent sees who
// it is) and brings the user's earlier chats back in another browser; `user.reset` ends the chat
// properly, leaves nothing of the user in storage or DOM, and the next chat is a new visitor's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript, waitForSession, waitForVisitorOnline, screenshot, WIDGET_CLIP, signed,
} from '../lib/harness.mjs';

const suite = browserSuite();

async function texts(page) {
  return page.locator('.wc-msg .wc-bubble').allTextContents();
}

/// Every `webchat:` key in both storages, with its value.
async function storedValues(page) {
  return page.evaluate(() => {
    const pick = (s) =>
      Object.fromEntries(Object.keys(s).filter((k) => k.startsWith('webchat:')).map((k) => [k, s.getItem(k)]));
    return { ...pick(sessionStorage), ...pick(localStorage) };
  });
}

function uniqueUser() {
  const n = Math.random().toString(36).slice(2, 8);
  return { email: `john.${n}@example.com`, firstname: 'John', lastname: `Doe${n}`, labels: ['vip'] };
}

test('tag: the user reaches the agent with the chat, and their history comes back in a new browser', async () => {
  await signInAgent({ firstname: 'Ana' });
  // The user's own agent, routed to by `assignedUser` although Ana signed in first.
  const agent = await signInAgent({ firstname: 'Bea' });
  const user = signed({ ...uniqueUser(), assignedUser: agent.nickname });
  const first = await suite.newPage();
  await openWidget(first.page);
  await first.page.evaluate((u) => window.__webchat.handle.user.tag(u), user);
  // A wrong argument is refused with a clear error, the tagged user stays.
  const refused = await first.page.evaluate(() => {
    try {
      window.__webchat.handle.user.tag({ email: 'nope' });
      return null;
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  });
  assert.match(refused ?? '', /TypeError: .*email/);
  const session = await startChat(first.page, 'my order is late');
  assert.equal(session.visitor_identifier, user.email);
  assert.equal(session.user?.email, user.email);
  assert.deepEqual(session.user?.labels, ['vip']);
  assert.equal(session.user?.assigned_user, agent.nickname);
  assert.equal(session.user?.verified, true, 'the site signed this user');
  assert.equal(session.agent.nickname, agent.nickname);
  await control.agentAct(session.id, { action: 'message', body: 'let me check that' });
  await widget(first.page).agentMessages.filter({ hasText: 'let me check that' }).waitFor();
  await waitFor(async () => (await transcript(session.id)).length === 2, { message: 'both messages recorded' });
  await first.context.close();

  // Another browser profile (a new session-based visitor): logging in brings the chat back.
  const second = await suite.newPage();
  const state = await openWidget(second.page);
  assert.notEqual(state.visitorId, session.tracker_id);
  await second.page.evaluate((u) => window.__webchat.handle.user.tag(u), user);
  const w = widget(second.page);
  if (!(await w.window.isVisible())) await w.launcher.click();
  await w.agentMessages.filter({ hasText: 'let me check that' }).waitFor();
  assert.deepEqual(await texts(second.page), ['my order is late', 'let me check that']);
  // Shown as an earlier chat: under one separator labelled with that chat's day, the
  // messages marked as earlier.
  const seps = second.page.locator('.wc-history-sep[role="separator"]');
  assert.equal(await seps.count(), 1);
  const today = await second.page.evaluate(() =>
    new Date().toLocaleDateString('en', { dateStyle: 'medium' }),
  );
  assert.equal(await seps.getAttribute('aria-label'), `Earlier chat · ${today}`);
  assert.equal(await second.page.locator('.wc-msg--earlier').count(), 2);
  await screenshot(second.page, 'history', { clip: WIDGET_CLIP });
  // Tagging the same user again (every page load does) changes nothing.
  await second.page.evaluate((u) => window.__webchat.handle.user.tag(u), user);
  await second.page.waitForTimeout(300);
  assert.deepEqual(await texts(second.page), ['my order is late', 'let me check that']);
  assertNoProblems(second.problems);
  await second.context.close();
});

test('reset: the chat ends properly, nothing of the user is left, the next chat is a new visitor', async () => {
  await signInAgent({ firstname: 'Ana' });
  const user = signed(uniqueUser());
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  await page.evaluate((u) => window.__webchat.handle.user.tag(u), user);
  const session = await startChat(page, 'private question');
  await control.agentAct(session.id, { action: 'message', body: 'private answer' });
  const w = widget(page);
  await w.agentMessages.filter({ hasText: 'private answer' }).waitFor();
  const events = await page.evaluate(() => {
    window.__ended = [];
    window.__webchat.handle.on('chat:ended', (d) => window.__ended.push(d.by));
    return true;
  });
  assert.ok(events);

  await page.evaluate(() => {
    window.__webchat.handle.user.reset();
    window.__webchat.handle.user.reset(); // twice is harmless
  });
  // The agent side saw `closed`: the session is closed.
  await waitFor(async () => (await control.session(session.id)).status === 'closed', {
    message: 'the chat closed at the agent',
  });
  await waitFor(() => page.evaluate(() => window.__ended.length === 1), { message: 'one chat:ended event' });
  assert.deepEqual(await page.evaluate(() => window.__ended), ['visitor']);
  const stored = await storedValues(page);
  assert.deepEqual(Object.keys(stored), ['webchat:visitor_id']);
  const newId = stored['webchat:visitor_id'];
  assert.notEqual(newId, session.tracker_id);
  const dom = await page.locator('#webchat-widget').evaluate((host) => host.shadowRoot.textContent);
  for (const secret of ['private question', 'private answer', user.email, user.signature]) {
    assert.ok(!dom.includes(secret), `"${secret}" is still in the widget`);
  }
  assert.equal(await page.evaluate(() => window.__webchat.handle.visitorId), newId);

  // The next chat: a new tracker_id, no user.
  await w.composer.fill('hello as somebody new');
  await w.composer.press('Enter');
  const next = await waitForSession(newId);
  await waitForVisitorOnline(next.id);
  assert.notEqual(next.id, session.id);
  assert.equal(next.user ?? null, null);
  assert.notEqual(next.visitor_identifier, user.email);
  assert.deepEqual(await texts(page), ['hello as somebody new']);
  assertNoProblems(problems);
  await context.close();
});
