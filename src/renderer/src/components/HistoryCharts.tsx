import { useEffect, useMemo, useState } from 'react';
import type { TimeseriesMissingCore, TimeseriesResult } from '../../../shared/timeseries.ts';
import { PALETTE } from '../charts/register.ts';
import { formatBitrate, formatCount } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { formatDateTime, isSliding, resolveRange, type TimeRange } from '../timeseries/range.ts';
import { sumSeries } from '../timeseries/sum.ts';
import { TimeSeriesChart, type TimeLine } from './TimeSeriesChart.tsx';

/** How often a range that ends now is fetched again. */
const REFRESH_MS = 10_000;

interface Props {
  /** Omitted: all cores / streams / protocols (the stored totals). */
  core?: string;
  /** One key, or the keys an alias merges into one stream (their series are added up: `sumSeries`). */
  stream?: string | readonly string[];
  protocol?: string;
  range: TimeRange;
  /** A drag across a chart zooms to that range (a fixed `custom` range). */
  onRangeChange: (r: TimeRange) => void;
  /** Prefix of the test ids (`history` on the Overview; a stream page can pass its own). */
  idPrefix?: string;
}

/** A bucket's width as the hint says it: `10 s`, `5 min`, `6 h`, `1 d`, `7 d`. */
export function stepText(stepSec: number): string {
  if (stepSec >= 86_400 && stepSec % 86_400 === 0) return `${stepSec / 86_400} d`;
  if (stepSec >= 3600) return `${stepSec / 3600} h`;
  return stepSec >= 60 ? `${stepSec / 60} min` : `${stepSec} s`;
}

/**
 * What the amber stretches mean, naming the Cores (at most three, then how many more) and the state of the longest
 * stretch of each; '' when no Core was missing.
 */
export function missingCoresNote(missing: readonly TimeseriesMissingCore[], nameOf: (core: string) => string): string {
  if (missing.length === 0) return '';
  const longest = new Map<string, TimeseriesMissingCore>();
  for (const m of missing) {
    const l = longest.get(m.core);
    if (!l || m.toMs - m.fromMs > l.toMs - l.fromMs) longest.set(m.core, m);
  }
  const named = [...longest.values()].map((m) => `${nameOf(m.core)} (${m.state})`);
  const list = named.length > 3 ? `${named.slice(0, 3).join(', ')} and ${named.length - 3} more` : named.join(', ');
  return `amber: ${list} not answering, ${longest.size === 1 ? 'its' : 'their'} viewers and traffic are not in the sums there`;
}

/**
 * Viewers and traffic of one series of the time-series history over the chosen range: average and peak viewers,
 * egress and ingress as bit/s; outages shaded. Reusable by any view (the Overview; a stream's page).
 */
export function HistoryCharts({ core, stream, protocol, range, onRangeChange, idPrefix = 'history' }: Props): React.JSX.Element {
  const api = useApp((s) => s.api);
  const units = useApp((s) => s.units);
  const coreName = useApp((s) => s.coreName);
  const [data, setData] = useState<TimeseriesResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The keys as one text, so a new array of the same keys (each push) does not fetch again.
  const streamKeys = typeof stream === 'string' || stream === undefined ? stream : stream.join('\u0000');
  useEffect(() => {
    if (!api) return;
    const keys = streamKeys === undefined || streamKeys === '' ? [undefined] : streamKeys.split('\u0000');
    let live = true;
    const load = async (): Promise<void> => {
      const { fromMs, toMs } = resolveRange(range, Date.now());
      try {
        const parts = await Promise.all(keys.map((key) => api.invoke('timeseries:query', { core, stream: key, protocol, fromMs, toMs })));
        const result = sumSeries(parts);
        if (!live) return;
        setData(result);
        setError(null);
      } catch (err) {
        if (live) setError((err as Error).message);
      }
    };
    void load();
    const timer = isSliding(range) ? setInterval(() => void load(), REFRESH_MS) : null;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [api, core, streamKeys, protocol, range]);

  const charts = useMemo(() => {
    if (!data) return null;
    const bits = (bytes: (number | null)[]): (number | null)[] => bytes.map((b, i) => (b === null || data.observedSec[i] <= 0 ? null : (b * 8) / data.observedSec[i]));
    const viewers: TimeLine[] = [
      { label: 'viewers (average)', color: PALETTE[2]!, values: data.viewers },
      { label: 'viewers (peak)', color: PALETTE[2]!, values: data.viewersPeak, dashed: true },
    ];
    const traffic: TimeLine[] = [
      { label: 'egress', color: PALETTE[1]!, values: bits(data.txBytes) },
      { label: 'ingress', color: PALETTE[0]!, values: bits(data.rxBytes) },
    ];
    const observed = data.viewers.filter((v) => v !== null) as number[];
    return { viewers, traffic, peak: Math.max(0, ...(data.viewersPeak.filter((v) => v !== null) as number[])), points: observed.length };
  }, [data]);

  const zoom = (fromMs: number, toMs: number): void => onRangeChange({ key: 'custom', fromMs, toMs });
  const missingNote = data ? missingCoresNote(data.missingCores, coreName) : '';
  const label = data ? `${formatDateTime(data.fromMs)} – ${formatDateTime(data.toMs)}` : '';
  return (
    <div className="history-charts" data-testid={`${idPrefix}-charts`} data-points={charts?.points ?? 0} data-peak-viewers={charts?.peak ?? 0} data-step-sec={data?.stepSec ?? 0} data-missing-cores={data?.missingCores.length ?? 0}>
      <p className="hint">
        {label}
        {data && ` · one point per ${stepText(data.stepSec)}`}
        {data && data.gaps.length > 0 && ' · shaded: no data (core offline or app not running)'}
        {missingNote !== '' && <span data-testid={`${idPrefix}-missing-cores`}>{` · ${missingNote}`}</span>}
        {' · drag across a chart to zoom'}
      </p>
      {error && (
        <p className="error-text" role="alert" data-testid={`${idPrefix}-error`}>
          {error}
        </p>
      )}
      {data && charts && (
        <div className="charts">
          <figure>
            <figcaption>Viewers</figcaption>
            <TimeSeriesChart
              atMs={data.atMs}
              lines={charts.viewers}
              fromMs={data.fromMs}
              toMs={data.toMs}
              gaps={data.gaps}
              missingCores={data.missingCores}
              formatY={(v) => formatCount(Math.round(v * 10) / 10)}
              scale="count"
              onZoom={zoom}
              testId={`${idPrefix}-chart-viewers`}
              ariaLabel="viewers over the chosen time range"
            />
          </figure>
          <figure>
            <figcaption>Traffic</figcaption>
            <TimeSeriesChart
              atMs={data.atMs}
              lines={charts.traffic}
              fromMs={data.fromMs}
              toMs={data.toMs}
              gaps={data.gaps}
              missingCores={data.missingCores}
              formatY={(v) => formatBitrate(v, units)}
              scale={units}
              onZoom={zoom}
              testId={`${idPrefix}-chart-traffic`}
              ariaLabel="egress and ingress over the chosen time range"
            />
          </figure>
        </div>
      )}
    </div>
  );
}
