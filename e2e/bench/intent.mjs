//! From the first sign of interest to a usable chat, for `cargo xtask bench` (area `intent`):
//! the shipped `dist/` files (script tag, loader.js with content-hashed names) on a host page,
//! in headless Chromium with the CPU throttled 4× and a "Fast 4G"-like network (CDP), the HTTP
//! cache disabled (a cold cache), talking to a live devserver (`--bot`: an agent is available).
//!
//!   node e2e/bench/intent.mjs --api http://127.0.0.1:PORT [--dist dist] [--runs 5] [--dwell 300]
//!                             [--cpu 4]
//!
//! Three scenarios, each in a fresh browser context, interleaved over the runs:
//! - `hover`: the pointer enters the launcher (the chat's download starts), the script waits
//!   until the chat has started (its window built, hidden), then clicks;
//! - `dwell`: the pointer enters the launcher and clicks `--dwell` ms later (a realistic hover,
//!   shorter than the download on this network);
//! - `cold`: a click with nothing before it (the pointer arrives and presses at once).
//!
//! Timed in the page with `performance.now()` (an init script): from the press (`pointerdown`'s
//! time stamp) to the first window painted (the launcher's frame, or the chat when it was ready:
//! `shown`), and to the chat's own window visible with its composer focused, painted (`usable`).
//! Windows are found by a MutationObserver on the widget's shadow root and `focusin`; "painted" is
//! a message posted from the next `requestAnimationFrame` callback, so it includes the wait for
//! that frame. Before any interest, every request the page made is listed with its bytes on the
//! wire (CDP `Network.loadingFinished`) and, for the dist files, the encoded body (Resource
//! Timing). The dist files are served with `content-encoding: br` (quality 11, as `cargo xtask
//! dist` measures) when the browser accepts it, else gzip; every file gets `cache-control:
//! no-store`. Output: `bench:KEY VALUE` lines; it asserts nothing but that each step happened.
import { createServer } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { launchBrowser } from '../lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const API = opt('api', null);
const DIST = opt('dist', join(ROOT, 'dist'));
const RUNS = Number(opt('runs', 5));
const DWELL_MS = Number(opt('dwell', 300));
const CAMPAIGN = 'Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX';
const WAIT_MS = 60_000;
/** DevTools' "Fast 4G": 9 Mbit/s down, 1.5 Mbit/s up, 60 ms round trip. */
const NETWORK = { offline: false, latency: 60, downloadThroughput: (9e6 / 8), uploadThroughput: (1.5e6 / 8) };
const CPU_RATE = Number(opt('cpu', 4));

const num = (key, value) => console.log(`bench:${key} ${value.toFixed(2)}`);
const word = (key, value) => console.log(`bench:${key} ${value}`);

