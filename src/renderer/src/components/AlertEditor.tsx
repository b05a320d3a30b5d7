import { useCallback, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AlertConfigView, AlertKind, AlertRuleData } from '../../../shared/ipc.ts';
import type { StreamRow } from '../../../shared/streams.ts';
import { useApp } from '../store/hooks.ts';

/** What each kind needs, in the words of the form. */
const KINDS: Record<AlertKind, string> = {
  'sessions-above': 'Sessions above a count',
  'users-above': 'Users above a count',
  'egress-above': 'Egress above a rate',
  'core-unreachable': 'Core unreachable',
  'publisher-gone': 'Publisher gone (while watched)',
  'ingest-below-median': 'Ingest below its median',
  'publisher-reconnects': 'Publisher reconnects',
};

/** The kinds with a count to raise above: sessions as Core counts them, or users as the header does (no own processes). */
const COUNT_KINDS: readonly AlertKind[] = ['sessions-above', 'users-above'];

/** The kinds that judge single streams: only they take a stream scope (src/main/alerts/rules.ts STREAM_RULE_KINDS). */
const STREAM_KINDS: readonly AlertKind[] = ['publisher-gone', 'ingest-below-median', 'publisher-reconnects'];

interface Draft {
  id: string;
  kind: AlertKind;
  core: string;
  collector: string;
  /** Stream rules: only this stream key (empty: every stream). */
  stream: string;
  /** Sessions: the count; egress: Mbit/s. */
  raise: string;
  clear: string;
  raiseAfterS: string;
  clearAfterS: string;
  /** Ingest: below this % of the median, over this window (minutes). */
  percent: string;
  windowMin: string;
  /** Reconnects: more than this many within this many minutes. */
  moreThan: string;
  withinMin: string;
}

const EMPTY_DRAFT: Draft = { id: '', kind: 'sessions-above', core: '', collector: '', stream: '', raise: '', clear: '', raiseAfterS: '0', clearAfterS: '0', percent: '50', windowMin: '5', moreThan: '3', withinMin: '10' };

/** The rule the form describes; thresholds in the rule's units (Mbit/s → bit/s). Throws with what to fix. */
function ruleOf(d: Draft): AlertRuleData {
  const id = d.id.trim();
  if (id === '') throw new Error('give the rule a name (its id)');
  const num = (v: string, what: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new Error(`${what}: enter a number ≥ 0`);
    return n;
  };
  const rule: AlertRuleData = { id, kind: d.kind, raiseAfterMs: Math.round(num(d.raiseAfterS, 'Raise after') * 1000) };
  const clearAfterMs = Math.round(num(d.clearAfterS, 'Clear after') * 1000);
  if (clearAfterMs > 0) rule.clearAfterMs = clearAfterMs;
  if (d.core.trim() !== '') rule.core = d.core.trim();
  if (STREAM_KINDS.includes(d.kind) && d.stream.trim() !== '') rule.stream = d.stream.trim();
  if (COUNT_KINDS.includes(d.kind) || d.kind === 'egress-above') {
    if (d.collector.trim() !== '') rule.collector = d.collector.trim();
    const raise = num(d.raise, 'Raise above');
    const clear = d.clear.trim() === '' ? raise : num(d.clear, 'Clear at or below');
    if (COUNT_KINDS.includes(d.kind)) Object.assign(rule, { raiseAbove: raise, clearAtOrBelow: clear });
    else Object.assign(rule, { raiseBitsPerSec: raise * 1e6, clearBitsPerSec: clear * 1e6 });
  } else if (d.kind === 'ingest-below-median') {
    Object.assign(rule, { belowPercent: num(d.percent, 'Below (% of the median)'), medianWindowMs: Math.round(num(d.windowMin, 'Median over (min)') * 60_000) });
  } else if (d.kind === 'publisher-reconnects') {
    Object.assign(rule, { moreThan: num(d.moreThan, 'More than (reconnects)'), withinMs: Math.round(num(d.withinMin, 'Within (min)') * 60_000) });
  }
  return rule;
}

