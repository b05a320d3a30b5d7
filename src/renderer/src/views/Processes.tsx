import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PROCESS_TEMPLATES, type ProcessCommandName, type ProcessList, type ProcessLogLine, type ProcessRow } from '../../../shared/processes.ts';
import { formatBitrate, formatBytes, formatDuration } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';

const POLL_MS = 1000;

function stateClass(exec: string): string {
  if (exec === 'running') return 'badge badge-good';
  if (exec === 'starting' || exec === 'finishing') return 'badge badge-wait';
  if (exec === 'failed' || exec === 'killed') return 'badge badge-bad';
  return 'badge';
}

/**
 * Whether a row offers Stop rather than Start: its FFmpeg runs, or will by itself (a restart is pending after its input
 * went away): Start there would only start it sooner, and the operator could not end the restart loop.
 */
export function offersStop(p: Pick<ProcessRow, 'exec' | 'reconnectSec'>): boolean {
  return p.exec === 'running' || p.exec === 'starting' || p.reconnectSec >= 0;
}

/**
 * A row's buttons, icon and word. The word is the button's accessible name and tooltip; below 1240 px, where the
 * buttons show their icons only, the key in the table's head says them all on screen.
 */
const ACTIONS = {
  stop: { icon: '■', label: 'Stop' },
  start: { icon: '▶', label: 'Start' },
  edit: { icon: '✎', label: 'Edit' },
  sessions: { icon: '☰', label: 'Sessions' },
  restart: { icon: '↻', label: 'Restart' },
  delete: { icon: '✕', label: 'Delete' },
} as const;
type ActionName = keyof typeof ACTIONS;

