// A whole chat in the browser against devserver and the run's XMPP backend, driven from the
// agent side through `/_test/`: every row of `docs/protocol.md` §3 (message with nick, composing,
// closed, blocked, transfer, unavailable / available again, internal messages never shown raw),
// a 12-message conversation both ways, the visitor's typing, the visitor's end and the agent's
// end, and the survey submitted and changed (the PATCH checked in devserver's request log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, axeAudit, formatViolations,
  screenshot, WIDGET_CLIP, control, waitFor, startChat, transcript, waitForAgentStanza,
} from '../lib/harness.mjs';

const suite = browserSuite();

/// Texts in the conversation, in order, as `agent:NICK:TEXT` / `visitor:TEXT`.
async function conversation(page) {
  return page.locator('.wc-msg').evaluateAll((rows) =>
    rows.map((row) => {
      const text = row.querySelector('.wc-bubble')?.textContent ?? '';
      if (row.classList.contains('wc-msg--visitor')) return `visitor:${text}`;
      const nick = row.querySelector('.wc-msg-nick')?.textContent ?? '';
      return `agent:${nick}:${text}`;
    }),
  );
}

async function liveState(sessionId, key, wanted) {
  return waitFor(async () => (await control.live(sessionId))[key] === wanted, {
    message: `live.${key} = ${wanted}`,
  });
}

test('a 12-message conversation both ways, with typing both ways', async () => {
  // A nick unlike the first name: bubbles show the first name (from the credentials), not the
  // XEP-0172 nick the messages carry.
  const agent = await signInAgent({ firstname: 'Ana', nickname: `ana-${Math.random().toString(36).slice(2, 8)}` });
  const nick = 'Ana';
  assert.notEqual(agent.nickname, nick);
  const startedAt = Date.now();
  const { page, problems, context } = await suite.newPage();
  const state = await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'Hello, message 1');

  // The session was created for this visitor, from this page, by the agent we signed in.
  assert.equal(session.tracker_id, state.visitorId);
  assert.equal(session.request_url, page.url());
  assert.equal(session.agent.nickname, agent.nickname);
  const api = (await control.requests()).filter((r) => r.path.includes('/chatbot/v1/'));
  const created = api.find((r) => r.method === 'POST' && r.path.endsWith('/chatsessions'));
  assert.equal(created?.status, 201);
  assert.equal(created.has_token, true);
  assert.ok(api.some((r) => r.method === 'POST' && r.path.endsWith('/xmppcredentials') && r.status === 201));

  // The visitor's own message is delivered (no longer "sending").
  await waitFor(async () => (await w.visitorMessages.first().getAttribute('data-status')) === 'sent', {
    message: 'first message sent',
  });

  // Agent typing: indicator on, cleared by the message.
  await control.agentAct(session.id, { action: 'typing', state: 'composing' });
  await page.locator('.wc-typing').waitFor();
  await screenshot(page, 'agent-typing');
  await control.agentAct(session.id, { action: 'message', body: 'Hi, I am Ana. How can I help? 2' });
  await page.locator('.wc-typing').waitFor({ state: 'detached' });
  // `paused` clears it too.
  await control.agentAct(session.id, { action: 'typing', state: 'composing' });
  await page.locator('.wc-typing').waitFor();
  await control.agentAct(session.id, { action: 'typing', state: 'paused' });
  await page.locator('.wc-typing').waitFor({ state: 'detached' });

  // Visitor typing reaches the agent as `composing`, sending as `active`.
  await w.composer.pressSequentially('typing…', { delay: 10 });
  await liveState(session.id, 'visitor_state', 'composing');
  await w.composer.fill('');

  // Messages 3..12 alternate: visitor (odd), agent (even).
  for (let n = 3; n <= 12; n += 1) {
    if (n % 2 === 1) {
      await w.composer.fill(`Visitor message ${n}`);
      await w.composer.press('Enter');
      await waitFor(
        async () => (await transcript(session.id)).some((m) => m.from === 'visitor' && m.body === `Visitor message ${n}`),
        { message: `visitor message ${n} at the agent` },
      );
    } else {
      await control.agentAct(session.id, { action: 'message', body: `Agent message ${n}` });
      await w.agentMessages.filter({ hasText: `Agent message ${n}` }).waitFor();
    }
  }
  await liveState(session.id, 'visitor_state', 'active');

  const expected = [
    'visitor:Hello, message 1',
    `agent:${nick}:Hi, I am Ana. How can I help? 2`,
  ];
  for (let n = 3; n <= 12; n += 1) {
    expected.push(n % 2 === 1 ? `visitor:Visitor message ${n}` : `agent:${nick}:Agent message ${n}`);
  }
  // Every agent message shows the agent's first name (grouped ones only for screen readers);
  // so does the header.
  assert.deepEqual(await conversation(page), expected);
  // Every bubble has the time it was written: a <time datetime> in this test's time span,
  // shown as a short local time.
  const times = await page.locator('.wc-msg').evaluateAll((rows) =>
    rows.map((row) => {
      const t = row.querySelector('time');
      return t && { at: Date.parse(t.getAttribute('datetime')), text: t.textContent, hidden: t.classList.contains('wc-sr') };
    }),
  );
  assert.equal(times.length, 12);
  const endedAt = Date.now();
  for (const t of times) {
    assert.ok(t && t.at >= startedAt - 1000 && t.at <= endedAt + 1000, `time ${JSON.stringify(t)}`);
    assert.match(t.text, /\d{1,2}[:.]\d{2}/);
  }
  assert.equal(times[0].hidden, false, 'the first bubble of a group shows its time');
  assert.match(await page.locator('.wc-status-text').textContent(), /Ana/);
  const server = (await transcript(session.id)).map((m) => `${m.from}:${m.body}`);
  assert.deepEqual(server, expected.map((e) => e.replace(`agent:${nick}:`, 'agent:')));
  // Every visitor message ends up marked sent, none failed.
  const statuses = () => w.visitorMessages.evaluateAll((rows) => rows.map((r) => r.dataset.status));
  await waitFor(async () => (await statuses()).every((s) => s === 'sent'), {
    message: 'every visitor message sent',
  });
  assert.equal((await statuses()).length, 6);
  await screenshot(page, 'conversation', { clip: WIDGET_CLIP });
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], formatViolations(violations));
  assertNoProblems(problems);
  await context.close();
});

