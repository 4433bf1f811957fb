// Added Total Blocking Time and time to launcher visible: one host page loaded in headless
// Chromium (CPU throttled 4×) without a chat, with webchat's script tag (dist/loader.js), and
// with converse.js (from npm, overlayed mode) as the reference, in the same run on the same page.
//
//   cargo xtask dist                    # dist/loader.js + hashed assets (over budget is fine here)
//   node loader/bench/added-tbt.mjs [--runs 5] [--api http://127.0.0.1:PORT] [--verbose] [--serve]
//                                   [--machine] [--fetch-only]
//
// `--api` is a running devserver (its campaign makes the widget fully ready); without it the
// widget's API calls fail and it retries quietly, which does not change what the page blocks on.
// TBT here is the sum of (long task − 50 ms) over every long task from first contentful paint
// until 6 s after the launcher is visible, so work the widget defers to idle time is counted too.
// converse.js is fetched once with `npm pack converse.js@VERSION` into loader/bench/.cache/.
// It prints medians; it asserts nothing (benchmarks report, tests assert). `--machine` (for
// `cargo xtask bench`) also prints every run as `bench:KEY VALUE` lines (tbt_VARIANT,
// launcher_VARIANT, load_VARIANT, fcp_VARIANT, longtasks_VARIANT as start+duration ms) and each file a variant downloaded from the bench
// server (`bench:resource_VARIANT /path`), so sizes are measured on what the browser fetched.
// `--fetch-only` only makes sure converse.js is in the cache.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../../e2e/lib/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const DIST = join(ROOT, 'dist');
const CONVERSE_VERSION = '14.0.0';
const CACHE = join(here, '.cache');
const CONVERSE = join(CACHE, `converse-${CONVERSE_VERSION}`, 'package', 'dist');
const QUIET_MS = 6000;

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const RUNS = Number(opt('runs', 5));
const API = opt('api', process.env.WEBCHAT_BENCH_API ?? 'http://127.0.0.1:9');

