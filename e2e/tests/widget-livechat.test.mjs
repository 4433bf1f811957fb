// The widget's side of the livechat configuration, against devserver's campaigns: the pre-chat
// form with its departments (validation, switching before the first message, the chat routed
// to the department's agent with the form's data), the offline form stored by the backend with
// the success message, and after the chat the closing notice and the transcript offer (the
// downloaded file's content, "email me a copy" in devserver's outbox). Every new state passes
// an axe-core audit and is screenshotted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import {
  CAMPAIGNS, assertNoProblems, axeAudit, browserSuite, control, formatViolations, openWidget,
  screenshot, signInAgent, waitFor, waitForSession, waitForVisitorOnline, widget,
  WIDGET_CLIP,
} from '../lib/harness.mjs';

const suite = browserSuite();

async function assertAccessible(page, state) {
  const violations = await axeAudit(page);
  assert.deepEqual(violations, [], `axe found violations (${state}):\n${formatViolations(violations)}`);
}

/// The control's error as `aria-describedby` names it, or null while it is valid.
async function errorOf(page, id) {
  return page.evaluate((id) => {
    const root = document.getElementById('webchat-widget').shadowRoot;
    const control = root.getElementById(id);
    if (control.getAttribute('aria-invalid') !== 'true') return null;
    return root.getElementById(control.getAttribute('aria-describedby')).textContent.trim();
  }, id);
}

/// The id of the element that has focus inside the widget.
async function focusedId(page) {
  return page.evaluate(() => document.getElementById('webchat-widget').shadowRoot.activeElement?.id ?? '');
}

test('pre-chat form → chat: checked inline, department switched, routed with the data the agent sees', async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const orders = await control.signInAgent({ nickname: `olga-${suffix}`, firstname: 'Olga', departments: ['orders'] });
  const { page, problems, context } = await suite.newPage();
  const { visitorId } = await openWidget(page, { campaign: CAMPAIGNS.allFeatures });
  const w = widget(page);
  await w.launcher.click();
  const form = page.locator('.wc-prechat');
  await form.waitFor();
  assert.equal(await w.composer.isVisible(), false, 'the form stands in for the composer');
  assert.equal(await focusedId(page), 'wc-pc-name', 'focus goes to the first field');
  await screenshot(page, 'prechat-form', { clip: WIDGET_CLIP });
  await assertAccessible(page, 'pre-chat form');

  // Sent empty, with a broken address: inline errors, focus on the first, nothing posted.
  await page.getByLabel('Email address').fill('ana@');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await waitFor(async () => (await errorOf(page, 'wc-pc-name')) === 'Please enter your name.', {
    message: 'the name error',
  });
  assert.equal(await errorOf(page, 'wc-pc-email'), 'Please enter a valid email address, like name@example.com.');
  assert.equal(await errorOf(page, 'wc-pc-department'), 'Please choose a department.');
  assert.equal(await focusedId(page), 'wc-pc-name');
  await screenshot(page, 'prechat-errors', { clip: WIDGET_CLIP });
  await assertAccessible(page, 'pre-chat errors');

  // Filled in, without a first message: the composer comes back with the department above it.
  await page.getByLabel('Name').fill('Ana Lima');
  assert.equal(await errorOf(page, 'wc-pc-name'), null, 'an error goes once fixed');
  await page.getByLabel('Email address').fill('ana@example.com');
  await page.getByLabel('Department').selectOption('brewing');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await w.composer.waitFor();
  const line = page.locator('.wc-department');
  await waitFor(async () => /Department: Brewing advice/.test(await line.textContent()), { message: 'the department line' });
  await screenshot(page, 'prechat-department', { clip: WIDGET_CLIP });
  await assertAccessible(page, 'department chosen');

  // Switching is allowed before the first message: the form again, with what was given.
  await page.getByRole('button', { name: 'Change department' }).click();
  await form.waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ana Lima');
  await page.getByLabel('Department').selectOption('orders');
  await page.getByRole('button', { name: 'Start chat' }).click();
  await w.composer.waitFor();
  await w.composer.fill('Where is my order 1042?');
  await w.composer.press('Enter');

  // Routed to the orders agent, with the form's data as the agent sees it.
  const session = await waitForSession(visitorId);
  await waitForVisitorOnline(session.id);
  const view = await control.session(session.id);
  assert.equal(view.department, 'orders');
  assert.equal(view.agent.nickname, orders.info.nickname);
  assert.equal(view.prechat.name, 'Ana Lima');
  assert.equal(view.prechat.email, 'ana@example.com');
  await waitFor(async () => (await control.session(session.id)).transcript.some((m) => m.body === 'Where is my order 1042?'), {
    message: 'the first message at the agent',
  });
  // Once the first message is out, the department stays.
  await waitFor(async () => (await page.locator('.wc-department-change').count()) === 0, {
    message: 'no switching after the first message',
  });
  assertNoProblems(problems);
  await context.close();
});

