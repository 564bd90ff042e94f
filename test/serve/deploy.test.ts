// The packaging of `awsmesh serve`: the Dockerfile (read statically — there is no Docker engine
// here — plus the runtime stage's file set started for real), the ECS task definition and service
// (against the vendored ECS model, and through the real AWS CLI's --cli-input-json), and the
// Kubernetes manifests (against the vendored Kubernetes OpenAPI), each held to what the image and
// the server actually expose.

import { execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { builtinModules } from 'module';
import * as YAML from 'yaml';
import { validateDocument } from '../../src/migrate/schemas';
import { cleanEnv, ROOT } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import { copyOf, kubernetesProblems, parseDockerfile, type Stage } from './deploy-helpers';

type Json = Record<string, any>;
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const [build, runtime] = [stages[0], stages[stages.length - 1]];
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** The runtime stage's ENV, as a map. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of of(runtime, 'ENV')) for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]] = m[2];
  return env;
}

const RUNTIME_FILES = ['/src/package.json', '/src/bin', '/src/dist', '/src/schemas', '/src/node_modules'];

describe('Dockerfile', () => {
  test('two stages: a build stage with the toolchain, a runtime stage that starts from a clean base', () => {
    expect(stages).toHaveLength(2);
    expect(build.name).toBe('build');
    expect(runtime.name).toBeUndefined();
    expect(runtime.from).toBe(build.from); // the same Node, without what the build installed
    expect(of(build, 'RUN').map((i) => i.args).join('\n')).toMatch(/npm ci[\s\S]*npm run build[\s\S]*npm prune --omit=dev/);
  });

  test('the runtime stage copies only bin, dist, schemas, package.json and the pruned node_modules from the build stage', () => {
    const copies = [...of(runtime, 'COPY'), ...of(runtime, 'ADD')];
    expect(copies.every((c) => c.keyword === 'COPY' && copyOf(c).from === 'build')).toBe(true);
    expect(copies.flatMap((c) => copyOf(c).sources).sort()).toEqual([...RUNTIME_FILES].sort());
  });

  test('the runtime stage runs as a non-root numeric user and fetches nothing', () => {
    const users = of(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0].args.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // USER comes after every RUN: nothing else in the stage runs as root at run time.
    const last = runtime.instructions.indexOf(users[0]);
    expect(runtime.instructions.slice(last).some((i) => i.keyword === 'RUN')).toBe(false);
    for (const run of of(runtime, 'RUN')) expect(run.args).not.toMatch(/\b(apt-get|apt|npm|npx|yarn|pip|curl|wget|git)\b/);
    expect(runtime.instructions.some((i) => /^(ADD)$/.test(i.keyword))).toBe(false);
    // The user the manifests run as.
    const task = JSON.parse(read('deploy/ecs/task-definition.json')) as Json;
    expect(task.containerDefinitions[0].user).toBe(users[0].args);
    const pod = YAML.parse(read('deploy/kubernetes/deployment.yaml')).spec.template.spec;
    expect(`${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`).toBe(users[0].args);
  });

  test('entrypoint, health check and exposed ports match the server\'s options', () => {
    const env = imageEnv();
    expect(JSON.parse(of(runtime, 'ENTRYPOINT')[0].args)).toEqual(['node', '/opt/awsmesh/bin/awsmesh']);
    expect(JSON.parse(of(runtime, 'CMD')[0].args)).toEqual(['serve']);
    expect(of(runtime, 'EXPOSE')[0].args.split(/\s+/).map(Number))
      .toEqual([env.AWSMESH_SERVE_PORT, env.AWSMESH_SERVE_XDS_PORT, env.AWSMESH_SERVE_ADMIN_PORT].map(Number));
    expect(of(runtime, 'HEALTHCHECK')[0].args).toMatch(/AWSMESH_SERVE_ADMIN_PORT \+ '\/healthz'/);
    expect(env.AWSMESH_HOME).toMatch(/^\/var\/lib\/awsmesh\//);
  });

  test('the build stage copies everything `npm run build` reads, and .dockerignore keeps none of it out', () => {
    const copied = of(build, 'COPY').flatMap((c) => copyOf(c).sources);
    for (const src of copied) expect(fs.existsSync(path.join(ROOT, src))).toBe(true);
    const pkg = JSON.parse(read('package.json'));
    for (const file of pkg.scripts.build.match(/scripts\/[\w.-]+/g) as string[]) expect(copied).toContain(file.split('/')[0]);
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.json/);
    const tsconfig = JSON.parse(read('tsconfig.json'));
    for (const include of tsconfig.include as string[]) expect(copied).toContain(include.split('/')[0]);
    // Every top-level entry of the repository is either copied or known not to take part in the build.
    const notBuilt = ['.git', '.ci', '.gitignore', '.dockerignore', 'Dockerfile', 'README.md', 'SECURITY.md', 'docs', 'examples', 'deploy', 'test', 'tsconfig.test.json', 'node_modules', 'dist', 'coverage',
      // The optional SO_ORIGINAL_DST addon: for `local up --netns` only, never in the `serve` image.
      'native'];
    // What .gitignore keeps out of the repository (test output, logs, build products) is not part of it.
    const gitIgnored = read('.gitignore').split('\n').map((l) => l.trim().replace(/\/$/, '')).filter((l) => l && !l.startsWith('#'))
      .map((glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
    const unaccounted = fs.readdirSync(ROOT).filter((e) => !notBuilt.includes(e) && !gitIgnored.some((re) => re.test(e)) && !copied.some((c) => c.replace(/^\.\//, '') === e));
    expect(unaccounted).toEqual([]);
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist']));
    for (const src of copied) expect(ignored).not.toContain(src.replace(/^\.\//, ''));
  });

  test('every package dist/ loads at run time is in the production dependency tree (npm prune --omit=dev keeps it)', () => {
    const pkg = JSON.parse(read('package.json'));
    // The dependencies and, through their package.json files, everything they depend on (hoisted).
    const deps = new Set<string>();
    const add = (name: string): void => {
      if (deps.has(name)) return;
      deps.add(name);
      const manifest = path.join(ROOT, 'node_modules', name, 'package.json');
      if (!fs.existsSync(manifest)) return;
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8'));
      for (const d of [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {})]) add(d);
    };
    Object.keys(pkg.dependencies).forEach(add);
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.js')) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/require\((["'])([^"'./][^"']*)\1\)/g)) {
            const spec = m[2].replace(/^node:/, '');
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
            if (!builtins.has(spec) && !builtins.has(name) && !deps.has(name)) missing.add(`${name} (${path.relative(ROOT, p)})`);
          }
        }
      }
    };
    walk(path.join(ROOT, 'dist'));
    expect([...missing]).toEqual([]);
  });

  test('the runtime stage\'s files alone start `awsmesh serve` with the image\'s environment: TLS from a fresh local CA, /healthz and /readyz', async () => {
    // The image's /opt/awsmesh, laid out from this build (node_modules linked: npm prune is checked above).
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-image-'));
    const app = path.join(root, 'opt', 'awsmesh');
    fs.mkdirSync(app, { recursive: true });
    for (const f of ['package.json', 'bin', 'dist', 'schemas']) fs.cpSync(path.join(ROOT, f), path.join(app, f), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
    const env = { ...imageEnv(), AWSMESH_HOME: path.join(root, 'var', 'lib', 'awsmesh', 'home') };
    // Loopback and ephemeral ports instead of the image's 0.0.0.0 and fixed ports; the rest as in the image.
    Object.assign(env, { AWSMESH_SERVE_HOST: '127.0.0.1', AWSMESH_SERVE_ADMIN_HOST: '127.0.0.1', AWSMESH_SERVE_PORT: '0', AWSMESH_SERVE_XDS_PORT: '0', AWSMESH_SERVE_ADMIN_PORT: '0' });
    const child = spawn(process.execPath, [path.join(app, 'bin', 'awsmesh'), 'serve', '--tls-hostname', 'localhost'], {
      cwd: root, env: { ...cleanEnv(env.AWSMESH_HOME, env), NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      const admin = await waitUntil(() => /^admin listening on (http:\/\/\S+)$/m.exec(out)?.[1], {
        describe: 'the admin port', timeoutMs: 30_000, observe: () => ({ out, err, exit: child.exitCode }),
      });
      expect(out).toMatch(/^xds listening on 127\.0\.0\.1:\d+ \(TLS\)$/m);
      expect(err).toMatch(/TLS from the local CA \(localhost, serial \w+; proxies trust .*\/var\/lib\/awsmesh\/home\/ca\/root\/ca\.pem\)/);
      expect((await fetch(`${admin}/healthz`)).status).toBe(200);
      const ready = await fetch(`${admin}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('ECS task definition and service (deploy/ecs)', () => {
  const task = JSON.parse(read('deploy/ecs/task-definition.json')) as Json;
  const service = JSON.parse(read('deploy/ecs/service.json')) as Json;
  const container = task.containerDefinitions[0];

  test('valid inputs of RegisterTaskDefinition and CreateService (vendored botocore ECS model)', () => {
    expect(validateDocument({ body: task, schema: { type: 'botocore', model: 'ecs-2014-11-13', operation: 'RegisterTaskDefinition' } })).toEqual([]);
    expect(validateDocument({ body: service, schema: { type: 'botocore', model: 'ecs-2014-11-13', operation: 'CreateService' } })).toEqual([]);
    // The check has teeth: a misspelt member and a wrong type are reported.
    const broken = { ...task, containerDefinitions: [{ ...container, portMapings: [], essential: 'yes' }] };
    const problems = validateDocument({ body: broken, schema: { type: 'botocore', model: 'ecs-2014-11-13', operation: 'RegisterTaskDefinition' } });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['containerDefinitions[0]', 'containerDefinitions[0].essential']));
  });

  test('the service, health check and ports agree with the task and the image', () => {
    const env = imageEnv();
    const ports = container.portMappings.map((p: Json) => p.containerPort);
    expect(ports).toEqual([env.AWSMESH_SERVE_PORT, env.AWSMESH_SERVE_XDS_PORT, env.AWSMESH_SERVE_ADMIN_PORT].map(Number));
    for (const lb of service.loadBalancers) {
      expect(lb.containerName).toBe(container.name);
      expect(ports).toContain(lb.containerPort);
    }
    expect(service.loadBalancers.map((l: Json) => l.containerPort)).not.toContain(Number(env.AWSMESH_SERVE_ADMIN_PORT));
    expect(service.taskDefinition).toBe(task.family);
    expect(service.desiredCount).toBeGreaterThanOrEqual(2);
    expect(container.healthCheck.command.join(' ')).toContain(`http://127.0.0.1:${env.AWSMESH_SERVE_ADMIN_PORT}/healthz`);
    expect(container.command[0]).toBe('serve');
    // The home (local CA) lives where the image's AWSMESH_HOME points.
    const home = container.mountPoints.find((m: Json) => m.sourceVolume === 'awsmesh-home');
    expect(env.AWSMESH_HOME.startsWith(`${home.containerPath}/`)).toBe(true);
    expect(container.readonlyRootFilesystem).toBe(true);
    // Secrets come from Secrets Manager, never as plain environment values.
    expect(container.secrets.map((s: Json) => s.name)).toContain('AWSMESH_STORE_URL');
    for (const e of container.environment) expect(e.name).not.toMatch(/URL|PASSWORD|SECRET|KEY|TOKEN/);
  });

  const AWS = '/usr/bin/aws';
  const awsTest = fs.existsSync(AWS)
    ? test
    : (name: string, _fn: () => Promise<void>, _timeout?: number) => test(name, () => console.log(`not run: ${AWS} is not installed (apt-get install -y awscli)`));

  awsTest('`aws ecs register-task-definition` and `aws ecs create-service` accept them with --cli-input-json', async () => {
    // A loopback stand-in for ECS records what the CLI sends once its own validation passed.
    const received: Array<{ target: string; body: Json }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        received.push({ target, body: JSON.parse(body || '{}') });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(target.endsWith('RegisterTaskDefinition') ? JSON.stringify({ taskDefinition: { family: 'awsmesh-serve', revision: 1 } }) : JSON.stringify({ service: { serviceName: 'awsmesh-serve' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-awscli-'));
    const env = { PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_DEFAULT_REGION: 'us-west-2', AWS_PAGER: '' };
    const aws = (...args: string[]) => new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(AWS, ['--endpoint-url', url, ...args], { env, timeout: 60_000 }, (e, _out, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 255) : 0, stderr }));
    });
    try {
      for (const [op, file] of [['register-task-definition', 'task-definition.json'], ['create-service', 'service.json']]) {
        const r = await aws('ecs', op, '--cli-input-json', `file://${path.join(ROOT, 'deploy', 'ecs', file)}`);
        expect(r).toEqual({ code: 0, stderr: '' });
      }
      expect(received.map((r) => r.target)).toEqual(['AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition', 'AmazonEC2ContainerServiceV20141113.CreateService']);
      expect(received[0].body).toEqual(task);
      expect(received[1].body).toEqual(service);
      // …and a mistake is refused by the CLI before anything is sent.
      const bad = path.join(home, 'bad.json');
      fs.writeFileSync(bad, JSON.stringify({ ...task, cpu: 1024 }));
      const refused = await aws('ecs', 'register-task-definition', '--cli-input-json', `file://${bad}`);
      expect(refused.code).toBe(252);
      expect(refused.stderr).toMatch(/Invalid type for parameter cpu/);
      expect(received).toHaveLength(2);
    } finally {
      server.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const dir = path.join(ROOT, 'deploy', 'kubernetes');
  const objects: Json[] = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as Json));
  const find = (kind: string) => objects.find((o) => o.kind === kind)!;

  test('every object is valid against the vendored Kubernetes 1.36 OpenAPI (unknown fields are errors)', () => {
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`).sort()).toEqual(['apps/v1 Deployment', 'policy/v1 PodDisruptionBudget', 'v1 Service', 'v1 ServiceAccount']);
    for (const o of objects) expect({ kind: o.kind, problems: kubernetesProblems(o) }).toEqual({ kind: o.kind, problems: [] });
    // The check has teeth.
    const deployment = find('Deployment');
    const typo = { ...deployment, spec: { ...deployment.spec, replica: 2 } };
    expect(kubernetesProblems(typo).join('\n')).toMatch(/spec/);
    const wrongType = { ...deployment, spec: { ...deployment.spec, replicas: 'two' } };
    expect(kubernetesProblems(wrongType).join('\n')).toMatch(/spec\.replicas/);
  });

  test('two replicas, a disruption budget and probes on /healthz and /readyz, all selecting the same pods', () => {
    const env = imageEnv();
    const deployment = find('Deployment');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    expect(deployment.spec.replicas).toBe(2);
    const selects = (selector: Json) => Object.entries(selector).every(([k, v]) => pod.metadata.labels[k] === v);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(selects(find('Service').spec.selector)).toBe(true);
    const pdb = find('PodDisruptionBudget');
    expect(selects(pdb.spec.selector.matchLabels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    const port = (name: string) => container.ports.find((p: Json) => p.name === name)?.containerPort;
    expect([port('api'), port('xds'), port('admin')]).toEqual([env.AWSMESH_SERVE_PORT, env.AWSMESH_SERVE_XDS_PORT, env.AWSMESH_SERVE_ADMIN_PORT].map(Number));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    for (const p of find('Service').spec.ports) expect(['api', 'xds']).toContain(p.targetPort);
    expect(pod.spec.serviceAccountName).toBe(find('ServiceAccount').metadata.name);
  });

  test('hardened: non-root, no privilege escalation, read-only root, secrets only by reference, TLS from the mounted secret', () => {
    const env = imageEnv();
    const pod = find('Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const e of container.env) if (/URL|PASSWORD|SECRET|KEY|TOKEN/.test(e.name)) expect(e.valueFrom?.secretKeyRef).toBeDefined();
    const tlsMount = container.volumeMounts.find((m: Json) => m.name === 'tls');
    expect(pod.volumes.find((v: Json) => v.name === 'tls').secret.secretName).toBeDefined();
    const args = container.args as string[];
    expect(args[0]).toBe('serve');
    expect(args[args.indexOf('--tls-cert') + 1].startsWith(`${tlsMount.mountPath}/`)).toBe(true);
    expect(args[args.indexOf('--tls-key') + 1].startsWith(`${tlsMount.mountPath}/`)).toBe(true);
    // AWSMESH_HOME is inside a writable volume.
    const home = container.volumeMounts.find((m: Json) => m.name === 'home');
    expect(env.AWSMESH_HOME.startsWith(`${home.mountPath}/`)).toBe(true);
  });
});