async function ensureConverse() {
  if (existsSync(join(CONVERSE, 'converse.min.js'))) return;
  const dir = join(CACHE, `converse-${CONVERSE_VERSION}`);
  await mkdir(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', `converse.js@${CONVERSE_VERSION}`, '--silent'], { cwd: dir })
    .toString()
    .trim()
    .split('\n')
    .pop();
  execFileSync('tar', ['xzf', tgz], { cwd: dir });
}

/** The host page: some ordinary content, and the variant's embedding code. */
function hostPage(variant, wsUrl) {
  const content = Array.from({ length: 40 }, (_, i) =>
    `<section><h2>Section ${i + 1}</h2><p>${'Fresh coffee, roasted weekly and delivered. '.repeat(12)}</p></section>`,
  ).join('\n');
  const embed = {
    none: '',
    webchat: `<script async src="/dist/loader.js" data-api-url="${API}/api/app.php/chatbot/v1/"
      data-api-token="webchat-dev-token" data-campaign="Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX"
      data-websocket-url="${wsUrl}"></script>`,
    // converse.js's documented embedding: its stylesheet, its script (an ES module build since
    // version 11), initialize().
    converse: `<link rel="stylesheet" href="/converse/converse.min.css" />
      <script type="module" src="/converse/converse.min.js"></script>
      <script type="module" src="/converse-init.js"></script>`,
  }[variant];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" /><title>bench host</title>
    <link rel="icon" href="data:," /></head><body><header><h1>Northwind Coffee</h1></header>
    <main>${content}</main>${embed}</body></html>`;
}

const CONVERSE_INIT = `converse.initialize({
  view_mode: 'overlayed', auto_login: false, auto_reconnect: false,
  websocket_url: 'ws://127.0.0.1:9/xmpp-websocket', discover_connection_methods: false,
  show_controlbox_by_default: false, loglevel: 'fatal', play_sounds: false,
});`;

const TYPES = { '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

function serve(wsUrl) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.startsWith('/host-')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(hostPage(path.slice(6), wsUrl));
    }
    if (path === '/converse-init.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(CONVERSE_INIT);
    }
    const [dir, rest] = path.startsWith('/dist/') ? [DIST, path.slice(6)]
      : path.startsWith('/converse/') ? [CONVERSE, path.slice(10)] : [null, null];
    const file = dir && normalize(join(dir, rest));
    try {
      if (!file || !file.startsWith(dir)) throw new Error('outside');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

// Runs in the page before anything else: records long tasks, paints and when the launcher shows.
const PROBE = `(() => {
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
  const visible = (el) => { if (!el) return false; const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const find = () =>
    document.getElementById('webchat-widget')?.shadowRoot?.querySelector('.wc-launcher') ||
    document.querySelector('#conversejs .toggle-controlbox, converse-root .toggle-controlbox');
  const tick = () => {
    if (visible(find())) window.__launcher = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

async function measure(browser, origin, variant) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  await page.addInitScript(PROBE);
  await page.goto(`${origin}/host-${variant}`, { waitUntil: 'load' });
  let launcher = null;
  if (variant !== 'none') {
    await page.waitForFunction(() => window.__launcher, null, { timeout: 60_000 }).catch(async (e) => {
      const dom = await page.evaluate(() => (document.querySelector('#conversejs, converse-root, #webchat-widget')?.outerHTML ?? 'none').slice(0, 1500));
      throw new Error(`${variant}: no launcher visible (${e.message}); ${dom}`);
    });
    launcher = await page.evaluate(() => window.__launcher);
  }
  await page.waitForTimeout(QUIET_MS);
  const result = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
    const tbt = window.__long
      .filter(([start]) => start >= fcp)
      .reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
    const load = performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? 0;
    const resources = performance.getEntriesByType('resource')
      .map((e) => new URL(e.name))
      .filter((u) => u.origin === location.origin)
      .map((u) => u.pathname);
    return { tbt, fcp, load, resources, longTasks: window.__long.map(([s, d]) => `${s.toFixed(0)}+${d.toFixed(0)}`) };
  });
  await context.close();
  return { ...result, launcher };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

async function main() {
  await ensureConverse();
  if (args.includes('--fetch-only')) {
    console.log(`converse.js ${CONVERSE_VERSION}: ${CONVERSE}`);
    return;
  }
  if (!existsSync(join(DIST, 'loader.js'))) throw new Error('no dist/loader.js: run `cargo xtask dist` first');
  const wsUrl = `${API.replace(/^http/, 'ws')}/xmpp-websocket`;
  const server = await serve(wsUrl);
  const origin = `http://127.0.0.1:${server.address().port}`;
  if (args.includes('--serve')) {
    // For looking at the pages by hand: serve until interrupted.
    console.log(`${origin}/host-none  ${origin}/host-webchat  ${origin}/host-converse`);
    return;
  }
  const browser = await launchBrowser();
  const runs = { none: [], webchat: [], converse: [] };
  try {
    // Interleaved, so machine load drifts over all variants alike.
    for (let i = 0; i < RUNS; i += 1) {
      for (const variant of Object.keys(runs)) runs[variant].push(await measure(browser, origin, variant));
    }
  } finally {
    await browser.close();
    server.close();
  }
  if (args.includes('--verbose')) {
    for (const [variant, rs] of Object.entries(runs)) {
      for (const r of rs) console.log(`${variant}: launcher ${r.launcher?.toFixed(0)} ms; long tasks (start+ms): ${r.longTasks.join(' ')}`);
    }
  }
  if (args.includes('--machine')) {
    for (const [variant, rs] of Object.entries(runs)) {
      for (const r of rs) {
        console.log(`bench:tbt_${variant} ${r.tbt.toFixed(2)}`);
        console.log(`bench:fcp_${variant} ${r.fcp.toFixed(2)}`);
        console.log(`bench:load_${variant} ${r.load.toFixed(2)}`);
        if (r.launcher !== null) console.log(`bench:launcher_${variant} ${r.launcher.toFixed(2)}`);
        console.log(`bench:longtasks_${variant} ${r.longTasks.join(' ') || 'none'}`);
      }
      for (const path of new Set(rs.flatMap((r) => r.resources))) console.log(`bench:resource_${variant} ${path}`);
    }
    console.log(`bench:converse_dir ${CONVERSE}`);
  }
  const base = median(runs.none.map((r) => r.tbt));
  console.log(`\nadded blocking time, ${RUNS} runs each, CPU throttled 4x (medians, ms)`);
  console.log(`${'variant'.padEnd(22)}${'TBT'.padStart(8)}${'added TBT'.padStart(12)}${'launcher visible'.padStart(18)}`);
  for (const [variant, rs] of Object.entries(runs)) {
    const tbt = median(rs.map((r) => r.tbt));
    const launcher = variant === 'none' ? '-' : median(rs.map((r) => r.launcher)).toFixed(0);
    const name = { none: 'host page alone', webchat: 'webchat (loader.js)', converse: `converse.js ${CONVERSE_VERSION}` }[variant];
    console.log(`${name.padEnd(22)}${tbt.toFixed(0).padStart(8)}${(tbt - base).toFixed(0).padStart(12)}${launcher.padStart(18)}`);
  }
}

main().catch((e) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
