import { useEffect, useMemo, useState } from 'react';
import type { HistoryGroup, HistoryRow } from '../../../shared/types.ts';
import { Chips } from '../components/Chips.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { formatBytes, formatCount, formatCountOf, formatWholeMiB } from '../format/units.ts';
import type { UnitSystem } from '../../../shared/ipc.ts';
import { countsSessions, countsTraffic } from '../../../shared/totals.ts';
import { useApp } from '../store/hooks.ts';
import { CoreSelect } from '../components/CoreSelect.tsx';
import { Report } from './Report.tsx';

type SortKey = 'key' | 'collector' | 'core' | 'sessions' | 'rxBytes' | 'txBytes';
const GROUPS: { value: HistoryGroup; label: string; column: string }[] = [
  { value: 'remote', label: 'Per remote', column: 'Remote' },
  { value: 'local', label: 'Per local', column: 'Local' },
  { value: 'reference', label: 'Per reference', column: 'Reference' },
];
const REFRESH_MS = 5000;
/** Core's API sends a finished session's traffic in whole MiB, rounded down (`traffic_rx_mb`). */
const ROUNDED_NOTE = 'Remote Cores report finished-session traffic in whole MiB, rounded down: their bytes show as such.';

const SCOPE_CHOICES = [['*', 'All cores (merged)'], ['each', 'All cores (per core)']] as const;

/** What a "per remote" row of the app's own process shows instead of its peer (the process's connection, no person). */
export const processLabel = (process: string): string => `FFmpeg process ${process}`;

/** A row's key as the table shows it: an own process's peer as the process (per remote only), else the key. */
export function keyText(r: HistoryRow, group: HistoryGroup): { text: string; process: boolean } {
  if (group === 'remote' && r.process !== undefined) return { text: processLabel(r.process), process: true };
  return { text: r.key, process: false };
}

/**
 * The table row a history row goes to: per collector and key, and per core unless `core` is '*' (merged). Per remote a
 * process's own row (its wholly own entries, e.g. its HLS upload, whose peer `unknown` people's uploads share) stays a
 * row of its own.
 */
export function rowId(r: HistoryRow, group: HistoryGroup, core: string): string {
  const id = `${core}\u0001${r.collector}\u0001${r.key}`;
  return group === 'remote' && r.process !== undefined ? `${id}\u0001${r.process}` : id;
}

/** Adds a row of another core to a merged row: sums, and the process only while every session is still that one's. */
export function mergeRow(m: HistoryRow, r: HistoryRow): void {
  m.sessions += r.sessions;
  m.rxBytes += r.rxBytes;
  m.txBytes += r.txBytes;
  if (r.processSessions !== undefined) m.processSessions = (m.processSessions ?? 0) + r.processSessions;
  if (r.processRxBytes !== undefined) m.processRxBytes = (m.processRxBytes ?? 0) + r.processRxBytes;
  if (r.processTxBytes !== undefined) m.processTxBytes = (m.processTxBytes ?? 0) + r.processTxBytes;
  if (m.process !== r.process || m.processSessions !== m.sessions) m.process = undefined;
}

/** The sessions a row adds to the people total with every collector shown: people only (the totals rule), no own processes. */
export function peopleSessions(r: HistoryRow): number {
  return countsSessions(r.collector) ? r.sessions - (r.processSessions ?? 0) : 0;
}

/** The total row of the rows shown, and why it is not their plain sum (`notAdded`: one clause a reason, empty if it is). */
export interface HistoryTotals {
  sessions: number;
  rxBytes: number;
  txBytes: number;
  /** With every collector shown: the bytes of the app's own processes' sessions in the rows, left out (`edgeBytes`). */
  processRxBytes: number;
  processTxBytes: number;
  notAdded: string[];
}

/**
 * The total of the rows shown. With a collector chosen it is their sum; with every collector shown it follows the totals
 * rule (src/shared/totals.ts: people and bytes once, as the header), and `notAdded` says what of the rows it leaves out.
 */
