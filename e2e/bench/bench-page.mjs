//! The in-browser bench page: loads the widget built with the `bench` feature (served at
//! /benchpkg/, see src/bench.rs) and exposes `window.__bench` for e2e/bench/browser.mjs.
//!
//! Every function returns plain numbers (ms from `performance.now()`); none judges them.
//! What it does not: start a chat or talk to a server (the store is fed directly).
import init, * as wc from '/benchpkg/webchat.js';

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));
// After a rAF callback the browser paints; a message posted from it runs once the frame is out.
const afterPaint = () =>
  new Promise((r) =>
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => r(performance.now());
      ch.port2.postMessage(0);
    }),
  );
const macrotask = () =>
  new Promise((r) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => r();
    ch.port2.postMessage(0);
  });

let exports = null;
const host = () => document.getElementById('webchat-widget');
const shadow = () => host().shadowRoot;
const rows = () => shadow()?.querySelectorAll('.wc-msg').length ?? 0;
/** The widget's scrolling conversation (the role=log element). */
const log = () => shadow()?.querySelector('[role="log"]');

window.__bench = {
  ready: (async () => {
    exports = await init();
  })(),

  /** Stanza handling in wasm: `{frames, parseMs, handleMs}`. */
  frames(minFrames) {
    const [frames, parseMs, handleMs] = wc.bench_frames(minFrames);
    return { frames, parseMs, handleMs };
  },

  /**
   * The reference: the same frames parsed the way strophe.js (converse.js's XMPP layer) parses
   * every WebSocket message: wrapped, then `DOMParser.parseFromString(…, 'text/xml')`.
   */
  domParser(minFrames) {
    const mix = wc.bench_frame_mix();
    const rounds = Math.max(1, Math.ceil(minFrames / mix.length));
    const parser = new DOMParser();
    let ok = 0;
    const t0 = performance.now();
    for (let r = 0; r < rounds; r += 1) {
      for (const f of mix) {
        const el = parser.parseFromString(`<wrapper>${f}</wrapper>`, 'text/xml').documentElement;
        if (el.firstElementChild) ok += 1;
      }
    }
    const ms = performance.now() - t0;
    if (ok === 0) throw new Error('DOMParser parsed nothing');
    return { frames: rounds * mix.length, ms };
  },

  /** Bytes of wasm linear memory (`WebAssembly.Memory`'s buffer). */
  wasmMemory() {
    return exports.memory.buffer.byteLength;
  },

  mount() {
    wc.bench_mount(host());
  },
  unmount() {
    wc.bench_unmount();
  },

  /**
   * `n` messages in one store update, timed from just before the update: `storeMs` (the
   * update), `domMs` (effects ran: rows in the DOM), `layoutMs` (style and layout forced),
   * `paintMs` (the next frame was produced).
   */
  async history(n) {
    await nextFrame();
    const t0 = performance.now();
    const storeMs = wc.bench_history(n);
    await macrotask();
    const tDom = performance.now();
    const shown = rows();
    const last = shadow().querySelector('.wc-msg:last-of-type') ?? log();
    last.getBoundingClientRect();
    const tLayout = performance.now();
    const tPaint = await afterPaint();
    // The log is windowed (only the newest rows are rendered); the newest must be among them.
    const newest = shadow().querySelector(`.wc-msg[data-id="bench-${n - 1}"]`) !== null;
    return { rows: shown, newest, storeMs, domMs: tDom - t0, layoutMs: tLayout - t0, paintMs: tPaint - t0 };
  },

  /** One live agent message on top of the history: store update → painted. */
  async append(i) {
    await nextFrame();
    const before = rows();
    const t0 = performance.now();
    wc.bench_append(`live-${i}`, `A live answer on top of the history, number ${i}.`);
    await macrotask();
    const tDom = performance.now();
    const tPaint = await afterPaint();
    return { added: rows() - before, domMs: tDom - t0, paintMs: tPaint - t0 };
  },

  /**
   * Scrolls the log up from the bottom in `frames / 2` animation frames (a fast flick, one
   * rendered log's height), then down as far again; older rows are rendered on the way up as
   * the widget does for a visitor. Returns every frame interval (ms), the first rendered log's
   * scroll range and how many rows were rendered at the end.
   */
  async scroll(frames = 120) {
    const el = log();
    // A visitor's wheel or touch scroll is immediate; the log's smooth scrolling is for new
    // messages.
    el.style.scrollBehavior = 'auto';
    el.scrollTop = el.scrollHeight;
    await nextFrame();
    await nextFrame();
    const range = el.scrollHeight - el.clientHeight;
    const step = Math.max(1, Math.round(range / (frames / 2)));
    const intervals = [];
    let last = null;
    for (let i = 1; i <= frames; i += 1) {
      const t = await new Promise((r) => requestAnimationFrame(r));
      if (last !== null) intervals.push(t - last);
      last = t;
      // From where the log is now: rendering older rows moves the position down by their height.
      el.scrollTop = i <= frames / 2 ? Math.max(0, el.scrollTop - step) : el.scrollTop + step;
      // Forces the scroll's layout inside the frame, as a user-driven scroll would cost.
      el.querySelector('.wc-msg')?.getBoundingClientRect();
    }
    el.style.scrollBehavior = '';
    return { intervals, range, rows: rows() };
  },
};
