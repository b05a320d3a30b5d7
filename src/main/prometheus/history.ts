/**
 * The history read from a Prometheus-compatible query API (`--history-backend prometheus`): the same answers as the
 * embedded store (src/main/timeseries/query.ts), computed with PromQL range queries over the series this app
 * exports on /metrics (src/main/prometheus/fleet-metrics.ts). Buckets are the embedded store's: `[t, t + step)`
 * from `floor(from / step) * step`, each evaluated at its end over a `[step]` window.
 *
 * - viewers (average): `sum(avg_over_time(viewers[step]))`; peak: the higher of `max_over_time(sum(viewers)
 *   [step:res])` (the sum, at the subquery resolution) and `max(max_over_time(viewers[step]))` (one protocol, at
 *   every sample): exact for a stream watched over one protocol; publishers' average likewise.
 * - bytes: `sum(increase(*_bytes_total[step]))` (Prometheus extrapolates to the window edges: not whole bytes).
 * - observed: `avg_over_time(core_sessions_core_up[step])` of the core (over all cores: the best of them) times
 *   the step; a bucket with none is null and part of a `no-data` gap, as an outage in the embedded store.
 * - missing Cores (all cores only): per core the buckets whose `min_over_time(core_sessions_core_up[step])` is below
 *   1, unless `core_sessions_core_state{state="paused"}` was 1 in them; state `down`.
 * - the report: per local day, `increase` of the byte and viewer-seconds counters, the peak as above over `[1d]`;
 *   months are sums of their days. Unique viewers are not in Prometheus: 0 there (documented).
 */
import { TS_ALL, type ReportQuery, type ReportResult, type ReportRow, type TimeseriesGap, type TimeseriesMissingCore, type TimeseriesQuery, type TimeseriesResult, type TimeseriesStatus } from '../../shared/timeseries.ts';
import { LOCAL_CORE_ID } from '../../shared/types.ts';
import type { HistoryBackend } from '../timeseries/backend.ts';
import { chooseStep, MAX_BUCKETS } from '../timeseries/query.ts';
import { localDayOf } from '../timeseries/store.ts';
import { zoneDayEdges } from '../../shared/zone.ts';
import { PrometheusClient, promString, type PrometheusClientOptions, type RangeSeries } from './query-client.ts';

export interface PrometheusHistoryOptions extends PrometheusClientOptions {
  /** The `core` label the local core is exported under (this instance's Core id); the page asks for `local`. */
  localExportId: string;
  now?: () => number;
  /** Local calendar day of a time (default: this machine's time zone). */
  dayOf?: (ms: number) => string;
}

/** Finest subquery resolution for peaks, seconds (the embedded store's default sample interval). */
const PEAK_RESOLUTION_SEC = 10;

/**
 * The peak: the sum over series sampled every `res` seconds (may miss a short peak between two points), or the
 * highest single series (protocol) at every sample, whichever is higher. Exact for a stream watched over one protocol,
 * otherwise at least every sampled sum.
 */
function peakOf(ofSum: number | undefined, ofOne: number | undefined): number | undefined {
  if (ofSum === undefined) return ofOne;
  return ofOne === undefined ? ofSum : Math.max(ofSum, ofOne);
}

function floorTo(value: number, step: number): number {
  return Math.floor(value / step) * step;
}

/** A series' values by evaluation time (Unix seconds). */
function byTime(result: RangeSeries[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of result) {
    for (const [t, v] of s.values) {
      const n = Number(v);
      if (Number.isFinite(n)) out.set(Math.round(t), (out.get(Math.round(t)) ?? 0) + n);
    }
  }
  return out;
}

export class PrometheusHistory implements HistoryBackend {
  readonly client: PrometheusClient;
  readonly options: PrometheusHistoryOptions;
  #lastError: string | undefined;

  constructor(options: PrometheusHistoryOptions) {
    this.options = options;
    this.client = new PrometheusClient(options);
  }

