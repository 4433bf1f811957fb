//! The fault scenario (1,000 messages, 20 drops) as a benchmark, for `cargo xtask bench` (area `fault`): the
//! browser reaches the XMPP WebSocket through `e2e/lib/proxy.mjs`, which cuts the connection
//! `--drops` times at random moments while the visitor and an agent each send `--messages`
//! messages. Unlike `e2e/tests/identity-proxy.test.mjs` (the same scenario, smaller, asserting
//! exactly-once delivery) it counts: lost, duplicated and reordered messages on each side, and
//! how long each recovery took (cut → the widget chatting again).
//!
//!   WEBCHAT_E2E_URL=http://127.0.0.1:PORT node e2e/bench/fault.mjs [--messages 1000] [--drops 20]
//!
//! devserver runs with `--test-control` and no bot. Output: `bench:KEY VALUE` lines.
import {
  launchBrowser, newPage, openWidget, widget, signInAgent, signOutAgents, control, waitFor,
  startChat, transcript,
} from '../lib/harness.mjs';
import { startProxy } from '../lib/proxy.mjs';
import { deliveryErrors } from './delivery.mjs';
import { runFaultScenario, readBothSides } from '../lib/fault.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const N = Number(opt('messages', 1000));
const DROPS = Number(opt('drops', 20));
const out = (key, value) => console.log(`bench:${key} ${typeof value === 'number' ? value : JSON.stringify(value)}`);

const browser = await launchBrowser();
let proxy;
try {
  await signOutAgents();
  await signInAgent({ firstname: 'Ana' });
  proxy = await startProxy((await control.xmpp()).ws_url);
  const { page, context } = await newPage(browser);
  await openWidget(page, { websocketUrl: proxy.url });
  const w = widget(page);
  const session = await startChat(page, 'start');
  const run = await runFaultScenario({ page, session, proxy, messages: N, drops: DROPS, timeout: 60_000 });
  const { drops, recoveries, wantVisitor, wantAgent } = run;

  // Wait for everything (a bounded time: what has not arrived by then counts as lost).
  await waitFor(async () => (await transcript(session.id)).filter((m) => m.from === 'visitor').length >= N + 1, {
    timeout: 60_000,
  }).catch(() => {});
  await waitFor(async () => (await w.agentMessages.count()) >= N, { timeout: 60_000 }).catch(() => {});
  const { server, shown } = await readBothSides(page, session.id);
  const atAgent = deliveryErrors(wantVisitor, server.filter((m) => m.from === 'visitor').map((m) => m.body));
  const atVisitor = deliveryErrors(wantAgent, shown.filter((m) => m.from === 'agent').map((m) => m.text));
  const shownOwn = deliveryErrors(wantVisitor, shown.filter((m) => m.from === 'visitor').map((m) => m.text));
  out('fault_messages_each_way', N);
  out('fault_drops', drops);
  out('fault_connections', proxy.connections);
  out('fault_lost', atAgent.lost + atVisitor.lost);
  out('fault_duplicated', atAgent.duplicated + atVisitor.duplicated);
  out('fault_reordered', atAgent.reordered + atVisitor.reordered);
  out('fault_visitor_rows_wrong', shownOwn.lost + shownOwn.duplicated + shownOwn.reordered);
  out('fault_unconfirmed', shown.filter((m) => m.from === 'visitor' && m.status !== 'sent').length);
  out('fault_seconds', run.seconds);
  for (const r of recoveries) out('fault_recovery_ms', r);
  await context.close();
} catch (e) {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
} finally {
  await proxy?.close();
  await signOutAgents().catch(() => {});
  await browser.close();
}
