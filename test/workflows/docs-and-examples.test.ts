// What the README and examples/ci promise: the code table matches the analyzers' codes, the CI
// job only uses commands and flags that exist, and the example manifests validate.

import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { completionModel } from '../../src/workflows/completion';
import { CODES } from '../../src/workflows/findings';
import { cleanupHomes, ROOT, runCli } from '../helpers/run-cli';

afterAll(cleanupHomes);

function workflowsSection(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- section:workflows -->');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('<!-- section:', start + 10);
  return readme.slice(start, end === -1 ? undefined : end);
}

test('the README code table lists every code with its severity, and nothing else', () => {
  const rows = [...workflowsSection().matchAll(/^\| (AM\d{4}) \| (error|warning|info) \|/gm)].map((m) => [m[1], m[2]]);
  expect(rows).toEqual(Object.entries(CODES).map(([code, c]) => [code, c.severity]));
});

test('the CI job example runs only commands and flags that exist', () => {
  const workflow = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', 'ci', 'github-actions.yml'), 'utf8'));
  const runs: string[] = Object.values(workflow.jobs as Record<string, { steps: Array<{ run?: string }> }>)
    .flatMap((job) => job.steps.map((s) => s.run ?? ''))
    .flatMap((run) => run.split('\n'))
    .filter((line) => line.includes('awsmesh '));
  expect(runs.length).toBeGreaterThanOrEqual(4);
  const model = completionModel();
  const known = (ctx: string) => model.contexts.find((c) => c.path === ctx);
  for (const line of runs) {
    const words = line.slice(line.indexOf('awsmesh ') + 'awsmesh '.length).split(/\s+/).filter((w) => w && !w.startsWith('>') && !w.startsWith('findings'));
    const command = words.find((w, i) => !w.startsWith('-') && !(words[i - 1] ?? '').startsWith('--endpoint'));
    expect(known('')!.subcommands).toContain(command);
    const allowed = new Set([...known('')!.flags, ...known(command!)!.flags]);
    for (const flag of words.filter((w) => w.startsWith('-'))) expect({ line, flag, known: allowed.has(flag) }).toEqual({ line, flag, known: true });
  }
});

test('the example manifests validate (one info: servicea.apps.local is only called from outside)', async () => {
  const r = await runCli(['validate', path.join(ROOT, 'examples', 'ci', 'apps'), '--output', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).map((f: { code: string }) => f.code)).toEqual(['AM0107']);
});