  #core(core: string | undefined): string | undefined {
    return core === LOCAL_CORE_ID ? this.options.localExportId : core;
  }

  /** Remembers the outcome for `status()`: a failing Prometheus shows beside the charts, not only in one answer. */
  async #track<T>(work: Promise<T>): Promise<T> {
    try {
      const out = await work;
      this.#lastError = undefined;
      return out;
    } catch (err) {
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  status(): TimeseriesStatus {
    return { ok: this.#lastError === undefined, ...(this.#lastError ? { error: this.#lastError } : {}), sizeBytes: 0, maxBytes: 0 };
  }

  query(q: TimeseriesQuery): Promise<TimeseriesResult> {
    return this.#track(this.#query(q));
  }

  report(q: ReportQuery): Promise<ReportResult> {
    return this.#track(this.#report(q));
  }

  async #query(q: TimeseriesQuery): Promise<TimeseriesResult> {
    const nowMs = (this.options.now ?? Date.now)();
    const core = this.#core(q.core);
    const fromS = Math.floor(q.fromMs / 1000);
    const toS = Math.ceil(q.toMs / 1000);
    let step = Math.max(1, Math.round(chooseStep(toS - fromS, q.stepSec)));
    while ((toS - floorTo(fromS, step)) / step > MAX_BUCKETS) step *= 2;
    // Day steps start at the asker's local midnight (`tz`), as the embedded store's; Prometheus steps are fixed, so a
    // DST change inside the range moves the later buckets by its hour.
    const from0 = q.tz !== undefined && step % 86_400 === 0 ? Math.round(zoneDayEdges(fromS * 1000, fromS * 1000 + 1, step / 86_400, q.tz)[0]! / 1000) : floorTo(fromS, step);
    const n = Math.max(1, Math.ceil((toS - from0) / step));
    const res = Math.max(1, Math.min(step, PEAK_RESOLUTION_SEC));

    const matchers = [core !== undefined ? `core=${promString(core)}` : '', q.stream !== undefined ? `stream=${promString(q.stream)}` : '', q.protocol !== undefined ? `protocol=${promString(q.protocol)}` : '']
      .filter((m) => m !== '')
      .join(',');
    const sel = (name: string): string => `${name}{${matchers}}`;
    const w = `[${step}s]`;
    const up = core !== undefined ? `max(avg_over_time(core_sessions_core_up{core=${promString(core)}}${w}))` : `max(avg_over_time(core_sessions_core_up${w}))`;
    const exprs = [
      `sum(avg_over_time(${sel('core_sessions_stream_viewers')}${w}))`,
      `max_over_time(sum(${sel('core_sessions_stream_viewers')})[${step}s:${res}s])`,
      `max(max_over_time(${sel('core_sessions_stream_viewers')}${w}))`,
      `sum(avg_over_time(${sel('core_sessions_stream_publishers')}${w}))`,
      `sum(increase(${sel('core_sessions_stream_ingest_bytes_total')}${w}))`,
      `sum(increase(${sel('core_sessions_stream_egress_bytes_total')}${w}))`,
      up,
    ];
    const start = from0 + step;
    const end = from0 + n * step;
    // With all cores: per core, the buckets in which it was not up at some sample, unless the operator paused it.
    const downExpr =
      core === undefined
        ? `min by (core) (min_over_time(core_sessions_core_up${w})) < 1 unless on (core) max by (core) (max_over_time(core_sessions_core_state{state="paused"}${w})) == 1`
        : null;
    const [answers, down] = await Promise.all([
      Promise.all(exprs.map((e) => this.client.queryRange(e, start, end, step))),
      downExpr === null ? Promise.resolve([] as RangeSeries[]) : this.client.queryRange(downExpr, start, end, step),
    ]);
    const [viewers, peakOfSum, peakOfOne, publishers, rx, tx, observed] = answers.map(byTime);

    const atMs: number[] = [];
    const out = { viewers: [] as (number | null)[], viewersPeak: [] as (number | null)[], publishers: [] as (number | null)[], rxBytes: [] as (number | null)[], txBytes: [] as (number | null)[] };
    const observedSec: number[] = [];
    const gaps: TimeseriesGap[] = [];
    const untilMs = Math.min(q.toMs, nowMs);
    for (let b = 0; b < n; b++) {
      const t = from0 + (b + 1) * step;
      const bucketMs = (from0 + b * step) * 1000;
      atMs.push(bucketMs);
      const obs = Math.min(step, (observed.get(t) ?? 0) * step);
      observedSec.push(obs);
      if (obs <= 0) {
        for (const a of [out.viewers, out.viewersPeak, out.publishers, out.rxBytes, out.txBytes]) a.push(null);
        const g0 = Math.max(bucketMs, q.fromMs);
        const g1 = Math.min(bucketMs + step * 1000, untilMs);
        if (g1 > g0) {
          const last = gaps[gaps.length - 1];
          if (last && last.toMs >= g0) last.toMs = g1;
          else gaps.push({ fromMs: g0, toMs: g1, state: 'no-data' });
        }
        continue;
      }
      const avg = viewers.get(t) ?? 0;
      const pk = peakOf(peakOfSum.get(t), peakOfOne.get(t));
      out.viewers.push(pk === undefined ? avg : Math.min(pk, avg));
      out.viewersPeak.push(pk ?? avg);
      out.publishers.push(publishers.get(t) ?? 0);
      out.rxBytes.push(rx.get(t) ?? 0);
      out.txBytes.push(tx.get(t) ?? 0);
    }
    return {
      core: q.core ?? TS_ALL,
      stream: q.stream ?? TS_ALL,
      protocol: q.protocol ?? TS_ALL,
      fromMs: q.fromMs,
      toMs: q.toMs,
      stepSec: step,
      tierSec: res,
      atMs,
      ...out,
      observedSec,
      gaps,
      missingCores: this.#missingCores(down, step, q.fromMs, untilMs),
    };
  }

  /**
   * The stretches in which a Core was down, from the per-core buckets `down` lists (evaluated at each bucket's end):
   * each bucket whole, consecutive ones joined, clipped to [fromMs, untilMs). Prometheus keeps no state name: `down`.
   */
  #missingCores(down: readonly RangeSeries[], step: number, fromMs: number, untilMs: number): TimeseriesMissingCore[] {
    const out: TimeseriesMissingCore[] = [];
    for (const s of down) {
      const label = s.metric.core ?? '';
      const shownCore = label === this.options.localExportId ? LOCAL_CORE_ID : label;
      let last: TimeseriesMissingCore | undefined;
      for (const [t] of s.values) {
        const a = Math.max(fromMs, (Math.round(t) - step) * 1000);
        const z = Math.min(untilMs, Math.round(t) * 1000);
        if (z <= a) continue;
        if (last && last.toMs >= a) last.toMs = z;
        else out.push((last = { fromMs: a, toMs: z, core: shownCore, state: 'down' }));
      }
    }
    return out.sort((x, y) => x.fromMs - y.fromMs || (x.core < y.core ? -1 : x.core > y.core ? 1 : 0));
  }

  async #report(q: ReportQuery): Promise<ReportResult> {
    const period = q.period ?? 'day';
    const dayOf = this.options.dayOf ?? localDayOf;
    const core = this.#core(q.core);
    // Local days: evaluated at the end of each day over a one-day window (a DST day is off by its hour).
    const first = new Date(q.fromMs);
    const dayStartMs = new Date(first.getFullYear(), first.getMonth(), first.getDate()).getTime();
    const startS = Math.floor(dayStartMs / 1000) + 86_400;
    const endS = Math.max(startS, Math.ceil(q.toMs / 1000) + 86_400 - 1);
    const lastS = startS + Math.floor((endS - startS) / 86_400) * 86_400;
    const m = core !== undefined ? `{core=${promString(core)}}` : '';
    const by = 'sum by (core, stream)';
    const exprs = [
      `${by} (increase(core_sessions_stream_egress_bytes_total${m}[1d]))`,
      `${by} (increase(core_sessions_stream_ingest_bytes_total${m}[1d]))`,
      `${by} (increase(core_sessions_stream_viewer_seconds_total${m}[1d])) / 3600`,
      `max_over_time((${by} (core_sessions_stream_viewers${m}))[1d:${PEAK_RESOLUTION_SEC}s])`,
      `max by (core, stream) (max_over_time(core_sessions_stream_viewers${m}[1d]))`,
    ];
    const [egress, ingress, hours, peak, peakOfOne] = await Promise.all(exprs.map((e) => this.client.queryRange(e, startS, lastS, 86_400)));
    const firstDay = dayOf(q.fromMs);
    const lastDay = dayOf(Math.max(q.fromMs, q.toMs - 1));
    const rows = new Map<string, ReportRow>();
    const add = (result: RangeSeries[], apply: (row: ReportRow, v: number) => void): void => {
      for (const s of result) {
        const c = s.metric.core ?? '';
        const shownCore = c === this.options.localExportId ? LOCAL_CORE_ID : c;
        for (const [t, text] of s.values) {
          const v = Number(text);
          if (!Number.isFinite(v)) continue;
          const day = dayOf(t * 1000 - 1);
          if (day < firstDay || day > lastDay) continue;
          const p = period === 'month' ? day.slice(0, 7) : day;
          const k = `${p}\u0000${shownCore}\u0000${s.metric.stream ?? ''}`;
          let row = rows.get(k);
          if (!row) rows.set(k, (row = { period: p, core: shownCore, stream: s.metric.stream ?? '', egressBytes: 0, ingressBytes: 0, viewerHours: 0, peakViewers: 0, uniqueViewersEstimate: 0 }));
          apply(row, v);
        }
      }
    };
    add(egress, (r, v) => (r.egressBytes += v));
    add(ingress, (r, v) => (r.ingressBytes += v));
    add(hours, (r, v) => (r.viewerHours += v));
    add(peak, (r, v) => (r.peakViewers = Math.max(r.peakViewers, v)));
    add(peakOfOne, (r, v) => (r.peakViewers = Math.max(r.peakViewers, v)));
    const list = [...rows.values()].sort((x, y) => (x.period < y.period ? -1 : x.period > y.period ? 1 : x.core < y.core ? -1 : x.core > y.core ? 1 : x.stream < y.stream ? -1 : x.stream > y.stream ? 1 : 0));
    const totals = { egressBytes: 0, ingressBytes: 0, viewerHours: 0, peakViewers: 0, uniqueViewersEstimate: 0 };
    for (const r of list) {
      totals.egressBytes += r.egressBytes;
      totals.ingressBytes += r.ingressBytes;
      totals.viewerHours += r.viewerHours;
      totals.peakViewers = Math.max(totals.peakViewers, r.peakViewers);
    }
    return { fromMs: q.fromMs, toMs: q.toMs, period, rows: list, totals };
  }
}
