// The fault scenario (1,000 messages, 20 connection drops), shared by `e2e/tests/identity-proxy.test.mjs` (which asserts
// exactly-once delivery) and `e2e/bench/fault.mjs` (which counts): with the page's WebSocket
// going through `proxy` (`lib/proxy.mjs`), the visitor types `messages` messages (`v001` …), the
// agent sends as many (`a001` …) and the proxy cuts the connection `drops` times at random
// moments, each while the chat is connected (a cut while reconnecting would not be a new fault).
// It drives and reads; it does not judge what arrived: the callers do.
import { widget, control, waitFor, transcript } from './harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Runs the scenario on a page whose chat (`session`) is under way. `timeout` bounds each wait
/// for the chat to be connected again. Returns the cuts made, each recovery (cut → chatting
/// again, ms), how long sending took (s), and the texts each side should show in order.
export async function runFaultScenario({ page, session, proxy, messages, drops: wanted, timeout }) {
  const w = widget(page);
  const pad = (n) => String(n).padStart(String(messages).length, '0');
  const chatting = async () =>
    (await page.evaluate(() => window.__webchat.handle.chat.state())) === 'chatting';
  const started = Date.now();
  let drops = 0;
  const recoveries = [];
  const dropper = (async () => {
    while (drops < wanted) {
      await waitFor(async () => proxy.open > 0 && (await chatting()), {
        timeout,
        message: 'the chat connected again',
      });
      await sleep(150 + Math.random() * 500);
      if (proxy.drop() > 0) {
        drops += 1;
        const cut = Date.now();
        await waitFor(async () => !(await chatting()), { timeout: 5_000, message: 'the widget saw the cut' }).catch(() => {});
        await waitFor(chatting, { timeout, message: 'back after a cut' });
        recoveries.push(Date.now() - cut);
      }
    }
  })();
  const visitor = (async () => {
    for (let n = 1; n <= messages; n += 1) {
      await w.composer.fill(`v${pad(n)}`);
      await w.composer.press('Enter');
      if (n % 20 === 0) await sleep(300);
    }
  })();
  const agent = (async () => {
    for (let n = 1; n <= messages; n += 1) {
      await control.agentAct(session.id, { action: 'message', body: `a${pad(n)}` });
      await sleep(20 + Math.random() * 40);
    }
  })();
  await Promise.all([visitor, agent, dropper]);
  return {
    drops,
    recoveries,
    seconds: (Date.now() - started) / 1000,
    wantVisitor: ['start', ...Array.from({ length: messages }, (_, i) => `v${pad(i + 1)}`)],
    wantAgent: Array.from({ length: messages }, (_, i) => `a${pad(i + 1)}`),
  };
}

/// Both sides once everything had its chance to arrive: the agent side's transcript
/// (devserver) and the widget's rows as `{ from, text, status }`.
export async function readBothSides(page, sessionId) {
  await sleep(1_000); // late duplicates, if any, would show now
  const server = await transcript(sessionId);
  const shown = await page.locator('.wc-msg').evaluateAll((rows) =>
    rows.map((row) => ({
      from: row.classList.contains('wc-msg--visitor') ? 'visitor' : 'agent',
      text: row.querySelector('.wc-bubble')?.textContent ?? '',
      status: row.dataset.status ?? null,
    })),
  );
  return { server, shown };
}