export function historyTotals(shown: readonly HistoryRow[], allCollectors: boolean): HistoryTotals {
  const t: HistoryTotals = { sessions: 0, rxBytes: 0, txBytes: 0, processRxBytes: 0, processTxBytes: 0, notAdded: [] };
  const left = new Set<string>();
  const runs = new Set<string>();
  let processSessions = 0;
  for (const r of shown) {
    if (!allCollectors) {
      t.sessions += r.sessions;
      t.rxBytes += r.rxBytes;
      t.txBytes += r.txBytes;
      continue;
    }
    t.sessions += peopleSessions(r);
    if (countsSessions(r.collector)) processSessions += r.processSessions ?? 0;
    else if (countsTraffic(r.collector)) runs.add(r.collector);
    if (countsTraffic(r.collector)) {
      const edge = edgeBytes(r);
      t.rxBytes += edge.rx;
      t.txBytes += edge.tx;
      t.processRxBytes += r.rxBytes - edge.rx;
      t.processTxBytes += r.txBytes - edge.tx;
    } else left.add(r.collector);
  }
  for (const c of [...left].sort()) t.notAdded.push(c === 'http' ? 'http rows are all HTTP traffic, the HLS rows\' bytes and the API\'s included: not added' : `${c} rows: not added`);
  for (const c of [...runs].sort()) t.notAdded.push(`${c} sessions are the app's process runs, no people: their bytes added, not their sessions`);
  if (processSessions > 0) t.notAdded.push(`${formatCountOf(processSessions, 'session')} of the app's own FFmpeg processes in the people's rows: no people, not added`);
  return t;
}

/**
 * The bytes a row adds to the traffic total with every collector shown: what crossed the core's edge (the totals
 * rule), its own processes' wholly own sessions (a local restream's hop) left out.
 */
export function edgeBytes(r: HistoryRow): { rx: number; tx: number } {
  if (!countsTraffic(r.collector)) return { rx: 0, tx: 0 };
  return { rx: Math.max(0, r.rxBytes - (r.processRxBytes ?? 0)), tx: Math.max(0, r.txBytes - (r.processTxBytes ?? 0)) };
}

/** A byte cell's note when part of it was the app's own processes' (left out of the total). */
function processBytesTitle(bytes: number | undefined, units: UnitSystem): string | undefined {
  return bytes ? `${formatBytes(bytes, units)} of the app's own FFmpeg processes (a local restream's hop): not in the total` : undefined;
}

/**
 * The History view: the traffic report of the time-series history (per day or month, per stream and core; the
 * default), or finished sessions summed per remote / local / reference (spec §3.2).
 */
export function History(): React.JSX.Element {
  const [mode, setMode] = useState<'report' | 'sessions'>('report');
  return (
    <section className="view history" data-testid="view-history">
      <div className="tabs" role="tablist" aria-label="History">
        <button type="button" role="tab" aria-selected={mode === 'report'} data-testid="history-mode-report" onClick={() => setMode('report')}>
          Traffic report
        </button>
        <button type="button" role="tab" aria-selected={mode === 'sessions'} data-testid="history-mode-sessions" onClick={() => setMode('sessions')}>
          Finished sessions
        </button>
      </div>
      {mode === 'report' ? <Report /> : <FinishedSessions />}
    </section>
  );
}

