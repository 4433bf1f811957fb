/*! webchat loader: defines the page's API global at once, queues calls, and loads the launcher
 * (the first of the widget's two download stages) once the page has loaded and is idle (50 ms at
 * most), with the campaign read the launcher starts with, or at once when a call
 * needs it. The launcher loads the chat (the second stage) through `loadChat` below on the first
 * sign of interest. Hand-written; `cargo xtask dist` minifies it (terser) and replaces the asset
 * names below with content-hashed ones, so one loader always gets files of one build. It uses
 * no eval, no new Function, no inline styles and injects no elements, so a strict CSP
 * (script-src 'self' 'wasm-unsafe-eval'; style-src 'self') is enough. */
(function (w, d) {
  'use strict';
  var GLUE = 'webchat_launcher.js';
  var WASM = 'webchat_launcher_bg.wasm';
  var CHAT_GLUE = 'webchat.js';
  var CHAT_WASM = 'webchat_bg.wasm';
  var I18N = 'i18n/';

  var script = d.currentScript;
  if (!script) {
    // currentScript is null in modules: the data-* attributes cannot be read.
    console.error('webchat: load loader.js with a classic <script async src>, not type="module"');
    return;
  }
  var data = script.dataset;
  var name = data.global || 'CV';
  if (w[name] && w[name].__webchat) {
    console.error('webchat: loader.js is included twice; the second copy does nothing');
    return;
  }
  // Assets live next to the loader, wherever it is served from (CDN or the site itself).
  var base = new URL('.', script.src).href;

  var options = {
    apiUrl: data.apiUrl,
    apiToken: data.apiToken,
    campaign: data.campaign,
    websocketUrl: data.websocketUrl,
    boshUrl: data.boshUrl,
    visitorIds: data.visitorIds,
    language: data.language,
    position: data.position,
    zIndex: data.zIndex,
    container: data.container,
    visibility: data.visibility,
    livechat: data.livechat
  };

  var queue = [];  // [path, arguments] waiting for the widget
  var api = null;  // the real API once init() resolved
  var starting = null; // the promise of the running load
  var glue = null; // the loaded module, kept across destroy() for a fresh start
  var destroyed = false;

  function lookup(path) {
    var parts = path.split('.');
    return parts.length > 1 ? [api[parts[0]], api[parts[0]][parts[1]]] : [api, api[path]];
  }

  function invoke(path, args) {
    var f = lookup(path);
    return f[1].apply(f[0], args);
  }

  function replay() {
    while (api && queue.length) {
      var call = queue.shift();
      try {
        invoke(call[0], call[1]);
      } catch (e) {
        // The page called before load and cannot catch this any more: one clear line instead.
        var why = String((e && e.message) || e).replace(/^webchat: /, '');
        console.error('webchat: ' + name + '.' + call[0] + '() failed: ' + why);
      }
    }
  }

  var generation = 0; // bumped by destroy(): a load still under way is then discarded

  // A wasm is fetched and compiled with compileStreaming: the browser compiles it off the main
  // thread while the bytes arrive, in parallel with the glue's import. A server without the
  // application/wasm type makes that fail: the glue then fetches and compiles it itself.
  function compile(url) {
    return WebAssembly.compileStreaming
      ? fetch(url).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status + ' for ' + url);
        return WebAssembly.compileStreaming(r.body && w.ReadableStream ? paced(r) : r);
      }).catch(function (e) {
        // Only a type the server got wrong is worth the glue's own try; a missing file is not.
        if (/HTTP \d/.test(String(e && e.message))) throw e;
        return url;
      })
      : Promise.resolve(url);
  }

  var compiled = null; // the launcher's wasm, kept across destroy() for a fresh start

  // The campaign, the launcher's first read, asked for while the launcher's own files download
  // (the same URL, token and headers as the launcher's API client); the launcher takes the
  // request over through `early` instead of paying its round trips (a CORS preflight and the
  // GET) after it started. A URL the launcher does not ask for is never handed out.
  var early = null; // [url, promise of the Response]

  // The options as the launcher reads them: trimmed, and none of the three may be empty.
  function trimmed(v) {
    return typeof v === 'string' ? v.trim() : '';
  }

  function readEarly() {
    var api = trimmed(options.apiUrl);
    var token = trimmed(options.apiToken);
    var campaign = trimmed(options.campaign);
    if (!api || !token || !campaign) return; // the launcher reports it
    var id;
    try {
      // RFC 3986's unreserved characters stay, everything else is percent-encoded, as the
      // launcher does.
      id = encodeURIComponent(campaign).replace(/[!'()*]/g, function (c) {
        return '%' + c.charCodeAt(0).toString(16).toUpperCase();
      });
    } catch (e) {
      return; // a lone surrogate: the launcher reads it its own way
    }
    var url = api.replace(/\/?$/, '/') + 'campaigns/' + id;
    var sent = fetch(url, { headers: { 'X-API-TOKEN': token, Accept: 'application/json' } });
    sent.catch(function () {}); // the launcher meets the failure when it takes the request over
    early = [url, sent];
  }

  function takeEarly(url) {
    if (!early || early[0] !== url) return undefined;
    var sent = early[1];
    early = null;
    return sent;
  }

  function launcherWasm() {
    if (!compiled) {
      compiled = compile(base + WASM);
      compiled.catch(function () { compiled = null; });
    }
    return compiled;
  }

  // The chat: its glue, its wasm and the chat texts of the language in use, in parallel; then
  // instantiated. Resolves to what the launcher's handoff needs, `{ start, table }`. A failed
  // download is tried again on the next call (the launcher retries with backoff).
  var chat = null;
  var attempt = 0;

  function loadChat(tag) {
    if (!chat) {
      var table = fetch(base + I18N + tag + '.txt')
        .then(function (r) { return r.ok ? r.text() : null; }, function () { return null; });
      // A retry asks for the glue under another URL: a failed import() may stay failed.
      var retry = attempt ? '?retry=' + attempt : '';
      chat = Promise.all([import(base + CHAT_GLUE + retry), compile(base + CHAT_WASM), table])
        .then(function (parts) {
          return next().then(function () {
            return parts[0].default({ module_or_path: parts[1] });
          }).then(function () {
            return { start: parts[0].startChat, table: parts[2] };
          });
        });
      chat.catch(function () { chat = null; attempt += 1; });
    }
    return chat;
  }

  // The browser decodes the wasm on the main thread as the bytes arrive. When they arrive all at
  // once (a cache, a fast network) that is one long task on the host page; handing them over in
  // 64 KB pieces, one per task, keeps every piece short.
  function paced(r) {
    var reader = r.body.getReader();
    var buf = null;
    var at = 0;
    var body = new ReadableStream({
      pull: function (c) {
        return next().then(function () {
          if (buf && at < buf.length) return buf;
          return reader.read().then(function (x) { buf = x.value; at = 0; return x.done ? null : buf; });
        }).then(function (b) {
          if (!b) return c.close();
          c.enqueue(b.subarray(at, at + 65536));
          at += 65536;
        });
      }
    });
    return new Response(body, { headers: { 'content-type': 'application/wasm' } });
  }

  // A new task at once: a message to ourselves (timers are clamped to 4 ms once nested).
  function next() {
    return new Promise(function (done) {
      var ch = new MessageChannel();
      ch.port1.onmessage = function () { done(); };
      ch.port2.postMessage(0);
    });
  }

  function load() {
    if (api) return Promise.resolve(api);
    if (starting) return starting;
    var gen = generation;
    // One request per task: starting a request costs the main thread a few ms (many more on a
    // slow phone), and the three at once were one long task on the host page.
    var wasm = launcherWasm();
    starting = next()
      .then(function () {
        readEarly();
        return next();
      })
      .then(function () {
        return glue || import(base + GLUE);
      })
      .then(function (m) {
        glue = m;
        return wasm;
      })
      // Instantiating (a compiled module: quick) and starting are separate tasks: short tasks
      // block the page less than one long one. The page was idle when loading began; waiting
      // for idle time again between steps only delays the launcher.
      .then(function (module) {
        return next().then(function () {
          return glue.default({ module_or_path: module });
        });
      })
      .then(next)
      .then(function () {
        return glue.init(options, { loadChat: loadChat, early: takeEarly });
      })
      .then(function (a) {
        if (gen !== generation) {
          a.destroy(); // destroy() was called while loading
          throw new Error('webchat: destroyed while loading');
        }
        starting = null;
        api = a;
        destroyed = false;
        replay();
        return a;
      }, function (e) {
        if (gen === generation) {
          starting = null;
          queue = [];
        }
        console.error('webchat: the widget could not start: ' + String((e && e.message) || e));
        throw e;
      });
    return starting;
  }

  function start() {
    load().catch(function () {}); // already reported by load()
  }

  // A queued method: calls through once loaded; before that queues (and `now` starts loading).
  function method(path, now, before) {
    return function () {
      if (api) return invoke(path, arguments);
      queue.push([path, arguments]);
      if (now) start();
      return before;
    };
  }

  var cv = {
    __webchat: true,
    user: { tag: method('user.tag'), reset: method('user.reset') },
    chat: {
      open: method('chat.open', true),
      close: method('chat.close'),
      toggle: method('chat.toggle', true),
      show: method('chat.show'),
      hide: method('chat.hide'),
      auto: method('chat.auto'),
      isOpen: function () { return api ? api.chat.isOpen() : false; },
      state: function () { return api ? api.chat.state() : destroyed ? 'destroyed' : 'loading'; }
    },
    on: method('on'),
    off: method('off'),
    load: load,
    destroy: function () {
      queue = [];
      generation += 1;
      starting = null;
      if (api) api.destroy();
      api = null;
      destroyed = true;
    }
  };
  Object.defineProperty(cv, 'visitorId', {
    get: function () { return api ? api.visitorId : undefined; }
  });
  w[name] = cv;

  // The page's own work after its load event goes first, but a busy page does not hold the
  // launcher back for long: every step of the start is a short task of its own anyway.
  function whenIdle() {
    if (w.requestIdleCallback) w.requestIdleCallback(start, { timeout: 50 });
    else setTimeout(start, 1);
  }

  if (data.load === 'interaction') {
    var kinds = ['pointerdown', 'keydown', 'touchstart', 'scroll', 'mousemove'];
    var first = function () {
      kinds.forEach(function (k) { w.removeEventListener(k, first, true); });
      start();
    };
    kinds.forEach(function (k) { w.addEventListener(k, first, { capture: true, passive: true }); });
  } else if (d.readyState === 'complete') {
    whenIdle();
  } else {
    w.addEventListener('load', whenIdle, { once: true });
  }
})(window, document);
