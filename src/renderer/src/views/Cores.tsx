import { useEffect, useState } from 'react';
import type { CoreTestResult, RemoteCoreConfig, RemoteCoreInput } from '../../../shared/ipc.ts';
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
                  <td className="error-text">{c.lastError ?? ''}</td>
                  <td>
                    {config && manageable && (
                      <div className="actions">
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
        <input value={d.url} onChange={field('url')} placeholder="http://host:8080" required data-testid="core-form-url" />
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
      {error && <p className="error-text">{error}</p>}
    </form>
  );
}
