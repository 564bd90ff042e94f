// The real AWS CLI v2 (/usr/bin/aws; plain `aws` on PATH may be v1) for comparisons: many command
// lines run in one Python process (awscli-batch.py), so a test can afford hundreds of them.

import * as fs from 'fs';
import * as path from 'path';
import { runProcess, type CliResult } from './run-cli';

export const AWS_CLI = '/usr/bin/aws';

/** The Python that runs /usr/bin/aws (its #! line), or why the AWS CLI v2 cannot be run here. */
export function awsCliPython(): { python: string } | { missing: string } {
  if (!fs.existsSync(AWS_CLI)) return { missing: `${AWS_CLI} is not installed (apt-get install -y awscli)` };
  const first = fs.readFileSync(AWS_CLI, 'utf8').split('\n', 1)[0];
  const python = /^#!\s*(\S+)/.exec(first)?.[1];
  if (!python || !fs.existsSync(python)) return { missing: `${AWS_CLI} is not a Python script with a usable #! line` };
  return { python };
}

/** Environment for the AWS CLI against a local endpoint: dummy credentials, no pager, no user config. */
export function awsCliEnv(home: string, region = 'us-west-2'): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: path.join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

const MODELS = path.resolve(__dirname, '..', '..', 'schemas', 'model');

/**
 * Puts awsmesh's vendored service models where the AWS CLI looks before its bundled ones
 * (~/.aws/models/<service>/<version>/, as `aws configure add-model` does), so both tools read the
 * same model and a comparison shows formatting differences, not model drift (the installed CLI's
 * models are older: Cloud Map's ListNamespaces has no ResourceOwner there).
 */
export function useVendoredModels(home: string): void {
  for (const file of fs.readdirSync(MODELS)) {
    const m = /^([a-z0-9-]+?)-(\d{4}-\d\d-\d\d)\.(service-2|paginators-1)\.json$/.exec(file);
    if (!m) continue;
    const dir = path.join(home, '.aws', 'models', m[1], m[2]);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(MODELS, file), path.join(dir, `${m[3]}.json`));
  }
}

/** Runs each argument list (without `aws`) through the AWS CLI v2, in order, in one process. */
export async function runAwsCliBatch(python: string, calls: string[][], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<CliResult[]> {
  const r = await runProcess(python, [path.join(__dirname, 'awscli-batch.py')], { env, input: JSON.stringify(calls), timeoutMs });
  if (r.code !== 0) throw new Error(`awscli-batch.py exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CliResult[];
}
