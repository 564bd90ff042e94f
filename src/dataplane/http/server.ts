// A listening socket with Envoy's `codec_type: AUTO`: HTTP/1.1 and HTTP/2 cleartext (prior
// knowledge) on the same port, told apart by the connection preface. The egress listener is
// also an HTTP proxy for clients configured with HTTP_PROXY (absolute-form request targets) and
// accepts CONNECT for TCP virtual services, and HTTP/1.1 upgrades (WebSocket) as the connection
// manager's upgrade_configs allow. TCP chains splice connections to the cluster.

import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as tls from 'tls';
import { drainConnections } from '../../tls/drain';
import { pickTarget } from '../config/route-table';
import { RequestView } from '../config/request-view';
import type { ChainState } from '../config/runtime';
import type { ListenerStats } from '../telemetry/stats';
import { tunnelIntercepted } from '../tcp/intercepted';
import { connectUpstream, proxyTcpConnection, splice } from '../tcp/tunnel';
import { handleHttpRequest, handleUpgradeRequest } from './exchange';
import { BAD_REQUEST, serveHttp1, type H1Handlers, type H1Options } from '../../base/h1-connection';
import type { DownstreamRequest, DownstreamResponse } from './downstream';
import { upgradeType, withoutUpgrade } from './upgrade';

/** Node's http.Server settings the listeners had: no request timeout, 60 s for a head, 300 s keep-alive. */
const H1_TIMEOUTS: H1Options = { headersTimeoutMs: 60_000, keepAliveTimeoutMs: 300_000 };

export class ListeningSocket {
  private readonly server: net.Server;
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly sockets = new Set<net.Socket>();
  /** Connections served without TLS, and which of them speak HTTP/2 (for drainPlaintext()). */
  private readonly plaintext = new Set<net.Socket>();
  private readonly plaintextH2 = new WeakSet<net.Socket>();
  /** The lean HTTP/1.1 server's callbacks (h1-connection.ts); Node's h1 takes upgrades and CONNECT. */
  private readonly lean: H1Handlers;
  port = 0;

