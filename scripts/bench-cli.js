#!/usr/bin/env node
'use strict';
// npm run bench:cli — wall time of one `describe-mesh` call:
//   awsmesh on the local backend, beside the real AWS CLI v2 (/usr/bin/aws) pointed with
//   --endpoint-url at `awsmesh local serve` answering the same mesh. Prints medians and the ratio
//   (target: awsmesh ≤ 0.2× the AWS CLI).

const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'awsmesh');
const AWS = '/usr/bin/aws';
const RUNS = Number(process.env.BENCH_RUNS || 21);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-cli-'));
const env = {
  ...process.env,
  AWSMESH_HOME: home,
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_DEFAULT_REGION: 'us-west-2',
  AWS_CONFIG_FILE: path.join(home, 'none'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none'),
  AWS_PAGER: '',
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const HYPERFINE = ['/usr/bin/hyperfine', '/usr/local/bin/hyperfine'].find((p) => fs.existsSync(p));

/** hyperfine (Debian) when installed: no shell, warm-up runs, exported statistics. */
function hyperfineRuns(cmd, args) {
  const out = path.join(home, 'hyperfine.json');
  const command = [cmd, ...args].map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ');
  const r = spawnSync(HYPERFINE, ['-N', '-w', '3', '-r', String(RUNS), '--export-json', out, command], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8')).results[0];
  return { median: result.median * 1000, min: result.min * 1000 };
}

function timeRuns(cmd, args) {
  if (HYPERFINE) return hyperfineRuns(cmd, args);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    if (i > 0) times.push(ms); // first run warms the page cache
  }
  return { median: median(times), min: Math.min(...times) };
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', () => undefined);
    child.on('exit', (code) => reject(new Error(`local serve exited (${code}): ${out}`)));
    setTimeout(() => reject(new Error('local serve did not start')), 15000);
  });
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  spawnSync(process.execPath, [BIN, 'appmesh', 'create-mesh', '--mesh-name', 'apps'], { env });

  const ours = timeRuns(process.execPath, [BIN, 'appmesh', 'describe-mesh', '--mesh-name', 'apps']);
  const baseline = timeRuns(process.execPath, ['-e', '0']);
  console.log(HYPERFINE ? `timing with hyperfine: ${RUNS} runs per command after 3 warm-ups` : `runs per command: ${RUNS - 1} (after one warm-up; install hyperfine for steadier figures)`);
  console.log(`node -e 0 (process start floor)         median ${baseline.median.toFixed(1)} ms`);
  console.log(`awsmesh appmesh describe-mesh (local)   median ${ours.median.toFixed(1)} ms  (min ${ours.min.toFixed(1)})`);

  if (!fs.existsSync(AWS)) {
    console.log(`${AWS} not installed (apt-get install awscli): no AWS CLI comparison`);
    return;
  }
  const server = await startServer();
  try {
    const theirs = timeRuns(AWS, ['--endpoint-url', server.url, 'appmesh', 'describe-mesh', '--mesh-name', 'apps']);
    console.log(`aws appmesh describe-mesh (CLI v2 → awsmesh local serve)  median ${theirs.median.toFixed(1)} ms  (min ${theirs.min.toFixed(1)})`);
    const ratio = ours.median / theirs.median;
    console.log(`ratio awsmesh / aws: ${ratio.toFixed(3)} (target ≤ 0.2) ${ratio <= 0.2 ? 'MET' : 'NOT MET'}`);
  } finally {
    server.child.kill('SIGTERM');
  }
}

main()
  .catch((e) => {
    console.error(e.message);
    process.exitCode = 1;
  })
  .finally(() => fs.rmSync(home, { recursive: true, force: true }));
