// Server-sent events for the open pages: per mesh, every interval while anyone watches, one scrape
// of the mesh's running proxies (the admin pages `local stat` reads), the rates over the last few
// seconds of scrapes, and the topology again when a resource changed. Pages never poll.

import type * as http from 'http';
import { discoverProxies } from '../observability/discovery';
import { MetricsView } from '../observability/metrics-view';
import { scrapeAll, type Scrape } from '../observability/scrape';
import type { ProblemBody, ProxiesView, Topology, TrafficUpdate } from './api-types';
import type { Layouter } from './layout';
import type { MeshData } from './mesh-data';
import { problemOf } from './problems';
import { proxiesView } from './proxies';
import { topologyOf, trafficOf } from './topology';

export type Topic = 'topology' | 'proxies';

interface Client {
  res: http.ServerResponse;
  topics: Set<Topic>;
}

interface MeshFeed {
  clients: Set<Client>;
  /** Recent scrapes, oldest first: the rates are measured from the oldest to the newest. */
  scrapes: Array<{ at: number; scrape: Scrape[] }>;
  topology?: Topology;
  traffic?: TrafficUpdate;
  /** The last traffic sent, without its time: an idle mesh is not re-sent every interval. */
  trafficKey?: string;
  proxies?: ProxiesView;
}

/** Comment lines keep idle connections open through proxies that time them out. */
const HEARTBEAT_MS = 15_000;
/**
 * Rates are measured over this long (or one interval, when longer): over one second a target that
 * gets a request now and then flickers between idle and busy; the page still updates every interval.
 */
const RATE_WINDOW_MS = 5_000;

export class LiveFeed {
  private readonly feeds = new Map<string, MeshFeed>();
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private closed = false;

  constructor(private readonly data: MeshData, private readonly layouter: Layouter, private readonly intervalMs: number) {}

  /** Streams events for `mesh` to `res` until the request closes. */
  subscribe(req: http.IncomingMessage, res: http.ServerResponse, mesh: string, topics: Set<Topic>): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n\n`);
    const feed = this.feeds.get(mesh) ?? { clients: new Set<Client>(), scrapes: [] };
    this.feeds.set(mesh, feed);
    const client: Client = { res, topics };
    feed.clients.add(client);
    // What is already known goes out at once; the next tick brings the rest.
    if (feed.topology && topics.has('topology')) send(res, 'topology', feed.topology);
    if (feed.traffic && topics.has('topology')) send(res, 'traffic', feed.traffic);
    if (feed.proxies && topics.has('proxies')) send(res, 'proxies', feed.proxies);
    const drop = () => {
      feed.clients.delete(client);
      if (!feed.clients.size) this.feeds.delete(mesh);
      if (!this.feeds.size) this.stop();
    };
    req.on('close', drop);
    res.on('error', drop);
    this.start();
  }

  private start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.heartbeat = setInterval(() => {
      for (const f of this.feeds.values()) for (const c of f.clients) c.res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    void this.tick();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
  }

  /** One round for every watched mesh; a round still running when the next is due is not doubled. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        await Promise.all([...this.feeds.entries()].map(([mesh, feed]) => this.update(mesh, feed)));
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private async update(mesh: string, feed: MeshFeed): Promise<void> {
    const wants = (t: Topic) => [...feed.clients].some((c) => c.topics.has(t));
    try {
      if (wants('topology')) {
        const state = await this.data.state(mesh);
        if (feed.topology?.revision !== state.revision) {
          feed.topology = await topologyOf(state, this.layouter);
          broadcast(feed, 'topology', 'topology', feed.topology);
        }
        const proxies = discoverProxies(this.data.source.home, mesh).filter((p) => p.running);
        const scrape = await scrapeAll(proxies);
        const now = Date.now();
        feed.scrapes.push({ at: now, scrape });
        // Keep the newest scrape at least a window old as the baseline (a proxy's first scrape is its own baseline).
        const window = Math.max(RATE_WINDOW_MS, this.intervalMs);
        while (feed.scrapes.length > 2 && now - feed.scrapes[1].at >= window) feed.scrapes.shift();
        const base = feed.scrapes.length > 1 ? feed.scrapes[0].scrape : undefined;
        const view = proxies.length && base ? MetricsView.window(base, scrape) : undefined;
        if (view || !proxies.length) {
          feed.traffic = trafficOf(state, view, proxies);
          const { at: _at, ...rest } = feed.traffic;
          const key = JSON.stringify(rest);
          if (key !== feed.trafficKey) broadcast(feed, 'topology', 'traffic', feed.traffic);
          feed.trafficKey = key;
        }
      }
      if (wants('proxies')) {
        feed.proxies = await proxiesView(this.data.source, mesh);
        broadcast(feed, 'proxies', 'proxies', feed.proxies);
      }
    } catch (e) {
      const problem: ProblemBody = problemOf(e).body;
      for (const c of feed.clients) send(c.res, 'problem', problem);
    }
  }

  close(): void {
    this.closed = true;
    this.stop();
    for (const f of this.feeds.values()) for (const c of f.clients) c.res.end();
    this.feeds.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function send(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(frame(event, data));
}

function broadcast(feed: MeshFeed, topic: Topic, event: string, data: unknown): void {
  const text = frame(event, data);
  for (const c of feed.clients) if (c.topics.has(topic)) c.res.write(text);
}
