import { useEffect, useState } from 'react';
import type { ClusterNodeInfo, CoreTestResult, RemoteCoreConfig, RemoteCoreInput } from '../../../shared/ipc.ts';
import { StateBadge } from '../components/StateBadge.tsx';
import { formatAgo, formatRtt } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';

interface Draft {
  /** The id of the Core being edited; null when adding. */
  id: string | null;
  name: string;
  url: string;
  username: string;
  /** '' with an existing password keeps it. */
  password: string;
  pollIntervalS: string;
  enabled: boolean;
}

const EMPTY: Draft = { id: null, name: '', url: 'http://', username: '', password: '', pollIntervalS: '1', enabled: true };

function toInput(d: Draft, hasPassword: boolean): RemoteCoreInput {
  const input: RemoteCoreInput = { name: d.name.trim(), url: d.url.trim(), username: d.username.trim(), enabled: d.enabled };
  const s = Number(d.pollIntervalS);
  if (Number.isFinite(s) && s > 0) input.pollIntervalMs = Math.round(s * 1000);
  // An empty password field on edit keeps the stored one; on add it means "no password".
  if (d.password !== '' || !hasPassword) input.password = d.password;
  return input;
}

export function Cores(): React.JSX.Element {
  const cores = useApp((s) => s.cores);
  const configs = useApp((s) => s.coreConfigs);
  const manageable = useApp((s) => s.manageable);
  const appInfo = useApp((s) => s.appInfo);
  const atMs = useApp((s) => s.atMs);
  const loadCoreConfigs = useApp((s) => s.loadCoreConfigs);
  const removeCore = useApp((s) => s.removeCore);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  /** The remote Core whose cluster nodes are shown. */
  const [clusterOf, setClusterOf] = useState<{ id: string; name: string } | null>(null);

  useEffect(() => void loadCoreConfigs(), [loadCoreConfigs]);

  const configOf = (id: string): RemoteCoreConfig | undefined => configs.find((c) => c.id === id);
  const edit = (c: RemoteCoreConfig): void =>
    setDraft({ id: c.id, name: c.name, url: c.url, username: c.username, password: '', pollIntervalS: String(c.pollIntervalMs / 1000), enabled: c.enabled });

  return (
    <section className="view cores" data-testid="view-cores">
      <div className="toolbar">
        <h2>Cores</h2>
        {manageable && (
          <button type="button" className="primary" data-testid="core-add" onClick={() => setDraft({ ...EMPTY })}>
            Add Core
          </button>
        )}
        {message && <span className="muted">{message}</span>}
      </div>
      {draft && <CoreForm draft={draft} hasPassword={draft.id !== null && (configOf(draft.id)?.hasPassword ?? false)} onClose={(m) => { setDraft(null); setMessage(m); }} />}
      {clusterOf && <ClusterPanel core={clusterOf} onClose={(m) => { setClusterOf(null); if (m) setMessage(m); }} />}
      <div className="plain-table-wrap">
        <table className="plain-table" data-testid="cores-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Address</th>
              <th>Version</th>
              <th className="num">Round trip</th>
              <th>Last success</th>
              <th>Last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {cores.map((c) => {
              const config = configOf(c.id);
              return (
                <tr key={c.id} data-testid={`core-row-${c.id}`}>
                  <td>
                    <b>{c.name}</b> {c.kind === 'local' && <span className="muted">(built in)</span>}
                  </td>
                  <td>
                    <StateBadge state={c.state} />
                  </td>
                  <td className="mono">{c.url || (c.kind === 'local' ? (appInfo?.listeners.api ?? '') : '')}</td>
                  <td>{c.version ?? '–'}</td>
                  <td className="num">{formatRtt(c.rttMs)}</td>
                  <td>{c.kind === 'local' ? '–' : formatAgo(c.lastSuccessMs, atMs || Date.now())}</td>
                  <td className="error-text wrap-narrow">{c.lastError ?? ''}</td>
                  <td>
                    {config && manageable && (
                      <div className="actions">
                        {c.state === 'online' && (
                          <button
                            type="button"
                            data-testid={`core-cluster-${c.id}`}
                            title="Nodes of this Core's cluster, to add with the same credentials"
                            onClick={() => setClusterOf({ id: c.id, name: c.name })}
                          >
                            Cluster nodes
                          </button>
                        )}
                        <button type="button" data-testid={`core-edit-${c.id}`} onClick={() => edit(config)}>
                          Edit
                        </button>
                        {confirmRemove === c.id ? (
                          <button
                            type="button"
                            className="danger"
                            data-testid={`core-remove-confirm-${c.id}`}
                            onClick={() => {
                              setConfirmRemove(null);
                              removeCore(c.id).then(
                                () => setMessage(`Removed ${c.name}.`),
                                (e: unknown) => setMessage(`Could not remove: ${e instanceof Error ? e.message : String(e)}`),
                              );
                            }}
                          >
                            Really remove?
                          </button>
                        ) : (
                          <button type="button" data-testid={`core-remove-${c.id}`} onClick={() => setConfirmRemove(c.id)}>
                            Remove
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {appInfo && (
        <div className="panel">
          <h2>Local core listeners</h2>
          <dl className="listeners" data-testid="listeners">
            {Object.entries(appInfo.listeners).map(([name, url]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd className="mono">{url}</dd>
              </div>
            ))}
          </dl>
          <p className="muted">
            Core Sessions {appInfo.version} · {appInfo.mode}
          </p>
        </div>
      )}
    </section>
  );
}

/**
 * The nodes a clustered remote Core lists (`cores:cluster-nodes`), with those not added yet selectable and added
 * with the Core's credentials (`cores:add-cluster-nodes`). A Core that is not a cluster is said to be one plainly.
 */
function ClusterPanel({ core, onClose }: { core: { id: string; name: string }; onClose: (message: string | null) => void }): React.JSX.Element {
  const api = useApp((s) => s.api);
  const loadCoreConfigs = useApp((s) => s.loadCoreConfigs);
  const [nodes, setNodes] = useState<ClusterNodeInfo[] | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setNodes(null);
    setError(null);
    if (!api) {
      setError('not connected');
      return;
    }
    api.invoke('cores:cluster-nodes', core.id).then(
      (list) => {
        if (!live) return;
        setNodes(list);
        setSelected(new Set(list.filter((n) => n.addedAs === undefined && n.id !== '').map((n) => n.id)));
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api, core.id]);

  const toggle = (id: string, on: boolean): void => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };

  const addSelected = async (): Promise<void> => {
    if (!api || selected.size === 0) return;
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      let added;
      try {
        added = await api.invoke('cores:add-cluster-nodes', core.id, [...selected]);
      } catch (e) {
        // Nodes on other hosts would receive this Core's password: only with the user's explicit yes.
        if (!(e instanceof Error && (e as Error & { code?: string }).code === 'confirm-credentials')) throw e;
        if (!window.confirm(`${e.message}.\n\nSend ${core.name}'s username and password to them?`)) {
          setNote('Nothing added: the credentials were not sent to the other hosts.');
          return;
        }
        added = await api.invoke('cores:add-cluster-nodes', core.id, [...selected], true);
      }
      await loadCoreConfigs();
      const list = await api.invoke('cores:cluster-nodes', core.id);
      setNodes(list);
      setSelected(new Set());
      setNote(added.length === 0 ? 'Nothing added: those nodes are in the list already.' : `Added ${added.map((c) => c.name).join(', ')}.`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="panel form" data-testid="cluster-panel">
      <h2>Cluster nodes of {core.name}</h2>
      {nodes === null && !error && <p className="muted">Asking {core.name} for its cluster…</p>}
      {nodes !== null && nodes.length === 0 && (
        <p data-testid="cluster-none">{core.name} does not run as a cluster: it lists no nodes to add.</p>
      )}
      {nodes !== null && nodes.length > 0 && (
        <>
          <p className="muted">Selected nodes are added as Cores of their own, with the same username and password as {core.name}.</p>
          <div className="plain-table-wrap">
            <table className="plain-table" data-testid="cluster-nodes">
              <thead>
                <tr>
                  <th />
                  <th>Node id</th>
                  <th>Name</th>
                  <th>Address</th>
                  <th>Added</th>
                </tr>
              </thead>
              <tbody>
                {nodes.map((n) => (
                  <tr key={n.id || n.url} data-testid={`cluster-node-${n.id}`}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`add ${n.name}`}
                        disabled={n.addedAs !== undefined || n.id === '' || busy}
                        checked={n.addedAs === undefined && selected.has(n.id)}
                        onChange={(e) => toggle(n.id, e.target.checked)}
                        data-testid={`cluster-node-check-${n.id}`}
                      />
                    </td>
                    <td className="mono">{n.id}</td>
                    <td>{n.name}</td>
                    <td className="mono">{n.url}</td>
                    <td>{n.addedAs === undefined ? 'no' : `yes (${n.addedAs})`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <div className="form-actions">
        {nodes !== null && nodes.some((n) => n.addedAs === undefined) && (
          <button type="button" className="primary" disabled={busy || selected.size === 0} onClick={() => void addSelected()} data-testid="cluster-add">
            Add selected ({selected.size})
          </button>
        )}
        <button type="button" onClick={() => onClose(note)} data-testid="cluster-close">
          Close
        </button>
      </div>
      {note && (
        <p className="ok-text" data-testid="cluster-result">
          {note}
        </p>
      )}
      {error && <p className="error-text">{error}</p>}
    </div>
  );
}

function CoreForm({ draft: initial, hasPassword, onClose }: { draft: Draft; hasPassword: boolean; onClose: (message: string | null) => void }): React.JSX.Element {
  const [d, setD] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<CoreTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const testCore = useApp((s) => s.testCore);
  const addCore = useApp((s) => s.addCore);
  const updateCore = useApp((s) => s.updateCore);
  const field = (k: keyof Draft) => (e: React.ChangeEvent<HTMLInputElement>) => setD({ ...d, [k]: k === 'enabled' ? e.target.checked : e.target.value });

  const run = async (what: 'test' | 'save'): Promise<void> => {
    setBusy(true);
    setError(null);
    // A new attempt clears the last test's answer, so an old "OK" never sits under a new error.
    setTest(null);
    try {
      const input = toInput(d, hasPassword);
      if (what === 'test') setTest(await testCore(input, d.id ?? undefined));
      else {
        const saved = d.id === null ? await addCore(input) : await updateCore(d.id, input);
        onClose(`${d.id === null ? 'Added' : 'Saved'} ${saved.name}.`);
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="panel form"
      data-testid="core-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run('save');
      }}
    >
      <h2>{d.id === null ? 'Add a Core' : `Edit ${initial.name}`}</h2>
      <label className="field">
        <span>Name</span>
        <input value={d.name} onChange={field('name')} placeholder="e.g. Studio A" data-testid="core-form-name" />
      </label>
      <label className="field">
        <span>Address</span>
        <input value={d.url} onChange={field('url')} placeholder="host:8080 or https://host" required data-testid="core-form-url" />
      </label>
      <label className="field">
        <span>Username</span>
        <input value={d.username} onChange={field('username')} autoComplete="off" data-testid="core-form-username" />
      </label>
      <label className="field">
        <span>Password</span>
        <input
          type="password"
          value={d.password}
          onChange={field('password')}
          autoComplete="new-password"
          placeholder={hasPassword ? '(unchanged)' : ''}
          data-testid="core-form-password"
        />
      </label>
      <label className="field">
        <span>Poll every (s)</span>
        <input type="number" min="0.25" step="0.25" value={d.pollIntervalS} onChange={field('pollIntervalS')} data-testid="core-form-poll" />
      </label>
      <label className="check">
        <input type="checkbox" checked={d.enabled} onChange={field('enabled')} /> Enabled
      </label>
      <div className="form-actions">
        <button type="button" disabled={busy} onClick={() => void run('test')} data-testid="core-form-test">
          Test
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="core-form-save">
          Save
        </button>
        <button type="button" onClick={() => onClose(null)}>
          Cancel
        </button>
      </div>
      {test && (
        <p className={test.ok ? 'ok-text' : 'error-text'} data-testid="core-form-result">
          {test.ok ? `OK: ${test.name ?? ''} ${test.version ?? ''}, ${formatRtt(test.rttMs)}` : `${test.state}: ${test.error ?? 'failed'}`}
        </p>
      )}
      {error && <p className="error-text" data-testid="core-form-error">{error}</p>}
    </form>
  );
}
