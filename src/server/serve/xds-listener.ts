// The xDS port of `awsmesh serve`: a TCP listener of our own in front of the gRPC server (grpc-js
// connection injection), so connections beyond --max-connections are dropped before TLS, and
// clients that speak plaintext to the TLS port, or fail the handshake, are counted by reason.

import type * as grpc from '@grpc/grpc-js';
import * as net from 'net';
import type * as tls from 'tls';

export interface XdsListener {
  port: number;
  close(): Promise<void>;
}

/** Plaintext (e.g. an HTTP/2 preface) where a TLS ClientHello was expected, as OpenSSL words it. */
const PLAINTEXT = /wrong version number|http request|packet length too long|unknown protocol|record layer failure/i;

export async function listenXds(
  server: grpc.Server,
  o: { host: string; port: number; credentials: grpc.ServerCredentials; maxConnections: number; onRejected(reason: string, detail: string): void },
): Promise<XdsListener> {
  const injector = server.createConnectionInjector(o.credentials);
  // grpc-js keeps the HTTP/2 server it made for the injector in a private map (the newest entry);
  // its TLS handshake failures are what tell plaintext clients apart.
  const h2 = [...((server as unknown as { http2Servers?: Map<object, unknown> }).http2Servers?.keys() ?? [])].pop() as tls.Server | undefined;
  h2?.on('tlsClientError', (err: Error & { code?: string }) => {
    o.onRejected(PLAINTEXT.test(`${err.code ?? ''} ${err.message}`) ? 'plaintext' : 'tls_handshake', err.message);
  });
  let open = 0;
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    if (open >= o.maxConnections) {
      o.onRejected('connection_limit', `more than ${o.maxConnections} connections`);
      socket.destroy();
      return;
    }
    open++;
    sockets.add(socket);
    socket.once('close', () => {
      open--;
      sockets.delete(socket);
    });
    socket.setNoDelay(true);
    injector.injectConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(o.port, o.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    port: (listener.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      listener.close(() => resolve());
      injector.destroy();
      for (const s of sockets) s.destroy();
    }),
  };
}