/** The form filled from an existing rule (Edit). */
function draftOf(r: AlertRuleData): Draft {
  const mbit = (v: number | undefined): string => (v === undefined ? '' : String(v / 1e6));
  const raise = COUNT_KINDS.includes(r.kind) ? String(r.raiseAbove ?? '') : mbit(r.raiseBitsPerSec);
  const clear = COUNT_KINDS.includes(r.kind) ? String(r.clearAtOrBelow ?? '') : mbit(r.clearBitsPerSec);
  return {
    ...EMPTY_DRAFT,
    id: r.id,
    kind: r.kind,
    core: r.core ?? '',
    collector: r.collector ?? '',
    stream: r.stream ?? '',
    raise,
    clear,
    raiseAfterS: String((r.raiseAfterMs ?? 0) / 1000),
    clearAfterS: String((r.clearAfterMs ?? 0) / 1000),
    ...(r.belowPercent !== undefined ? { percent: String(r.belowPercent) } : {}),
    ...(r.medianWindowMs !== undefined ? { windowMin: String(r.medianWindowMs / 60_000) } : {}),
    ...(r.moreThan !== undefined ? { moreThan: String(r.moreThan) } : {}),
    ...(r.withinMs !== undefined ? { withinMin: String(r.withinMs / 60_000) } : {}),
  };
}

/**
 * The stream keys of the live streams (a stream row may merge several keys under an alias), sorted, each as
 * `key<TAB>label` with the cores it is on and its shown name when an alias renames it: strings, so a shallow compare
 * keeps the editor from re-rendering on every update.
 */
export function knownStreamOptions(rows: readonly Pick<StreamRow, 'core' | 'key' | 'keys'>[], coreName: (id: string) => string): string[] {
  const where = new Map<string, { cores: string[]; shownAs: string[] }>();
  for (const row of rows) {
    for (const key of row.keys) {
      let w = where.get(key);
      if (!w) where.set(key, (w = { cores: [], shownAs: [] }));
      if (!w.cores.includes(coreName(row.core))) w.cores.push(coreName(row.core));
      if (row.key !== key && !w.shownAs.includes(row.key)) w.shownAs.push(row.key);
    }
  }
  return [...where]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, w]) => `${key}\t${w.cores.join(', ')}${w.shownAs.length > 0 ? ` · shown as ${w.shownAs.join(', ')}` : ''}`);
}

/** How long the editor's and the list's Mute buttons silence a rule or a stream. */
export const MUTE_FOR_MS = 3_600_000;

/** One line saying what a rule does. */
function describe(r: AlertRuleData): string {
  const where = [r.core ? `core ${r.core}` : 'every core', r.collector, r.stream ? `stream ${r.stream}` : ''].filter(Boolean).join(' · ');
  const after = r.raiseAfterMs ? ` for ${r.raiseAfterMs / 1000} s` : '';
  switch (r.kind) {
    case 'sessions-above':
      return `${where}: more than ${r.raiseAbove} sessions${after} (clears at ${r.clearAtOrBelow} or fewer)`;
    case 'users-above':
      return `${where}: more than ${r.raiseAbove} users${after} (clears at ${r.clearAtOrBelow} or fewer; own processes are no users)`;
    case 'egress-above':
      return `${where}: egress above ${(r.raiseBitsPerSec ?? 0) / 1e6} Mbit/s${after} (clears below ${(r.clearBitsPerSec ?? 0) / 1e6})`;
    case 'core-unreachable':
      return `${where}: not online${after}`;
    case 'publisher-gone':
      return `${where}: ${r.stream ? 'its' : "a watched stream's"} publisher leaves${after}`;
    case 'ingest-below-median':
      return `${where}: ${r.stream ? 'its' : "a stream's"} ingest below ${r.belowPercent} % of its ${(r.medianWindowMs ?? 300_000) / 60_000} min median${after}`;
    case 'publisher-reconnects':
      return `${where}: ${r.stream ? 'its' : "a stream's"} publisher reconnects more than ${r.moreThan} times in ${(r.withinMs ?? 0) / 60_000} min${after}`;
  }
}

