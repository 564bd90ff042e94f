// stdout without process.stdout (src/base/io.ts fdOutput): whole writes through partial ones, a
// full non-blocking pipe handed to the stream, a closed reader dropped quietly — on real FIFOs —
// and the real CLI printing the same bytes to a file and a pipe, and exiting 0 with nothing on
// stderr when its reader is gone (as the AWS CLI does). The CLI parts need `npm run build`.

import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fdOutput } from '../../src/base/io';
import { BIN, cleanEnv, cleanupHomes, runBin, tempHome } from '../helpers/run-cli';

afterAll(() => cleanupHomes());

/** A FIFO's two ends: read (non-blocking) and write (opened after the reader, so at once). */
function fifo(writeFlags = 0): { read: number; write: number } {
  const file = path.join(tempHome('awsmesh-io-'), 'fifo');
  execFileSync('mkfifo', [file]);
  const read = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const write = fs.openSync(file, fs.constants.O_WRONLY | writeFlags);
  return { read, write };
}

function drain(fd: number): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

const unused = () => {
  throw new Error('the stream was not needed');
};

it('writes text and bytes in order to a file descriptor', () => {
  const file = path.join(tempHome('awsmesh-io-'), 'out');
  const fd = fs.openSync(file, 'w');
  const out = fdOutput(fd, unused);
  expect(out.write('héllo ')).toBe(true);
  expect(out.write(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(true);
  out.write('\n');
  fs.closeSync(fd);
  expect(fs.readFileSync(file)).toEqual(Buffer.concat([Buffer.from('héllo '), Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('\n')]));
});

it('hands the rest to the stream when a non-blocking pipe is full, and all later output too', () => {
  const { read, write } = fifo(fs.constants.O_NONBLOCK);
  const handed: Buffer[] = [];
  const out = fdOutput(write, () => ({ write: (c: string | Uint8Array) => handed.push(Buffer.from(c)) }));
  const big = Buffer.alloc(1 << 18, 'abcdefgh'); // more than a pipe holds (64 KiB on Linux)
  out.write(big);
  out.write('after');
  const inPipe = drain(read);
  expect(inPipe.length).toBeGreaterThan(0);
  // (Buffer.equals: jest's toEqual walks a large buffer byte by byte, slowly)
  expect(Buffer.concat([inPipe, ...handed]).equals(Buffer.concat([big, Buffer.from('after')]))).toBe(true);
  expect(Buffer.from(handed[handed.length - 1]).toString()).toBe('after');
  fs.closeSync(read);
  fs.closeSync(write);
});

it('drops output quietly once the reader is gone (EPIPE)', () => {
  const { read, write } = fifo();
  fs.closeSync(read);
  const out = fdOutput(write, unused);
  expect(out.write('lost\n')).toBe(false);
  expect(out.write('also lost\n')).toBe(false);
  fs.closeSync(write);
});

describe('the real CLI', () => {
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
  });

  /** bin/awsmesh with stdout on `fd`; resolves with the exit code and stderr. */
  function runTo(fd: number, args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(home), stdio: ['ignore', fd, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('prints the same bytes to a file as to a pipe', async () => {
    const args = ['appmesh', 'describe-mesh', '--mesh-name', 'apps'];
    const piped = await runBin(args, { home });
    expect(piped.code).toBe(0);
    const file = path.join(home, 'out.json');
    const fd = fs.openSync(file, 'w');
    try {
      expect(await runTo(fd, args)).toEqual({ code: 0, stderr: '' });
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(piped.stdout);
    expect(JSON.parse(piped.stdout).mesh.meshName).toBe('apps');
  });

  it('exits 0 with nothing on stderr when the reader of its output is gone', async () => {
    const { read, write } = fifo();
    fs.closeSync(read);
    try {
      expect(await runTo(write, ['appmesh', 'describe-mesh', '--mesh-name', 'apps'])).toEqual({ code: 0, stderr: '' });
    } finally {
      fs.closeSync(write);
    }
  });
});
