// When WebSockets are blocked: the widget falls back to BOSH (XEP-0124/0206) on the HTTP-Bind
// URL — devserver's `/http-bind`, served by its embedded backend or forwarded to ejabberd's and
// Prosody's own — and the agent sees no difference: the whole chat, a reload mid-chat, and
// dropped HTTP requests with nothing lost, duplicated or reordered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript,
} from '../lib/harness.mjs';
import { runFaultScenario, readBothSides } from '../lib/fault.mjs';

const suite = browserSuite();

/// Nothing listens there: the WebSocket is refused at once, as behind a proxy that blocks it.
const BLOCKED_WS = 'ws://127.0.0.1:9/xmpp-websocket';
/// What the browser logs for the refused WebSocket (the widget then says what it does).
const REFUSED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:9\/xmpp-websocket' failed/;

async function boshUrl() {
  const xmpp = await control.xmpp();
  assert.ok(xmpp.bosh_url, 'devserver serves BOSH');
  return xmpp.bosh_url;
}

/// Counts the page's WebSockets and its BOSH requests.
function watchTransports(page) {
  const seen = { sockets: 0, posts: 0 };
  page.on('websocket', () => {
    seen.sockets += 1;
  });
  page.on('request', (r) => {
    if (r.url().endsWith('/http-bind') && r.method() === 'POST') seen.posts += 1;
  });
  return seen;
}

test('a blocked WebSocket: the whole chat goes over BOSH and the agent sees no difference', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, consoleMessages, context } = await suite.newPage();
  const seen = watchTransports(page);
  await openWidget(page, { websocketUrl: BLOCKED_WS, boshUrl: await boshUrl() });
  const session = await startChat(page, 'hello through a strict proxy');
  const warned = consoleMessages.find((m) => /goes over BOSH/.test(m.text));
  assert.ok(warned, 'the console says BOSH took over');
  assert.equal(warned.type, 'warning');
  const w = widget(page);
  await control.agentAct(session.id, { action: 'typing', state: 'composing' });
  await page.locator('.wc-typing').waitFor();
  await control.agentAct(session.id, { action: 'message', body: 'hi, BOSH works' });
  await w.agentMessages.filter({ hasText: 'hi, BOSH works' }).waitFor();
  await w.composer.fill('great');
  await w.composer.press('Enter');
  await waitFor(async () => (await transcript(session.id)).some((m) => m.body === 'great'), {
    message: 'the agent got the reply',
  });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('webchat:transport')), 'bosh');
  assert.equal(seen.sockets, 1, 'one WebSocket was tried, then none');
  assert.ok(seen.posts >= 5, `BOSH requests carried the chat (${seen.posts})`);

  // The visitor ends the chat: the agent hears `closed`, as over the WebSocket.
  await w.end.click();
  await page.locator('.wc-confirm-end').click();
  await waitFor(async () => (await control.session(session.id)).status === 'closed', {
    message: 'the chat closed at the agent',
  });
  assertNoProblems(problems, [REFUSED]);
  await context.close();
});

test('a reload mid-chat over BOSH continues the chat without trying the WebSocket again', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  const bosh = await boshUrl();
  await openWidget(page, { websocketUrl: BLOCKED_WS, boshUrl: bosh });
  const session = await startChat(page, 'before the reload');
  const seen = watchTransports(page);
  await page.reload();
  await page.waitForFunction(() => window.__webchat && window.__webchat.status === 'started');
  const w = widget(page);
  await w.visitorMessages.filter({ hasText: 'before the reload' }).waitFor();
  await control.agentAct(session.id, { action: 'message', body: 'after the reload' });
  await w.agentMessages.filter({ hasText: 'after the reload' }).waitFor();
  assert.equal(await w.agentMessages.filter({ hasText: 'after the reload' }).count(), 1);
  await w.composer.fill('still here');
  await w.composer.press('Enter');
  await waitFor(async () => (await transcript(session.id)).some((m) => m.body === 'still here'), {
    message: 'the agent got the message sent after the reload',
  });
  assert.equal(seen.sockets, 0, 'the visit remembers BOSH');
  assert.ok(seen.posts > 0);
  assertNoProblems(problems, [REFUSED]);
  await context.close();
});

/// Playwright stands between the page and `/http-bind` and can lose answers the server already
/// gave: the shape `runFaultScenario` expects of a proxy (`open`, `drop()`).
async function lossyHttpBind(page, url) {
  const held = new Set();
  await page.route(url, async (route) => {
    const entry = { lost: false };
    held.add(entry);
    const response = await route.fetch().catch(() => null);
    held.delete(entry);
    if (entry.lost || !response) {
      await route.abort('connectionreset').catch(() => {});
      return;
    }
    await route.fulfill({ response }).catch(() => {});
  });
  return {
    get open() {
      return held.size;
    },
    drop() {
      for (const entry of held) entry.lost = true;
      return held.size;
    },
  };
}

test('dropped BOSH requests: 200 messages each way arrive exactly once, in order', async () => {
  await signInAgent({ firstname: 'Ana' });
  const { page, problems, context } = await suite.newPage();
  const bosh = await boshUrl();
  const proxy = await lossyHttpBind(page, bosh);
  await openWidget(page, { websocketUrl: BLOCKED_WS, boshUrl: bosh });
  const session = await startChat(page, 'start');
  const run = await runFaultScenario({ page, session, proxy, messages: 200, drops: 10, timeout: 60_000 });
  assert.equal(run.drops, 10);
  const want = { visitor: run.wantVisitor, agent: run.wantAgent };
  await waitFor(
    async () => {
      const server = await transcript(session.id);
      return server.filter((m) => m.from === 'visitor').length >= want.visitor.length;
    },
    { timeout: 60_000, message: 'every visitor message reached the agent' },
  );
  await widget(page).agentMessages.filter({ hasText: want.agent.at(-1) }).waitFor({ timeout: 60_000 });
  const { server, shown } = await readBothSides(page, session.id);
  assert.deepEqual(server.filter((m) => m.from === 'visitor').map((m) => m.body), want.visitor, 'the agent side: exactly once, in order');
  assert.deepEqual(shown.filter((m) => m.from === 'agent').map((m) => m.text), want.agent, 'the visitor side: exactly once, in order');
  assert.ok(shown.filter((m) => m.from === 'visitor').every((m) => m.status === 'sent'), 'every message confirmed');
  assertNoProblems(problems, [REFUSED, /http-bind.*(net::ERR_CONNECTION_RESET|Failed to load resource)/, /Failed to load resource/]);
  await context.close();
});
