// Port selection for sidecars: App Mesh's defaults (15000, 15001, 9901) when they are free,
// otherwise any free port, so several sidecars can share one machine.

import * as net from 'net';

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export function anyFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * `explicit` must be used as given (an error if busy is the caller's to report when binding),
 * except 0, which means any free port; otherwise `preferred` if free, else a free port. `taken`
 * avoids handing out a port twice.
 */
export async function choosePort(
  explicit: number | undefined, preferred: number, taken: Set<number>, host = '127.0.0.1',
): Promise<number> {
  if (explicit !== undefined && explicit !== 0) {
    taken.add(explicit);
    return explicit;
  }
  if (explicit === undefined && !taken.has(preferred) && (await portFree(preferred, host))) {
    taken.add(preferred);
    return preferred;
  }
  for (;;) {
    const p = await anyFreePort(host);
    if (!taken.has(p)) {
      taken.add(p);
      return p;
    }
  }
}
