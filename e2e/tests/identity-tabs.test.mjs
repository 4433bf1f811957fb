// Two tabs of one browser profile with a persistent visitor: one tab holds the XMPP
// connection, the other shows the same chat live and sends through it (messages and typing);
// when the leader tab closes the other takes the chat over (stream resumed or logged in again),
// and every message still arrives exactly once on both sides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript,
} from '../lib/harness.mjs';

const suite = browserSuite();

async function texts(page) {
  return page.locator('.wc-msg .wc-bubble').allTextContents();
}

async function atAgent(sessionId, body) {
  return waitFor(
    async () => (await transcript(sessionId)).filter((m) => m.from === 'visitor' && m.body === body).length === 1,
    { message: `"${body}" at the agent` },
  );
}

test('two tabs share one chat; the other tab takes over when the leader closes', async () => {
  const agent = await signInAgent({ firstname: 'Ana' });
  const { page: one, context, problems, consoleMessages } = await suite.newPage();
  const twoMessages = [];
  try {
    await twoTabs(agent, one, context, problems, twoMessages);
  } catch (e) {
    // What each tab and the agent saw, for the failure report.
    console.log(`# tab one console: ${JSON.stringify(consoleMessages)}`);
    console.log(`# tab two console: ${JSON.stringify(twoMessages)}`);
    console.log(`# problems: ${JSON.stringify(problems)}`);
    for (const p of context.pages()) {
      const st = await p
        .evaluate(async () => ({
          locks: JSON.stringify(await navigator.locks.query()),
          visible: document.visibilityState,
          state: window.__webchat?.handle?.chat?.state?.(),
          shown: [...(document.getElementById('webchat-widget')?.shadowRoot?.querySelectorAll('.wc-msg') ?? [])].map((m) => m.textContent),
        }))
        .catch((err) => String(err));
      console.log(`# page: ${JSON.stringify(st)}`);
    }
    const stanzas = await control.agentStanzas(agent.nickname).catch(() => []);
    console.log(`# agent stanzas: ${JSON.stringify(stanzas.slice(-15).map((x) => x.xml))}`);
    throw e;
  }
});

async function twoTabs(agent, one, context, problems, twoMessages) {
  await openWidget(one, { visitorIds: 'persistent' });
  const session = await startChat(one, 'from tab one');
  await atAgent(session.id, 'from tab one');

  const two = await context.newPage();
  const twoProblems = [];
  two.on('console', (m) => {
    twoMessages.push({ type: m.type(), text: m.text() });
    if (m.type() === 'error') twoProblems.push(m.text());
  });
  two.on('pageerror', (e) => {
    twoProblems.push(String(e));
    twoMessages.push({ type: 'pageerror', text: String(e.stack ?? e) });
  });
  const state = await openWidget(two, { visitorIds: 'persistent' });
  assert.equal(state.visitorId, session.tracker_id, 'one visitor in both tabs');
  const w2 = widget(two);
  if (!(await w2.window.isVisible())) await w2.launcher.click();
  await w2.visitorMessages.filter({ hasText: 'from tab one' }).waitFor();

  await control.agentAct(session.id, { action: 'message', body: 'to both tabs' });
  await widget(one).agentMessages.filter({ hasText: 'to both tabs' }).waitFor();
  await w2.agentMessages.filter({ hasText: 'to both tabs' }).waitFor();

  // The second tab writes and types through the first.
  await w2.composer.pressSequentially('from tab two', { delay: 5 });
  await waitFor(async () => (await control.live(session.id)).visitor_state === 'composing', {
    message: 'typing in tab two reaches the agent',
  });
  await w2.composer.press('Enter');
  await atAgent(session.id, 'from tab two');
  await widget(one).visitorMessages.filter({ hasText: 'from tab two' }).waitFor();

  // The leader closes; the agent writes at once; tab two shows it and goes on.
  const closedAt = Date.now();
  await one.close();
  await control.agentAct(session.id, { action: 'message', body: 'after the leader left' });
  await w2.agentMessages.filter({ hasText: 'after the leader left' }).waitFor();
  const tookOverMs = Date.now() - closedAt;
  console.log(`# takeover: the agent's message reached the remaining tab ${tookOverMs} ms after the leader closed`);
  assert.ok(tookOverMs < 5000, `takeover took ${tookOverMs} ms`);
  await w2.composer.fill('after the takeover');
  await w2.composer.press('Enter');
  await atAgent(session.id, 'after the takeover');
  await two.waitForTimeout(500);
  assert.deepEqual(await texts(two), [
    'from tab one',
    'to both tabs',
    'from tab two',
    'after the leader left',
    'after the takeover',
  ]);
  const server = (await transcript(session.id)).map((m) => `${m.from}:${m.body}`);
  assert.deepEqual(server, [
    'visitor:from tab one',
    'agent:to both tabs',
    'visitor:from tab two',
    'agent:after the leader left',
    'visitor:after the takeover',
  ]);
  const sessions = (await control.sessions()).filter((s) => s.tracker_id === session.tracker_id);
  assert.equal(sessions.length, 1, 'still one chat session');
  assertNoProblems(problems);
  assertNoProblems(twoProblems);
  await context.close();
}