test('transfer, unavailable / available again, internal messages, then the agent ends: survey sent and changed', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'Can you transfer me?');
  await control.agentAct(session.id, { action: 'message', body: 'Sure, one moment.' });
  await w.agentMessages.filter({ hasText: 'Sure, one moment.' }).waitFor();

  // Transfer to Bea: a localised notice with her first name, never the raw body.
  const bea = await signInAgent({ firstname: 'Bea', nickname: `bea-${Math.random().toString(36).slice(2, 8)}` });
  await control.agentAct(session.id, { action: 'transfer', to: bea.nickname });
  const transferred = page.locator('.wc-notice[data-notice="transferred"]');
  await transferred.waitFor();
  assert.match(await transferred.textContent(), /Bea/);
  await control.agentAct(session.id, { action: 'message', body: 'Bea here, hello!' });
  const fromBea = w.agentMessages.filter({ hasText: 'Bea here, hello!' });
  await fromBea.waitFor();
  // Her first name on her bubbles, as in the notice and the header (not her nick).
  assert.equal(await fromBea.locator('.wc-msg-nick').textContent(), 'Bea');
  assert.notEqual(bea.nickname, 'Bea');
  await waitFor(async () => /Bea/.test(await page.locator('.wc-status-text').textContent()), {
    message: 'Bea in the header',
  });

  // Away and back.
  await control.agentAct(session.id, { action: 'away' });
  await page.locator('.wc-notice[data-notice="agent-unavailable"]').waitFor();
  await control.agentAct(session.id, { action: 'back' });
  await page.locator('.wc-notice[data-notice="agent-available"]').waitFor();
  await screenshot(page, 'notices', { clip: WIDGET_CLIP });

  // Nothing of the seed's internal payloads is ever shown as text.
  const log = await w.log.textContent();
  assert.doesNotMatch(log, /visitor_forward_message|chat_forwarding|cobrowser\.io/);

  // The agent ends the chat: notice, the widget answers `closed`, the survey appears.
  await control.agentAct(session.id, { action: 'close' });
  await page.locator('.wc-notice[data-notice="ended-by-agent"]').waitFor();
  await waitFor(async () => (await control.session(session.id)).status === 'closed', {
    message: 'session closed',
  });
  await page.locator('.wc-new-chat').waitFor();
  const survey = page.locator('.wc-survey');
  await survey.waitFor();
  assert.equal(await survey.getAttribute('data-style'), 'smileys');
  // The conversation scrolls so the rating buttons are in view, not under the fold.
  await waitFor(
    async () => {
      const [log, options] = [await w.log.boundingBox(), await survey.locator('.wc-survey-options').boundingBox()];
      return options.y >= log.y && options.y + options.height <= log.y + log.height + 1;
    },
    { message: 'the survey options scrolled into view' },
  );
  await screenshot(page, 'survey', { clip: WIDGET_CLIP });
  const surveyViolations = await axeAudit(page);
  assert.deepEqual(surveyViolations, [], formatViolations(surveyViolations));

  // Rate "good" with a comment: one PATCH with both.
  await control.clearRequests();
  await survey.locator('.wc-survey-option[data-value="good"]').click();
  await survey.locator('textarea').fill('Quick and friendly');
  await survey.locator('.wc-survey-submit').click();
  await survey.locator('.wc-survey-thanks').waitFor();
  const first = await waitFor(
    async () => (await control.session(session.id)).survey?.result === 'good' && (await control.session(session.id)).survey,
    { message: 'survey "good" stored' },
  );
  assert.equal(first.message, 'Quick and friendly');
  await screenshot(page, 'survey-thanks');

  // Change it to "bad": a second PATCH, the last answer wins.
  await survey.locator('.wc-survey-option[data-value="bad"]').click();
  await survey.locator('.wc-survey-submit').click();
  await waitFor(async () => (await control.session(session.id)).survey?.result === 'bad', {
    message: 'survey changed to "bad"',
  });
  const patches = (await control.requests()).filter(
    (r) => r.method === 'PATCH' && r.path.endsWith(`/chatsessions/${session.id}`),
  );
  assert.deepEqual(patches.map((r) => r.status), [200, 200]);
  assertNoProblems(problems);
  await context.close();
});