/** The rules and the webhook of alerts.json, edited in place: add, edit, enable/disable, mute, remove; the webhook. */
export function AlertEditor(): React.JSX.Element | null {
  const api = useApp((s) => s.api);
  const mutes = useApp((s) => s.alerts.mutes);
  /** The streams the key rule knows now (raw keys, as a scope names them), each with where it is and its shown name. */
  const knownStreams = useApp(useShallow((s) => knownStreamOptions(s.streamsFrame.keys ?? [], s.coreName)));
  // The streams' keys come with each update while the editor is shown (the page holds no stream rows otherwise).
  const listStreamKeys = useApp((s) => s.listStreamKeys);
  useEffect(() => {
    listStreamKeys(true);
    return () => listStreamKeys(false);
  }, [listStreamKeys]);
  /** The Cores by id (a rule names a Core by id), as `id<TAB>name`. */
  const knownCores = useApp(useShallow((s) => s.cores.map((c) => `${c.id}\t${c.name}`)));
  /** The id the rule in the form had when Edit was pressed; null: the form adds a new rule. */
  const [editing, setEditing] = useState<string | null>(null);
  const [config, setConfig] = useState<AlertConfigView | null>(null);
  const [unsupported, setUnsupported] = useState(false);
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [webhookUrl, setWebhookUrl] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  const load = useCallback(async () => {
    if (!api) return;
    try {
      const c = await api.invoke('alerts:config');
      setConfig(c);
      setWebhookUrl(c.webhookUrl);
    } catch (err) {
      if ((err as { code?: string }).code === 'unsupported') setUnsupported(true);
      else setStatus({ ok: false, text: (err as Error).message });
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  if (unsupported || !api) return null;
  if (!config) return <p className="muted">Loading the alert rules…</p>;

  const save = async (rules: AlertRuleData[], url: string, done: string): Promise<boolean> => {
    try {
      const saved = await api.invoke('alerts:save-config', { rules, webhookUrl: url });
      setConfig(saved);
      setWebhookUrl(saved.webhookUrl);
      setStatus({ ok: true, text: done });
      return true;
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
      return false;
    }
  };

  const submit = async (): Promise<void> => {
    let rule: AlertRuleData;
    try {
      rule = ruleOf(draft);
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
      return;
    }
    if (config.rules.some((r) => r.id === rule.id && r.id !== editing)) {
      setStatus({ ok: false, text: `a rule named "${rule.id}" exists already: remove it first or choose another name` });
      return;
    }
    let ok: boolean;
    if (editing === null) {
      ok = await save([...config.rules, rule], config.webhookUrl, `Rule "${rule.id}" added and active.`);
    } else {
      // An edit keeps the rule's place and whether it is enabled.
      const before = config.rules.find((r) => r.id === editing);
      const edited: AlertRuleData = before?.enabled === false ? { ...rule, enabled: false } : rule;
      ok = await save(config.rules.map((r) => (r.id === editing ? edited : r)), config.webhookUrl, `Rule "${rule.id}" saved.`);
    }
    if (ok) {
      setDraft(EMPTY_DRAFT);
      setEditing(null);
    }
  };

  const setEnabled = (r: AlertRuleData, enabled: boolean): void => {
    const next = config.rules.map((x) => {
      if (x.id !== r.id) return x;
      const { enabled: _was, ...rest } = x;
      return enabled ? rest : { ...rest, enabled: false };
    });
    void save(next, config.webhookUrl, enabled ? `Rule "${r.id}" enabled.` : `Rule "${r.id}" disabled: kept, not evaluated.`);
  };

  const ruleMute = (id: string): number | undefined => mutes.find((m) => 'ruleId' in m && m.ruleId === id)?.untilMs;
  const mute = async (id: string, forMs: number): Promise<void> => {
    try {
      await api.invoke('alerts:mute', { ruleId: id }, forMs);
      setStatus({ ok: true, text: forMs > 0 ? `Rule "${id}" muted for ${forMs / 60_000} min: listed, not notified.` : `Rule "${id}" unmuted.` });
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    }
  };

  const test = async (): Promise<void> => {
    setStatus({ ok: true, text: 'Sending a test…' });
    try {
      const r = await api.invoke('alerts:test-webhook', webhookUrl.trim());
      setStatus(r.ok ? { ok: true, text: `Delivered: the receiver answered HTTP ${r.status}.` } : { ok: false, text: `Not delivered after ${r.attempts} attempts: ${r.error}.` });
    } catch (err) {
      setStatus({ ok: false, text: (err as Error).message });
    }
  };

  const thresholds = COUNT_KINDS.includes(draft.kind) || draft.kind === 'egress-above';
  const field = (k: keyof Draft, label: string, props: React.InputHTMLAttributes<HTMLInputElement> = {}): React.JSX.Element => (
    <label className="field">
      <span>{label}</span>
      <input {...props} value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} data-testid={`alert-draft-${k}`} />
    </label>
  );

  return (
    <div className="panel alert-editor" data-testid="alert-editor">
      <div className="panel-head">
        <h2>Rules</h2>
        {config.path && (
          <span className="muted" title="The rules and the webhook are saved here; edits by hand are read at the next start.">
            {config.path}
          </span>
        )}
      </div>
      <div className="plain-table-wrap">
        <table className="plain-table" data-testid="alert-rules">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>When</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {config.rules.map((r) => (
              <tr key={r.id} data-testid="alert-rule" data-rule={r.id} className={r.enabled === false ? 'muted' : undefined}>
                <td>
                  {r.id}
                  {r.enabled === false && <span className="badge" data-testid="alert-rule-disabled">off</span>}
                  {ruleMute(r.id) !== undefined && (
                    <span className="badge" title={new Date(ruleMute(r.id)!).toLocaleString()} data-testid="alert-rule-muted">
                      muted until {new Date(ruleMute(r.id)!).toLocaleTimeString()}
                    </span>
                  )}
                </td>
                <td>{KINDS[r.kind] ?? r.kind}</td>
                <td className="alert-rule-when">{describe(r)}</td>
                <td className="alert-rule-actions-cell">
                  <div className="alert-rule-actions" data-testid="alert-rule-actions" data-one-line>
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setEditing(r.id);
                        setDraft(draftOf(r));
                        setStatus(null);
                      }}
                      data-testid={`alert-rule-edit-${r.id}`}
                    >
                      Edit
                    </button>
                    <button type="button" className="link" onClick={() => setEnabled(r, r.enabled === false)} data-testid={`alert-rule-toggle-${r.id}`}>
                      {r.enabled === false ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      className="link"
                      onClick={() => void mute(r.id, ruleMute(r.id) !== undefined ? 0 : MUTE_FOR_MS)}
                      data-testid={`alert-rule-mute-${r.id}`}
                    >
                      {ruleMute(r.id) !== undefined ? 'Unmute' : 'Mute 1 h'}
                    </button>
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        if (editing === r.id) {
                          setEditing(null);
                          setDraft(EMPTY_DRAFT);
                        }
                        void save(config.rules.filter((x) => x.id !== r.id), config.webhookUrl, `Rule "${r.id}" removed.`);
                      }}
                      data-testid={`alert-rule-remove-${r.id}`}
                    >
                      Remove
                    </button>
                  </div>
                </td>
              </tr>
            ))}
            {config.rules.length === 0 && (
              <tr>
                <td colSpan={4} className="empty">
                  No rules: nothing will alert.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <form
        className="alert-draft"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h3>{editing === null ? 'Add a rule' : `Edit rule "${editing}"`}</h3>
        <div className="alert-draft-fields">
          {field('id', 'Name', { placeholder: 'e.g. studio-busy' })}
          <label className="field">
            <span>Kind</span>
            <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value as AlertKind })} data-testid="alert-draft-kind">
              {(Object.keys(KINDS) as AlertKind[]).map((k) => (
                <option key={k} value={k}>
                  {KINDS[k]}
                </option>
              ))}
            </select>
          </label>
          {field('core', 'Core id (empty: every core)', { placeholder: 'local', list: 'alert-known-cores' })}
          {STREAM_KINDS.includes(draft.kind) && field('stream', 'Stream (empty: every stream)', { placeholder: 'e.g. cam', list: 'alert-known-streams' })}
          {thresholds && field('collector', 'Collector (empty: all)', { placeholder: 'hls, rtmp, srt…' })}
          {thresholds && field('raise', draft.kind === 'sessions-above' ? 'Raise above (sessions)' : draft.kind === 'users-above' ? 'Raise above (users)' : 'Raise above (Mbit/s)', { type: 'number', min: '0', step: 'any' })}
          {thresholds && field('clear', 'Clear at or below (empty: same)', { type: 'number', min: '0', step: 'any' })}
          {draft.kind === 'ingest-below-median' && field('percent', 'Below (% of the median)', { type: 'number', min: '1', max: '99', step: 'any' })}
          {draft.kind === 'ingest-below-median' && field('windowMin', 'Median over (min)', { type: 'number', min: '1', step: 'any' })}
          {draft.kind === 'publisher-reconnects' && field('moreThan', 'More than (reconnects)', { type: 'number', min: '0', step: '1' })}
          {draft.kind === 'publisher-reconnects' && field('withinMin', 'Within (min)', { type: 'number', min: '1', step: 'any' })}
          {field('raiseAfterS', draft.kind === 'ingest-below-median' ? 'For (s)' : 'Raise after (s)', { type: 'number', min: '0', step: '1' })}
          {field('clearAfterS', 'Clear after (s)', { type: 'number', min: '0', step: '1' })}
        </div>
        <datalist id="alert-known-cores">
          {knownCores.map((o) => {
            const [id, name] = o.split('\t');
            return <option key={id} value={id} label={name} />;
          })}
        </datalist>
        <datalist id="alert-known-streams" data-testid="alert-known-streams">
          {knownStreams.map((o) => {
            const [key, label] = o.split('\t');
            return <option key={key} value={key} label={label} />;
          })}
        </datalist>
        <button type="submit" className="primary" data-testid="alert-draft-add">
          {editing === null ? 'Add rule' : 'Save changes'}
        </button>
        {editing !== null && (
          <button
            type="button"
            onClick={() => {
              setEditing(null);
              setDraft(EMPTY_DRAFT);
            }}
            data-testid="alert-draft-cancel"
          >
            Cancel
          </button>
        )}
      </form>
      <div className="alert-webhook">
        <h3>Webhook</h3>
        <p className="muted">Each raised and cleared alert is POSTed here as JSON, retried with back-off when the receiver fails.</p>
        <div className="alert-webhook-row">
          <input value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} placeholder="https://hooks.example.com/core-sessions" aria-label="Webhook URL" data-testid="alert-webhook-url" />
          <button type="button" onClick={() => void save(config.rules, webhookUrl, webhookUrl.trim() ? 'Webhook saved.' : 'Webhook removed.')} data-testid="alert-webhook-save">
            Save
          </button>
          <button type="button" onClick={() => void test()} disabled={webhookUrl.trim() === ''} data-testid="alert-webhook-test">
            Send test
          </button>
        </div>
      </div>
      {status && (
        <p className={status.ok ? 'ok-text' : 'error-text'} data-testid="alert-editor-status" role="status">
          {status.text}
        </p>
      )}
    </div>
  );
}
