//! The in-browser figures of the size and speed budget, for `cargo xtask bench` (areas `frames` and `history`):
//! stanza handling in wasm, a 1,000-message history (store update → DOM → painted), a live
//! message on top of it, scrolling the log, and memory (wasm linear memory + JS heap).
//!
//!   node e2e/bench/browser.mjs --url http://127.0.0.1:PORT [--runs 5] [--only frames|history]
//!
//! `--url` serves `/bench/` (this directory) and `/benchpkg/` (the widget built with the `bench`
//! feature): xtask starts devserver with such a site. Headless Chromium, no CPU throttling (the
//! targets are for an ordinary machine). Output: one `bench:KEY VALUE` line per measurement
//! (repeated keys are runs); xtask computes min/median/max. It asserts nothing.
import { launchBrowser } from '../lib/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const URL_BASE = opt('url', process.env.WEBCHAT_E2E_URL);
const RUNS = Number(opt('runs', 5));
const ONLY = opt('only', null);
const HISTORY = Number(opt('messages', 1000));
const FRAMES = 200_000;

if (!URL_BASE) throw new Error('--url (devserver serving /bench/ and /benchpkg/) is required');
const out = (key, value) => console.log(`bench:${key} ${typeof value === 'number' ? value.toFixed(4) : value}`);

async function openBenchPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  await page.goto(`${URL_BASE}/bench/bench.html`);
  await page.evaluate(() => window.__bench.ready);
  return { context, page, problems };
}

async function frames(browser) {
  const { context, page, problems } = await openBenchPage(browser);
  try {
    // One warm-up (the JIT tiers up the wasm), then the counted runs.
    await page.evaluate((n) => window.__bench.frames(n), 20_000);
    await page.evaluate((n) => window.__bench.domParser(n), 20_000);
    for (let i = 0; i < RUNS; i += 1) {
      const r = await page.evaluate((n) => window.__bench.frames(n), FRAMES);
      out('wasm_parse_fps', (r.frames / r.parseMs) * 1000);
      out('wasm_handle_fps', (r.frames / r.handleMs) * 1000);
      // DOMParser is an order of magnitude slower: a tenth of the frames gives as stable a rate.
      const d = await page.evaluate((n) => window.__bench.domParser(n), FRAMES / 10);
      out('domparser_fps', (d.frames / d.ms) * 1000);
    }
  } finally {
    await context.close();
  }
  if (problems.length) throw new Error(`bench page problems: ${problems.join('; ')}`);
}

async function history(browser) {
  for (let i = 0; i < RUNS; i += 1) {
    // A fresh page per run: what a reload with a long conversation costs.
    const { context, page, problems } = await openBenchPage(browser);
    try {
      const cdp = await context.newCDPSession(page);
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      const heap0 = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      const wasm0 = await page.evaluate(() => window.__bench.wasmMemory());
      await page.evaluate(() => window.__bench.mount());
      const r = await page.evaluate((n) => window.__bench.history(n), HISTORY);
      // Windowed: the newest rows are rendered, older ones as the log is scrolled up.
      if (!r.newest || r.rows < 1 || r.rows > HISTORY) {
        throw new Error(`history: ${r.rows} rows in the DOM, newest shown: ${r.newest}`);
      }
      out('history_rows', r.rows);
      out('history_store_ms', r.storeMs);
      out('history_dom_ms', r.domMs);
      out('history_layout_ms', r.layoutMs);
      out('history_paint_ms', r.paintMs);
      const appends = [];
      for (let k = 0; k < 10; k += 1) appends.push(await page.evaluate((k) => window.__bench.append(k), k));
      if (appends.some((a) => a.added !== 1)) throw new Error('append: a live message did not show once');
      for (const a of appends) out('append_paint_ms', a.paintMs);
      const s = await page.evaluate(() => window.__bench.scroll(120));
      if (s.range <= 0) throw new Error('scroll: the log does not scroll');
      for (const ms of s.intervals) out('scroll_frame_ms', ms);
      out('scroll_range_px', s.range);
      out('scroll_rows', s.rows);
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
      const wasm = await page.evaluate(() => window.__bench.wasmMemory());
      const dom = await cdp.send('Memory.getDOMCounters').catch(() => null);
      out('mem_wasm_bytes', wasm);
      out('mem_wasm_before_bytes', wasm0);
      out('mem_js_heap_bytes', heap);
      out('mem_js_heap_before_bytes', heap0);
      if (dom) out('mem_dom_nodes', dom.nodes);
    } finally {
      await context.close();
    }
    if (problems.length) throw new Error(`bench page problems: ${problems.join('; ')}`);
  }
}

const browser = await launchBrowser();
try {
  if (!ONLY || ONLY === 'frames') await frames(browser);
  if (!ONLY || ONLY === 'history') await history(browser);
} catch (e) {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
