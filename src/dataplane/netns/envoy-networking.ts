// Runs the App Mesh EC2 walkthrough's `envoy-networking.sh` — byte for byte the walkthrough's
// (examples/walkthrough-ec2/envoy-networking.sh; a test checks its digest) — inside one proxy's
// namespace with that node's settings.
//
// The script's "configurable options" block assigns constants (APPMESH_APP_PORTS="8000", …): the
// walkthrough has you edit them. Environment variables alone therefore cannot set those five, so
// instead of editing the file we run it the way an edited copy would run: bash's extdebug DEBUG
// trap skips exactly those top-level assignments when we supply the variable (a skipped command
// is not run; everything else, `-e` included, behaves as `sudo ./envoy-networking.sh` does).
// APPMESH_START_ENABLED=1 applies the rules at once; stdin is /dev/null, so the script's command
// loop ends and it exits. Its rules live in the namespace and go when the namespace is deleted.

import { spawn } from 'child_process';
import * as path from 'path';
import { GeneralError } from '../../base/errors';
import { EGRESS_PORT, INGRESS_PORT, PROXY_UID } from './names';

export const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'examples', 'walkthrough-ec2', 'envoy-networking.sh');
/** SHA-256 of the walkthrough's script (getting-started-ec2.md, lines 596-866). */
export const SCRIPT_SHA256 = '16d7e4e5b0dee76a43ebc0c752eed73312f81a1b6690b5e801ceffffa1636a9c';

/** The configuration block's constant assignments, which our values replace. */
const CONFIGURED = ['APPMESH_IGNORE_UID', 'APPMESH_APP_PORTS', 'APPMESH_ENVOY_EGRESS_PORT', 'APPMESH_ENVOY_INGRESS_PORT', 'APPMESH_EGRESS_IGNORED_IP'];

const SKIP_CONFIGURED = CONFIGURED.map((v) => `${v}=*) ! [ -n "\${${v}+x}" ] ;;`).join(' ');
/** `$0` is the script; `! test` keeps errexit from firing on the trap's own status. */
const RUNNER = `shopt -s extdebug; trap 'case "$BASH_COMMAND" in ${SKIP_CONFIGURED} esac' DEBUG; . "$0"`;

export interface NetworkingSettings {
  /** The node's application ports (its listeners'); none for gateways and listener-less nodes. */
  appPorts: number[];
}

/** The environment the script reads: every variable it knows, set to this node's values. */
export function scriptEnv(s: NetworkingSettings): Record<string, string> {
  return {
    APPMESH_START_ENABLED: '1',
    APPMESH_IGNORE_UID: String(PROXY_UID),
    APPMESH_APP_PORTS: s.appPorts.join(','),
    APPMESH_ENVOY_EGRESS_PORT: String(EGRESS_PORT),
    APPMESH_ENVOY_INGRESS_PORT: String(INGRESS_PORT),
    // ECS's EgressIgnoredIPs default: the instance and task metadata endpoints.
    APPMESH_EGRESS_IGNORED_IP: '169.254.169.254,169.254.170.2',
    APPMESH_ENABLE_IPV6: '0',
  };
}

/** Runs the script in `namespace`; resolves with its output, rejects with it when it fails. */
export function applyEnvoyNetworking(namespace: string, s: NetworkingSettings): Promise<string> {
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...scriptEnv(s) };
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', namespace, 'bash', '-e', '-c', RUNNER, SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new GeneralError(`envoy-networking.sh failed in namespace ${namespace} (exit ${code}):\n${out.trim()}`));
    });
  });
}
