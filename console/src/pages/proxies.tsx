// Proxies: the sidecars of `local up` and `awsmesh proxy` (state, configuration version, updates
// applied and rejected), and the Envoys connected to the xDS server with each type's sync state —
// SYNCED, or NACKED with the reason Envoy gave — and the versions sent and ACKed.

import type { XdsClientView } from '../../../src/console/api-types';
import { time } from '../format';
import type { Feed } from '../main';

function XdsClient({ c }: { c: XdsClientView }) {
  const nacked = c.types.filter((t) => t.state === 'NACKED' && t.lastNack);
  return (
    <>
      <tr data-node={c.nodeId} data-state={c.state}>
        <th scope="row" class="mono">{c.nodeId}</th>
        <td>{c.client}</td>
        <td><span class={`state state-${c.state}`}>{c.state}</span></td>
        <td>
          <ul class="types">
            {c.types.map((t) => (
              <li key={t.type} data-type={t.type} data-state={t.state}>
                <span class="mono">{t.type}</span> <span class={`state state-${t.state}`}>{t.state}</span>
                {' '}<span class="muted">sent v{t.sentVersion || '-'}, ACKed v{t.ackedVersion || '-'}{t.nacks ? `, ${t.nacks} NACKs` : ''}</span>
              </li>
            ))}
          </ul>
        </td>
        <td class="mono">{c.peer}</td>
        <td>{time(c.connectedAt)}</td>
      </tr>
      {nacked.map((t) => (
        <tr key={`${t.type}-nack`} class="nack">
          <td colSpan={6}><strong>{t.type} v{t.lastNack!.version} rejected</strong> at {time(t.lastNack!.at)}: <span class="reason">{t.lastNack!.message}</span></td>
        </tr>
      ))}
      {c.invalid.length > 0 && <tr class="nack"><td colSpan={6}>Not served (invalid for Envoy): <span class="mono">{c.invalid.join(', ')}</span></td></tr>}
    </>
  );
}

export function ProxiesPage({ feed, xds }: { feed: Feed; xds?: string }) {
  const p = feed.proxies;
  if (!p) return <p class="loading">Asking the proxies…</p>;
  return (
    <div class="proxies">
      {p.hidden ? <p class="muted hidden-proxies">{p.hidden} {p.hidden === 1 ? 'proxy is' : 'proxies are'} not shown: your policies do not allow describing {p.hidden === 1 ? 'its' : 'their'} virtual node or gateway.</p> : null}
      <section aria-labelledby="sidecars-h">
        <h2 id="sidecars-h">Sidecars</h2>
        {p.sidecars.length === 0
          ? <p class="muted">No sidecars recorded for this mesh: start them with <code>awsmesh local up --mesh {p.mesh}</code> or <code>awsmesh proxy</code>.</p>
          : (
            <table class="grid">
              <thead><tr><th scope="col">Proxy</th><th scope="col">State</th><th scope="col">Config version</th><th scope="col">Updates</th><th scope="col">Admin</th><th scope="col">Started by</th></tr></thead>
              <tbody>
                {p.sidecars.map((s) => (
                  <tr key={`${s.pid}-${s.admin}`} data-proxy={`${s.kind}/${s.name}`} data-state={s.state}>
                    <th scope="row"><span class="kind">{s.kind === 'virtualNode' ? 'virtual node' : 'virtual gateway'}</span> <span class="mono">{s.name}</span></th>
                    <td><span class={`state state-${s.state}`}>{s.state}</span>{s.error && <div class="muted">{s.error}</div>}</td>
                    <td>{s.configVersion ?? '-'}</td>
                    <td>{s.updates ? `${s.updates.success} applied, ${s.updates.rejected} rejected` : '-'}
                      {s.updates?.lastError && <div class="reason">last rejected: {s.updates.lastError}</div>}</td>
                    <td class="mono">127.0.0.1:{s.admin}</td>
                    <td>{s.source === 'local-up' ? 'local up' : 'awsmesh proxy'} (pid {s.pid})</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <section aria-labelledby="xds-h">
        <h2 id="xds-h">Envoys on the xDS server{p.xds ? <span class="muted mono"> {p.xds.address}</span> : ''}</h2>
        {!p.xds && !xds && <p class="muted">No xDS server known: start one with <code>awsmesh local serve --xds-port 15010</code> and open the console with <code>--xds-address 127.0.0.1:15010</code> (or <code>--endpoint-url</code> that server).</p>}
        {p.xds?.error && <p class="problem" role="alert">{p.xds.error}</p>}
        {p.xds && !p.xds.error && p.xds.clients.length === 0 && <p class="muted">No Envoy is connected.</p>}
        {p.xds && p.xds.clients.length > 0 && (
          <table class="grid">
            <thead><tr><th scope="col">Node</th><th scope="col">Client</th><th scope="col">Sync</th><th scope="col">Types</th><th scope="col">Peer</th><th scope="col">Connected</th></tr></thead>
            <tbody>{p.xds.clients.map((c) => <XdsClient key={`${c.nodeId}-${c.peer}`} c={c} />)}</tbody>
          </table>
        )}
      </section>
    </div>
  );
}
