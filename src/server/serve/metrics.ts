// The control plane's own Prometheus metrics (admin port, /metrics). Names follow istiod's
// `pilot_*` where one means the same thing; the rest are `awsmesh_*`.

type Labels = Record<string, string>;

const key = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort());
const escape = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const render = (labels: Labels): string => {
  const entries = Object.entries(labels);
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : '';
};

export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const entry = this.values.get(k) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(k, entry);
  }

  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }

  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${render(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** Computed at scrape time. */
export class Gauge {
  constructor(readonly name: string, readonly help: string, private readonly collect: () => Array<{ labels: Labels; value: number }>) {}

  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.collect()) lines.push(`${this.name}${render(labels)} ${value}`);
    return lines.join('\n');
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }

  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join('\n');
  }
}

export interface ConnectedProxy {
  mesh: string;
  kind: string;
  /** envoy or grpc (proxyless). */
  client: string;
}

export class ServeMetrics {
  readonly pushes = new Counter('pilot_xds_pushes', 'xDS responses sent, by type (lds, rds, cds, eds, sds).');
  readonly nacks = new Counter('pilot_total_xds_rejects', 'xDS responses proxies rejected (NACK), by type.');
  readonly convergence = new Histogram('pilot_proxy_convergence_time', 'Seconds from a configuration change being noticed to the proxy ACKing the push it caused.', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30]);
  readonly rejected = new Counter('awsmesh_xds_rejected_connections_total', 'xDS connections and streams refused before anything was sent, by reason.');
  readonly apiRefused = new Counter('awsmesh_api_refused_total', 'API requests refused by authentication or authorization, by reason.');
  private readonly connected: Gauge;

  constructor(proxies: () => ConnectedProxy[]) {
    this.connected = new Gauge('pilot_xds', 'Proxies connected over ADS, by mesh, kind (virtualNode/virtualGateway) and client.', () => {
      const counts = new Map<string, { labels: Labels; value: number }>();
      for (const p of proxies()) {
        const labels = { mesh: p.mesh, kind: p.kind, client: p.client };
        const k = key(labels);
        const e = counts.get(k) ?? { labels, value: 0 };
        e.value++;
        counts.set(k, e);
      }
      return [...counts.values()];
    });
  }

  text(): string {
    return `${[this.connected, this.pushes, this.nacks, this.convergence, this.rejected, this.apiRefused].map((m) => m.text()).join('\n')}\n`;
  }
}