/** The local core's FFmpeg processes: list with state and usage, create from a template or JSON, commands, log tail. */
export function Processes(): React.JSX.Element {
  const [api, units] = useApp(useShallow((s) => [s.api, s.units]));
  const [list, setList] = useState<ProcessList | null>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  /** The process whose configuration the form edits (its JSON as it was when Edit was clicked), or null: a new one. */
  const [editing, setEditing] = useState<{ id: string; json: string } | null>(null);
  const [now, setNow] = useState(() => Date.now());

  const refresh = useCallback(async () => {
    if (!api) return;
    try {
      setList(await api.invoke('processes:list'));
      setNow(Date.now());
    } catch (err) {
      setError((err as Error).message);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(t);
  }, [refresh]);

  const command = async (id: string, c: ProcessCommandName | 'delete'): Promise<void> => {
    if (!api) return;
    setError('');
    try {
      if (c === 'delete') {
        await api.invoke('processes:delete', id);
        if (selected === id) setSelected(null);
        if (editing?.id === id) setEditing(null);
      } else {
        await api.invoke('processes:command', id, c);
      }
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  if (!api) return <section className="view" data-testid="view-processes"><p className="empty">Processes are not available here.</p></section>;

  return (
    <section className="view processes" data-testid="view-processes">
      {list && !list.ffmpeg.ok && (
        <div className="panel error-text" role="alert" data-testid="ffmpeg-problem">
          {list.ffmpeg.message}
        </div>
      )}
      <div className="panel">
        <div className="panel-head">
          <h2>Processes</h2>
          {list?.ffmpeg.ok && <span className="muted" data-testid="ffmpeg-version">FFmpeg {list.ffmpeg.version}</span>}
          {(list?.processes.length ?? 0) > 0 && (
            // The buttons' words where they show icons only (the buttons are named for screen readers already).
            <span className="muted action-key" aria-hidden="true" data-testid="process-action-key">
              {Object.values(ACTIONS).map((a) => (
                <span key={a.label}>
                  <span className="action-icon">{a.icon}</span> {a.label}
                </span>
              ))}
            </span>
          )}
        </div>
        {error !== '' && <p className="error-text" role="alert" data-testid="processes-error">{error}</p>}
        <div className="plain-table-wrap">
          <table className="plain-table" data-testid="processes-table">
            <thead>
              <tr>
                <th>Id</th>
                <th className="wide-only">Reference</th>
                <th>State</th>
                <th>Uptime</th>
                <th>Bitrate in / out</th>
                <th>CPU</th>
                <th>Memory</th>
                <th>Inputs → outputs</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(list?.processes ?? []).map((p) => (
                <Row
                  key={p.id}
                  p={p}
                  now={now}
                  units={units}
                  selected={selected === p.id}
                  onSelect={() => setSelected(selected === p.id ? null : p.id)}
                  onCommand={(c) => void command(p.id, c)}
                  onEdit={() => setEditing({ id: p.id, json: p.configJson })}
                />
              ))}
              {list && list.processes.length === 0 && (
                <tr>
                  <td colSpan={9} className="empty">
                    No processes yet: create one below.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
      {selected !== null && <LogTail key={selected} id={selected} />}
      <ProcessForm
        editing={editing}
        onSaved={(row) => {
          if (editing !== null && selected === editing.id) setSelected(row.id);
          setEditing(null);
          void refresh();
        }}
        onCancel={() => setEditing(null)}
      />
    </section>
  );
}

/** Opens the Sessions view filtered to a process: its ffmpeg session (id = process id) and the local sessions marked `ffmpeg:<id>`. */
function SessionsLink({ id }: { id: string }): React.JSX.Element {
  const [setText, setView] = useApp(useShallow((s) => [s.setText, s.setView]));
  return (
    <ActionButton
      action="sessions"
      title="Sessions: its ffmpeg session and the local RTMP sessions it opened"
      testId="process-sessions"
      onClick={() => {
        setText(id);
        setView('sessions');
      }}
    />
  );
}

/**
 * A row button: its icon, and its word where the window is wide enough (styles.css hides `.action-label` below
 * 1240 px). The word is its accessible name (`aria-label`) and its tooltip either way.
 */
function ActionButton(props: { action: ActionName; title?: string; onClick: () => void; testId: string }): React.JSX.Element {
  const { icon, label } = ACTIONS[props.action];
  return (
    <button type="button" className="action-button" aria-label={label} title={props.title ?? label} onClick={props.onClick} data-testid={props.testId}>
      <span className="action-icon" aria-hidden="true">
        {icon}
      </span>
      <span className="action-label" aria-hidden="true">
        {label}
      </span>
    </button>
  );
}

/** A piece of an address up to this long stays on one line (a name like `studio-b-hls.m3u8`); a longer one may wrap. */
export const WHOLE_PIECE_CHARS = 21;

/**
 * An address with places to wrap after each / , : ? & (a narrow window wraps `{rtmp,name=` before the name, a filter
 * graph `testsrc=size=160x120:` before its next option), and nowhere else: each piece between them is kept whole
 * (`nowrap`) when it has a `-` (the browser's own wrap point inside a name), unless the piece alone is longer than
 * WHOLE_PIECE_CHARS (wider than the cell may be at 1024 px), which wraps as the cell's text does.
 */
export function breakable(address: string): React.ReactNode[] {
  return address.split(/(?<=[/,:?&])/).flatMap((part, i) => {
    const piece = part.length <= WHOLE_PIECE_CHARS && part.includes('-') ? <span key={`p${i}`} className="whole">{part}</span> : part;
    return i === 0 ? [piece] : [<wbr key={i} />, piece];
  });
}

function Row(props: {
  p: ProcessRow;
  now: number;
  units: 'decimal' | 'binary';
  selected: boolean;
  onSelect: () => void;
  onCommand: (c: ProcessCommandName | 'delete') => void;
  onEdit: () => void;
}): React.JSX.Element {
  const { p, now, units } = props;
  const [confirming, setConfirming] = useState(false);
  const running = p.exec === 'running' || p.exec === 'starting';
  const ios = (list: ProcessRow['inputs'], arrow: string): React.JSX.Element[] =>
    list.map((io) => (
      <div key={io.id} className="mono" title={io.counted ? 'bytes counted by the relay' : 'not countable (not relayed)'}>
        {arrow}
        {breakable(io.address)} <span className="muted">{io.counted ? formatBytes(io.bytes, units) : ''}</span>
      </div>
    ));
  return (
    <tr data-testid="process-row" data-id={p.id} data-exec={p.exec} aria-selected={props.selected}>
      <td>
        <button type="button" className="link mono" onClick={props.onSelect} title="show the log">
          {p.id}
        </button>
        {p.reference !== '' && (
          <div className="muted narrow-only" title="reference">
            {p.reference}
          </div>
        )}
      </td>
      <td className="wide-only">{p.reference}</td>
      <td className="process-state" title={p.exitReason || p.lastLogline}>
        <span className={stateClass(p.exec)} data-testid="process-state">{p.exec}</span>
        {p.reconnectSec >= 0 && <span className="muted"> restart in {p.reconnectSec} s</span>}
        {!running && p.exitReason !== '' && <div className="muted" data-testid="process-reason">{p.exitReason}</div>}
      </td>
      <td>{p.startedAtMs > 0 ? formatDuration(now - p.startedAtMs) : '—'}</td>
      <td title="in (received by the inputs) / out (sent by the outputs)">
        {running ? (
          <span className="rate-pair">
            <span>{formatBitrate(p.inBitsPerSec, units)}</span>
            <span>
              <span className="wide-only">{' / '}</span>
              {formatBitrate(p.outBitsPerSec, units)}
            </span>
          </span>
        ) : (
          '—'
        )}
      </td>
      <td>{running ? `${p.cpuPercent.toFixed(1)} %` : '—'}</td>
      <td>{running ? formatBytes(p.memoryBytes, units) : '—'}</td>
      <td className="process-io">
        {ios(p.inputs, '')}
        {ios(p.outputs, '→ ')}
      </td>
      <td className="process-actions">
        {confirming ? (
          <div className="actions" data-one-line>
            <button type="button" className="danger" onClick={() => props.onCommand('delete')} data-testid="process-delete-confirm">Delete {p.id}?</button>
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        ) : (
          <div className="actions" data-one-line>
            {offersStop(p) ? (
              <ActionButton action="stop" title={running ? 'Stop' : 'Stop it, and the restart it waits for'} onClick={() => props.onCommand('stop')} testId="process-stop" />
            ) : (
              <ActionButton action="start" onClick={() => props.onCommand('start')} testId="process-start" />
            )}
            <ActionButton action="edit" title="Edit its configuration (a running process restarts with the new one)" onClick={props.onEdit} testId="process-edit" />
            <SessionsLink id={p.id} />
            <ActionButton action="restart" onClick={() => props.onCommand('restart')} testId="process-restart" />
            <ActionButton action="delete" onClick={() => setConfirming(true)} testId="process-delete" />
          </div>
        )}
      </td>
    </tr>
  );
}

function LogTail({ id }: { id: string }): React.JSX.Element {
  const api = useApp((s) => s.api);
  const [lines, setLines] = useState<ProcessLogLine[]>([]);
  const pre = useRef<HTMLPreElement>(null);
  /** The tail shows its newest lines (at the bottom) unless the operator scrolled up to read older ones. */
  const follow = useRef(true);
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  useEffect(() => {
    if (!api) return;
    let live = true;
    const load = (): void => {
      api.invoke('processes:log', id).then(
        (l) => live && setLines(l),
        () => live && setLines([]),
      );
    };
    load();
    const t = setInterval(load, POLL_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, id]);
  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Log of {id}</h2>
        <span className="muted">last {lines.length} lines</span>
      </div>
      <pre
        ref={pre}
        className="mono process-log"
        data-testid="process-log"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
        }}
      >
        {lines.map((l) => `${new Date(l.atMs).toLocaleTimeString()} ${l.line}`).join('\n')}
      </pre>
    </div>
  );
}

/**
 * The form under the list: a new process from a template or JSON, or, after a row's Edit, that process's
 * configuration to change (saved with the API's update: checked as a new one, and a running process restarts with it).
 */
function ProcessForm(props: { editing: { id: string; json: string } | null; onSaved: (row: ProcessRow) => void; onCancel: () => void }): React.JSX.Element {
  const { editing } = props;
  const api = useApp((s) => s.api);
  const [text, setText] = useState(() => JSON.stringify(PROCESS_TEMPLATES[0].config, null, 2));
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const json = useRef<HTMLTextAreaElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (editing === null) {
      // Saved or cancelled: a new process again (what was saved stays said).
      if (wasEditing.current) setText(JSON.stringify(PROCESS_TEMPLATES[0].config, null, 2));
      wasEditing.current = false;
      return;
    }
    // Edit was clicked in a row above: its configuration, in view, ready to type.
    wasEditing.current = true;
    setText(editing.json);
    setMessage(null);
    panel.current?.scrollIntoView?.({ block: 'nearest' });
    json.current?.focus({ preventScroll: true });
  }, [editing]);
  const save = async (): Promise<void> => {
    if (!api) return;
    try {
      const row = editing === null ? await api.invoke('processes:create', text) : await api.invoke('processes:update', editing.id, text);
      setMessage({ text: editing === null ? `created ${row.id}` : `saved ${row.id}`, error: false });
      props.onSaved(row);
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  };
  return (
    <div className="panel" ref={panel} data-testid="process-form" data-editing={editing?.id}>
      <div className="panel-head">
        <h2>{editing === null ? 'New process' : `Edit ${editing.id}`}</h2>
        {editing === null && (
          <label className="field">
            Template
            <select data-testid="process-template" onChange={(e) => setText(JSON.stringify(PROCESS_TEMPLATES.find((t) => t.id === e.target.value)?.config ?? {}, null, 2))}>
              {PROCESS_TEMPLATES.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" onClick={() => void save()} data-testid="process-create">
          {editing === null ? 'Create' : 'Save'}
        </button>
        {editing !== null && (
          <button type="button" onClick={props.onCancel} data-testid="process-edit-cancel">
            Cancel
          </button>
        )}
        {message !== null && (
          <span className={message.error ? 'error-text' : 'muted'} role={message.error ? 'alert' : undefined} data-testid="process-create-message">
            {message.text}
          </span>
        )}
      </div>
      <p className="hint">
        {editing !== null && 'Saving replaces its configuration; if it runs, it restarts with the new one. '}
        Core&apos;s process JSON. Placeholders: {'{memfs}'}, {'{diskfs}'}, {'{rtmp,name=…}'}, {'{srt,name=…,mode=publish|request}'}, {'{processid}'}, {'{reference}'}.
      </p>
      <textarea ref={json} className="mono process-json" rows={12} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="process-json" aria-label="process JSON" />
    </div>
  );
}
