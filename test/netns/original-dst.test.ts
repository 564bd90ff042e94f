// The SO_ORIGINAL_DST addon (native/original-dst) and the hosts-file parsing behind `local up
// --netns`'s TCP virtual services; the end-to-end path is in netns-walkthrough.test.ts (root).

import * as net from 'net';
import { parseHosts } from '../../src/dataplane/tcp/intercepted';
import { loadOriginalDst, originalDestination } from '../../src/dataplane/tcp/original-dst';

test('hosts-file text maps every address to its names, comments and blank lines left out', () => {
  const hosts = parseHosts('# a comment\n127.0.0.1\tlocalhost\n\n198.19.0.1\techo.apps.local  # the service\n198.18.0.2 a b\n198.19.0.1 again\n');
  expect([...hosts]).toEqual([
    ['127.0.0.1', ['localhost']],
    ['198.19.0.1', ['echo.apps.local', 'again']],
    ['198.18.0.2', ['a', 'b']],
  ]);
});

test('a connection nobody redirected has no original destination', async () => {
  const why = loadOriginalDst();
  if (why) return void console.log(`not run: ${why}`);
  const accepted = new Promise<net.Socket>((resolve) => {
    const server = net.createServer((s) => {
      server.close();
      resolve(s);
    });
    server.listen(0, '127.0.0.1', () => net.connect((server.address() as net.AddressInfo).port, '127.0.0.1').on('connect', function (this: net.Socket) {
      this.end();
    }));
  });
  const socket = await accepted;
  expect(originalDestination(socket)).toBeUndefined();
  socket.destroy();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require('../../native/original-dst/build/Release/original_dst.node') as { originalDestination(fd: unknown): unknown };
  expect(() => addon.originalDestination(-1)).toThrow('fd must be a non-negative integer');
});
