// Closed-loop request driver for the demo: N requests with C in flight against a listener,
// tallied by the JSON `upstream.service` (or `service`) field the sample apps answer with.

import * as http from 'http';

export interface Tally {
  counts: Map<string, number>;
  failures: number;
  statuses: Map<number, number>;
  ms: number;
}

export async function drive(port: number, hostHeader: string, n: number, concurrency: number, path = '/'): Promise<Tally> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const t: Tally = { counts: new Map(), failures: 0, statuses: new Map(), ms: 0 };
  const t0 = Date.now();
  let next = 0;
  const one = () => new Promise<void>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { host: hostHeader } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
        let who: string | undefined;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as { service?: string; upstreamStatus?: number; upstream?: { service?: string } };
          who = body.upstream?.service ?? (body.upstreamStatus === undefined ? body.service : undefined);
        } catch {
          who = undefined;
        }
        if (status === 200 && who) t.counts.set(who, (t.counts.get(who) ?? 0) + 1);
        else t.failures++;
        resolve();
      });
      res.on('error', () => {
        t.failures++;
        resolve();
      });
    });
    req.on('error', () => {
      t.failures++;
      resolve();
    });
    req.end();
  });
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      next++;
      await one();
    }
  }));
  t.ms = Date.now() - t0;
  agent.destroy();
  return t;
}
