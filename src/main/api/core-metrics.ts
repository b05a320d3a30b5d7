/**
 * Core's metrics API for the session metrics (`http/handler/api/metrics.go`, `monitor/session.go`):
 * - `GET /api/v3/metrics`: `[{"name","description","labels"}]` sorted by name, the nine `session_*` metrics of
 *   Core's session collector, each labelled by `collector`.
 * - `POST /api/v3/metrics` with `{"timerange_sec","interval_sec","metrics":[{"name","labels":{label: regexp}}]}`:
 *   `timerange_sec` 0 → the current values; otherwise the history kept by this monitor (Core's defaults: 300 s at
 *   2 s), thinned to `interval_sec`. The answer `{"timerange_sec","interval_sec","metrics":[{"name","labels",
 *   "values":[[unix s, value]]}]}` states the monitor's own resolution, as Core does; values are written with no
 *   decimals when integral, else three.
 * Memory is bounded: rangeSec / intervalSec samples of (9 × collectors) numbers.
 */
import type { Clock, SessionReader, TimerHandle } from '../engine/types.ts';
import { RawNumber, stringifyGo, type JsonValue } from '../engine/go-json.ts';

interface MetricDef {
  name: string;
  description: string;
  value: (reader: SessionReader, collector: string) => number;
}

/** Core's session metrics, in its Describe() order. */
const METRICS: readonly MetricDef[] = [
  { name: 'session_total', description: 'Total sessions', value: (r, c) => r.summary(c).history.totals.sessions },
  { name: 'session_limit', description: 'Max. number of concurrent sessions', value: (r, c) => r.summary(c).maxSessions },
  { name: 'session_active', description: 'Number of current sessions', value: (r, c) => r.summary(c).activeSessions },
  { name: 'session_rxbytes', description: 'Number of received bytes', value: (r, c) => r.summary(c).history.totals.rxBytes },
  { name: 'session_txbytes', description: 'Number of transmitted bytes', value: (r, c) => r.summary(c).history.totals.txBytes },
  { name: 'session_rxbitrate', description: 'Current receiving bitrate in bit per second', value: (r, c) => r.summary(c).rxBitsPerSec },
  { name: 'session_txbitrate', description: 'Current transmitting bitrate in bit per second', value: (r, c) => r.summary(c).txBitsPerSec },
  { name: 'session_maxtxbitrate', description: 'Max. allowed transmitting bitrate in bit per second', value: (r, c) => r.summary(c).maxTxBitsPerSec },
  { name: 'session_maxrxbitrate', description: 'Max. allowed receiving bitrate in bit per second', value: () => 0 },
];

/** One query pattern: the metric's name and a regular expression per label (Go's regexp.MatchString: unanchored). */
export interface MetricPattern {
  name: string;
  labels: Map<string, RegExp>;
}

export class MetricsQueryError extends Error {
  override name = 'MetricsQueryError';
}

interface Sample {
  tsSec: number;
  /** values[m * collectors.length + c] */
  values: Float64Array;
  collectors: readonly string[];
}

export interface SessionMetricsOptions {
  reader: SessionReader;
  clock: Clock;
  /** How far back the history goes, s (Core: `metrics.range_sec`, 300). */
  rangeSec?: number;
  /** Sampling interval, s (Core: `metrics.interval_sec`, 2). */
  intervalSec?: number;
}

/** Parses Core's MetricsQuery; throws MetricsQueryError with Go-like wording on a wrong shape. */
export function parseMetricsQuery(body: unknown): { timerangeSec: number; intervalSec: number; patterns: MetricPattern[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MetricsQueryError('expected a JSON object');
  const b = body as Record<string, unknown>;
  const int = (k: string): number => {
    const v = b[k] ?? 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86_400 * 366) throw new MetricsQueryError(`${k}: expected a non-negative integer number of seconds`);
    return v;
  };
  const list = b.metrics ?? [];
  if (!Array.isArray(list) || list.length > 1000) throw new MetricsQueryError('metrics: expected an array (at most 1000 entries)');
  const patterns = list.map((m, i): MetricPattern => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new MetricsQueryError(`metrics[${i}]: expected an object`);
    const { name, labels } = m as { name?: unknown; labels?: unknown };
    if (typeof name !== 'string') throw new MetricsQueryError(`metrics[${i}].name: expected a string`);
    const out = new Map<string, RegExp>();
    if (labels !== undefined && labels !== null) {
      if (typeof labels !== 'object' || Array.isArray(labels)) throw new MetricsQueryError(`metrics[${i}].labels: expected an object`);
      for (const [k, v] of Object.entries(labels)) {
        if (typeof v !== 'string' || v.length > 256) throw new MetricsQueryError(`metrics[${i}].labels.${k}: expected a string of at most 256 characters`);
        try {
          out.set(k, new RegExp(v));
        } catch {
          throw new MetricsQueryError(`metrics[${i}].labels.${k}: not a valid regular expression`);
        }
      }
    }
    return { name, labels: out };
  });
  return { timerangeSec: int('timerange_sec'), intervalSec: int('interval_sec'), patterns };
}