/** Finished sessions summed per remote / local / reference (spec §3.2), per core or merged over cores. */
function FinishedSessions(): React.JSX.Element {
  const rows = useApp((s) => s.history);
  const loadHistory = useApp((s) => s.loadHistory);
  const cores = useApp((s) => s.cores);
  const coreName = useApp((s) => s.coreName);
  const units = useApp((s) => s.units);
  const [group, setGroup] = useState<HistoryGroup>('remote');
  const [scope, setScope] = useState<string>('*');
  const [collectors, setCollectors] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'txBytes', dir: -1 });

  useEffect(() => {
    void loadHistory();
    const t = setInterval(() => void loadHistory(), REFRESH_MS);
    return () => clearInterval(t);
  }, [loadHistory]);

  const collectorIds = useMemo(() => [...new Set(rows.map((r) => r.collector))].sort(), [rows]);

  const remoteIds = useMemo(() => new Set(cores.filter((c) => c.kind === 'remote').map((c) => c.id)), [cores]);
  const view = useMemo(() => {
    const wanted = collectors.length > 0 ? new Set(collectors) : null;
    const needle = text.trim().toLowerCase();
    const merged = new Map<string, HistoryRow>();
    // Rows with a remote Core's bytes in them: known only to the whole MiB.
    const fromRemote = new Set<HistoryRow>();
    for (const r of rows) {
      if (r.group !== group) continue;
      if (wanted && !wanted.has(r.collector)) continue;
      if (scope !== '*' && scope !== 'each' && r.core !== scope) continue;
      if (needle && !r.key.toLowerCase().includes(needle) && !keyText(r, group).text.toLowerCase().includes(needle)) continue;
      // Merged: one row per collector and key over all cores; otherwise one per core too.
      const core = scope === '*' ? '*' : r.core;
      const id = rowId(r, group, core);
      let m = merged.get(id);
      if (m) mergeRow(m, r);
      else merged.set(id, (m = { ...r, core }));
      if (remoteIds.has(r.core)) fromRemote.add(m);
    }
    const list = [...merged.values()];
    const { key, dir } = sort;
    list.sort((a, b) => {
      const va = key === 'core' ? coreName(a.core) : a[key];
      const vb = key === 'core' ? coreName(b.core) : b[key];
      if (va !== vb) return (va < vb ? -1 : 1) * dir;
      if (a.key !== b.key) return a.key < b.key ? -1 : 1;
      // A key's people before its processes' rows.
      return (a.process ?? '') < (b.process ?? '') ? -1 : (a.process ?? '') > (b.process ?? '') ? 1 : 0;
    });
    return { list, fromRemote };
  }, [rows, group, scope, collectors, text, sort, coreName, remoteIds]);
  const shown = view.list;
  const rounded = view.fromRemote;

  // With no collector chosen, the total follows the totals rule (src/shared/totals.ts): people and bytes once.
  const totals = useMemo(() => historyTotals(shown, collectors.length === 0), [shown, collectors]);

  const header = (key: SortKey, label: string, numeric = false): React.JSX.Element => (
    <th className={numeric ? 'num' : undefined} aria-sort={sort.key === key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}>
      <button
        type="button"
        data-testid={`history-sort-${key}`}
        onClick={() => setSort((s) => (s.key === key ? { key, dir: s.dir === 1 ? -1 : 1 } : { key, dir: numeric ? -1 : 1 }))}
      >
        {label}
        <span className="sort-mark">{sort.key === key ? (sort.dir === 1 ? '▲' : '▼') : ''}</span>
      </button>
    </th>
  );

  return (
    <div className="finished-sessions">
      <div className="toolbar">
        <div className="tabs" role="tablist">
          {GROUPS.map((g) => (
            <button type="button" role="tab" key={g.value} aria-selected={group === g.value} data-testid={`history-group-${g.value}`} onClick={() => setGroup(g.value)}>
              {g.label}
            </button>
          ))}
        </div>
        <CoreSelect label="Cores" value={scope} onChange={setScope} choices={SCOPE_CHOICES} cores={cores} testId="history-scope" />
        <input type="search" className="search" placeholder="Filter  ( / )" aria-label="Filter history" data-search="" data-testid="history-search" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setText('')} />
        <span className="spacer" />
        <ExportButton
          title="Export the summary (all groups) of the chosen cores and collectors as CSV"
          request={() => ({ kind: 'history', core: scope === '*' || scope === 'each' ? [] : [scope], collectors: [...collectors] })}
        />
      </div>
      <Chips
        options={collectorIds.map((c) => ({ value: c, label: c }))}
        selected={collectors}
        onToggle={(c) => setCollectors((s) => (s.includes(c) ? s.filter((x) => x !== c) : [...s, c]))}
        onAll={() => setCollectors([])}
        testIdPrefix="history-chip"
      />
      <div className="plain-table-wrap">
        <table className="plain-table" data-testid="history-table">
          <thead>
            <tr>
              {header('key', GROUPS.find((g) => g.value === group)!.column)}
              {header('collector', 'Collector')}
              {scope !== '*' && header('core', 'Core')}
              {header('sessions', 'Sessions', true)}
              {header('rxBytes', 'rx', true)}
              {header('txBytes', 'tx', true)}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={rowId(r, group, r.core)} data-testid="history-row">
                <td title={r.key}>
                  {keyText(r, group).process ? (
                    <span data-testid="history-process">{keyText(r, group).text}</span>
                  ) : r.key === '' ? (
                    <span className="muted">(empty)</span>
                  ) : (
                    r.key
                  )}
                </td>
                <td>{r.collector}</td>
                {scope !== '*' && <td>{coreName(r.core)}</td>}
                <td className="num" title={r.processSessions ? `${formatCountOf(r.processSessions, 'session')} of the app's own FFmpeg processes, no people` : undefined}>
                  {formatCount(r.sessions)}
                </td>
                <td className="num" title={rounded.has(r) ? ROUNDED_NOTE : processBytesTitle(r.processRxBytes, units)}>{rounded.has(r) ? formatWholeMiB(r.rxBytes) : formatBytes(r.rxBytes, units)}</td>
                <td className="num" title={rounded.has(r) ? ROUNDED_NOTE : processBytesTitle(r.processTxBytes, units)}>{rounded.has(r) ? formatWholeMiB(r.txBytes) : formatBytes(r.txBytes, units)}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No finished sessions{text || collectors.length ? ' match the filter' : ' yet'}.
                </td>
              </tr>
            )}
          </tbody>
          <tfoot>
            <tr data-testid="history-totals">
              <th title={totals.notAdded.length > 0 ? 'People and traffic once, as the header counts them: see the note below the table' : undefined}>
                Total ({formatCountOf(shown.length, 'row')}){totals.notAdded.length > 0 && ' *'}
              </th>
              <th />
              {scope !== '*' && <th />}
              <th className="num">{formatCount(totals.sessions)}</th>
              {/* A total with a remote Core's whole MiB in it is known only to the MiB as well. */}
              <th className="num">{rounded.size > 0 ? formatWholeMiB(totals.rxBytes) : formatBytes(totals.rxBytes, units)}</th>
              <th className="num">{rounded.size > 0 ? formatWholeMiB(totals.txBytes) : formatBytes(totals.txBytes, units)}</th>
            </tr>
          </tfoot>
        </table>
      </div>
      {(totals.processRxBytes > 0 || totals.processTxBytes > 0) && (
        <p className="hint" data-testid="history-process-note">
          The total leaves out {formatBytes(totals.processRxBytes, units)} rx and {formatBytes(totals.processTxBytes, units)} tx of this app&apos;s own FFmpeg
          processes on this core&apos;s own servers (a restream&apos;s hop, e.g. reading RTMP and writing HLS): the rows show them, the
          publishers and viewers at the core&apos;s edge already count those bytes.
        </p>
      )}
      {totals.notAdded.length > 0 && (
        <p className="hint" data-testid="history-total-note">
          * The total counts people and traffic once, as the header: {totals.notAdded.join('; ')}.
        </p>
      )}
      {rounded.size > 0 && (
        <p className="hint" data-testid="history-rounding-note">
          {ROUNDED_NOTE}
        </p>
      )}
    </div>
  );
}