const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The host page: ordinary content and the script tag as a customer embeds it. */
function hostPage(wsUrl) {
  const content = Array.from({ length: 20 }, (_, i) =>
    `<section><h2>Section ${i + 1}</h2><p>${'Fresh coffee, roasted weekly and delivered. '.repeat(12)}</p></section>`,
  ).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" /><title>intent bench host</title>
    <link rel="icon" href="data:," /></head><body><header><h1>Northwind Coffee</h1></header>
    <main>${content}</main>
    <script async src="/dist/loader.js" data-api-url="${API}/api/app.php/chatbot/v1/"
      data-api-token="webchat-dev-token" data-campaign="${CAMPAIGN}"
      data-websocket-url="${wsUrl}"></script></body></html>`;
}

/** Every file under `dir` (relative paths). */
async function files(dir, prefix = '') {
  const out = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (rel !== 'npm' && rel !== 'pkg') out.push(...(await files(dir, rel)));
    } else {
      out.push(rel);
    }
  }
  return out;
}

/** Serves `/host` and `/dist/…`, every file compressed before the first run (brotli -q 11 takes
 * seconds on the chat's wasm: done on request it would be timed as network). */
async function serve(wsUrl) {
  const compressed = new Map(); // `path\0encoding` → bytes
  for (const rel of await files(DIST)) {
    const body = await readFile(join(DIST, rel));
    compressed.set(`/dist/${rel}\0br`, brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }));
    compressed.set(`/dist/${rel}\0gzip`, gzipSync(body, { level: 9 }));
  }
  const encodings = new Set();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/host') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(hostPage(wsUrl));
    }
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : 'gzip';
    const body = compressed.get(`${path}\0${encoding}`);
    if (!body) return res.writeHead(404).end();
    encodings.add(encoding);
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-encoding': encoding,
      'cache-control': 'no-store',
    });
    return res.end(body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, encodings })));
}

// Runs in the page before anything else: the timestamps of one interaction.
const PROBE = () => {
  const t = {
    enter: null, chatReady: null, press: null, click: null,
    shownDom: null, shown: null, shownKind: null, usableDom: null, usable: null,
  };
  window.__intent = t;
  // Long tasks, to say what held the main thread between the press and a usable chat.
  window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  const root = () => document.getElementById('webchat-widget')?.shadowRoot ?? null;
  const visible = (el) => {
    if (!el || !el.isConnected) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const chatWindow = (r) => r.querySelector('.wc-window:not(.wc-frame)');
  // The page shows what the next frame paints: a message posted from its rAF callback runs
  // once that frame's work is done.
  const afterPaint = (done) => requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => done(performance.now());
    ch.port2.postMessage(0);
  });
  const check = () => {
    const r = root();
    if (!r) return;
    if (t.chatReady === null && chatWindow(r)) t.chatReady = performance.now();
    if (t.press === null) return;
    if (t.shownDom === null) {
      const win = [...r.querySelectorAll('.wc-window')].find(visible);
      if (win) {
        t.shownDom = performance.now();
        t.shownKind = win.classList.contains('wc-frame') ? 'frame' : 'chat';
        afterPaint((at) => { t.shown = at; });
      }
    }
    if (t.usableDom === null) {
      const active = r.activeElement;
      const win = active?.closest('.wc-window');
      if (active?.classList.contains('wc-input') && win && !win.classList.contains('wc-frame') && visible(win)) {
        t.usableDom = performance.now();
        afterPaint((at) => { t.usable = at; });
      }
    }
  };
  let watching = false;
  const watch = () => {
    const r = root();
    if (watching || !r) return;
    watching = true;
    new MutationObserver(check).observe(r, { childList: true, subtree: true, attributes: true });
    r.addEventListener('focusin', check, true);
  };
  const ours = (e) => e.composedPath().some((n) => n.id === 'webchat-widget');
  window.addEventListener('pointerover', (e) => {
    if (t.enter === null && ours(e)) {
      t.enter = e.timeStamp;
      watch();
      check();
    }
  }, true);
  window.addEventListener('click', (e) => {
    if (t.click === null && ours(e)) t.click = e.timeStamp;
  }, true);
  window.addEventListener('pointerdown', (e) => {
    if (t.press === null && ours(e)) {
      t.press = e.timeStamp;
      watch();
      check();
    }
  }, true);
};

/** One scenario in a fresh context: what the page downloaded before interest, then the timings. */
async function measure(browser, origin, scenario) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const cdp = await context.newCDPSession(page);
  const wire = new Map(); // requestId → { url, bytes, done }
  let lastStart = Date.now();
  cdp.on('Network.requestWillBeSent', (e) => {
    lastStart = Date.now();
    wire.set(e.requestId, { url: e.request.url, method: e.request.method, bytes: null, done: false });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = wire.get(e.requestId);
    if (r) Object.assign(r, { bytes: e.encodedDataLength, done: true });
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = wire.get(e.requestId);
    if (r) r.done = true;
  });
  // Nothing in flight and nothing new for 500 ms: what the page fetches by itself is fetched.
  const quiet = async () => {
    const deadline = Date.now() + WAIT_MS;
    while ([...wire.values()].some((r) => !r.done) || Date.now() - lastStart < 500) {
      if (Date.now() > deadline) throw new Error(`${scenario}: the network never went quiet`);
      await new Promise((ok) => { setTimeout(ok, 50); });
    }
  };
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_RATE });
  await page.addInitScript(PROBE);
  await page.goto(`${origin}/host`, { waitUntil: 'load' });
  const launcher = page.locator('#webchat-widget .wc-launcher');
  await launcher.waitFor({ state: 'visible' });
  await quiet();
  const before = [...wire.values()].filter((r) => r.bytes !== null && !r.url.startsWith('data:'));
  const dist = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).origin === location.origin && new URL(e.name).pathname.startsWith('/dist/'))
    .map((e) => ({
      path: new URL(e.name).pathname, body: e.encodedBodySize, decoded: e.decodedBodySize, transfer: e.transferSize,
    })));
  // The dist files' bytes on the wire from Resource Timing (body and headers); CDP's
  // `loadingFinished` does not always come for a wasm compiled while it streams.
  const others = before.filter((r) => !new URL(r.url).pathname.startsWith('/dist/'));
  const firstView = {
    requests: others.length + dist.length,
    wire: others.reduce((s, r) => s + r.bytes, 0) + dist.reduce((s, e) => s + e.transfer, 0),
    body: dist.reduce((s, e) => s + e.body, 0),
    decoded: dist.reduce((s, e) => s + e.decoded, 0),
    files: dist.map((e) => `${e.path.slice(6)}=${e.body}`).join(','),
    others: others.map((r) => `${r.method} ${new URL(r.url).pathname}=${r.bytes}`).join(','),
  };
  if (dist.some((e) => /^\/dist\/webchat\.[0-9a-f]+\.wasm$/.test(e.path))) {
    throw new Error(`${scenario}: the chat was downloaded before any interest`);
  }

  const box = await launcher.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  if (scenario === 'hover' || scenario === 'dwell') {
    await page.mouse.move(x, y);
    await page.waitForFunction(() => window.__intent.enter !== null);
    if (scenario === 'hover') {
      await page.waitForFunction(() => window.__intent.chatReady !== null);
    } else {
      await page.waitForFunction(
        (dwell) => performance.now() - window.__intent.enter >= dwell,
        DWELL_MS,
        { polling: 10 },
      );
    }
  }
  await page.mouse.click(x, y);
  await page.waitForFunction(() => window.__intent.shown !== null && window.__intent.usable !== null);
  const t = await page.evaluate(() => window.__intent);
  // Long tasks overlapping press → usable, the part inside that span.
  const long = await page.evaluate(() => {
    const { press, usable } = window.__intent;
    return window.__long
      .map(([start, d]) => Math.min(start + d, usable) - Math.max(start, press))
      .filter((x) => x > 0);
  });
  const chatBody = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /\/dist\/(webchat\.[0-9a-f]+\.(js|wasm)|webchat-i18n\.[0-9a-f]+\/.*\.txt)$/.test(new URL(e.name).pathname))
    .reduce((s, e) => s + e.encodedBodySize, 0));
  await context.close();
  if (errors.length) throw new Error(`${scenario}: page errors: ${errors.join('; ')}`);
  return { t, firstView, chatBody, long };
}

async function main() {
  if (!API) throw new Error('--api (a devserver with --bot) is required');
  if (!existsSync(join(DIST, 'loader.js'))) throw new Error(`no ${DIST}/loader.js: run \`cargo xtask dist\` first`);
  const wsUrl = `${API.replace(/^http/, 'ws')}/xmpp-websocket`;
  const { server, encodings } = await serve(wsUrl);
  console.log(`serving ${DIST} compressed`);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchBrowser();
  try {
    for (let i = 0; i < RUNS; i += 1) {
      for (const scenario of ['hover', 'dwell', 'cold']) {
        const { t, firstView, chatBody, long } = await measure(browser, origin, scenario);
        console.log(`${scenario} run ${i + 1}: shown (${t.shownKind}) ${(t.shown - t.press).toFixed(0)} ms, `
          + `usable ${(t.usable - t.press).toFixed(0)} ms`);
        num(`${scenario}_shown_ms`, t.shown - t.press);
        num(`${scenario}_shown_dom_ms`, t.shownDom - t.press);
        num(`${scenario}_usable_ms`, t.usable - t.press);
        num(`${scenario}_usable_dom_ms`, t.usableDom - t.press);
        word(`${scenario}_shown_kind`, t.shownKind);
        if (t.enter !== null) num(`${scenario}_hover_ms`, t.press - t.enter);
        num(`${scenario}_click_ms`, t.click - t.press);
        if (scenario === 'hover') num('hover_prefetch_ms', t.chatReady - t.enter);
        num('firstview_requests', firstView.requests);
        num('firstview_wire_bytes', firstView.wire);
        num('firstview_body_bytes', firstView.body);
        num('firstview_decoded_bytes', firstView.decoded);
        num('chat_body_bytes', chatBody);
        num(`${scenario}_longtask_ms`, long.reduce((a, b) => a + b, 0));
        num(`${scenario}_longtask_max_ms`, Math.max(0, ...long));
        if (i === 0 && scenario === 'hover') {
          word('firstview_files', firstView.files);
          word('firstview_others', firstView.others || 'none');
        }
      }
    }
    word('encoding', [...encodings].join(','));
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e) => {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exit(1);
});