test("the visitor's end: confirmation, `closed` to the agent, then a new chat", async () => {
  const agent = await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'Just a quick one');
  await control.agentAct(session.id, { action: 'message', body: 'Go ahead' });
  await w.agentMessages.first().waitFor();

  await w.end.click();
  const confirm = page.locator('.wc-confirm');
  await confirm.waitFor();
  await screenshot(page, 'end-confirm');
  // Cancel keeps the chat.
  await confirm.locator('.wc-confirm-cancel').click();
  await confirm.waitFor({ state: 'detached' });
  assert.equal((await control.session(session.id)).status, 'active');

  await w.end.click();
  await page.locator('.wc-confirm-end').click();
  await page.locator('.wc-notice[data-notice="ended-by-visitor"]').waitFor();
  // The agent got the visitor's `closed` chat state (live.visitor_state is reset as soon as the
  // visitor's unavailable presence follows, so the stanza log is the witness).
  await waitForAgentStanza(agent.nickname, /<closed\b/);
  await waitFor(async () => (await control.session(session.id)).status === 'closed', {
    message: 'session closed',
  });
  // The visitor disconnected properly.
  await waitFor(async () => (await control.live(session.id)).visitor_online === false, {
    message: 'visitor offline after the end',
  });

  // A new chat can be started after the end.
  await page.locator('.wc-new-chat').click();
  await screenshot(page, 'new-chat');
  await w.composer.fill('One more thing');
  await w.composer.press('Enter');
  const again = await waitFor(
    async () => {
      const all = await control.sessions();
      return all.find((s) => s.tracker_id === session.tracker_id && s.id !== session.id && s.credentials.length > 0);
    },
    { message: 'a second session for the same visitor' },
  );
  await waitFor(async () => (await transcript(again.id)).some((m) => m.body === 'One more thing'), {
    message: 'the new chat delivers',
  });
  assertNoProblems(problems);
  await context.close();
});

test('blocked: notice, disconnected, no new chat', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  await openWidget(page);
  const w = widget(page);
  const session = await startChat(page, 'spam spam spam');
  await control.agentAct(session.id, { action: 'block' });
  await page.locator('.wc-notice[data-notice="blocked"]').waitFor();
  await waitFor(async () => (await control.live(session.id)).visitor_online === false, {
    message: 'visitor disconnected after the block',
  });
  assert.equal(await page.locator('.wc-new-chat').count(), 0);
  assert.equal(await w.composer.isDisabled(), true);
  assert.equal((await control.session(session.id)).status, 'closed');
  await screenshot(page, 'blocked');
  assertNoProblems(problems);
  await context.close();
});
