// A write straight to a plain TCP socket's handle, for the proxy's hot path: when nothing is
// queued before it, the bytes go to the kernel at once (as Writable.write would) without the
// stream's per-write work (its state updates, a WriteWrap set up through four layers, and the
// nextTick that reports a finished write). What that skips, and why it is safe here:
// - ordering: used only when the stream holds nothing (not corked, nothing buffered or in flight)
//   and no direct write is still in libuv's queue; a write libuv could not finish at once stays
//   queued there, and every later write (direct or not) queues behind it;
// - errors: a failed write destroys the socket, as the stream does for a write without callback;
// - end(): the stream's shutdown is queued in libuv behind pending writes, as for its own writes;
// - socket.bytesWritten and the socket's idle timer do not count these bytes (the proxy's HTTP/1.1
//   connections use neither).
// Anything else (TLS, another Node without these internals, --pending-deprecation, which would
// warn about process.binding) writes through the stream.

import { Socket } from 'net';
import { getSystemErrorName } from 'util';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | string | null;
  socket: Socket & { [PENDING]?: number };
}

interface StreamHandle {
  writeBuffer(req: WriteReq, data: Buffer): number;
  writeLatin1String(req: WriteReq, data: string): number;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

const binding: StreamWrapBinding | null = (() => {
  const pending = process.execArgv.includes('--pending-deprecation') || /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '');
  if (pending) return null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    return typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number'
      ? (b as StreamWrapBinding)
      : null;
  } catch {
    return null;
  }
})();

/** As Node's errnoException: `write EPIPE`, with code, errno and syscall. */
function writeError(errno: number): Error {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `E${-errno}`;
  }
  return Object.assign(new Error(`write ${code}`), { code, errno, syscall: 'write' });
}

/** A plain TCP socket's class (not a subclass such as TLSSocket). */
const PLAIN_SOCKET: unknown = Socket;

/** Direct writes of a socket that libuv has not finished yet (kept here: reading the handle's queue size is a call into C++). */
const PENDING = Symbol('directWritesPending');

function onComplete(this: WriteReq, status: number): void {
  this.buffer = null;
  this.socket[PENDING]!--;
  if (status < 0 && !this.socket.destroyed) this.socket.destroy(writeError(status));
}

/** socket.write(data) (a string as latin1), straight to the handle when nothing is queued before it; false: wait for 'drain'. */
export function writeDirect(socket: Socket & { [PENDING]?: number }, data: Buffer | string): boolean {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (
    binding === null || handle === null || socket.constructor !== PLAIN_SOCKET || socket.writableLength !== 0
    || socket.writableCorked !== 0 || socket.writableEnded || socket.destroyed || socket.connecting
    || (socket[PENDING] ?? 0) !== 0 || typeof handle.writeBuffer !== 'function'
  ) {
    return typeof data === 'string' ? socket.write(data, 'latin1') : socket.write(data);
  }
  const req = new binding.WriteWrap();
  req.handle = handle;
  req.oncomplete = onComplete;
  req.async = false;
  req.bytes = 0;
  req.socket = socket;
  const err = typeof data === 'string' ? handle.writeLatin1String(req, data) : handle.writeBuffer(req, data);
  if (err !== 0) {
    socket.destroy(writeError(err));
    return false;
  }
  // Not all written yet: libuv holds the rest (and the buffer must live until it is done); until
  // then every write goes through the stream, which queues behind it in libuv.
  if (binding.streamBaseState[binding.kLastWriteWasAsync]) {
    req.buffer = data;
    socket[PENDING] = (socket[PENDING] ?? 0) + 1;
  }
  return true;
}
