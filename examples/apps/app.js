#!/usr/bin/env node
// A tiny sample service for local meshes (serviceA / serviceB / serviceBv2 in `awsmesh local demo`).
// It answers HTTP/1.1 and HTTP/2 cleartext on one port (App Mesh listeners may be http or http2)
// with a JSON line naming itself, and can misbehave on purpose for resilience demos.
//
// Settings (environment): APP_NAME, PORT (0 = any free port; the chosen port is printed as
// "listening <port>"), HOST (127.0.0.1), FAIL_RATE (0..1) answered with FAIL_STATUS (503),
// DELAY_MS, UNHEALTHY=1 (fail /ping and /health), and UPSTREAM: a URL this app calls for every
// request (through HTTP_PROXY, the sidecar's egress listener, when set),
// e.g. UPSTREAM=http://serviceb.apps.local/.

'use strict';
const http = require('http');
const http2 = require('http2');
const net = require('net');
const path = require('path');
const { dispatchConnection } = require(path.join(__dirname, '..', '..', 'dist', 'dataplane', 'http', 'auto-codec'));

const name = process.env.APP_NAME || 'app';
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 0);
const failRate = Number(process.env.FAIL_RATE || 0);
const failStatus = Number(process.env.FAIL_STATUS || 503);
const delayMs = Number(process.env.DELAY_MS || 0);
const upstream = process.env.UPSTREAM ? new URL(process.env.UPSTREAM) : undefined;
const proxy = process.env.HTTP_PROXY || process.env.http_proxy;
const proxyUrl = proxy ? new URL(proxy) : undefined;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function callUpstream(reqPath, headers, cb) {
  const target = new URL(reqPath === '/' ? upstream.pathname : reqPath, upstream);
  const opts = proxyUrl
    // HTTP proxy style: absolute-form request target, sent to the egress listener.
    ? { host: proxyUrl.hostname, port: Number(proxyUrl.port || 80), path: target.href, headers: { host: target.host, ...headers } }
    : { host: target.hostname, port: Number(target.port || 80), path: target.pathname + target.search, headers };
  const req = http.request({ ...opts, agent, method: 'GET' }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => cb(null, res.statusCode, Buffer.concat(chunks).toString()));
  });
  req.on('error', (e) => cb(e));
  req.end();
}

function handle(req, res) {
  const url = req.url || '/';
  if (url === '/ping' || url === '/health') {
    const ok = process.env.UNHEALTHY !== '1';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'pong\n' : 'unhealthy\n');
    return;
  }
  const respond = () => {
    if (failRate > 0 && Math.random() < failRate) {
      res.writeHead(failStatus, { 'content-type': 'application/json', 'x-app-name': name });
      res.end(`${JSON.stringify({ service: name, error: failStatus })}\n`);
      return;
    }
    if (!upstream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-app-name': name });
      res.end(`${JSON.stringify({ service: name, path: url, host: req.headers.host || req.headers[':authority'] })}\n`);
      return;
    }
    const fwd = {};
    // Trace headers go on too, so a request is one trace across the sidecars (as instrumented apps do).
    for (const h of ['x-request-id', 'x-canary', 'user-agent', 'traceparent', 'tracestate', 'x-amzn-trace-id']) if (req.headers[h]) fwd[h] = req.headers[h];
    callUpstream(url, fwd, (err, status, body) => {
      const code = err ? 502 : status;
      res.writeHead(code, { 'content-type': 'application/json', 'x-app-name': name });
      let parsed = body;
      try {
        parsed = JSON.parse(body);
      } catch {
        /* not JSON (e.g. a proxy's local reply) */
      }
      res.end(`${JSON.stringify({ service: name, upstreamStatus: code, upstream: err ? String(err.message) : parsed })}\n`);
    });
  };
  if (delayMs > 0) setTimeout(respond, delayMs);
  else respond();
}

const h1 = http.createServer({ keepAliveTimeout: 60_000 }, handle);
const h2 = http2.createServer({}, handle);
h2.on('sessionError', () => undefined);
const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  dispatchConnection(socket, h1, h2);
});
server.listen(port, host, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 300).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
