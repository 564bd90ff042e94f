// TLS from a cluster to its hosts (the cluster's UpstreamTlsContext): the client certificate for
// mTLS, chain validation against the trust bundle, the required SANs, SNI. Without a validation
// context the server's certificate is not checked (App Mesh: a file-certificate server and no
// client policy). Handshakes and failures are counted with Envoy's ssl.* names.

import * as net from 'net';
import * as tls from 'tls';
import type { TlsSettings } from './envoy-tls';
import { NO_TLS_CERTIFICATES } from './connector';
import { TlsMaterial, type Material } from './material';
import { sansMatch } from './san';
import type { SecretStore } from './secrets';
import type { SslStats } from './ssl-stats';

/** OpenSSL/Node verification results: the peer's chain is not trusted. */
const VERIFY_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'CERT_CHAIN_TOO_LONG',
]);

const SAN_MISMATCH = 'ERR_TLS_CERT_ALTNAME_INVALID';

/** Session tickets kept per cluster (one per host:port). */
const MAX_SESSIONS = 1024;

export class UpstreamTls extends TlsMaterial {
  private context?: tls.SecureContext;
  /**
   * The newest session ticket per host:port, offered on the next connection: a resumed handshake
   * skips both certificate signatures and chain checks (as Envoy's upstream session cache does), so
   * a pool that grows under a burst does not stall on full handshakes. Tickets belong to the
   * context they were made with: a new one (rotation, other trust) starts without.
   */
  private readonly sessions = new Map<string, Buffer>();

  constructor(
    settings: TlsSettings,
    secrets: SecretStore,
    readonly stats: SslStats,
    log: (line: string) => void,
    where: string,
  ) {
    super(settings, secrets, log, where);
  }

  protected install(m: Material): void {
    this.context = tls.createSecureContext(m.options);
    this.sessions.clear();
  }

  /** A TLS connection to host:port; 'secureConnect' when it is up, 'error' otherwise. */
  connect(host: string, port: number, alpn?: string[]): net.Socket {
    if (!this.context) {
      const s = new net.Socket();
      const why = Object.assign(new Error(`${this.where}: no certificates available yet`), { code: NO_TLS_CERTIFICATES });
      process.nextTick(() => {
        this.stats.connection_error++;
        s.destroy(why);
      });
      return s;
    }
    const verify = this.settings.trust !== undefined;
    const sni = this.settings.sni;
    const key = `${host}:${port}`;
    const context = this.context;
    const socket = tls.connect({
      host, port,
      secureContext: context,
      session: this.sessions.get(key),
      servername: sni && !net.isIP(sni) ? sni : undefined,
      ALPNProtocols: alpn,
      rejectUnauthorized: verify,
      checkServerIdentity: (_host, cert) => {
        if (!verify || sansMatch(cert.subjectaltname, this.settings.sans)) return undefined;
        const wanted = this.settings.sans.map((m) => `${m.type}:${m.exact}`).join(', ');
        return Object.assign(new Error(`certificate SANs (${cert.subjectaltname ?? 'none'}) match none of ${wanted}`), { code: SAN_MISMATCH });
      },
    });
    socket.setNoDelay(true);
    socket.on('session', (ticket: Buffer) => {
      if (this.context !== context) return;
      // Hosts come and go (endpoint churn): keep the newest MAX_SESSIONS, oldest dropped first.
      this.sessions.delete(key);
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(key, ticket);
    });
    let up = false;
    socket.once('secureConnect', () => {
      up = true;
      this.stats.handshake++;
      if (socket.isSessionReused()) this.stats.session_reused++;
    });
    socket.once('error', (e: Error & { code?: string }) => {
      if (up) return;
      if (e.code === SAN_MISMATCH) this.stats.fail_verify_san++;
      else if (VERIFY_ERRORS.has(e.code ?? '')) this.stats.fail_verify_error++;
      else this.stats.connection_error++;
    });
    return socket;
  }
}
