// The agent console's side of the livechat configuration (devserver/API.md, "Livechat
// extensions"): an agent signs in with a login and departments, then sees a chat routed to its
// department with the pre-chat data and the greeting it was opened from, an offline message
// and a mailed transcript in the outbox. Visitor text is shown as text, never as HTML. Driven
// through the Public API (the widget's side of these features is not built yet), so it runs
// the same on every backend.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CAMPAIGNS,
  api,
  assertNoProblems,
  browserSuite,
  control,
  env,
  screenshot,
  waitFor,
} from '../lib/harness.mjs';

const suite = browserSuite();

test('the console shows departments, pre-chat data, greetings, offline messages and the outbox', async () => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const nickname = `maria-${suffix}`;
  const login = `maria-${suffix}@northwind.example`;
  const { page, problems, context } = await suite.newPage();
  await page.goto(new URL('/agent', env().url).toString());
  // The sign-in form offers the campaigns' departments, all ticked.
  const boxes = page.locator('#department-list input[type=checkbox]');
  await page.locator('#departments:not([hidden])').waitFor();
  assert.ok((await boxes.count()) >= 3);
  await page.locator('#department-list input[value="wholesale"]').uncheck();
  await page.fill('input[name=nickname]', nickname);
  await page.fill('input[name=firstname]', 'Maria');
  await page.fill('input[name=email]', login);
  await page.click('#sign-in button[type=submit]');
  await page.locator('#me:not([hidden])').waitFor();
  assert.match(await page.locator('#who').textContent(), new RegExp(`login ${login}`));
  assert.match(await page.locator('#who').textContent(), /Brewing advice/);

  // Routed by department: this agent serves brewing, nobody serves wholesale.
  const hostile = '<img src=x onerror="window.__pwned=1">';
  const chat = await api('POST', 'chatsessions', {
    body: {
      campaign_id: CAMPAIGNS.allFeatures,
      department: 'brewing',
      prechat: { name: `Ana ${hostile}`, email: 'ana@example.com', message: 'Which grind for a moka pot?' },
      greeting_trigger: 'welcome',
    },
  });
  assert.equal(chat.status, 201, chat.text);
  const routed = await control.session(chat.body.id);
  assert.equal(routed.agent.nickname, nickname);
  const nobody = await api('POST', 'chatsessions', {
    body: { campaign_id: CAMPAIGNS.allFeatures, department: 'wholesale' },
  });
  assert.equal(nobody.status, 409, nobody.text);

  const box = page.locator('.chat', { hasText: 'Which grind for a moka pot?' });
  await box.locator('.tag', { hasText: 'Brewing advice' }).waitFor();
  assert.match(await box.locator('.start.prechat').textContent(), /Pre-chat form \(unverified\): Ana <img/);
  assert.match(await box.locator('.start.greeting').textContent(), /welcome: “Hi! Looking for the right beans\?/);

  // An offline message, and a transcript mailed at the visitor's request (its secret only).
  const offline = await api('POST', 'offlinemessages', {
    body: { campaign_id: CAMPAIGNS.allFeatures, name: 'Bo', email: 'bo@example.com',
            message: `Do you ship to Norway? ${hostile}`, department: 'orders' },
  });
  assert.equal(offline.status, 201, offline.text);
  const mailPath = `chatsessions/${chat.body.id}/transcript/email`;
  assert.equal((await api('POST', mailPath, { body: {} })).status, 403);
  const mail = await api('POST', mailPath, { headers: { 'X-Chat-Secret': chat.body.visitor_secret }, body: {} });
  assert.equal(mail.status, 202, mail.text);
  assert.equal(mail.body.to, 'ana@example.com');

  const item = page.locator('.offline-message', { hasText: 'Do you ship to Norway?' });
  await item.waitFor();
  assert.match(await item.textContent(), /Bo <bo@example\.com>/);
  assert.match(await item.textContent(), /Orders and delivery/);
  const sent = page.locator('.mail', { hasText: 'to ana@example.com' });
  await sent.waitFor();
  assert.match(await sent.textContent(), /Your chat with Northwind Coffee, every feature/);

  // Text stays text.
  assert.equal(await page.locator('#chat-list img, #offline-list img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await waitFor(async () => (await control.get('offlinemessages')).some((m) => m.id === offline.body.id), {
    message: 'the offline message in the control listing',
  });
  await screenshot(page, 'agent-console-livechat', { fullPage: true });
  assertNoProblems(problems);
  await context.close();
});
