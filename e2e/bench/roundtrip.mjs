//! Visitor → agent → visitor round trips through the real widget, for `cargo xtask bench`
//! (areas `roundtrip` and `ejabberd`). devserver runs with `--bot --test-control` on the backend
//! under test; the bot answers every message with `You said: …` at once, so the round trip is
//! the system's (widget, WebSocket, XMPP server, devserver's desk), not a person's.
//!
//!   WEBCHAT_E2E_URL=http://127.0.0.1:PORT node e2e/bench/roundtrip.mjs [--messages 200] [--bosh]
//!
//! With `--bosh` the page's WebSocket URL leads nowhere, so the widget falls back to BOSH on
//! devserver's `/http-bind` (embedded, or forwarded to the real server); then only `rt_ms` is
//! measured (the widget's share is timed on the WebSocket's `send` and `message`).
//!
//! Measured in the page with `performance.now()` (init script): Enter pressed in the composer →
//! the reply's row in the DOM (`rt_ms`); the widget's own share is Enter → the stanza handed to
//! `WebSocket.send` (`out_ms`) plus the reply's WebSocket `message` event → its row in the DOM
//! (`in_ms`). Output: `bench:KEY VALUE` lines, one per message; it asserts nothing.
import { control, launchBrowser, newPage, openWidget, startChat, widget } from '../lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const MESSAGES = Number(opt('messages', 200));
const BOSH = args.includes('--bosh');
const WARMUP = 5;
const out = (key, value) => console.log(`bench:${key} ${value.toFixed(4)}`);

// Runs before the widget: timestamps keyed by message body.
const PROBE = () => {
  const rt = { enter: {}, send: {}, recv: {}, dom: {} };
  window.__rt = rt;
  const bodyOf = (d) => (typeof d === 'string' ? /<body>([^<]*)<\/body>/.exec(d)?.[1] : undefined);
  const nativeSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function send(data) {
    const b = bodyOf(data);
    if (b !== undefined && !(b in rt.send)) rt.send[b] = performance.now();
    return nativeSend.call(this, data);
  };
  const Native = WebSocket;
  // Registered in the constructor, so before the widget's own `onmessage`.
  window.WebSocket = class extends Native {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        const b = bodyOf(e.data);
        if (b !== undefined && !(b in rt.recv)) rt.recv[b] = performance.now();
      });
    }
  };
  window.addEventListener(
    'keydown',
    (e) => {
      if (e.key !== 'Enter') return;
      const v = e.composedPath()[0]?.value;
      if (v) rt.enter[v.trim()] = performance.now();
    },
    true,
  );
};

function watchDom() {
  const root = document.getElementById('webchat-widget').shadowRoot;
  new MutationObserver((records) => {
    const t = performance.now();
    for (const r of records) {
      for (const n of r.addedNodes) {
        const text = n.textContent ?? '';
        for (const m of text.matchAll(/You said: (rt-\d+)/g)) {
          if (!(m[1] in window.__rt.dom)) window.__rt.dom[m[1]] = t;
        }
      }
    }
  }).observe(root, { childList: true, subtree: true, characterData: true });
}

const browser = await launchBrowser();
try {
  const { context, page } = await newPage(browser);
  await context.addInitScript(PROBE);
  if (BOSH) {
    const { bosh_url: boshUrl } = await control.xmpp();
    await openWidget(page, { websocketUrl: 'ws://127.0.0.1:9/xmpp-websocket', boshUrl });
  } else {
    await openWidget(page);
  }
  await page.evaluate(watchDom);
  const w = widget(page);
  await startChat(page, 'Hello, round trips ahead');
  await w.agentMessages.first().waitFor();
  for (let i = 1; i <= MESSAGES + WARMUP; i += 1) {
    const key = `rt-${i}`;
    await w.composer.fill(key);
    await w.composer.press('Enter');
    await page.waitForFunction((k) => k in window.__rt.dom, key, { timeout: 15_000 });
    if (i <= WARMUP) continue;
    const t = await page.evaluate((k) => {
      const r = window.__rt;
      return { enter: r.enter[k], send: r.send[k], recv: r.recv[`You said: ${k}`], dom: r.dom[k] };
    }, key);
    if (BOSH) {
      out('rt_ms', t.dom - t.enter);
      continue;
    }
    if ([t.enter, t.send, t.recv, t.dom].some((x) => x === undefined)) {
      throw new Error(`${key}: a timestamp is missing: ${JSON.stringify(t)}`);
    }
    out('rt_ms', t.dom - t.enter);
    out('out_ms', t.send - t.enter);
    out('in_ms', t.dom - t.recv);
    out('share_ms', t.send - t.enter + (t.dom - t.recv));
  }
  await context.close();
} catch (e) {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
