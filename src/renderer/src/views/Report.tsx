import { useEffect, useState } from 'react';
import type { ReportQuery, ReportResult } from '../../../shared/timeseries.ts';
import { saveBlob } from '../api/download.ts';
import { CoreSelect } from '../components/CoreSelect.tsx';
import { formatBytes, formatCount, formatCountOf, formatViewerHours } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';

/** What the report's bytes are (the totals rule, src/shared/totals.ts; the sampler in src/main/timeseries). */
const EDGE_NOTE = "Bytes at the core's edge: the app's own FFmpeg processes' connections to this core's own servers (a restream reading RTMP and writing HLS) are left out, as the publishers and viewers count those bytes already";

const DAY_MS = 86_400_000;
const REFRESH_MS = 60_000;

const pad = (n: number): string => String(n).padStart(2, '0');
/** `YYYY-MM-DD` of a local day. */
function dayInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
/** Local midnight of `YYYY-MM-DD`, or null. */
function dayStart(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : null;
}

/** The report query of the chosen days (the last day included: up to the next local midnight). */
function reportQuery(from: string, to: string, period: 'day' | 'month', core: string): ReportQuery | null {
  const fromMs = dayStart(from);
  const toDay = dayStart(to);
  if (fromMs === null || toDay === null) return null;
  const end = new Date(toDay);
  end.setDate(end.getDate() + 1);
  return { fromMs, toMs: end.getTime(), period, core: core === '*' ? undefined : core };
}

/**
 * The traffic report of the time-series history: per day or month, per stream and core, egress and ingress,
 * viewer-hours, peak concurrent viewers and the estimated number of distinct viewers; a totals row; CSV export.
 */
export function Report(): React.JSX.Element {
  const api = useApp((s) => s.api);
  const cores = useApp((s) => s.cores);
  const coreName = useApp((s) => s.coreName);
  const units = useApp((s) => s.units);
  const [period, setPeriod] = useState<'day' | 'month'>('day');
  const [from, setFrom] = useState(() => dayInput(Date.now() - 29 * DAY_MS));
  const [to, setTo] = useState(() => dayInput(Date.now()));
  const [core, setCore] = useState('*');
  // The last answer and the query it answers: kept while a new query loads (marked `data-stale`), read by its own period.
  const [loaded, setLoaded] = useState<{ query: string; period: 'day' | 'month'; result: ReportResult } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = (): ReportQuery | null => reportQuery(from, to, period, core);
  // What is asked now, as one text (the answer shown says which it answers).
  const asked = JSON.stringify([from, to, period, core]);
  const report = loaded?.result ?? null;
  const shownPeriod = loaded?.period ?? period;

  useEffect(() => {
    if (!api) return;
    let live = true;
    const load = async (): Promise<void> => {
      const q = reportQuery(from, to, period, core);
      if (!q || q.toMs <= q.fromMs) {
        setError('Choose a first day before the last day.');
        // Not the last range's rows under the message: they would read as this range's.
        setLoaded(null);
        return;
      }
      try {
        const r = await api.invoke('reports:daily', q);
        if (live) {
          setLoaded({ query: asked, period, result: r });
          setError(null);
        }
      } catch (err) {
        if (live) setError((err as Error).message);
      }
    };
    void load();
    const t = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, from, to, period, core, asked]);

  const exportCsv = async (): Promise<void> => {
    const q = query();
    if (!api || !q) return;
    try {
      const csv = await api.invoke('reports:csv', q);
      saveBlob(new Blob([csv], { type: 'text/csv;charset=utf-8' }), `report-${period}-${from}-${to}.csv`);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="report" data-testid="report">
      <div className="toolbar">
        <div className="tabs" role="tablist" aria-label="Period">
          {(['day', 'month'] as const).map((p) => (
            <button type="button" role="tab" key={p} aria-selected={period === p} data-testid={`report-period-${p}`} onClick={() => setPeriod(p)}>
              {p === 'day' ? 'Daily' : 'Monthly'}
            </button>
          ))}
        </div>
        <label className="field">
          <span>From</span>
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="report-from" />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="report-to" />
        </label>
        <CoreSelect label="Cores" value={core} onChange={setCore} choices={[['*', 'All cores']]} cores={cores} testId="report-core" />
        <span className="spacer" />
        <button type="button" onClick={() => void exportCsv()} data-testid="report-export" title="Export this report as CSV (with a totals row)">
          Export CSV
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="plain-table-wrap">
        <table className="plain-table" data-testid="report-table" data-stale={loaded !== null && loaded.query !== asked ? 'true' : undefined}>
          <thead>
            <tr>
              <th>{shownPeriod === 'day' ? 'Day' : 'Month'}</th>
              <th>Core</th>
              <th>Stream</th>
              <th className="num" title={EDGE_NOTE}>Egress</th>
              <th className="num" title={EDGE_NOTE}>Ingress</th>
              <th className="num">Viewer-hours</th>
              <th className="num">Peak viewers</th>
              <th className="num" title="Distinct remote address + user agent, estimated with HyperLogLog (about ±3 %)">
                Unique viewers (estimate)
              </th>
            </tr>
          </thead>
          <tbody>
            {report?.rows.map((r) => (
              <tr key={`${r.period}\u0001${r.core}\u0001${r.stream}`} data-testid="report-row">
                <td>{r.period}</td>
                <td>{coreName(r.core)}</td>
                <td title={r.stream}>{r.stream}</td>
                <td className="num">{formatBytes(r.egressBytes, units)}</td>
                <td className="num">{formatBytes(r.ingressBytes, units)}</td>
                <td className="num">{formatViewerHours(r.viewerHours)}</td>
                <td className="num">{formatCount(r.peakViewers)}</td>
                <td className="num">≈ {formatCount(r.uniqueViewersEstimate)}</td>
              </tr>
            ))}
            {report && report.rows.length === 0 && (
              <tr>
                <td colSpan={8} className="empty">
                  No traffic recorded in this range yet.
                </td>
              </tr>
            )}
          </tbody>
          {report && (
            <tfoot>
              <tr data-testid="report-totals">
                <th colSpan={3}>Total ({formatCountOf(report.rows.length, 'row')})</th>
                <th className="num">{formatBytes(report.totals.egressBytes, units)}</th>
                <th className="num">{formatBytes(report.totals.ingressBytes, units)}</th>
                <th className="num">{formatViewerHours(report.totals.viewerHours)}</th>
                <th className="num" title="The highest peak of any one row: viewers of different rows need not have watched at the same time, so the rows' peaks do not add up">
                  max {formatCount(report.totals.peakViewers)}
                </th>
                <th className="num">≈ {formatCount(report.totals.uniqueViewersEstimate)}</th>
              </tr>
            </tfoot>
          )}
        </table>
      </div>
    </div>
  );
}
