// Which proxies `local stat|graph|check` look at: local up's run records and proxy announcements.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverProxies } from '../../src/observability/discovery';
import { writeRunRecord, type RunRecord } from '../../src/dataplane/local/runfile';

describe('proxy discovery', () => {
  let home: string;
  beforeEach(() => { home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-discovery-')); });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  const record = (mesh: string, extra: Partial<RunRecord> = {}): RunRecord => ({
    pid: process.pid, mesh, region: 'us-west-2', startedAt: new Date(0).toISOString(), apps: [],
    proxies: [{ name: 'virtualNode/serviceA', ingress: 15000, egress: 15001, admin: 9901 }], ...extra,
  });

  it("finds local up's proxies on this machine's loopback", () => {
    writeRunRecord(home, record('apps'));
    expect(discoverProxies(home).map((p) => [p.mesh, p.kind, p.name, p.admin, p.running])).toEqual([['apps', 'virtualNode', 'serviceA', 9901, true]]);
  });

  it("leaves out a --netns run, whose admin ports are on its namespaces' loopbacks, not this one", () => {
    writeRunRecord(home, record('apps', { netns: { run: 'awsmesh-1-abcdef', namespaces: ['awsmesh-1-abcdef-a'], nodes: [] } }));
    writeRunRecord(home, record('other'));
    expect(discoverProxies(home).map((p) => p.mesh)).toEqual(['other']);
  });
});
