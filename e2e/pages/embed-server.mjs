// A small static server for the embedding tests, on its own origin (so the Public API and the
// XMPP WebSocket on devserver are cross-origin, as on a customer's site).
//
// It serves the widget exactly as `cargo xtask dist` lays it out, from the same sources:
//   /cdn/loader.js, /cdn/webchat_launcher.js, /cdn/webchat.js, … /cdn/i18n/<tag>.txt
//        loader/loader.js + both stages' packages as `build_pkg` writes them and the chat texts
//        (dist/ renames them with content hashes and ships the loader minified, its names
//        rewritten; the tests under xtask set WEBCHAT_E2E_DIST and load exactly that)
//   /npm/…                 dist/npm: loader/npm/* + both stages and the chat texts
//   /pages/…               e2e/pages/embed-*  (HTML is templated: `{{KEY}}` for each key given
//                          to `start({ vars })` (`?var-KEY=` overrides it), and `{{ATTRS}}` for the request's `data-*`
//                          query parameters as loader attributes)
//   /spa/…                 examples/spa, with /spa/node_modules/webchat/ = the npm layout above
//                          (what `npm install` of its `file:` dependency links), and index.html
//                          for every extension-less path (History API routes)
// With WEBCHAT_E2E_DIST set (a dir laid out like dist/), /cdn/ and /npm/ serve it instead.
// `csp` (a function of the path) sets the Content-Security-Policy header. It does not build
// anything: WEBCHAT_E2E_PKG is the package xtask built.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = join(here, '..', '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Text for an HTML attribute value. */
function escape(v) {
  return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The file a URL path maps to, or null. Refuses anything that escapes its directory. */
function resolve(pkg, dist, path) {
  const inside = (dir, rest) => {
    const file = normalize(join(dir, rest));
    return file.startsWith(dir) ? file : null;
  };
  const npmFile = (rest) => {
    if (dist) return inside(join(dist, 'npm'), rest);
    if (/^(webchat(_launcher)?(\.js|_bg\.wasm)|i18n\/.*)$/.test(rest)) return inside(pkg, rest);
    return inside(join(ROOT, 'loader', 'npm'), rest);
  };
  if (dist && path.startsWith('/cdn/')) return inside(dist, path.slice(5));
  if (path === '/cdn/loader.js') return join(ROOT, 'loader', 'loader.js');
  if (path.startsWith('/cdn/')) return inside(pkg, path.slice(5));
  if (path.startsWith('/npm/')) return npmFile(path.slice(5));
  if (path.startsWith('/pages/embed-')) return inside(join(ROOT, 'e2e', 'pages'), path.slice(7));
  if (path.startsWith('/spa/node_modules/webchat/')) {
    return npmFile(path.slice('/spa/node_modules/webchat/'.length));
  }
  if (path === '/spa' || path.startsWith('/spa/')) {
    const rest = path.slice(5);
    if (rest === '' || !extname(rest)) return join(ROOT, 'examples', 'spa', 'index.html');
    return inside(join(ROOT, 'examples', 'spa'), rest);
  }
  return null;
}

/**
 * Starts the server on 127.0.0.1 (a free port). `vars` fill `{{KEY}}` in HTML pages;
 * `csp(path)` returns a Content-Security-Policy header value or null. Returns
 * `{ origin, requests, close() }`; `requests` lists every path served (to see what loaded when).
 */
export async function start({ pkg, vars = {}, csp = () => null }) {
  if (!pkg || !existsSync(join(pkg, 'webchat.js'))) {
    throw new Error(`WEBCHAT_E2E_PKG (${pkg}) holds no built webchat.js: run under cargo xtask test`);
  }
  // With WEBCHAT_E2E_DIST (a `dist::layout` output: loader.js with hashed names, npm/), the
  // exact shipped files are served instead of their sources.
  const dist = process.env.WEBCHAT_E2E_DIST && existsSync(join(process.env.WEBCHAT_E2E_DIST, 'loader.js'))
    ? process.env.WEBCHAT_E2E_DIST
    : null;
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    requests.push({ path, time: Date.now() });
    const file = resolve(pkg, dist, path);
    let body;
    try {
      body = file && (await readFile(file));
    } catch {
      body = null;
    }
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${path}`);
      return;
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) {
      let html = body.toString('utf8');
      const query = new URL(req.url, 'http://x').searchParams;
      for (const [k, v] of Object.entries(vars)) {
        // `?var-KEY=value` overrides a variable for one request (another campaign, say).
        html = html.replaceAll(`{{${k}}}`, escape(query.get(`var-${k}`) ?? v));
      }
      // `?data-x=v` query parameters become loader attributes: one page, many configurations.
      const attrs = [...new URL(req.url, 'http://x').searchParams]
        .filter(([k]) => /^data-[a-z-]+$/.test(k))
        .map(([k, v]) => ` ${k}="${escape(v)}"`)
        .join('');
      html = html.replaceAll('{{ATTRS}}', attrs);
      body = Buffer.from(html);
    }
    const headers = { 'content-type': type, 'cache-control': 'no-store' };
    const policy = csp(path);
    if (policy) headers['content-security-policy'] = policy;
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
      }),
  };
}
