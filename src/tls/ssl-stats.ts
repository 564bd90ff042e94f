// Envoy's TLS counters for one listener or cluster, rendered under `<listener|cluster>.<name>.ssl.`
// (`listener.0.0.0.0_15000.ssl.handshake`, `cluster.cds_egress_…ssl.fail_verify_san`, …).
// Plain numeric fields, like the proxy's other stats objects.

export class SslStats {
  /** Completed handshakes that passed verification. */
  handshake = 0;
  /** Of those, handshakes that resumed an earlier session (no certificates exchanged; checks still run). */
  session_reused = 0;
  /** Handshakes that failed for any reason other than peer verification (bad protocol, alert, reset). */
  connection_error = 0;
  /** The peer's certificate carried none of the required subject alternative names. */
  fail_verify_san = 0;
  /** Client certificate required (mTLS) but none was presented. */
  fail_verify_no_cert = 0;
  /** The peer's chain did not verify against the trust bundle (unknown CA, expired, …). */
  fail_verify_error = 0;
  /** Connections the listener did not serve because no certificate was available yet (SDS warming). */
  no_certificate = 0;
}
