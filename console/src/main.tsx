// The console's shell: header with the mesh picker and the pages, and the one event stream the
// open page needs (topology and rates, or proxies), pushed by the server.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleInfo, ProblemBody, ProxiesView, Topology, TrafficUpdate } from '../../src/console/api-types';
import { getJson, postJson, subscribe } from './api';
import { ProxiesPage } from './pages/proxies';
import { ResourcesPage } from './pages/resources';
import { RouteEditorPage } from './pages/route-editor';
import { TopologyPage } from './pages/topology';
import { href, PAGES, useLocation, type PageName } from './route';

export interface Feed {
  topology?: Topology;
  traffic?: TrafficUpdate;
  proxies?: ProxiesView;
  problem?: ProblemBody;
  connected: boolean;
}

const TOPICS: Record<PageName, string[]> = { topology: ['topology'], resources: ['topology'], routes: ['topology'], proxies: ['proxies'] };

function useFeed(mesh: string | undefined, topics: string[]): Feed {
  const [feed, setFeed] = useState<Feed>({ connected: false });
  const key = topics.join(',');
  useEffect(() => {
    setFeed({ connected: false });
    if (!mesh) return undefined;
    return subscribe(mesh, topics, {
      topology: (t) => setFeed((f) => ({ ...f, topology: t as Topology, problem: undefined })),
      traffic: (t) => setFeed((f) => ({ ...f, traffic: t as TrafficUpdate, problem: undefined })),
      proxies: (p) => setFeed((f) => ({ ...f, proxies: p as ProxiesView, problem: undefined })),
      problem: (p) => setFeed((f) => ({ ...f, problem: p as ProblemBody })),
    }, (connected) => setFeed((f) => (f.connected === connected ? f : { ...f, connected })));
  }, [mesh, key]);
  return feed;
}

/** Ends the host's session (`awsmesh serve`), then shows its sign-in page. */
function SignOut({ user, onError }: { user?: string; onError: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const signOut = () => {
    setBusy(true);
    postJson('sign-out', {}).then(() => location.replace('./'), (e: Error) => {
      setBusy(false);
      onError(e.message);
    });
  };
  return (
    <span class="session">
      {user && <span class="user" title="Signed in as">{user}</span>}
      <button type="button" class="sign-out" onClick={signOut} disabled={busy}>Sign out</button>
    </span>
  );
}

function App() {
  const loc = useLocation();
  const [info, setInfo] = useState<ConsoleInfo>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    getJson<ConsoleInfo>('info').then(setInfo, (e: Error) => setError(e.message));
  }, []);
  const mesh = loc.mesh ?? info?.defaultMesh;
  const feed = useFeed(info && mesh && info.meshes.includes(mesh) ? mesh : undefined, TOPICS[loc.page]);
  const title = PAGES.find((p) => p.name === loc.page)!.title;
  useEffect(() => {
    document.title = `${title}${mesh ? ` · ${mesh}` : ''} · awsmesh console`;
  }, [title, mesh]);

  let body;
  if (error) body = <p class="problem" role="alert">{error}</p>;
  else if (!info) body = <p class="loading">Loading…</p>;
  else if (!mesh) body = <p class="empty">No meshes yet: create one with <code>awsmesh appmesh create-mesh --mesh-name apps</code>, or apply manifests with <code>awsmesh apply -f</code>.</p>;
  else if (!info.meshes.includes(mesh)) body = <p class="problem" role="alert">There is no mesh named {mesh}.</p>;
  else {
    switch (loc.page) {
      case 'resources': body = <ResourcesPage mesh={mesh} selected={loc.args[0]} revision={feed.topology?.revision} />; break;
      case 'routes': body = <RouteEditorPage mesh={mesh} router={loc.args[0]} route={loc.args[1]} feed={feed} />; break;
      case 'proxies': body = <ProxiesPage feed={feed} xds={info.xds} />; break;
      default: body = <TopologyPage mesh={mesh} feed={feed} />;
    }
  }

  return (
    <div class="shell">
      <header class="top">
        <h1>awsmesh console</h1>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.name}><a href={href(p.name, [], loc.mesh)} aria-current={p.name === loc.page ? 'page' : undefined}>{p.title}</a></li>
            ))}
          </ul>
        </nav>
        {info && info.meshes.length > 0 && (
          <label class="mesh-picker">
            Mesh{' '}
            <select value={mesh} onChange={(e) => { location.hash = href(loc.page, [], (e.target as HTMLSelectElement).value); }}>
              {info.meshes.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </label>
        )}
        <span class="backend" title="Where the console's API calls go">{info ? info.backend : ''}</span>
        <span class={`live ${feed.connected ? 'on' : 'off'}`} role="status" aria-live="polite">{feed.connected ? 'live' : mesh ? 'connecting…' : ''}</span>
        {info?.signOut && <SignOut user={info.user} onError={setError} />}
      </header>
      {feed.problem && <p class="problem" role="alert">{feed.problem.message}</p>}
      <main id="main">{body}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