/// Counts the widget's co-browsing answer events on a page in `window.__answers`.
async function countAnswers(page) {
  await page.evaluate(() => {
    window.__answers = [];
    const host = document.getElementById('webchat-widget');
    for (const name of ['webchat:cobrowsing:accepted', 'webchat:cobrowsing:denied']) {
      host.addEventListener(name, () => window.__answers.push(name));
    }
  });
}

test('two tabs show one co-browsing prompt and one survey: answered in one, answered in both', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page: one, context, problems } = await suite.newPage();
  await openWidget(one, { visitorIds: 'persistent' });
  const session = await startChat(one, 'two tabs, one survey');
  await atAgent(session.id, 'two tabs, one survey');
  const two = await context.newPage();
  const twoProblems = [];
  two.on('pageerror', (e) => twoProblems.push(String(e)));
  await openWidget(two, { visitorIds: 'persistent' });
  const [w1, w2] = [widget(one), widget(two)];
  for (const w of [w1, w2]) if (!(await w.window.isVisible())) await w.launcher.click();
  await w2.visitorMessages.filter({ hasText: 'two tabs, one survey' }).waitFor();
  await countAnswers(one);
  await countAnswers(two);

  // The agent asks to co-browse: both tabs show the prompt; the visitor declines in tab two.
  await control.agentAct(session.id, { action: 'cobrowse' });
  await one.locator('.wc-cobrowse').waitFor();
  await two.locator('.wc-cobrowse').waitFor();
  await two.locator('.wc-cobrowse-deny').click();
  await one.locator('.wc-cobrowse').waitFor({ state: 'detached' });
  await two.locator('.wc-cobrowse').waitFor({ state: 'detached' });
  await one.locator('.wc-notice[data-notice="cobrowse-denied"]').waitFor();
  await waitFor(async () => (await control.live(session.id)).cobrowsing === 'denied', {
    message: 'the agent heard "denied"',
  });
  await two.waitForTimeout(300);
  const answers = [...(await one.evaluate(() => window.__answers)), ...(await two.evaluate(() => window.__answers))];
  assert.deepEqual(answers, ['webchat:cobrowsing:denied'], 'the answer is emitted once');

  // The agent ends the chat: the survey in both tabs; rated in tab one, shown rated in tab two.
  await control.agentAct(session.id, { action: 'close' });
  await one.locator('.wc-survey').waitFor();
  await two.locator('.wc-survey').waitFor();
  await one.locator('.wc-survey-option[data-value="good"]').click();
  await one.locator('.wc-survey-submit').click();
  await one.locator('.wc-survey-thanks').waitFor();
  await two.locator('.wc-survey-thanks').waitFor();
  await waitFor(async () => (await control.session(session.id)).survey?.result === 'good', {
    message: 'survey stored',
  });
  // Changed in tab two: stored, and tab one follows.
  await two.locator('.wc-survey-option[data-value="bad"]').click();
  await two.locator('.wc-survey-submit').click();
  await waitFor(async () => (await control.session(session.id)).survey?.result === 'bad', {
    message: 'survey changed from tab two',
  });
  await waitFor(
    async () => (await one.locator('.wc-survey-option[aria-pressed="true"]').getAttribute('data-value')) === 'bad',
    { message: 'tab one shows the changed rating' },
  );
  assertNoProblems(problems);
  assertNoProblems(twoProblems);
  await context.close();
});
