#!/usr/bin/env node
'use strict';
// npm run bench:cli — wall time of one `describe-mesh` call:
//   awsmesh on the local backend, beside the real AWS CLI v2 (/usr/bin/aws) pointed with
//   --endpoint-url at `awsmesh local serve` answering the same mesh. Prints medians and the ratio
//   (target: awsmesh ≤ 0.2× the AWS CLI), and beside `node -e 0`, Node's own start-up floor (target:
//   awsmesh ≤ 1.25× it; when NODE_EXTRA_CA_CERTS is set, once more without it, since Node loads that
//   bundle at every start and so raises the floor). Besides wall time it prints the CPU time (user + system) of one run of each
//   command: on a busy machine wall time moves with other load, CPU time much less. The commands run
//   in BENCH_ROUNDS (default 3) alternating rounds of BENCH_RUNS / BENCH_ROUNDS runs each.

const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'awsmesh');
const AWS = '/usr/bin/aws';
const RUNS = Number(process.env.BENCH_RUNS || 21);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const { machine, loadWarning, median: medianOf } = require('./bench-cpu');

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
function hyperfineRuns(cmd, args, env) {
  const out = path.join(home, 'hyperfine.json');
  const command = [cmd, ...args].map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(' ');
  const runs = Math.max(3, Math.round(RUNS / ROUNDS));
  const r = spawnSync(HYPERFINE, ['-N', '-w', '3', '-r', String(runs), '--export-json', out, command], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  const result = JSON.parse(fs.readFileSync(out, 'utf8')).results[0];
  // hyperfine's user/system are the means over the runs, in seconds.
  return { times: result.times.map((t) => t * 1000), cpu: (result.user + result.system) * 1000 };
}

/** CPU seconds of this process's waited-for children so far (/proc/self/stat cutime + cstime). */
function childrenCpu() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / require('./bench-cpu').TICKS;
}

function plainRuns(cmd, args, env) {
  const times = [];
  const runs = Math.max(2, Math.round(RUNS / ROUNDS) + 1);
  let cpu = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = childrenCpu();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    if (i > 0) {
      times.push(ms); // first run warms the page cache
      cpu += (childrenCpu() - c0) * 1000;
    }
  }
  return { times, cpu: cpu / (runs - 1) };
}

/** Each command's runs in ROUNDS alternating rounds; median wall time, min, median CPU ms per run. */
function timeAlternating(commands, runEnv = env) {
  const acc = commands.map(() => ({ times: [], cpu: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    commands.forEach(([cmd, args], i) => {
      const r = HYPERFINE ? hyperfineRuns(cmd, args, runEnv) : plainRuns(cmd, args, runEnv);
      acc[i].times.push(...r.times);
      acc[i].cpu.push(r.cpu);
    });
  }
  return acc.map((a) => ({ median: median(a.times), min: Math.min(...a.times), cpu: medianOf(a.cpu) }));
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

/** describe-mesh against `node -e 0`, alternating, in `runEnv`; prints both and the ratio. */
function compareWithFloor(runEnv, label) {
  const [ours, baseline] = timeAlternating([
    [process.execPath, [BIN, 'appmesh', 'describe-mesh', '--mesh-name', 'apps']],
    [process.execPath, ['-e', '0']],
  ], runEnv);
  if (label) console.log(`--- start-up floor${label}`);
  console.log(`node -e 0 (process start floor)         median ${baseline.median.toFixed(1)} ms  CPU ${baseline.cpu.toFixed(1)} ms/run`);
  console.log(`awsmesh appmesh describe-mesh (local)   median ${ours.median.toFixed(1)} ms  (min ${ours.min.toFixed(1)})  CPU ${ours.cpu.toFixed(1)} ms/run`);
  const floor = ours.median / baseline.median;
  const floorCpu = ours.cpu / baseline.cpu;
  console.log(`ratio awsmesh / node -e 0${label}: wall ${floor.toFixed(2)}× (target ≤ 1.25×) ${floor <= 1.25 ? 'MET' : 'NOT MET'}; CPU ${floorCpu.toFixed(2)}×`);
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  spawnSync(process.execPath, [BIN, 'appmesh', 'create-mesh', '--mesh-name', 'apps'], { env });

  console.log(`bench:cli — ${machine()}`);
  const warning = loadWarning();
  if (warning) console.log(warning);
  const check = spawnSync(process.execPath, [BIN, 'appmesh', 'describe-mesh', '--mesh-name', 'apps'], { env, encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`describe-mesh failed: ${check.stderr}`);
  console.log(HYPERFINE ? `timing with hyperfine: ${ROUNDS} alternating rounds of ${Math.max(3, Math.round(RUNS / ROUNDS))} runs per command, each after 3 warm-ups` : `${ROUNDS} alternating rounds of runs per command (after one warm-up each; install hyperfine for steadier figures)`);
  compareWithFloor(env, '');
  // Node reads NODE_EXTRA_CA_CERTS's bundle at every start, which raises the floor for both sides (a
  // 220 KB bundle is ~80 % of node -e 0's instructions): the ratio without it is the stricter one.
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS: _, ...without } = env;
    compareWithFloor(without, ' (without NODE_EXTRA_CA_CERTS, which this environment sets)');
  }

  if (!fs.existsSync(AWS)) {
    console.log(`${AWS} not installed (apt-get install awscli): no AWS CLI comparison`);
    return;
  }
  const server = await startServer();
  try {
    const [ours2, theirs] = timeAlternating([
      [process.execPath, [BIN, 'appmesh', 'describe-mesh', '--mesh-name', 'apps']],
      [AWS, ['--endpoint-url', server.url, 'appmesh', 'describe-mesh', '--mesh-name', 'apps']],
    ]);
    console.log(`aws appmesh describe-mesh (CLI v2 → awsmesh local serve)  median ${theirs.median.toFixed(1)} ms  (min ${theirs.min.toFixed(1)})  CPU ${theirs.cpu.toFixed(1)} ms/run (the server's share not counted)`);
    const ratio = ours2.median / theirs.median;
    console.log(`ratio awsmesh / aws: wall ${ratio.toFixed(3)} (target ≤ 0.2) ${ratio <= 0.2 ? 'MET' : 'NOT MET'}; CPU ${(ours2.cpu / theirs.cpu).toFixed(3)}`);
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
