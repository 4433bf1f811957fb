//! An A/B helper for the 1,000-message history figure on a busy machine (not part of `cargo xtask
//! bench`): the wall-clock figure moves with whatever else the CPU is doing, the main thread's
//! own CPU time much less. For each page (fresh, as browser.mjs does) it mounts the widget,
//! leaves it a moment (the idle time after the window opens), then times `history(1000)` and
//! sums the thread time (`tdur`) of the renderer main thread's top-level tasks in a trace of
//! that step: building the rows, style, layout, paint, wasm compilation and GC included.
//!
//!   node e2e/bench/history-cpu.mjs http://127.0.0.1:PORT_A [http://127.0.0.1:PORT_B] [runs]
//!
//! Each URL serves `/bench/` and `/benchpkg/` (a widget built with the `bench` feature, e.g.
//! xtask's `target/bench/site` behind devserver or any static server). `COLD=1` mounts and
//! fills in one step (no idle time in between: what a page that opens with a long conversation
//! pays, mounting included). Pages of the URLs alternate, so both see the same load. It prints
//! medians and asserts nothing.
import { launchBrowser } from '../lib/harness.mjs';

const args = process.argv.slice(2);
const urls = args.filter((a) => /^https?:/.test(a));
const RUNS = Number(args.find((a) => /^\d+$/.test(a)) ?? 7);
const COLD = process.env.COLD === '1';
const MESSAGES = 1000;
if (urls.length === 0) throw new Error('usage: history-cpu.mjs URL [URL] [runs]');

async function once(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/bench/bench.html`);
    await page.evaluate(() => window.__bench.ready);
    if (!COLD) {
      await page.evaluate(() => window.__bench.mount());
      await new Promise((r) => setTimeout(r, 300));
    }
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const complete = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['toplevel', '__metadata'] } });
    const r = await page.evaluate(
      ([n, cold]) => {
        if (cold) window.__bench.mount();
        return window.__bench.history(n);
      },
      [MESSAGES, COLD],
    );
    await cdp.send('Tracing.end');
    await complete;
    const main = new Set(
      events
        .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
        .map((e) => `${e.pid}:${e.tid}`),
    );
    const cpu = new Map();
    for (const e of events) {
      const thread = `${e.pid}:${e.tid}`;
      if (e.ph === 'X' && e.cat === 'toplevel' && e.tdur && main.has(thread)) {
        cpu.set(thread, (cpu.get(thread) ?? 0) + e.tdur / 1000);
      }
    }
    // The page's renderer is the busiest main thread in the trace.
    return { paintMs: r.paintMs, cpuMs: Math.max(0, ...cpu.values()), rows: r.rows };
  } finally {
    await context.close();
  }
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launchBrowser();
try {
  const results = urls.map(() => []);
  for (let i = 0; i < RUNS; i += 1) {
    for (const [k, url] of urls.entries()) results[k].push(await once(browser, url));
  }
  for (const [k, url] of urls.entries()) {
    const rs = results[k];
    console.log(
      `${url}${COLD ? ' (cold)' : ''}: ${rs[0].rows} rows; painted after ${median(rs.map((r) => r.paintMs)).toFixed(1)} ms` +
        ` (median of ${RUNS}); main-thread CPU ${median(rs.map((r) => r.cpuMs)).toFixed(1)} ms` +
        ` (min ${Math.min(...rs.map((r) => r.cpuMs)).toFixed(1)}, max ${Math.max(...rs.map((r) => r.cpuMs)).toFixed(1)})`,
    );
  }
} finally {
  await browser.close();
}
