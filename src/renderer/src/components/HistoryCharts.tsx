import { useEffect, useMemo, useState } from 'react';
import type { TimeseriesGap, TimeseriesMissingCore, TimeseriesResult } from '../../../shared/timeseries.ts';
import { PALETTE } from '../charts/register.ts';
import { formatBitrate, formatCount } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { formatDateTime, isSliding, resolveRange, type TimeRange } from '../timeseries/range.ts';
import { sumSeries } from '../timeseries/sum.ts';
import { TimeSeriesChart, type TimeLine } from './TimeSeriesChart.tsx';

const NO_GAPS: readonly TimeseriesGap[] = [];

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
  /** One line per core instead of their sum (the Overview's "All cores (per core)"): these cores' ids, `core` unused. */
  perCore?: readonly string[];
}

/** The page's time zone: its axis ticks are its local midnights, so its day buckets start there too. */
const PAGE_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** An answer of the time-series history: the query it answers, whether it was asked per core, its parts. */
interface Loaded {
  query: string;
  split: boolean;
  parts: { core: string | undefined; result: TimeseriesResult }[];
}

/** One part of a chart: a core's series (its name in the labels), or the one series of the chart ('' as name). */
export interface HistoryPart {
  name: string;
  result: TimeseriesResult;
}

/**
 * The lines of the two charts: for one series its average and peak viewers, egress and ingress; for a core each
 * (`parts` named), its average viewers, its egress and (dashed) its ingress, in its own colour. The peak is the
 * highest bucket peak of any part; points count the buckets the first part observed.
 */
export function historyLines(parts: readonly HistoryPart[]): { viewers: TimeLine[]; traffic: TimeLine[]; peak: number; points: number } {
  const bits = (r: TimeseriesResult, bytes: (number | null)[]): (number | null)[] => bytes.map((b, i) => (b === null || r.observedSec[i]! <= 0 ? null : (b * 8) / r.observedSec[i]!));
  const viewers: TimeLine[] = [];
  const traffic: TimeLine[] = [];
  let peak = 0;
  parts.forEach(({ name, result: r }, i) => {
    for (const v of r.viewersPeak) if (v !== null && v > peak) peak = v;
    if (parts.length === 1 && name === '') {
      viewers.push({ label: 'viewers (average)', color: PALETTE[2]!, values: r.viewers }, { label: 'viewers (peak)', color: PALETTE[2]!, values: r.viewersPeak, dashed: true });
      traffic.push({ label: 'egress', color: PALETTE[1]!, values: bits(r, r.txBytes) }, { label: 'ingress', color: PALETTE[0]!, values: bits(r, r.rxBytes) });
      return;
    }
    const color = PALETTE[i % PALETTE.length]!;
    viewers.push({ label: `${name} viewers`, color, values: r.viewers });
    traffic.push({ label: `${name} egress`, color, values: bits(r, r.txBytes) }, { label: `${name} ingress`, color, values: bits(r, r.rxBytes), dashed: true });
  });
  const points = parts[0]?.result.viewers.filter((v) => v !== null).length ?? 0;
  return { viewers, traffic, peak, points };
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
export function HistoryCharts({ core, stream, protocol, range, onRangeChange, idPrefix = 'history', perCore }: Props): React.JSX.Element {
  const api = useApp((s) => s.api);
  const units = useApp((s) => s.units);
  const coreName = useApp((s) => s.coreName);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  // The keys as one text, so a new array of the same keys (each push) does not fetch again.
  const streamKeys = typeof stream === 'string' || stream === undefined ? stream : stream.join('\u0000');
  const coreKeys = perCore?.join('\u0000');
  // What is asked now; until its answer comes the charts keep the last answer, marked `data-stale`.
  const query = JSON.stringify([core, coreKeys, streamKeys, protocol, range.key, range.fromMs, range.toMs]);
  useEffect(() => {
    if (!api) return;
    const keys = streamKeys === undefined || streamKeys === '' ? [undefined] : streamKeys.split('\u0000');
    const cores = coreKeys === undefined ? [core] : coreKeys.split('\u0000');
    let live = true;
    const load = async (): Promise<void> => {
      const { fromMs, toMs } = resolveRange(range, Date.now());
      try {
        const answers = await Promise.all(
          cores.map(async (c) => ({ core: c, result: sumSeries(await Promise.all(keys.map((key) => api.invoke('timeseries:query', { core: c, stream: key, protocol, fromMs, toMs, tz: PAGE_TIME_ZONE })))) })),
        );
        if (!live) return;
        setLoaded({ query, split: coreKeys !== undefined, parts: answers });
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
  }, [api, core, coreKeys, streamKeys, protocol, range, query]);

  // The lines follow the answer shown (per core or not, as it was asked), not the props, while a new answer loads.
  const split = loaded?.split ?? false;
  const charts = useMemo(() => (loaded ? historyLines(loaded.parts.map((p) => ({ name: loaded.split ? coreName(p.core ?? '') : '', result: p.result }))) : null), [loaded, coreName]);
  // Per core, each line breaks where its core was not observed; the shading is one series' (its gaps, missing Cores).
  const data = loaded && loaded.parts.length > 0 ? loaded.parts[0]!.result : null;
  const shadeGaps = split ? NO_GAPS : (data?.gaps ?? NO_GAPS);

  const zoom = (fromMs: number, toMs: number): void => onRangeChange({ key: 'custom', fromMs, toMs });
  const missingNote = data ? missingCoresNote(data.missingCores, coreName) : '';
  const label = data ? `${formatDateTime(data.fromMs)} – ${formatDateTime(data.toMs)}` : '';
  return (
    <div className="history-charts" data-testid={`${idPrefix}-charts`} data-points={charts?.points ?? 0} data-peak-viewers={charts?.peak ?? 0} data-step-sec={data?.stepSec ?? 0} data-missing-cores={data?.missingCores.length ?? 0}
      data-stale={loaded !== null && loaded.query !== query ? 'true' : undefined}
    >
      <p className="hint">
        {label}
        {data && ` · one point per ${stepText(data.stepSec)}`}
        {split && ' · one line per core; a break: that core offline or the app not running'}
        {!split && data && data.gaps.length > 0 && ' · shaded: no data (core offline or app not running)'}
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
              gaps={shadeGaps}
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
              gaps={shadeGaps}
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
