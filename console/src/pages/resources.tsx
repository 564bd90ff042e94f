// Resources: every resource of the mesh with its version and what `awsmesh validate` finds in it;
// the selected one's spec (JSON or YAML, read-only), tags and findings. Reloaded when the mesh
// changes (the topology stream says when).

import { useEffect, useState } from 'preact/hooks';
import type { FindingView, ResourceDetail, ResourceList } from '../../../src/console/api-types';
import { getJson } from '../api';
import { time } from '../format';
import { href } from '../route';

function Findings({ list }: { list: FindingView[] }) {
  if (!list.length) return <p class="muted">No findings.</p>;
  return (
    <ul class="findings">
      {list.map((f, i) => (
        <li key={i} class={`finding ${f.severity}`}>
          <strong>{f.code}</strong> <span class="severity">{f.severity}</span>{f.path && <span class="mono"> {f.path}</span>}: {f.message}
          {f.fix && <div class="fix">Fix: {f.fix}</div>}
        </li>
      ))}
    </ul>
  );
}

function Counts({ list }: { list: FindingView[] }) {
  const errors = list.filter((f) => f.severity === 'error').length;
  const warnings = list.filter((f) => f.severity === 'warning').length;
  return (
    <span>
      {errors > 0 && <span class="count error" title={`${errors} errors`}>{errors} ✗</span>}
      {warnings > 0 && <span class="count warning" title={`${warnings} warnings`}>{warnings} ‼</span>}
      {!errors && !warnings && <span class="count ok" title="no findings">✓</span>}
    </span>
  );
}

function Detail({ mesh, keyName, revision }: { mesh: string; keyName: string; revision?: string }) {
  const [detail, setDetail] = useState<ResourceDetail>();
  const [error, setError] = useState<string>();
  const [format, setFormat] = useState<'json' | 'yaml'>('json');
  useEffect(() => {
    setError(undefined);
    getJson<ResourceDetail>('resource', { mesh, key: keyName }).then(setDetail, (e: Error) => setError(e.message));
  }, [mesh, keyName, revision]);
  if (error) return <p class="problem" role="alert">{error}</p>;
  if (!detail || detail.key !== keyName) return <p class="loading">Loading {keyName}…</p>;
  return (
    <div class="details resource-detail">
      <h2 class="mono">{detail.key}</h2>
      <dl class="facts">
        <dt>Version</dt><dd data-testid="version">{detail.version}</dd>
        <dt>Last updated</dt><dd>{time(detail.lastUpdatedAt)}</dd>
        {detail.arn && <><dt>ARN</dt><dd class="mono">{detail.arn}</dd></>}
      </dl>
      <h3>Findings of <code>awsmesh validate</code></h3>
      <Findings list={detail.findings} />
      <h3>Tags</h3>
      {detail.tags.length
        ? <table class="grid"><thead><tr><th scope="col">Key</th><th scope="col">Value</th></tr></thead>
          <tbody>{detail.tags.map((t) => <tr key={t.key}><td class="mono">{t.key}</td><td class="mono">{t.value}</td></tr>)}</tbody></table>
        : <p class="muted">No tags.</p>}
      <h3>Spec</h3>
      <div class="tabs" role="radiogroup" aria-label="Spec format">
        {(['json', 'yaml'] as const).map((f) => (
          <label key={f}><input type="radio" name="spec-format" checked={format === f} onChange={() => setFormat(f)} /> {f.toUpperCase()}</label>
        ))}
      </div>
      <pre class="spec" tabIndex={0} aria-label={`Spec of ${detail.key} as ${format.toUpperCase()}`}>{format === 'json' ? detail.json : detail.yaml}</pre>
      {detail.kind === 'Route' && <p><a href={href('routes', [detail.container ?? '', detail.name], mesh)}>Edit this route's weights</a></p>}
    </div>
  );
}

export function ResourcesPage({ mesh, selected, revision }: { mesh: string; selected?: string; revision?: string }) {
  const [list, setList] = useState<ResourceList>();
  const [error, setError] = useState<string>();
  const [filter, setFilter] = useState('');
  useEffect(() => {
    getJson<ResourceList>('resources', { mesh }).then((l) => { setList(l); setError(undefined); }, (e: Error) => setError(e.message));
  }, [mesh, revision]);
  if (error) return <p class="problem" role="alert">{error}</p>;
  if (!list || list.mesh !== mesh) return <p class="loading">Loading the resources of {mesh}…</p>;
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = list.resources.filter((r) => words.every((w) => r.key.toLowerCase().includes(w)));
  const total = list.resources.reduce((n, r) => n + r.findings.filter((f) => f.severity !== 'info').length, 0);
  return (
    <div class="resources">
      <section class="list" aria-label="Resources">
        <label class="filter">Filter <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="kind or name" /></label>
        <p class="muted">{list.resources.length} resources · {total} findings</p>
        <table class="grid">
          <thead><tr><th scope="col">Resource</th><th scope="col">Version</th><th scope="col">Findings</th></tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} class={r.key === selected ? 'selected' : ''} data-resource={r.key}>
                <td><a href={href('resources', [r.key], mesh)} aria-current={r.key === selected ? 'true' : undefined}>
                  <span class="kind">{r.kind}</span> <span class="mono">{r.container ? `${r.container}/${r.name}` : r.name}</span></a></td>
                <td>{r.version}</td>
                <td><Counts list={r.findings.filter((f) => f.severity !== 'info')} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="side" aria-label="Resource">
        {selected ? <Detail mesh={mesh} keyName={selected} revision={revision} /> : <p class="muted">Select a resource to see its spec, tags and findings.</p>}
      </section>
    </div>
  );
}
