// A client that sends the same request head again and again on one keep-alive connection (a poll
// loop, wrk) gets its repeats answered from the read cache without routing or decoding them again
// (RequestHandler.handleNow). What must not change: another connection's commit (another CLI
// process, a replica) is seen by the very next repeat, each answer has its own request id, and a
// signed request is still verified every time.

import * as net from 'net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { removeDir, tempHome } from './helpers';
import { waitUntil } from '../helpers/wait';

const REGION = 'us-west-2';
const spec = (port: number) => ({ listeners: [{ portMapping: { port, protocol: 'http' } }] });

let home: string;
let backend: LocalBackend;
/** Another connection to the same state file: its commits are another process's to the server. */
let other: LocalBackend;
const servers: RunningServer[] = [];

beforeAll(async () => {
  home = tempHome('awsmesh-repeat-');
  backend = openLocalBackend({ AWSMESH_HOME: home });
  other = openLocalBackend({ AWSMESH_HOME: home });
  await other.invoke('appmesh', 'CreateMesh', { meshName: 'apps' }, { region: REGION });
  await other.invoke('appmesh', 'CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'web', spec: spec(80) }, { region: REGION });
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await backend.close();
  await other.close();
  removeDir(home);
});

async function serve(extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  const server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: REGION, version: 't', ...extra });
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  requestId: string;
  body: string;
}

/** One raw keep-alive connection; answers are content-length framed. */
class Connection {
  private readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  readonly answers: Answer[] = [];

  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      for (;;) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buf.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buf.length < end + 4 + length) return;
        this.answers.push({
          status: Number(head.split(' ')[1]),
          requestId: /\r\nx-amzn-requestid: (\S+)/i.exec(head)?.[1] ?? '',
          body: this.buf.toString('utf8', end + 4, end + 4 + length),
        });
        this.buf = this.buf.subarray(end + 4 + length);
      }
    });
    this.sock.on('error', () => undefined);
  }

  /** Sends `head` (`times` copies in one write: pipelined) and resolves with their answers. */
  async send(head: string, times = 1): Promise<Answer[]> {
    const from = this.answers.length;
    this.sock.write(head.repeat(times));
    await waitUntil(() => this.answers.length >= from + times, { describe: `${times} answers`, observe: () => this.answers });
    return this.answers.slice(from, from + times);
  }

  close(): void {
    this.sock.destroy();
  }
}

const describeHead = (host: string, extra = '') =>
  `GET /v20190125/meshes/apps/virtualNodes/web HTTP/1.1\r\nHost: ${host}\r\n` +
  `Authorization: AWS4-HMAC-SHA256 Credential=test/20261207/${REGION}/appmesh/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}\r\n${extra}\r\n`;

const versionOf = (a: Answer) => (JSON.parse(a.body) as { metadata: { version: number } }).metadata.version;
const portOf = (a: Answer) => (JSON.parse(a.body) as { spec: { listeners: Array<{ portMapping: { port: number } }> } }).spec.listeners[0].portMapping.port;

test('the same head again and again: the same answer, each with its own request id, and the next commit of another connection at once', async () => {
  const server = await serve();
  const c = new Connection(server.port);
  try {
    const head = describeHead(`127.0.0.1:${server.port}`);
    const first = await c.send(head, 3); // pipelined: one read holds all three
    const later = [...first, ...(await c.send(head)), ...(await c.send(head))];
    expect(later.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(later.map((a) => a.body)).size).toBe(1);
    expect(new Set(later.map((a) => a.requestId)).size).toBe(5);
    const before = versionOf(later[0]);

    await other.invoke('appmesh', 'UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'web', spec: spec(81) }, { region: REGION });
    const [updated] = await c.send(head);
    expect(versionOf(updated)).toBe(before + 1);
    expect(portOf(updated)).toBe(81);
    const [again] = await c.send(head);
    expect(again.body).toBe(updated.body);

    // A write through the server itself (its own connection) is seen too.
    await backend.invoke('appmesh', 'UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'web', spec: spec(82) }, { region: REGION });
    expect(portOf((await c.send(head))[0])).toBe(82);

    await other.invoke('appmesh', 'DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'web' }, { region: REGION });
    const [gone] = await c.send(head);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body).message).toMatch(/web/);
  } finally {
    c.close();
    await other.invoke('appmesh', 'CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'web', spec: spec(80) }, { region: REGION }).catch(() => undefined);
  }
});

test('with --verify-signatures a repeated signed head is verified every time (an expired repeat is refused)', async () => {
  const credentials = { accessKeyId: 'AKIDREPEAT', secretAccessKey: 'repeat-secret' };
  let skewMs = 0;
  const server = await serve({ credentials: [credentials], now: () => Date.now() + skewMs });
  const signer = new SignatureV4({ credentials, region: REGION, service: 'appmesh', sha256: Sha256 });
  const host = `127.0.0.1:${server.port}`;
  const signed = await signer.sign({
    method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: server.port,
    path: '/v20190125/meshes/apps/virtualNodes/web', query: {}, headers: { host },
  });
  const lines = Object.entries(signed.headers).filter(([k]) => k !== 'host').map(([k, v]) => `${k}: ${v}\r\n`).join('');
  const head = `GET /v20190125/meshes/apps/virtualNodes/web HTTP/1.1\r\nhost: ${host}\r\n${lines}\r\n`;
  const c = new Connection(server.port);
  try {
    expect((await c.send(head, 2)).map((a) => a.status)).toEqual([200, 200]);
    skewMs = 20 * 60 * 1000;
    const [late] = await c.send(head);
    expect(late.status).toBe(403);
    expect(JSON.parse(late.body).message).toMatch(/Signature expired/);
  } finally {
    c.close();
  }
});
