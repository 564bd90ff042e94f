// TLS on a listening socket (the listener's DownstreamTlsContext): STRICT serves TLS only,
// PERMISSIVE tells TLS from plaintext by the first byte (0x16 starts a TLS handshake record, as
// Envoy's tls_inspector sees it). Client certificates (mTLS) are checked after the handshake —
// presence, chain, SANs — and counted with Envoy's ssl.* names.

import type * as net from 'net';
import * as tls from 'tls';
import { drainConnections } from './drain';
import type { TlsSettings } from './envoy-tls';
import { TlsMaterial, type Material } from './material';
import { sansMatch } from './san';
import type { SecretStore } from './secrets';
import type { SslStats } from './ssl-stats';

const TLS_HANDSHAKE_RECORD = 0x16;


/** Counters of one TLS listener that live across configuration updates. */
export interface ListenerTlsCounters {
  ssl: SslStats;
  /** Plaintext on a STRICT listener: no filter chain matches it. */
  noFilterChainMatch: number;
}

export class DownstreamTls extends TlsMaterial {
  private readonly server: tls.Server;
  /** Established TLS connections, closed when these settings are replaced (see close()). */
  private readonly live = new Set<tls.TLSSocket>();

  constructor(
    settings: TlsSettings,
    /** PERMISSIVE: plaintext connections are served too. */
    readonly permissive: boolean,
    secrets: SecretStore,
    readonly counters: ListenerTlsCounters,
    /** Serves a connection once TLS is established (HTTP or TCP, by the socket's current chain). */
    private readonly serve: (socket: net.Socket) => void,
    log: (line: string) => void,
    where: string,
  ) {
    super(settings, secrets, log, where);
    this.server = tls.createServer({
      requestCert: settings.requireClientCertificate || settings.trust !== undefined,
      // Verified below, so each failure is counted under its own name.
      rejectUnauthorized: false,
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    this.server.on('secureConnection', (s: tls.TLSSocket) => this.onSecure(s));
    this.server.on('tlsClientError', (_e, s) => {
      this.counters.ssl.connection_error++;
      s.destroy();
    });
  }

  protected install(m: Material): void {
    // Throws on a key that does not match its certificate, before anything is replaced.
    tls.createSecureContext(m.options);
    this.server.setSecureContext(m.options);
  }

  /** Takes an accepted connection: TLS, plaintext (PERMISSIVE, via `plain`), or refused. */
  accept(socket: net.Socket, plain: (socket: net.Socket) => void): void {
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] !== TLS_HANDSHAKE_RECORD) {
        if (this.permissive) return plain(socket);
        this.counters.noFilterChainMatch++;
        socket.destroy();
        return;
      }
      if (!this.material) {
        this.counters.ssl.no_certificate++;
        socket.destroy();
        return;
      }
      this.server.emit('connection', socket);
    });
  }

  private onSecure(s: tls.TLSSocket): void {
    const ssl = this.counters.ssl;
    const peer = s.getPeerCertificate();
    const hasCert = peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
    const refuse = (counter: 'fail_verify_no_cert' | 'fail_verify_error' | 'fail_verify_san') => {
      ssl[counter]++;
      s.destroy();
    };
    if (this.settings.requireClientCertificate && !hasCert) return refuse('fail_verify_no_cert');
    if (hasCert && this.settings.trust && !s.authorized) return refuse('fail_verify_error');
    if (hasCert && !sansMatch(peer.subjectaltname, this.settings.sans)) return refuse('fail_verify_san');
    ssl.handshake++;
    if (s.isSessionReused()) ssl.session_reused++;
    this.live.add(s);
    s.once('close', () => this.live.delete(s));
    this.serve(s);
  }

  /**
   * The listener's TLS settings changed (mTLS turned on, another certificate source, …):
   * connections accepted under these settings must not outlive them (drain.ts). A re-issued
   * certificate is not a change: existing connections simply finish (see TlsMaterial).
   */
  close(): void {
    super.close();
    drainConnections(this.live, (s) => (s as tls.TLSSocket).alpnProtocol !== 'h2');
  }
}
