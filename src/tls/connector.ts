// How a cluster opens a connection to one of its hosts: plain TCP, or TLS when the cluster has an
// UpstreamTlsContext. Callers wait for connectedEvent() before treating the socket as up, so a
// failed TLS handshake counts as a connection failure (as it does in Envoy).

import * as net from 'net';
import * as tls from 'tls';

export type Connector = (host: string, port: number) => net.Socket;

/** Error code of a TLS connection that could not even start (no certificates loaded yet). */
export const NO_TLS_CERTIFICATES = 'ERR_TLS_NO_CERTIFICATES';

export const plainConnector: Connector = (host, port) => net.connect({ host, port, noDelay: true });

export function connectedEvent(socket: net.Socket): 'secureConnect' | 'connect' {
  return socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect';
}
