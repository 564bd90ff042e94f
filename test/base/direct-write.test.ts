// writeDirect (src/base/direct-write.ts) on real loopback sockets: bytes arrive whole and in order
// whether they go straight to the handle or through the stream (corked, something queued), and a
// write the kernel refuses destroys the socket with Node's kind of error (code, errno, syscall).

import * as net from 'net';
import { writeDirect } from '../../src/base/direct-write';

/** A connected pair on 127.0.0.1: `client` writes, `received` resolves with what the server read up to its end. */
async function pair(): Promise<{ client: net.Socket; received: Promise<string>; close: () => void }> {
  let resolveReceived!: (s: string) => void;
  const received = new Promise<string>((r) => (resolveReceived = r));
  const server = net.createServer((s) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString('latin1')));
    s.on('end', () => resolveReceived(text));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  return { client, received, close: () => server.close() };
}

test('direct and stream writes keep their order: corked, after a stream write in flight, strings as latin1', async () => {
  const { client, received, close } = await pair();
  expect(writeDirect(client, 'one|')).toBe(true);
  expect(writeDirect(client, Buffer.from('two|'))).toBe(true);
  client.cork();
  writeDirect(client, 'three|'); // corked: through the stream
  client.write('four|');
  client.uncork();
  writeDirect(client, Buffer.from('caf\xe9|', 'latin1'));
  writeDirect(client, 'end');
  client.end();
  expect(await received).toBe('one|two|three|four|caf\xe9|end');
  close();
});

test('a write the kernel refuses destroys the socket with a write error naming the code', async () => {
  const { client, close } = await pair();
  const handle = (client as unknown as { _handle: Record<string, unknown> })._handle;
  // The handle's write fails as a write to a peer that is gone does (EPIPE).
  handle.writeBuffer = () => -32;
  const failed = new Promise<NodeJS.ErrnoException>((r) => client.once('error', r));
  expect(writeDirect(client, Buffer.from('x'))).toBe(false);
  const err = await failed;
  expect(err.code).toBe('EPIPE');
  expect(err.syscall).toBe('write');
  expect(err.message).toBe('write EPIPE');
  expect(client.destroyed).toBe(true);
  close();
});
