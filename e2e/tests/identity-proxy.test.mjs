// Fault injection: the browser reaches the XMPP WebSocket through `lib/proxy.mjs`,
// which cuts the TCP connection ten times at random moments while the visitor and the agent
// each send 200 messages (`lib/fault.mjs`, shared with the benchmark). Every message must arrive exactly once and in order on both sides
// (stream management resumption, the widget's outbox, de-duplication by stable ids).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  browserSuite, openWidget, widget, assertNoProblems, signInAgent, control, waitFor, startChat,
  transcript,
} from '../lib/harness.mjs';
import { startProxy } from '../lib/proxy.mjs';
import { runFaultScenario, readBothSides } from '../lib/fault.mjs';

// The benchmark scenario runs the same test bigger: WEBCHAT_FAULT_MESSAGES=1000 WEBCHAT_FAULT_DROPS=20.
const N = Number(process.env.WEBCHAT_FAULT_MESSAGES ?? 200);
const DROPS = Number(process.env.WEBCHAT_FAULT_DROPS ?? 10);

const suite = browserSuite();

test(`${N} messages each way with ${DROPS} connection drops: exactly once, in order, both sides`, async () => {
  await signInAgent({ firstname: 'Ana' });
  const proxy = await startProxy((await control.xmpp()).ws_url);
  const { page, problems, context } = await suite.newPage();
  try {
    await openWidget(page, { websocketUrl: proxy.url });
    const w = widget(page);
    const session = await startChat(page, 'start');
    const run = await runFaultScenario({ page, session, proxy, messages: N, drops: DROPS, timeout: 30_000 });
    const { drops, recoveries, wantVisitor, wantAgent } = run;
    await waitFor(
      async () => (await transcript(session.id)).filter((m) => m.from === 'visitor').length >= N + 1,
      { timeout: 60_000, message: `${N + 1} visitor messages at the agent` },
    );
    await waitFor(async () => (await w.agentMessages.count()) >= N, {
      timeout: 60_000,
      message: `${N} agent messages in the widget`,
    });
    const { server, shown } = await readBothSides(page, session.id);
    const summary = {
      drops,
      connections: proxy.connections,
      seconds: run.seconds,
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
