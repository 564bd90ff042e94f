// Plain TCP connections, accepted (the lean HTTP/1.1 server) or opened (the upstream client), read
// the way net.connect({ onread }) lets a socket read: into one shared buffer, handed to a callback,
// with no Readable push, no 'data' event, no nextTick read-ahead and no buffer allocated per read.
// Node takes onread only as an option of the socket it creates; an accepted socket, or one a
// connector opened without it, gets the same by setting what that option sets (the socket's
// kBuffer / kBufferCb / kBufferGen slots, found on a probe socket by their descriptions) and telling
// its handle to read into the buffer (useUserBuffer), before its first read. Where any of that is
// missing (another Node, a TLS socket, bytes already buffered) nothing changes and the socket reads
// as a stream. Otherwise the socket stays a stream: pause/resume, 'end', 'close' and writes are
// untouched, and pushing into it (streamOn) serves a later owner that reads it by events.

import * as net from 'net';

export type DirectReadCallback = (n: number, buf: Buffer) => boolean;

interface Slots {
  buffer: symbol;
  callback: symbol;
  gen: symbol;
}

/** A plain TCP socket's class, read once (`net.Socket` through the module namespace is a getter call). */
const PLAIN_SOCKET: unknown = net.Socket;

const slots: Slots | null = (() => {
  try {
    const probe = new net.Socket({ onread: { buffer: Buffer.alloc(1), callback: () => undefined } } as net.SocketConstructorOpts);
    const find = (d: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === d);
    const found = { buffer: find('kBuffer'), callback: find('kBufferCb'), gen: find('kBufferGen') };
    const set = probe as unknown as Record<symbol, unknown>;
    const ok = found.buffer && found.callback && found.gen && set[found.buffer] instanceof Buffer && typeof set[found.callback] === 'function';
    probe.destroy();
    return ok ? (found as Slots) : null;
  } catch {
    return null;
  }
})();

/** Every direct read lands here; a callback runs to its end before the next read, and copies what it keeps. */
const shared = Buffer.allocUnsafe(64 * 1024);

/**
 * Switches a plain TCP socket that has not read yet to direct reads through `callback`; false (and
 * the socket untouched) when that is not possible here.
 */
export function readDirect(socket: net.Socket, callback: DirectReadCallback): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } | null })._handle;
  if (slots === null || socket.constructor !== PLAIN_SOCKET || !handle || typeof handle.useUserBuffer !== 'function') return false;
  if (socket.readableLength > 0 || socket.destroyed) return false;
  const s = socket as unknown as Record<symbol, unknown>;
  s[slots.buffer] = shared;
  s[slots.callback] = callback;
  s[slots.gen] = null;
  handle.useUserBuffer(shared);
  return true;
}

/** For a direct socket given to an owner that reads it as a stream: a read pushed as a copy. */
export function streamOn(socket: net.Socket, n: number, buf: Buffer): boolean {
  return socket.push(Buffer.from(buf.subarray(0, n)));
}
