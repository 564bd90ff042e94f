// Running the real CLI (node bin/awsmesh) as child processes against a temp AWSMESH_HOME.

import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { BIN, WALKTHROUGH } from '../helpers/run-cli';

export { BIN };

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: NodeJS.ProcessEnv, cwd = WALKTHROUGH): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The walkthrough's App Mesh steps, with its own files, ending at update-route (75/25). */
export function applyWalkthrough(env: NodeJS.ProcessEnv): void {
  const steps = [
    ['appmesh', 'create-mesh', '--mesh-name', 'apps'],
    ['appmesh', 'create-virtual-service', '--mesh-name', 'apps', '--virtual-service-name', 'serviceb.apps.local', '--spec', '{}'],
    ['appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-serviceb.json'],
    ['appmesh', 'create-virtual-router', '--cli-input-json', 'file://create-virtual-router.json'],
    ['appmesh', 'create-route', '--cli-input-json', 'file://create-route.json'],
    ['appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-servicebv2.json'],
    ['appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-servicea.json'],
    ['appmesh', 'update-virtual-service', '--cli-input-json', 'file://update-virtual-service.json'],
    ['appmesh', 'update-route', '--cli-input-json', 'file://update-route.json'],
    ['appmesh', 'create-virtual-service', '--cli-input-json', 'file://create-virtual-servicea.json'],
  ];
  for (const s of steps) {
    const r = cli(s, env);
    if (r.status !== 0) throw new Error(`${s.join(' ')} → ${r.status}\n${r.stderr}`);
  }
}

/**
 * A `local up --config` file for the walkthrough mesh: serviceB and serviceBv2 answer, serviceA calls
 * http://serviceb.apps.local/ for every request (examples/apps/app.js each).
 */
export function writeWalkthroughConfig(file: string): void {
  const APP = path.join(WALKTHROUGH, '..', 'apps', 'app.js');
  const app = (name: string, extra = '') => `{ command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}], env: { APP_NAME: ${name}${extra} } }`;
  fs.writeFileSync(file, [
    'mesh: apps',
    'proxies:',
    `  - virtualNode: serviceB\n    app: ${app('serviceB')}`,
    `  - virtualNode: serviceBv2\n    app: ${app('serviceBv2')}`,
    `  - virtualNode: serviceA\n    app: ${app('serviceA', ', UPSTREAM: "http://serviceb.apps.local/"')}`,
    '',
  ].join('\n'));
}

export interface RunningProxy {
  child: ChildProcess;
  ingress?: number;
  egress: number;
  admin: number;
  stderr: () => string;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `awsmesh proxy …` and waits for its ready line. */
export function startCliProxy(args: string[], env: NodeJS.ProcessEnv): Promise<RunningProxy> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'proxy', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = /^ready .*$/m.exec(out)?.[0];
      if (!line) return;
      const port = (k: string) => {
        const m = new RegExp(`${k}=127\\.0\\.0\\.1:(\\d+)`).exec(line);
        return m ? Number(m[1]) : undefined;
      };
      resolve({
        child, ingress: port('ingress'), egress: port('egress')!, admin: port('admin')!, stderr: () => err,
        stop: () => new Promise((r) => {
          if (child.exitCode !== null) return r(child.exitCode);
          child.once('exit', (code) => r(code));
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`awsmesh proxy ${args.join(' ')} exited ${code}\n${err}`)));
  });
}

/**
 * A GET on 127.0.0.1 (an admin page): its status and body. A fresh connection each time: Node 20's
 * global agent keeps connections alive, and reusing one just as the admin server's 5 s idle timeout
 * closes it fails the request with "socket hang up".
 */
export function get(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}
