// Fault injection (issue 7): the browser reaches the XMPP WebSocket through `lib/proxy.mjs`,
// which cuts the TCP connection ten times at random moments while the visitor and the agent
// each send 200 messages. Every message must arrive exactly once and in order on both sides
// (stream management resumption, the widget's outbox, de-duplication by stable ids).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript,
} from '../lib/harness.mjs';
import { startProxy } from '../lib/proxy.mjs';

// The benchmark scenario runs the same test bigger: WEBCHAT_FAULT_MESSAGES=1000 WEBCHAT_FAULT_DROPS=20.
const N = Number(process.env.WEBCHAT_FAULT_MESSAGES ?? 200);
const DROPS = Number(process.env.WEBCHAT_FAULT_DROPS ?? 10);

const suite = browserSuite();

const pad = (n) => String(n).padStart(3, '0');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test(`${N} messages each way with ${DROPS} connection drops: exactly once, in order, both sides`, async () => {
  await signInAgent({ firstname: 'Ana' });
  const proxy = await startProxy((await control.xmpp()).ws_url);
  const { page, problems, context } = await suite.newPage();
  try {
    await openWidget(page, { websocketUrl: proxy.url });
    const w = widget(page);
    const session = await startChat(page, 'start');
    const chatting = async () =>
      (await page.evaluate(() => window.__webchat.handle.chat.state())) === 'chatting';

    const started = Date.now();
    let drops = 0;
    let done = false;
    const recoveries = [];
    // Ten cuts at random moments, each while the chat is connected (a cut while reconnecting
    // would not be a new fault).
    const dropper = (async () => {
      while (drops < DROPS) {
        await waitFor(async () => proxy.open > 0 && (await chatting()), {
          timeout: 30_000,
          message: 'the chat connected again',
        });
        await sleep(150 + Math.random() * 500);
        if (proxy.drop() > 0) {
          drops += 1;
          const cut = Date.now();
          await waitFor(async () => !(await chatting()), { timeout: 5_000, message: 'the widget saw the cut' }).catch(() => {});
          await waitFor(chatting, { timeout: 30_000, message: 'back after a cut' });
          recoveries.push(Date.now() - cut);
        }
      }
    })();
    const visitor = (async () => {
      for (let n = 1; n <= N; n += 1) {
        await w.composer.fill(`v${pad(n)}`);
        await w.composer.press('Enter');
        if (n % 20 === 0) await sleep(300);
      }
    })();
    const agent = (async () => {
      for (let n = 1; n <= N; n += 1) {
        await control.agentAct(session.id, { action: 'message', body: `a${pad(n)}` });
        await sleep(20 + Math.random() * 40);
      }
    })();
    await Promise.all([visitor, agent]);
    await dropper;
    done = true;
    assert.ok(done);

    const wantVisitor = ['start', ...Array.from({ length: N }, (_, i) => `v${pad(i + 1)}`)];
    const wantAgent = Array.from({ length: N }, (_, i) => `a${pad(i + 1)}`);
    await waitFor(
      async () => (await transcript(session.id)).filter((m) => m.from === 'visitor').length >= N + 1,
      { timeout: 60_000, message: `${N + 1} visitor messages at the agent` },
    );
    await waitFor(async () => (await w.agentMessages.count()) >= N, {
      timeout: 60_000,
      message: `${N} agent messages in the widget`,
    });
    await sleep(1_000); // late duplicates, if any, would show now
    const server = await transcript(session.id);
    const shown = await page.locator('.wc-msg').evaluateAll((rows) =>
      rows.map((row) => ({
        from: row.classList.contains('wc-msg--visitor') ? 'visitor' : 'agent',
        text: row.querySelector('.wc-bubble')?.textContent ?? '',
        status: row.dataset.status ?? null,
      })),
    );
    const summary = {
      drops,
      connections: proxy.connections,
      seconds: (Date.now() - started) / 1000,
      recovery_ms_max: Math.max(...recoveries),
      recovery_ms_median: recoveries.sort((a, b) => a - b)[Math.floor(recoveries.length / 2)],
    };
    console.log(`# fault injection: ${JSON.stringify(summary)}`);
    assert.equal(drops, DROPS);
    assert.ok(proxy.connections >= DROPS + 1, `reconnected after every cut (${proxy.connections} connections)`);
    // The agent's side: each visitor message once, in order; the agent's own in order.
    assert.deepEqual(server.filter((m) => m.from === 'visitor').map((m) => m.body), wantVisitor);
    assert.deepEqual(server.filter((m) => m.from === 'agent').map((m) => m.body), wantAgent);
    // The visitor's side: the same, and every message of the visitor delivered.
    assert.deepEqual(shown.filter((m) => m.from === 'visitor').map((m) => m.text), wantVisitor);
    assert.deepEqual(shown.filter((m) => m.from === 'agent').map((m) => m.text), wantAgent);
    const notSent = shown.filter((m) => m.from === 'visitor' && m.status !== 'sent');
    assert.deepEqual(notSent, [], 'every visitor message confirmed');
    assertNoProblems(problems, [/WebSocket connection to .* failed/]);
  } finally {
    await context.close();
    await proxy.close();
  }
});
