// Issue 14, item 7: one nesting limit (100 levels) for every parsed input — JSON, shorthand, YAML,
// --query expressions and the server's request bodies — so a 10,000-level document is a clear
// exit 252 / HTTP 400, never "Maximum call stack size exceeded" (exit 255 / HTTP 500).

import * as path from 'path';
import { checkNesting, MAX_NESTING_DEPTH, NestingError, parseJson, parseYaml } from '../../src/base/structured-text';
import { queryNesting } from '../../src/output/query';
import { parseShorthand } from '../../src/cli/params/shorthand';
import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';
import { rawRequest } from '../server/helpers';
import { deepList, deepShorthand, deepYamlBlocks, writeFile } from './helpers';

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

const DEEP = 10_000;
const LIMIT_TEXT = 'nested more than 100 levels deep';

function expectDepthError(r: { code: number; stderr: string }): void {
  expect(r.stderr).not.toContain('Maximum call stack');
  expect(r.stderr).toContain(LIMIT_TEXT);
  expect(r.code).toBe(252);
}

describe('the limit itself', () => {
  test('100 levels pass and 101 fail, in JSON, YAML, shorthand and --query', () => {
    expect(() => parseJson(deepList(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => parseJson(deepList(MAX_NESTING_DEPTH + 1))).toThrow(NestingError);
    expect(() => parseYaml(deepList(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => parseYaml(deepList(MAX_NESTING_DEPTH + 1))).toThrow(NestingError);
    expect(() => parseYaml(deepYamlBlocks(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => parseYaml(deepYamlBlocks(MAX_NESTING_DEPTH + 1))).toThrow(NestingError);
    expect(() => parseShorthand(deepShorthand(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => parseShorthand(deepShorthand(MAX_NESTING_DEPTH + 1))).toThrow(NestingError);
    expect(queryNesting(`${'('.repeat(100)}a${')'.repeat(100)}`)).toBe(100);
    expect(queryNesting(`${'!'.repeat(101)}a`)).toBe(101);
    expect(queryNesting('!a || !b || !c && !d')).toBe(1);
    expect(queryNesting("meshes[?contains(name, '((((')].{n: name, t: `[[1]]`}")).toBe(3);
  });

  test('the check is iterative: a million levels do not overflow it', () => {
    const deep: unknown[] = [];
    let cur = deep;
    for (let i = 0; i < 1_000_000; i++) {
      const next: unknown[] = [];
      cur.push(next);
      cur = next;
    }
    expect(() => checkNesting(deep)).toThrow(NestingError);
  });
});

describe('the CLI', () => {
  test('--spec file:// with 10,000 levels of JSON', async () => {
    const dir = tempHome('awsmesh-deep-');
    writeFile(dir, 'spec.json', `{"egressFilter":{"type":${deepList(DEEP)}}}`);
    expectDepthError(await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', 'file://spec.json'], { cwd: dir }));
  });

  test('shorthand with 10,000 levels', async () => {
    expectDepthError(await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', deepShorthand(DEEP)]));
  });

  test('--cli-input-json and --cli-input-yaml with 10,000 levels', async () => {
    const dir = tempHome('awsmesh-deep-');
    writeFile(dir, 'in.json', `{"meshName":"m","spec":{"egressFilter":${deepList(DEEP)}}}`);
    writeFile(dir, 'in.yaml', `meshName: m\nspec:\n  egressFilter: ${deepList(DEEP)}\n`);
    expectDepthError(await runCli(['appmesh', 'create-mesh', '--cli-input-json', 'file://in.json'], { cwd: dir }));
    expectDepthError(await runCli(['appmesh', 'create-mesh', '--cli-input-yaml', 'file://in.yaml'], { cwd: dir }));
  });

  test('--query with 10,000 nested parentheses or negations', async () => {
    const parens = await runCli(['appmesh', 'list-meshes', '--query', `${'('.repeat(DEEP)}meshes${')'.repeat(DEEP)}`]);
    expectDepthError(parens);
    expect(parens.stderr.length).toBeLessThan(2000); // the expression is not echoed whole
    expectDepthError(await runCli(['appmesh', 'list-meshes', '--query', `${'!'.repeat(DEEP)}meshes`]));
  });

  test('apply -f and local import with deeply nested YAML blocks', async () => {
    const dir = tempHome('awsmesh-deep-');
    writeFile(dir, 'mesh.yaml', deepYamlBlocks(3000));
    expectDepthError(await runCli(['apply', '-f', path.join(dir, 'mesh.yaml'), '--yes']));
    expectDepthError(await runCli(['validate', path.join(dir, 'mesh.yaml')]));
    expectDepthError(await runCli(['local', 'import', path.join(dir, 'mesh.yaml')]));
  });
});

describe('local serve', () => {
  test('a 10,000-level JSON body is a 400 in the protocol\'s format, not a 500', async () => {
    const home = tempHome();
    const serve = await startServe({ env: cleanEnv(home), args: ['--quiet'] });
    const mesh = await rawRequest(serve.url, {
      method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' },
      body: `{"meshName":"m","spec":{"egressFilter":${deepList(DEEP)}}}`,
    });
    expect(mesh.status).toBe(400);
    expect(mesh.headers['x-amzn-errortype']).toBe('SerializationException');
    expect(JSON.parse(mesh.body).message).toContain(LIMIT_TEXT);
    const cloudMap = await rawRequest(serve.url, {
      method: 'POST', path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.CreateHttpNamespace' },
      body: `{"Name":"ns","Tags":${deepList(DEEP)}}`,
    });
    expect(cloudMap.status).toBe(400);
    expect(JSON.parse(cloudMap.body).Message).toContain(LIMIT_TEXT);
    const list = await rawRequest(serve.url, { path: '/v20190125/meshes' });
    expect(JSON.parse(list.body).meshes).toEqual([]);
    await serve.stop();
  });
});
