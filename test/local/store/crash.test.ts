// Durability: a writer process is killed with SIGKILL at a random moment, 50 times over, on the
// same store. After each kill the store must open, pass PRAGMA integrity_check, and contain every
// write the writer acknowledged (it prints "ack …" only after the commit returned). Needs
// `npm run build` (the writer runs the built store and provider).

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import BetterSqlite3 from 'better-sqlite3';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';

const ROOT = path.join(__dirname, '..', '..', '..');
const WRITER = path.join(ROOT, 'test', 'local', 'fixtures', 'store-crash-writer.js');
const ROUNDS = 50;

let home: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'backends', 'local', 'store', 'sqlite-store.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-crash-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs the writer until it has acknowledged at least one write, waits a random while, kills it. */
function runAndKill(prefix: string): Promise<{ acks: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, home, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let scheduled = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!scheduled && out.includes('\n')) {
        scheduled = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 60));
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended by itself (code ${code}): ${stderr}`));
      // Only complete lines count: a line cut by the kill was never fully acknowledged.
      const acks = out.split('\n').slice(0, -1);
      resolve({ acks, stderr });
    });
  });
}

test(`SIGKILL at random points, ${ROUNDS} times: the store opens, is intact and holds every acknowledged write`, async () => {
  const setup = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333' });
  await setup.invoke('appmesh', 'CreateMesh', { meshName: 'crash' }, { region: 'us-west-2' });
  await setup.invoke('appmesh', 'CreateVirtualRouter', { meshName: 'crash', virtualRouterName: 'r', spec: {} }, { region: 'us-west-2' });
  await setup.close();

  const acknowledged: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { acks, stderr } = await runAndKill(`k${round}`);
    expect(stderr).toBe('');
    expect(acks.every((a) => /^ack (node|route) k\d+-\d+$/.test(a))).toBe(true);
    acknowledged.push(...acks);

    const db = new BetterSqlite3(path.join(home, 'state.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }
  expect(acknowledged.length).toBeGreaterThanOrEqual(ROUNDS);

  // Every acknowledged write is there, with its references intact.
  const store = openSqliteStore(path.join(home, 'state.db'));
  try {
    const p = { account: '111122223333', region: 'us-west-2' };
    const missing = await store.read(p, async (tx) => {
      const lost: string[] = [];
      for (const ack of acknowledged) {
        const [, kind, name] = ack.split(' ');
        const found = kind === 'node'
          ? await tx.get('appmesh', 'virtualNode', 'crash', name)
          : await tx.get('appmesh', 'route', 'crash/r', name);
        if (!found) lost.push(ack);
        if (kind === 'route' && found) {
          const refs = await tx.referrers(`arn:aws:appmesh:us-west-2:111122223333:mesh/crash/virtualNode/${name}`);
          if (refs.length !== 1) lost.push(`${ack} (reference)`);
        }
      }
      return lost;
    });
    expect(missing).toEqual([]);
  } finally {
    await store.close();
  }
}, 120_000);
