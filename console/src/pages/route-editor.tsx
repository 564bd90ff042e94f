// Route editor: a route's weighted targets as sliders and numbers. Every edit is previewed by the
// server (the diff `awsmesh apply --dry-run` prints, and the findings of `awsmesh validate`); Apply
// sends one UpdateRoute made from the version shown, so a route someone else changed meanwhile is
// refused, never overwritten. Beside each target: the share of traffic it really gets, live.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { FindingView, RouteView, WeightApplied, WeightPreview } from '../../../src/console/api-types';
import { ApiError, getJson, postJson } from '../api';
import { pct, rps } from '../format';
import type { Feed } from '../main';
import { href } from '../route';

function RoutePicker({ mesh, routes, router, route }: { mesh: string; routes: Array<{ router: string; route: string }>; router?: string; route?: string }) {
  const value = router && route ? `${router}/${route}` : '';
  return (
    <label class="route-picker">
      Route{' '}
      <select value={value} onChange={(e) => {
        const [r, n] = (e.target as HTMLSelectElement).value.split('/');
        if (r && n) location.hash = href('routes', [r, n], mesh);
      }}>
        {!value && <option value="">Choose a route…</option>}
        {routes.map((r) => <option key={`${r.router}/${r.route}`} value={`${r.router}/${r.route}`}>{r.router} / {r.route}</option>)}
      </select>
    </label>
  );
}

function FindingList({ list }: { list: FindingView[] }) {
  if (!list.length) return null;
  return (
    <ul class="findings">
      {list.map((f, i) => <li key={i} class={`finding ${f.severity}`}><strong>{f.code}</strong> {f.message}{f.fix && <div class="fix">Fix: {f.fix}</div>}</li>)}
    </ul>
  );
}

