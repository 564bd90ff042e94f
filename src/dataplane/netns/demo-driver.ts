// The part of `awsmesh local demo --netns` that runs inside serviceA's namespace (started there
// with `ip netns exec`, as root): the requests to serviceA's app, and reading its sidecar's admin
// port, both on the namespace's own loopback. Prints one JSON value.
//   demo-driver drive PORT HOST N CONCURRENCY   → the tally (counts as an object)
//   demo-driver updates                         → the sidecar's count of applied configurations

import * as http from 'http';
import { drive } from '../local/traffic';
import { ADMIN_PORT } from './names';

function ldsUpdates(): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: ADMIN_PORT, path: '/stats' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(Number(/^listener_manager\.lds\.update_success: (\d+)$/m.exec(body)?.[1] ?? NaN)));
    }).on('error', reject);
  });
}

async function main(argv: string[]): Promise<unknown> {
  const [mode, ...a] = argv;
  if (mode === 'updates') return ldsUpdates();
  if (mode === 'drive') {
    const t = await drive(Number(a[0]), a[1], Number(a[2]), Number(a[3]));
    return { counts: Object.fromEntries(t.counts), failures: t.failures, statuses: Object.fromEntries(t.statuses), ms: t.ms };
  }
  throw new Error(`unknown mode '${mode}'`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (v) => process.stdout.write(`${JSON.stringify(v)}\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
