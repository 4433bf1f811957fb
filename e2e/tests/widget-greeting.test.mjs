// What the launcher stage does before and beside the chat: proactive greetings (shown when their
// rules hold, dismissed, never twice for one visitor, accepted into a chat that starts with the
// greeting as the agent's first message and tells the backend which trigger it came from) and
// the notifications while the window is closed (badge, page title given back exactly, the
// optional chime, `unread` events; the count survives a reload and is shared by two tabs).

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  assertNoProblems, axeAudit, browserSuite, control, formatViolations, openWidget, screenshot,
  signInAgent, startChat, waitFor, waitForSession, widget, WIDGET_CLIP,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// Records every `greeting` and `unread` event of the page's widget in `window.__events`.
async function recordEvents(page) {
  await page.evaluate(() => {
    window.__events = [];
    for (const name of ['greeting', 'unread']) {
      window.__webchat.handle.on(name, (d) => window.__events.push({ name, ...d }));
    }
  });
}

const events = (page, name) =>
  page.evaluate((name) => window.__events.filter((e) => e.name === name).map(({ name: _, ...d }) => d), name);

const bubble = (page) => page.locator('.wc-greeting');

const TRIGGERS = {
  triggers: [
    { id: 'hello', message: 'Hi! <b>Need</b> a hand?', agentName: 'Maria', rules: { secondsOnPage: 1 } },
    { id: 'later', message: 'Still there?', rules: { secondsOnPage: 2 } },
  ],
};

test('greeting: shown when its rules hold, as text, dismissed, never twice for the visitor', async () => {
  const { page, problems, context } = await suite.newPage();
  await openWidget(page, { livechat: TRIGGERS, visitorIds: 'persistent' });
  await recordEvents(page);
  await bubble(page).waitFor();
  assert.equal(await page.locator('.wc-greeting-name').textContent(), 'Maria');
  assert.equal(await page.locator('.wc-greeting-text').textContent(), 'Hi! <b>Need</b> a hand?');
  assert.equal(await bubble(page).locator('b').count(), 0, 'a greeting is text, never markup');
  await waitFor(async () => (await events(page, 'greeting')).length === 1, { message: 'the shown event' });
  assert.deepEqual(await events(page, 'greeting'), [{ id: 'hello', action: 'shown' }]);
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], `axe (greeting):\n${formatViolations(violations)}`);
  await screenshot(page, 'greeting', { clip: WIDGET_CLIP });

  await page.getByRole('button', { name: 'Dismiss' }).click();
  await bubble(page).waitFor({ state: 'detached' });
  await waitFor(async () => (await events(page, 'greeting')).length === 2, { message: 'the dismissed event' });
  assert.deepEqual((await events(page, 'greeting'))[1], { id: 'hello', action: 'dismissed' });
  // One at a time: the next trigger shows only on a later page view.
  assert.equal(await bubble(page).count(), 0);
  // A greeting shown is a sign of interest: the chat stage was fetched with it, so a click on
  // the next one finds the chat ready.
  await waitFor(
    () => page.evaluate(() =>
      performance.getEntriesByType('resource').some((e) => /\/(webchat\.[0-9a-f]+\.wasm|webchat_bg\.wasm)$/.test(e.name))),
    { message: 'the chat stage fetched with the greeting' },
  );

  // The next page view: "hello" was shown to this visitor, so "later" is the one that comes.
  await page.reload();
  await page.waitForFunction(() => window.__webchat?.status === 'started');
  await page.locator('.wc-greeting-text', { hasText: 'Still there?' }).waitFor();
  assert.equal(await page.locator('.wc-greeting-name').count(), 0, 'no name: the text alone');
  await page.getByRole('button', { name: 'Dismiss' }).click();
  // A third page view: both were shown; the launcher stays alone (the page's own widget state
  // says it is ready, and the storage lists both).
  await page.reload();
  await page.waitForFunction(() => window.__webchat?.status === 'started');
  const seen = await page.evaluate(() => localStorage.getItem('webchat:greetings'));
  assert.deepEqual(seen.split('\n').sort(), ['hello', 'later']);
  await widget(page).launcher.waitFor();
  assert.equal(await bubble(page).count(), 0);
  assertNoProblems(problems);
  await context.close();
});