  constructor(
    readonly name: string,
    private readonly address: string,
    private readonly requestedPort: number,
    private readonly state: () => ChainState | undefined,
    readonly stats: ListenerStats,
  ) {
    this.h1 = http.createServer({ requestTimeout: 0, headersTimeout: H1_TIMEOUTS.headersTimeoutMs, keepAliveTimeout: H1_TIMEOUTS.keepAliveTimeoutMs });
    this.h1.keepAliveTimeout = H1_TIMEOUTS.keepAliveTimeoutMs;
    this.h1.on('request', (req, res) => this.onRequest(req, res, 'HTTP/1.1'));
    this.h1.on('connect', (req, socket, head) => this.onConnect(req, socket as net.Socket, head));
    // Only requests with `Connection: upgrade` + `Upgrade` come here: the plain path pays nothing.
    this.h1.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
    this.h1.on('clientError', (_err, socket) => {
      if ((socket as net.Socket).writable) socket.end(BAD_REQUEST);
      else socket.destroy();
    });
    this.h2 = http2.createServer({});
    this.h2.on('request', (req, res) => this.onRequest(req, res, 'HTTP/2'));
    this.h2.on('sessionError', () => undefined);
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.lean = {
      onRequest: (req, res) => this.onRequest(req, res, 'HTTP/1.1'),
      handOff: (socket) => this.h1.emit('connection', socket),
      http2: (socket) => {
        if (this.plaintext.has(socket)) this.plaintextH2.add(socket);
        this.h2.emit('connection', socket);
      },
    };
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.requestedPort, this.address, () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  private onConnection(socket: net.Socket): void {
    this.stats.downstream_cx_total++;
    this.stats.downstream_cx_active++;
    this.sockets.add(socket);
    socket.on('close', () => {
      this.stats.downstream_cx_active--;
      this.sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    // Our own net.Server accepts (http.Server would set this on its own connections): without it,
    // Nagle holds the second TLS record of a response until the client's delayed ACK (~40 ms).
    socket.setNoDelay(true);
    const state = this.state();
    if (!state) {
      socket.destroy();
      return;
    }
    // Listener TLS: STRICT/PERMISSIVE decide per connection, then serve() the (TLS) socket.
    if (state.tls) state.tls.accept(socket, (s) => this.serve(s));
    else this.serve(socket);
  }

  /** Serves an accepted connection (or an established TLS session on one) by the current chain. */
  serve(socket: net.Socket): void {
    const state = this.state();
    if (!state) {
      socket.destroy();
      return;
    }
    if (state.tcp) {
      const t = state.tcp;
      proxyTcpConnection(socket, state.generation.clusters.get(t.pick() ?? ''), t.idleMs, t.accessLog);
      return;
    }
    // `local up --netns`: a redirected connection for a TCP virtual service (tcp/intercepted.ts).
    if (tunnelIntercepted(socket, state)) return;
    const plaintext = !(socket instanceof tls.TLSSocket);
    if (plaintext) {
      this.plaintext.add(socket);
      socket.once('close', () => this.plaintext.delete(socket));
    }
    serveHttp1(socket, this.lean, H1_TIMEOUTS);
    // A socket whose first bytes were peeked (PERMISSIVE) is paused until here.
    socket.resume();
  }

  /** The listener became TLS-only: plaintext connections accepted before are closed (drain.ts). */
  drainPlaintext(): void {
    drainConnections(this.plaintext, (s) => !this.plaintextH2.has(s));
  }

  private onRequest(req: DownstreamRequest, res: DownstreamResponse, protocol: 'HTTP/1.1' | 'HTTP/2'): void {
    const state = this.state();
    if (!state?.hcm) {
      res.writeHead(503, { 'content-length': '0' });
      res.end();
      return;
    }
    handleHttpRequest({ state, hcm: state.hcm, stats: this.stats, protocol }, req, res);
  }

  /** An HTTP/1.1 upgrade request: the HTTP server has handed its connection over. */
  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const state = this.state();
    if (!state?.hcm) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    if (upgradeType(req) === 'h2c') {
      // Envoy strips h2c upgrade offers: the request is served as HTTP/1.1 on this connection.
      socket.unshift(head.length ? Buffer.concat([withoutUpgrade(req), head]) : withoutUpgrade(req));
      serveHttp1(socket, this.lean, H1_TIMEOUTS);
      return;
    }
    handleUpgradeRequest({ state, hcm: state.hcm, stats: this.stats, protocol: 'HTTP/1.1' }, req, socket, head);
  }

  /** CONNECT host:port → a TCP route of the egress route table. */
  private onConnect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const state = this.state();
    const fail = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\ncontent-length: 0\r\n\r\n`);
    };
    socket.on('error', () => socket.destroy());
    if (!state?.hcm?.connect) return fail('405 Method Not Allowed');
    const table = state.generation.routeTables.get(state.hcm.routeConfigName);
    const view = new RequestView('CONNECT', req.url ?? '', '', req.headers, 'http');
    const { route } = table?.route(view, true) ?? {};
    if (!route || route.direct) return fail('404 Not Found');
    const cluster = state.generation.clusters.get(pickTarget(route));
    if (!cluster) return fail('503 Service Unavailable');
    cluster.stats.upstream_rq_total++;
    connectUpstream(cluster).then(
      ({ socket: upstream }) => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        splice(socket, upstream, route.idleTimeoutMs);
      },
      () => fail('503 Service Unavailable'),
    );
  }

  /** Stops accepting; open connections get `graceMs` to finish, then are cut. */
  async close(graceMs = 0): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (graceMs > 0 && this.sockets.size) await new Promise((r) => setTimeout(r, graceMs).unref());
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
