'use strict';
// A throwaway PostgreSQL cluster on loopback, for tests (test/helpers/postgres.ts) and
// `npm run bench:serve`: initdb in a temp dir, its own port on 127.0.0.1 and unix socket in that
// dir, run as the `postgres` user when we are root (PostgreSQL refuses root). The postmaster gets
// SIGINT if the process that started it dies (setpriv --pdeathsig), so nothing outlives a crash.
// Debian: apt-get install postgresql (binaries in /usr/lib/postgresql/<version>/bin).

const { spawn, spawnSync } = require('child_process');
const { randomBytes } = require('crypto');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const BIN_DIRS = ['15', '17', '16', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin`);
const BIN = process.env.AWSMESH_TEST_PG_BIN || BIN_DIRS.find((d) => fs.existsSync(path.join(d, 'initdb')));

/** Who runs PostgreSQL: the postgres user when we are root ('missing' if there is none), else ourselves. */
function runAs() {
  if (!process.getuid || process.getuid() !== 0) return undefined;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return 'missing';
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Why a cluster cannot be started here, or undefined when it can. */
function postgresUnavailable() {
  if (!BIN) return `PostgreSQL is not installed (no initdb under ${BIN_DIRS[0]}; apt-get install -y postgresql)`;
  if (runAs() === 'missing') return 'running as root but there is no postgres user to run PostgreSQL as (apt-get install -y postgresql creates it)';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is missing';
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a command to its end without blocking the event loop (a test file's other work goes on meanwhile). */
function run(cmd, args, owner) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH, LANG: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], ...(owner || {}) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} failed (${code}): ${out}`))));
  });
}

/**
 * Starts a cluster under `base` (default: the jest run's scratch dir, else the temp dir). When run
 * as root, `base` is made traversable (not listable) so the postgres user reaches its own 0700 dir.
 * `settings`: more server settings (e.g. shared_preload_libraries for the bench's statement counts).
 */
async function startCluster({ base = process.env.AWSMESH_JEST_TMP || os.tmpdir(), settings = {} } = {}) {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const owner = runAs();
  if (owner) fs.chmodSync(base, 0o711);
  const dir = fs.mkdtempSync(path.join(base, 'pg-'));
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  const data = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
  await run(path.join(BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256',
    '-E', 'UTF8', '--locale=C', '-N', '--no-instructions'], owner);
  fs.rmSync(pwfile);
  const port = await freePort();
  let postmaster;
  let exited = Promise.resolve();

  const startServer = async () => {
    // Throwaway data: durability settings off for speed (the tests kill replicas, not this machine).
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400', '-c', 'shared_buffers=64MB',
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const child = spawn('setpriv', ['--pdeathsig', 'INT', '--', path.join(BIN, 'postgres'), ...args], {
      env: { PATH: process.env.PATH, LANG: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], ...(owner || {}),
    });
    postmaster = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let log = '';
    await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        log += d.toString();
        if (/database system is ready to accept connections/.test(log)) resolve();
      });
      exited.then(() => reject(new Error(`postgres exited while starting:\n${log}`)));
    });
    child.stderr.removeAllListeners('data');
    child.stderr.resume();
  };

  /** 'fast' disconnects clients and shuts down cleanly; 'immediate' is a crash (recovery on the next start). */
  const stopServer = async (mode = 'fast') => {
    const child = postmaster;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    postmaster = undefined;
  };

  /** Runs SQL (one or more statements) as the superuser over the unix socket. */
  const sql = async (text, database = 'postgres') => {
    const { Client } = require('pg');
    const client = new Client({ host: dir, port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  await startServer();
  return {
    host: '127.0.0.1',
    port,
    password,
    url: (database) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    /** The postmaster's process id (its children are the server's processes), while it runs. */
    pid: () => postmaster?.pid,
    sql,
    startServer,
    stopServer,
    async destroy() {
      await stopServer('immediate');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { freePort, postgresUnavailable, startCluster };