test('offline: the form keeps what was typed, the backend stores it, the success message follows', async () => {
  await control.forceAvailability(CAMPAIGNS.allFeatures, false);
  const { page, problems, context } = await suite.newPage();
  try {
    await openWidget(page, { campaign: CAMPAIGNS.allFeatures });
    const w = widget(page);
    await w.launcher.click();
    const form = page.locator('.wc-offline-form');
    await form.waitFor();
    assert.equal(await page.locator('.wc-title').textContent(), 'Leave us a message');
    assert.match(await page.locator('.wc-offline-text').textContent(), /Our baristas are away\./);
    await screenshot(page, 'offline-form', { clip: WIDGET_CLIP });
    await assertAccessible(page, 'offline form');

    await form.getByRole('button', { name: 'Send message' }).click();
    await waitFor(async () => (await errorOf(page, 'wc-off-name')) !== null, { message: 'the offline form errors' });
    assert.equal(await errorOf(page, 'wc-off-message'), 'Please enter a message.');
    const suffix = Math.random().toString(36).slice(2, 8);
    const text = `Do you ship to Norway? ${suffix}`;
    await page.getByLabel('Name').fill('Bo');
    await page.getByLabel('Email address').fill('bo@example.com');
    await page.getByLabel('Message', { exact: true }).fill(text);
    await form.getByRole('button', { name: 'Send message' }).click();
    const done = page.locator('.wc-offline[data-offline="sent"] .wc-offline-text');
    await done.waitFor();
    assert.equal((await done.textContent()).trim(), 'Thanks! We answer by email within one working day.');
    assert.equal(await form.count(), 0);
    const stored = await waitFor(async () => (await control.get('offlinemessages')).find((m) => m.message === text), {
      message: 'the offline message stored',
    });
    assert.equal(stored.name, 'Bo');
    assert.equal(stored.email, 'bo@example.com');
    await screenshot(page, 'offline-sent', { clip: WIDGET_CLIP });
    await assertAccessible(page, 'offline sent');
  } finally {
    await control.forceAvailability(CAMPAIGNS.allFeatures, null);
  }
  assertNoProblems(problems);
  await context.close();
});

test('after the chat: the closing notice, the transcript downloaded as text, a copy by email', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage({ acceptDownloads: true });
  const { visitorId } = await openWidget(page);
  const w = widget(page);
  await w.launcher.click();
  await w.composer.fill('Hello, which beans for espresso?');
  await w.composer.press('Enter');
  const session = await waitForSession(visitorId);
  await waitForVisitorOnline(session.id);
  await control.agentAct(session.id, { action: 'message', body: 'Try the Santos blend.' });
  await w.agentMessages.filter({ hasText: 'Try the Santos blend.' }).waitFor();
  await control.agentAct(session.id, { action: 'close' });

  const finished = page.locator('.wc-notice[data-notice="finished"]');
  await finished.waitFor();
  assert.equal((await finished.textContent()).trim(), 'Thanks for chatting with Northwind Coffee.');
  const offer = page.locator('.wc-transcript');
  await offer.waitFor();
  assert.equal((await offer.locator('.wc-transcript-q').textContent()).trim(), 'Would you like a copy of this chat?');
  await screenshot(page, 'transcript-offer', { clip: WIDGET_CLIP });
  await assertAccessible(page, 'transcript offer');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    offer.getByRole('button', { name: 'Download transcript' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^chat-\d{4}-\d{2}-\d{2}\.txt$/);
  const file = (await readFile(await download.path(), 'utf8')).replace(/^\ufeff/, '');
  const lines = file.split('\n');
  assert.match(lines[0], /^Transcript: /);
  const visitorLine = lines.find((l) => l.includes('Hello, which beans for espresso?'));
  assert.match(visitorLine, /^\[.+\d{1,2}:\d{2}.*\] You: Hello, which beans for espresso\?$/);
  // The agent under the name the chat showed.
  const nick = (await w.agentMessages.filter({ hasText: 'Try the Santos blend.' }).locator('.wc-msg-nick').first().textContent()).trim();
  const agentLine = lines.find((l) => l.includes('Try the Santos blend.'));
  assert.ok(agentLine.endsWith(`] ${nick}: Try the Santos blend.`), agentLine);
  assert.ok(lines.indexOf(visitorLine) < lines.indexOf(agentLine), 'in the order written');
  assert.ok(lines.some((l) => l.includes('Thanks for chatting with Northwind Coffee.')), 'the closing notice is in it');

  // No address is known for this chat: the visitor gives one.
  const address = `visitor-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await offer.getByLabel('Email address').fill(address);
  await offer.getByRole('button', { name: 'Email me a copy' }).click();
  const note = offer.locator('.wc-form-note');
  await note.waitFor();
  assert.equal((await note.textContent()).trim(), `A copy is on its way to ${address}.`);
  await waitFor(async () => (await control.get('outbox')).some((m) => JSON.stringify(m).includes(address)), {
    message: 'the copy in the outbox',
  });
  assertNoProblems(problems);
  await context.close();
});
