// Envoy's `codec_type: AUTO` for Node servers: HTTP/1.1 and HTTP/2 cleartext with prior
// knowledge on one port, told apart by the HTTP/2 connection preface. Also used by the sample
// apps (examples/apps), which serve http and http2 virtual node listeners alike.

import type * as http from 'http';
import type * as http2 from 'http2';
import type * as net from 'net';
import { looksLikeH2 } from '../../base/h1-parser';

/**
 * Hands an accepted connection to the HTTP/1.1 or the HTTP/2 server, by its first bytes. The
 * sniffed bytes go back with socket.unshift(): the HTTP/1.1 parser reads them when the socket
 * resumes, and an HTTP/2 session drains a socket's buffered bytes when it takes the socket over.
 * `onHttp2` is told when the connection goes to the HTTP/2 server.
 */
export function dispatchConnection(socket: net.Socket, h1: http.Server, h2: http2.Http2Server, onHttp2?: () => void): void {
  // HTTP/2 writes frames in small pieces; Nagle + delayed ACKs would add ~40 ms per exchange.
  socket.setNoDelay(true);
  socket.once('data', (first: Buffer) => {
    socket.pause();
    socket.unshift(first);
    if (looksLikeH2(first)) {
      onHttp2?.();
      h2.emit('connection', socket);
      return;
    }
    h1.emit('connection', socket);
    socket.resume();
  });
}