export function RouteEditorPage({ mesh, router, route, feed }: { mesh: string; router?: string; route?: string; feed: Feed }) {
  const [view, setView] = useState<RouteView>();
  const [values, setValues] = useState<string[]>([]);
  const [preview, setPreview] = useState<WeightPreview>();
  const [problem, setProblem] = useState<{ message: string; conflict: boolean }>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const asked = useRef(0);

  const load = () => {
    if (!router || !route) return;
    getJson<RouteView>('route', { mesh, router, route }).then((v) => {
      setView(v);
      setValues(v.targets.map((t) => String(t.weight)));
      setPreview(undefined);
      setProblem(undefined);
      setLoadError(undefined);
    }, (e: Error) => setLoadError(e.message));
  };
  useEffect(() => {
    setView(undefined);
    setDone(undefined);
    load();
  }, [mesh, router, route]);

  // Each edit asks the server for the diff; only the latest answer counts.
  useEffect(() => {
    if (!view || values.length !== view.targets.length) return undefined;
    if (values.every((v, i) => v === String(view.targets[i].weight))) {
      setPreview(undefined);
      setProblem(undefined);
      return undefined;
    }
    const n = ++asked.current;
    const timer = setTimeout(() => {
      postJson<WeightPreview>('route/preview', { mesh, router, route, version: view.version, weights: values }).then((p) => {
        if (n !== asked.current) return;
        setPreview(p.problem ? undefined : p);
        setProblem(p.problem ? { message: p.problem.message, conflict: p.problem.code === 'conflict' } : undefined);
      }, (e: Error) => {
        if (n !== asked.current) return;
        setPreview(undefined);
        setProblem({ message: e.message, conflict: e instanceof ApiError && e.status === 409 });
      });
    }, 200);
    return () => clearTimeout(timer);
  }, [values, view]);

  const apply = async () => {
    if (!view) return;
    setBusy(true);
    setDone(undefined);
    try {
      const r = await postJson<WeightApplied>('route/apply', { mesh, router, route, version: view.version, weights: values });
      setDone(`Applied: route ${router}/${route} is now at version ${r.version}.${r.warning ? ` ${r.warning}` : ''} Traffic follows as the proxies pick the change up.`);
      asked.current++;
      load();
    } catch (e) {
      setProblem({ message: (e as Error).message, conflict: e instanceof ApiError && e.status === 409 });
    } finally {
      setBusy(false);
    }
  };

  const routes = view?.routes ?? (feed.topology?.mesh === mesh
    ? feed.topology.nodes.filter((n) => n.kind === 'route').map((n) => {
      const [r, name] = n.id.slice('route:'.length).split('/');
      return { router: r, route: name };
    })
    : []);
  if (!router || !route) {
    return (
      <div class="route-editor">
        <RoutePicker mesh={mesh} routes={routes} />
        <p class="muted">Choose a route to change its weights.</p>
      </div>
    );
  }
  if (loadError) return <div class="route-editor"><RoutePicker mesh={mesh} routes={routes} router={router} route={route} /><p class="problem" role="alert">{loadError}</p></div>;
  if (!view) return <p class="loading">Loading route {router}/{route}…</p>;

  const changed = values.some((v, i) => v !== String(view.targets[i]?.weight));
  const errors = preview?.findings.filter((f) => f.severity === 'error') ?? [];
  const canApply = changed && !!preview && !problem && !errors.length && !busy;
  const traffic = feed.traffic?.mesh === mesh ? feed.traffic : undefined;
  const total = values.reduce((n, v) => n + (/^\d+$/.test(v.trim()) ? Number(v) : 0), 0);

  return (
    <div class="route-editor">
      <RoutePicker mesh={mesh} routes={routes} router={router} route={route} />
      <h2>Route <span class="mono">{router}/{route}</span> <span class="muted">({view.protocol}, version <span data-testid="route-version">{view.version}</span>)</span></h2>
      <form class="weights" onSubmit={(e) => { e.preventDefault(); if (canApply) void apply(); }}>
        <table class="grid">
          <thead><tr><th scope="col">Target</th><th scope="col">Weight</th><th scope="col">Share</th><th scope="col">Traffic now</th></tr></thead>
          <tbody>
            {view.targets.map((t, i) => {
              const r = traffic?.edges[`route:${router}/${route}>virtualNode:${t.virtualNode}`];
              const v = values[i] ?? '';
              const numeric = /^\d+$/.test(v.trim()) ? Number(v) : undefined;
              const id = `w-${i}`;
              return (
                <tr key={t.virtualNode} data-target={t.virtualNode}>
                  <th scope="row"><label for={id} class="mono">{t.virtualNode}{t.port !== undefined ? `:${t.port}` : ''}</label></th>
                  <td class="weight-cell">
                    <input type="range" min={0} max={100} step={1} value={numeric ?? 0} aria-label={`Weight of ${t.virtualNode} (slider)`}
                      onInput={(e) => setValues(values.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)))} />
                    <input id={id} type="text" inputMode="numeric" size={4} value={v} aria-label={`Weight of ${t.virtualNode}`}
                      onInput={(e) => setValues(values.map((x, j) => (j === i ? (e.target as HTMLInputElement).value : x)))} />
                  </td>
                  <td>{numeric !== undefined && total > 0 ? pct(numeric / total) : '-'}</td>
                  <td class="observed" data-rps={r ? r.rps.toFixed(3) : undefined} data-share={r?.share}>
                    {r && r.requests > 0 ? `${rps(r.rps)}${r.share !== undefined ? ` · ${pct(r.share)} of the route` : ''}` : 'no traffic'}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {problem && (
          <div class="problem" role="alert">
            <p>{problem.message}</p>
            {problem.conflict && <button type="button" onClick={load}>Reload the route</button>}
          </div>
        )}
        {errors.length > 0 && (
          <div class="problem" role="alert">
            <p>This change cannot be applied; <code>awsmesh validate</code> finds:</p>
            <FindingList list={errors} />
          </div>
        )}
        {changed && preview && (
          <>
            <h3>Change (as <code>awsmesh apply --dry-run</code> shows it)</h3>
            <pre class="diff" tabIndex={0} aria-label="Diff of the change">{preview.diff}</pre>
            <FindingList list={preview.findings.filter((f) => f.severity !== 'error')} />
          </>
        )}
        <p class="actions">
          <button type="submit" disabled={!canApply}>{busy ? 'Applying…' : 'Apply'}</button>
          <button type="button" onClick={load} disabled={busy}>Reset</button>
        </p>
        {done && <p class="done" role="status">{done}</p>}
      </form>
    </div>
  );
}