/** Go's `%.0f` for integral values, else `%.3f` (MetricsResponseValue.MarshalJSON). */
function metricValue(v: number): RawNumber {
  if (!Number.isFinite(v)) return new RawNumber('0');
  return new RawNumber(Number.isInteger(v) ? v.toFixed(0) : v.toFixed(3));
}

/** Samples the session metrics every interval into a bounded ring, and answers Core's metrics API. */
export class SessionMetrics {
  readonly rangeSec: number;
  readonly intervalSec: number;
  readonly #reader: SessionReader;
  readonly #clock: Clock;
  readonly #samples: Sample[] = [];
  #timer: TimerHandle | undefined;

  constructor(options: SessionMetricsOptions) {
    this.#reader = options.reader;
    this.#clock = options.clock;
    this.rangeSec = options.rangeSec ?? 300;
    this.intervalSec = options.intervalSec ?? 2;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.sample();
    this.#timer = this.#clock.setInterval(() => this.sample(), this.intervalSec * 1000);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  sample(): void {
    const collectors = this.#reader.ids();
    const values = new Float64Array(METRICS.length * collectors.length);
    METRICS.forEach((m, i) => collectors.forEach((c, j) => (values[i * collectors.length + j] = m.value(this.#reader, c))));
    this.#samples.push({ tsSec: Math.floor(this.#clock.now() / 1000), values, collectors });
    const keep = Math.max(1, Math.floor(this.rangeSec / this.intervalSec));
    if (this.#samples.length > keep) this.#samples.splice(0, this.#samples.length - keep);
  }

  describeJson(): string {
    const list = [...METRICS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return stringifyGo(list.map((m) => ({ name: m.name, description: m.description, labels: ['collector'] })));
  }

  /** The answer to a MetricsQuery (see the module doc). */
  queryJson(timerangeSec: number, intervalSec: number, patterns: readonly MetricPattern[]): string {
    let samples: Sample[];
    if (timerangeSec === 0) {
      const collectors = this.#reader.ids();
      const values = new Float64Array(METRICS.length * collectors.length);
      METRICS.forEach((m, i) => collectors.forEach((c, j) => (values[i * collectors.length + j] = m.value(this.#reader, c))));
      samples = [{ tsSec: Math.floor(this.#clock.now() / 1000), values, collectors }];
    } else {
      const from = Math.floor(this.#clock.now() / 1000) - timerangeSec;
      const step = Math.max(1, Math.round(intervalSec / this.intervalSec));
      const recent = this.#samples.filter((s) => s.tsSec >= from);
      samples = recent.filter((_, i) => (recent.length - 1 - i) % step === 0);
    }
    const series = new Map<string, { name: string; labels: Map<string, string>; values: JsonValue[] }>();
    for (const s of samples) {
      METRICS.forEach((m, i) =>
        s.collectors.forEach((c, j) => {
          const match = patterns.some((p) => p.name === m.name && [...p.labels].every(([k, re]) => k === 'collector' && re.test(c)));
          if (!match) return;
          const key = `${m.name}\u0000${c}`;
          let row = series.get(key);
          if (!row) series.set(key, (row = { name: m.name, labels: new Map([['collector', c]]), values: [] }));
          row.values.push([s.tsSec, metricValue(s.values[i * s.collectors.length + j]!)]);
        }),
      );
    }
    return stringifyGo({
      timerange_sec: this.rangeSec,
      interval_sec: this.intervalSec,
      metrics: [...series.values()].map((r) => ({ name: r.name, labels: r.labels, values: r.values })),
    });
  }
}
