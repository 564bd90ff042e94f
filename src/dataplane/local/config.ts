// The `awsmesh local up --config mesh.local.yaml` file: which proxies to run for a mesh and,
// optionally, which command runs each node's app on which port.
//
//   mesh: apps
//   proxies:
//     - virtualNode: serviceB
//       appPort: 8081                          # or "80=8081,8080=9090" per listener
//       app: { command: node examples/apps/app.js, env: { APP_NAME: serviceB } }
//     - virtualGateway: gateway
//       ingressPort: 8088

import * as path from 'path';
import { ParamError } from '../../base/errors';
import { InputFileError, readInputText } from '../../base/input-file';
import { parseYaml } from '../../base/structured-text';

export interface ProxyEntry {
  virtualNode?: string;
  virtualGateway?: string;
  /** Single port, or LISTENER=APP pairs. */
  appPort?: string;
  ingressPort?: number;
  egressPort?: number;
  adminPort?: number;
  app?: { command: string | string[]; env?: Record<string, string> };
}

export interface UpConfig {
  mesh?: string;
  region?: string;
  proxies: ProxyEntry[];
  /** Directory app commands run in (the config file's). */
  dir: string;
}

const ENTRY_KEYS = new Set(['virtualNode', 'virtualGateway', 'appPort', 'ingressPort', 'egressPort', 'adminPort', 'app']);

function fail(file: string, where: string, message: string): never {
  throw new ParamError(`Invalid local up configuration ${file}: ${where}: ${message}`);
}

function port(file: string, where: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535) fail(file, where, `expected a port number, got ${JSON.stringify(v)}`);
  return v as number;
}

export function parseUpConfig(text: string, file: string): UpConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    fail(file, 'syntax', (e as Error).message.split('\n')[0]);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail(file, '(top)', 'expected a mapping with mesh and proxies');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!['mesh', 'region', 'proxies'].includes(k)) fail(file, k, 'unknown key (expected mesh, region, proxies)');
  if (d.mesh !== undefined && typeof d.mesh !== 'string') fail(file, 'mesh', 'expected a mesh name');
  if (d.region !== undefined && typeof d.region !== 'string') fail(file, 'region', 'expected a region name');
  if (!Array.isArray(d.proxies) || d.proxies.length === 0) fail(file, 'proxies', 'expected a non-empty list');
  const proxies = d.proxies.map((raw, i): ProxyEntry => {
    const where = `proxies[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(file, where, 'expected a mapping');
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) if (!ENTRY_KEYS.has(k)) fail(file, `${where}.${k}`, 'unknown key');
    const vn = e.virtualNode;
    const vg = e.virtualGateway;
    if ((vn === undefined) === (vg === undefined)) fail(file, where, 'give exactly one of virtualNode or virtualGateway');
    if ((vn !== undefined && typeof vn !== 'string') || (vg !== undefined && typeof vg !== 'string')) fail(file, where, 'names are strings');
    const out: ProxyEntry = {
      virtualNode: vn as string | undefined,
      virtualGateway: vg as string | undefined,
      ingressPort: port(file, `${where}.ingressPort`, e.ingressPort),
      egressPort: port(file, `${where}.egressPort`, e.egressPort),
      adminPort: port(file, `${where}.adminPort`, e.adminPort),
    };
    if (e.appPort !== undefined) {
      if (typeof e.appPort !== 'number' && typeof e.appPort !== 'string') fail(file, `${where}.appPort`, 'expected a port or LISTENER=APP pairs');
      out.appPort = String(e.appPort);
    }
    if (e.app !== undefined) {
      const a = e.app as Record<string, unknown>;
      if (!a || typeof a !== 'object') fail(file, `${where}.app`, 'expected a mapping with command and env');
      for (const k of Object.keys(a)) if (k !== 'command' && k !== 'env') fail(file, `${where}.app.${k}`, 'unknown key (expected command, env)');
      const cmd = a.command;
      const okCmd = (typeof cmd === 'string' && cmd.trim()) || (Array.isArray(cmd) && cmd.length > 0 && cmd.every((x) => typeof x === 'string'));
      if (!okCmd) fail(file, `${where}.app.command`, 'expected a command line or a list of arguments');
      if (a.env !== undefined) {
        if (!a.env || typeof a.env !== 'object' || Array.isArray(a.env)) fail(file, `${where}.app.env`, 'expected a mapping');
        for (const [k, v] of Object.entries(a.env as object)) {
          if (!['string', 'number', 'boolean'].includes(typeof v)) fail(file, `${where}.app.env.${k}`, 'expected a scalar');
        }
      }
      out.app = {
        command: cmd as string | string[],
        env: a.env ? Object.fromEntries(Object.entries(a.env as object).map(([k, v]) => [k, String(v)])) : undefined,
      };
      if (vg !== undefined) fail(file, `${where}.app`, 'a virtual gateway has no app');
    }
    return out;
  });
  return { mesh: d.mesh as string | undefined, region: d.region as string | undefined, proxies, dir: path.dirname(path.resolve(file)) };
}

export function readUpConfig(file: string): UpConfig {
  let text: string;
  try {
    text = readInputText(file);
  } catch (e) {
    throw new ParamError(`Unable to read local up configuration ${file}: ${e instanceof InputFileError ? e.reason : (e as Error).message}`);
  }
  return parseUpConfig(text, file);
}
