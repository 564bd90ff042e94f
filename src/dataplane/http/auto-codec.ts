// Envoy's `codec_type: AUTO` for Node servers: HTTP/1.1 and HTTP/2 cleartext with prior
// knowledge on one port, told apart by the HTTP/2 connection preface. Also used by the sample
// apps (examples/apps), which serve http and http2 virtual node listeners alike.

import type * as http from 'http';
import type * as http2 from 'http2';
import type * as net from 'net';
import { Duplex } from 'stream';

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

function looksLikeH2(first: Buffer): boolean {
  const n = Math.min(first.length, H2_PREFACE.length);
  return n >= 3 && first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

/**
 * Re-feeds the bytes read while sniffing to an HTTP/2 session. (The HTTP/1.1 parser accepts
 * them back through socket.unshift; the HTTP/2 session reads the socket handle directly, so it
 * gets a stream wrapper instead.)
 */
function prepend(sock: net.Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk, enc, cb) {
      sock.write(chunk, enc, cb);
    },
    final(cb) {
      sock.end();
      cb();
    },
    destroy(err, cb) {
      sock.destroy(err ?? undefined);
      cb(err);
    },
  });
  d.push(first);
  sock.on('data', (c) => {
    if (!d.push(c)) sock.pause();
  });
  sock.on('end', () => d.push(null));
  sock.on('error', (e) => d.destroy(e));
  sock.on('close', () => d.destroy());
  Object.defineProperty(d, 'remoteAddress', { get: () => sock.remoteAddress });
  return d;
}

/** Hands an accepted connection to the HTTP/1.1 or the HTTP/2 server, by its first bytes. */
export function dispatchConnection(socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void {
  socket.once('data', (first: Buffer) => {
    if (looksLikeH2(first)) {
      h2.emit('connection', prepend(socket, first));
      return;
    }
    socket.pause();
    socket.unshift(first);
    h1.emit('connection', socket);
    socket.resume();
  });
}
