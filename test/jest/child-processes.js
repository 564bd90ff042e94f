// Every child process a test file starts is stopped when that file ends — whether its tests passed,
// failed or timed out. A process left running keeps jest's event loop alive through its pipes ("Jest
// did not exit one second after the test run has completed") and keeps using the machine. Tests still
// stop what they start; this is the net under them for the paths they cannot cover: a test that
// fails before its cleanup, or a beforeAll that timed out and goes on starting processes after its
// file's afterAll already ran.
//
// child_process is one module object per process (jest hands test files the real core module), so
// it is wrapped once, here, by the test environment (environment.js) outside the test sandbox.
'use strict';
const cp = require('child_process');
const path = require('path');

const WRAPPED = Symbol.for('awsmesh.test.childProcessesWrapped');
const GRACE_MS = 5000;

/** Live children of the test file that is running; null between files (a start then is a late one). */
let current = null;
const leftovers = [];

function describe(child) {
  return (child.spawnargs || []).map((a) => (String(a).startsWith('/') ? path.basename(String(a)) : String(a))).join(' ').slice(0, 120);
}

function running(child) {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM (so a process can stop its own children), SIGKILL after a grace period; resolves on exit. */
function stop(child) {
  if (!running(child)) return Promise.resolve();
  return new Promise((resolve) => {
    // Unref'd: the child's own pipes keep the process alive until it exits.
    const killer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS).unref();
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    if (!child.kill('SIGTERM')) {
      clearTimeout(killer);
      resolve();
    }
  });
}

function track(child) {
  if (!child || typeof child.kill !== 'function' || child.pid === undefined) return child;
  if (current === null) {
    leftovers.push(stop(child));
    return child;
  }
  const set = current;
  set.add(child);
  child.once('exit', () => set.delete(child));
  return child;
}

function wrap() {
  if (cp[WRAPPED]) return;
  cp[WRAPPED] = true;
  for (const name of ['spawn', 'execFile', 'exec', 'fork']) {
    const original = cp[name];
    const wrapped = function (...args) {
      return track(original.apply(this, args));
    };
    // Keep what hangs on the original (util.promisify.custom for exec/execFile).
    for (const key of Object.getOwnPropertySymbols(original)) Object.defineProperty(wrapped, key, Object.getOwnPropertyDescriptor(original, key));
    cp[name] = wrapped;
  }
}

/** A test file starts: its children are tracked from now on. */
function begin() {
  wrap();
  current = new Set();
}

/** The file ended (after its own afterAll hooks): stop what it left running, and say so. */
async function end(testPath) {
  const left = current ? [...current].filter(running) : [];
  current = null;
  if (left.length) {
    process.stderr.write(`${testPath}: stopping ${left.length} child process(es) the test file left running: ${left.map(describe).join('; ')}\n`);
  }
  await Promise.all([...left.map(stop), ...leftovers.splice(0)]);
}

module.exports = { begin, end };
