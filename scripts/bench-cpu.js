'use strict';
// CPU accounting for the bench:* scripts. On a shared 2-CPU machine wall-clock throughput moves with
// whatever else runs; the CPU time a process spends per request does not (much). Every bench prints
// both: req/s, and the CPU seconds per 1,000 requests of the process under test and of its peer,
// read from /proc/<pid>/stat (utime + stime of all threads; for a process tree such as nginx's
// master + worker, the sum over the tree).

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** "AMD EPYC 7B13 × 2 CPUs, Node v20.20.2, load 1.23" — printed at the top of every bench. */
function machine() {
  const cpus = os.cpus();
  const load = os.loadavg()[0].toFixed(2);
  return `${cpus[0]?.model?.trim() || 'unknown CPU'} × ${cpus.length} CPU(s), Node ${process.version}, 1-min load ${load}`;
}

/** A warning when the machine is busy: figures taken beside other work move. */
function loadWarning() {
  const load = os.loadavg()[0];
  const cpus = os.cpus().length;
  return load > cpus * 0.5 ? `WARNING: 1-min load ${load.toFixed(2)} on ${cpus} CPUs — wall-clock figures are unreliable; compare the CPU/1k columns, and take final figures on a quiet machine.` : '';
}

function childrenOf(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      /* the task ended */
    }
  }
  return out;
}

/** CPU seconds (user + system) used so far by `pid`, and with `tree` by all its descendants too. */
function cpuSeconds(pid, tree = false) {
  let total = 0;
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const stat = fs.readFileSync(`/proc/${pids[i]}/stat`, 'utf8');
      // Fields after the ")" of the command name: state is field 3; utime, stime are fields 14, 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / TICKS;
    } catch {
      /* exited */
    }
    if (tree) pids.push(...childrenOf(pids[i]));
  }
  return total;
}

/** Runs `fn` and returns its result with `cpu`: seconds of CPU each of `pids` ({name: pid | [pid, tree]}) used meanwhile. */
function withCpu(pids, fn) {
  const read = () => Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, Array.isArray(p) ? cpuSeconds(p[0], p[1]) : cpuSeconds(p)]));
  const before = read();
  const finish = (result) => {
    const after = read();
    return { ...result, cpu: Object.fromEntries(Object.keys(pids).map((k) => [k, after[k] - before[k]])) };
  };
  const r = fn();
  return r && typeof r.then === 'function' ? r.then(finish) : finish(r);
}

/** CPU milliseconds per request → "CPU s/1k req" figure (the same number). */
const perThousand = (cpuSecondsUsed, requests) => (requests > 0 ? (cpuSecondsUsed * 1000) / requests : NaN);

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

module.exports = { machine, loadWarning, cpuSeconds, withCpu, perThousand, median, TICKS };