test('greeting accepted: the chat opens with it as the agent\'s first message, the backend learns the trigger', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  const { visitorId } = await openWidget(page, {
    // A second on the page: the events are recorded by then.
    livechat: {
      triggers: [{ id: 'welcome-now', message: 'Welcome! Ask me anything.', agentName: 'Maria', rules: { secondsOnPage: 1 } }],
    },
  });
  await recordEvents(page);
  await bubble(page).waitFor();
  await page.locator('.wc-greeting-open').click();
  const w = widget(page);
  await w.composer.waitFor();
  await w.agentMessages.filter({ hasText: 'Welcome! Ask me anything.' }).waitFor();
  assert.equal(await bubble(page).count(), 0, 'the bubble is gone once the window is open');
  await waitFor(async () => (await events(page, 'greeting')).some((e) => e.action === 'accepted'), {
    message: 'the accepted event',
  });
  assert.deepEqual(await events(page, 'greeting'), [
    { id: 'welcome-now', action: 'shown' },
    { id: 'welcome-now', action: 'accepted' },
  ]);
  await screenshot(page, 'greeting-accepted', { clip: WIDGET_CLIP });
  await w.composer.fill('Yes, about delivery times');
  await w.composer.press('Enter');
  const session = await waitForSession(visitorId);
  assert.equal(session.greeting_trigger, 'welcome-now');
  // Never over an open chat: minimised with a chat under way, no greeting comes back.
  await page.keyboard.press('Escape');
  await w.window.waitFor({ state: 'hidden' });
  assert.equal(await bubble(page).count(), 0);
  assertNoProblems(problems);
  await context.close();
});

/// Counts the chime's notes: every oscillator the page starts.
async function countNotes(context) {
  await context.addInitScript(() => {
    window.__notes = 0;
    const Real = window.AudioContext;
    if (!Real) return;
    window.AudioContext = class extends Real {
      createOscillator() {
        const osc = super.createOscillator();
        const start = osc.start.bind(osc);
        osc.start = (...a) => {
          window.__notes += 1;
          return start(...a);
        };
        return osc;
      }
    };
  });
}

test('unread: badge, title given back exactly, chime, events; kept across a reload and shared by two tabs', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await countNotes(context);
  await openWidget(page, { visitorIds: 'persistent', livechat: { sound: true } });
  await page.evaluate(() => { document.title = 'Shop — Beans & Co.'; });
  await recordEvents(page);
  const session = await startChat(page, 'Is the Ethiopian roast in stock?');
  const w = widget(page);
  await page.keyboard.press('Escape');
  await w.window.waitFor({ state: 'hidden' });

  await control.agentAct(session.id, { action: 'message', body: 'Yes, it is!' });
  const badge = page.locator('.wc-badge');
  await waitFor(async () => (await badge.textContent().catch(() => '')) === '1', { message: 'the badge says 1' });
  await waitFor(() => page.evaluate(() => document.title === '(1) New message'), { message: 'the title flashes' });
  await waitFor(() => page.evaluate(() => document.title === 'Shop — Beans & Co.'), { message: 'and alternates' });
  await waitFor(async () => (await events(page, 'unread')).some((e) => e.count === 1), { message: 'unread 1' });
  await waitFor(() => page.evaluate(() => window.__notes === 2), { message: 'the chime (two notes)' });
  assert.equal(
    await page.locator('.wc-root > .wc-sr').textContent(),
    '(1) New message',
    'announced politely to screen readers',
  );
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], `axe (unread):\n${formatViolations(violations)}`);
  await screenshot(page, 'unread-badge', { clip: WIDGET_CLIP });

  // A reload keeps the count (badge and title), and so does a second tab of the same visitor.
  await page.reload();
  await page.waitForFunction(() => window.__webchat?.status === 'started');
  await waitFor(async () => (await badge.textContent().catch(() => '')) === '1', { message: 'the badge after a reload' });
  const two = await context.newPage();
  await openWidget(two, { visitorIds: 'persistent', livechat: { sound: true } });
  await waitFor(async () => (await two.locator('.wc-badge').textContent().catch(() => '')) === '1', {
    message: 'the badge in the second tab',
  });
  await waitFor(() => two.evaluate(() => document.title.startsWith('(1)')), { message: 'the second tab flashes too' });

  // Read in the second tab: both badges go, both titles come back exactly.
  await widget(two).launcher.click();
  await widget(two).agentMessages.filter({ hasText: 'Yes, it is!' }).waitFor();
  await waitFor(async () => (await page.locator('.wc-badge').count()) === 0, { message: 'the first tab follows' });
  await waitFor(() => page.evaluate(() => document.title === 'webchat e2e host page'), {
    message: 'the first tab has its title back',
  });
  assert.equal(await two.evaluate(() => document.title), 'webchat e2e host page');
  assert.equal(await page.evaluate(() => localStorage.getItem('webchat:unread')), null);
  assertNoProblems(problems);
  await context.close();
});
