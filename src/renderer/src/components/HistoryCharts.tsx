import { useEffect, useMemo, useState } from 'react';
import type { TimeseriesResult } from '../../../shared/timeseries.ts';
import { PALETTE } from '../charts/register.ts';
import { formatBitrate, formatCount } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { formatDateTime, isSliding, resolveRange, type TimeRange } from '../timeseries/range.ts';
import { TimeSeriesChart, type TimeLine } from './TimeSeriesChart.tsx';

/** How often a range that ends now is fetched again. */
const REFRESH_MS = 10_000;

interface Props {
  /** Omitted: all cores / streams / protocols (the stored totals). */
  core?: string;
  stream?: string;
  protocol?: string;
  range: TimeRange;
  /** A drag across a chart zooms to that range (a fixed `custom` range). */
  onRangeChange: (r: TimeRange) => void;
  /** Prefix of the test ids (`history` on the Overview; a stream page can pass its own). */
  idPrefix?: string;
}

/**
 * Viewers and traffic of one series of the time-series history over the chosen range: average and peak viewers,
 * egress and ingress as bit/s; outages shaded. Reusable by any view (the Overview; a stream's page).
 */
export function HistoryCharts({ core, stream, protocol, range, onRangeChange, idPrefix = 'history' }: Props): React.JSX.Element {
  const api = useApp((s) => s.api);
  const units = useApp((s) => s.units);
  const [data, setData] = useState<TimeseriesResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!api) return;
    let live = true;
    const load = async (): Promise<void> => {
      const { fromMs, toMs } = resolveRange(range, Date.now());
      try {
        const result = await api.invoke('timeseries:query', { core, stream, protocol, fromMs, toMs });
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
  }, [api, core, stream, protocol, range]);

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
  const label = data ? `${formatDateTime(data.fromMs)} – ${formatDateTime(data.toMs)}` : '';
  return (
    <div className="history-charts" data-testid={`${idPrefix}-charts`} data-points={charts?.points ?? 0} data-peak-viewers={charts?.peak ?? 0} data-step-sec={data?.stepSec ?? 0}>
      <p className="hint">
        {label}
        {data && ` · one point per ${data.stepSec >= 3600 ? `${data.stepSec / 3600} h` : data.stepSec >= 60 ? `${data.stepSec / 60} min` : `${data.stepSec} s`}`}
        {data && data.gaps.length > 0 && ' · shaded: no data (core offline or app not running)'}
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
