//! A fault-injection TCP proxy for the e2e tests: sits between the browser and the XMPP
//! WebSocket endpoint and cuts every open connection on demand, the way a train entering a
//! tunnel does (no close frame, no `</close>`: the TCP connection just dies on both sides).
//!
//! `const proxy = await startProxy('ws://127.0.0.1:5280/xmpp-websocket')` gives
//! `proxy.url` (the same path through the proxy), `proxy.drop()` (cuts what is open now and
//! returns how many connections it cut), `proxy.connections` (how many were ever accepted) and
//! `proxy.close()`. It knows nothing of WebSocket or XMPP: bytes are copied untouched, so the
//! handshake, the subprotocol and the frames are the browser's and the server's own.

import net from 'node:net';

/// Starts a proxy on 127.0.0.1 (a free port) in front of the WebSocket URL `target`.
export async function startProxy(target) {
  const t = new URL(target);
  const targetPort = Number(t.port || (t.protocol === 'wss:' ? 443 : 80));
  const targetHost = t.hostname;
  const open = new Set();
  let accepted = 0;

  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    open.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    const forget = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', forget);
    upstream.on('error', forget);
    client.on('close', forget);
    upstream.on('close', forget);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const url = new URL(target);
  url.host = `127.0.0.1:${port}`;

  return {
    url: url.toString(),
    get connections() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    /// Cuts every open connection (both sides, with a TCP reset); returns how many.
    drop() {
      const n = open.size;
      for (const { client, upstream } of [...open]) {
        client.resetAndDestroy?.() ?? client.destroy();
        upstream.resetAndDestroy?.() ?? upstream.destroy();
      }
      open.clear();
      return n;
    },
    async close() {
      this.drop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
