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

/** The local core's FFmpeg processes: list with state and usage, create from a template or JSON, commands, log tail. */
export function Processes(): React.JSX.Element {
  const [api, units] = useApp(useShallow((s) => [s.api, s.units]));
  const [list, setList] = useState<ProcessList | null>(null);
  const [error, setError] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
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
        </div>
        {error !== '' && <p className="error-text" role="alert" data-testid="processes-error">{error}</p>}
        <div className="plain-table-wrap">
          <table className="plain-table" data-testid="processes-table">
            <thead>
              <tr>
                <th>Id</th>
                <th>Reference</th>
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
                <Row key={p.id} p={p} now={now} units={units} selected={selected === p.id} onSelect={() => setSelected(selected === p.id ? null : p.id)} onCommand={(c) => void command(p.id, c)} />
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
      <CreatePanel onCreated={() => void refresh()} />
    </section>
  );
}

/** Opens the Sessions view filtered to a process: its ffmpeg session (id = process id) and the local sessions marked `ffmpeg:<id>`. */
function SessionsLink({ id }: { id: string }): React.JSX.Element {
  const [setText, setView] = useApp(useShallow((s) => [s.setText, s.setView]));
  return (
    <button
      type="button"
      title="the sessions of this process: its ffmpeg session and the local RTMP sessions it opened"
      data-testid="process-sessions"
      onClick={() => {
        setText(id);
        setView('sessions');
      }}
    >
      Sessions
    </button>
  );
}

function Row(props: { p: ProcessRow; now: number; units: 'decimal' | 'binary'; selected: boolean; onSelect: () => void; onCommand: (c: ProcessCommandName | 'delete') => void }): React.JSX.Element {
  const { p, now, units } = props;
  const [confirming, setConfirming] = useState(false);
  const running = p.exec === 'running' || p.exec === 'starting';
  const ios = (list: ProcessRow['inputs'], arrow: string): React.JSX.Element[] =>
    list.map((io) => (
      <div key={io.id} className="mono" title={io.counted ? 'bytes counted by the relay' : 'not countable (not relayed)'}>
        {arrow}
        {io.address} <span className="muted">{io.counted ? formatBytes(io.bytes, units) : ''}</span>
      </div>
    ));
  return (
    <tr data-testid="process-row" data-id={p.id} data-exec={p.exec} aria-selected={props.selected}>
      <td>
        <button type="button" className="link mono" onClick={props.onSelect} title="show the log">
          {p.id}
        </button>
      </td>
      <td>{p.reference}</td>
      <td title={p.exitReason || p.lastLogline}>
        <span className={stateClass(p.exec)} data-testid="process-state">{p.exec}</span>
        {p.reconnectSec >= 0 && <span className="muted"> restart in {p.reconnectSec} s</span>}
        {!running && p.exitReason !== '' && <div className="muted" data-testid="process-reason">{p.exitReason}</div>}
      </td>
      <td>{p.startedAtMs > 0 ? formatDuration(now - p.startedAtMs) : '—'}</td>
      <td title="in (received by the inputs) / out (sent by the outputs)">
        {running ? `${formatBitrate(p.inBitsPerSec, units)} / ${formatBitrate(p.outBitsPerSec, units)}` : '—'}
      </td>
      <td>{running ? `${p.cpuPercent.toFixed(1)} %` : '—'}</td>
      <td>{running ? formatBytes(p.memoryBytes, units) : '—'}</td>
      <td>
        {ios(p.inputs, '')}
        {ios(p.outputs, '→ ')}
      </td>
      <td>
        <div className="actions">
        {offersStop(p) ? (
          <button type="button" onClick={() => props.onCommand('stop')} data-testid="process-stop" title={running ? undefined : 'stop it, and the restart it waits for'}>Stop</button>
        ) : (
          <button type="button" onClick={() => props.onCommand('start')} data-testid="process-start">Start</button>
        )}
        <SessionsLink id={p.id} />
        <button type="button" onClick={() => props.onCommand('restart')}>Restart</button>
        {confirming ? (
          <>
            <button type="button" className="danger" onClick={() => props.onCommand('delete')} data-testid="process-delete-confirm">Delete {p.id}?</button>
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} data-testid="process-delete">Delete</button>
        )}
        </div>
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

function CreatePanel({ onCreated }: { onCreated: () => void }): React.JSX.Element {
  const api = useApp((s) => s.api);
  const [text, setText] = useState(() => JSON.stringify(PROCESS_TEMPLATES[0].config, null, 2));
  const [message, setMessage] = useState('');
  const create = async (): Promise<void> => {
    if (!api) return;
    try {
      const row = await api.invoke('processes:create', text);
      setMessage(`created ${row.id}`);
      onCreated();
    } catch (err) {
      setMessage((err as Error).message);
    }
  };
  return (
    <div className="panel">
      <div className="panel-head">
        <h2>New process</h2>
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
        <button type="button" onClick={() => void create()} data-testid="process-create">Create</button>
        {message !== '' && <span className="muted" data-testid="process-create-message">{message}</span>}
      </div>
      <p className="hint">Core&apos;s process JSON. Placeholders: {'{memfs}'}, {'{diskfs}'}, {'{rtmp,name=…}'}, {'{srt,name=…,mode=publish|request}'}, {'{processid}'}, {'{reference}'}.</p>
      <textarea className="mono process-json" rows={12} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} data-testid="process-json" aria-label="process JSON" />
    </div>
  );
}
