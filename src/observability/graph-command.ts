// `awsmesh local graph [--mesh M] [--format mermaid|dot|svg|png|json] [--file F] [--window S]`.

import type { App } from '../core/app';
import { GeneralError, UsageError } from '../base/errors';
import { writeFileAtomic } from '../base/private-file';
import { buildGraph, toDot, toMermaid, toPng, toSvg, type MeshGraph } from './graph';
import { loadSnapshot, meshesToReport, proxiesOf, secondsOption } from './mesh-source';
import { MetricsView } from './metrics-view';
import { scrapeAll } from './scrape';

export interface GraphFlags {
  mesh?: string;
  format?: string;
  file?: string;
  window?: string;
}

const FORMATS = ['mermaid', 'dot', 'svg', 'png', 'json'] as const;
type Format = (typeof FORMATS)[number];
const BY_EXTENSION: Record<string, Format> = { '.mmd': 'mermaid', '.mermaid': 'mermaid', '.dot': 'dot', '.gv': 'dot', '.svg': 'svg', '.png': 'png', '.json': 'json' };

function formatOf(flags: GraphFlags): Format {
  if (flags.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flags.format)) {
      throw new UsageError(`argument --format: Invalid choice, valid choices are: ${FORMATS.join(' | ')} (got '${flags.format}')`);
    }
    return flags.format as Format;
  }
  const ext = flags.file ? flags.file.slice(flags.file.lastIndexOf('.')).toLowerCase() : '';
  return BY_EXTENSION[ext] ?? 'mermaid';
}

export async function meshGraph(app: App, flags: GraphFlags): Promise<MeshGraph> {
  const window = flags.window === undefined ? undefined : secondsOption('window', flags.window, 1);
  const all = proxiesOf(app, flags.mesh);
  const meshes = await meshesToReport(app, flags.mesh, all);
  if (meshes.length > 1) throw new UsageError(`several meshes (${meshes.join(', ')}): choose one with --mesh`);
  const mesh = meshes[0];
  const snapshot = await loadSnapshot(app, mesh);
  const proxies = all.filter((p) => p.mesh === mesh && p.running);
  if (!proxies.length) return buildGraph(snapshot);
  const first = await scrapeAll(proxies);
  if (window === undefined) return buildGraph(snapshot, MetricsView.cumulative(first), proxies);
  await new Promise((r) => setTimeout(r, window * 1000));
  return buildGraph(snapshot, MetricsView.window(first, await scrapeAll(proxies)), proxies);
}

export async function runGraph(app: App, flags: GraphFlags): Promise<void> {
  const format = formatOf(flags);
  if (format === 'png' && !flags.file && app.io.stdoutIsTTY) {
    throw new UsageError('a PNG is binary: write it to a file with --file mesh.png (or redirect stdout)');
  }
  const graph = await meshGraph(app, flags);
  let out: string | Buffer;
  switch (format) {
    case 'mermaid': out = toMermaid(graph); break;
    case 'dot': out = toDot(graph); break;
    case 'svg': out = await toSvg(graph); break;
    case 'png': out = await toPng(graph); break;
    default: out = `${JSON.stringify(graph, null, 2)}\n`;
  }
  if (!flags.file) {
    app.io.stdout.write(out);
    return;
  }
  try {
    writeFileAtomic(flags.file, out, 0o666);
  } catch (e) {
    throw new GeneralError(`Unable to write ${flags.file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  app.io.stderr.write(`Wrote the graph of mesh ${graph.mesh} (${graph.nodes.length} nodes, ${graph.edges.length} edges${graph.live ? ', with live traffic' : ''}) to ${flags.file}\n`);
}
