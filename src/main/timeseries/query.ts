/**
 * Reads of the time-series store: one series over a time range in buckets (outages as null, not zero), and the
 * report per day or month, per stream and core. The coarsest tier that still holds the range and is no coarser than
 * the step is read by point lookups of its bucket times; what is not rolled up yet comes from the raw samples.
 */
import { TS_ALL, type ReportQuery, type ReportResult, type ReportRow, type TimeseriesGap, type TimeseriesMissingCore, type TimeseriesQuery, type TimeseriesResult } from '../../shared/timeseries.ts';
import { zoneDayEdges } from '../../shared/zone.ts';
import { HyperLogLog } from './hll.ts';
import { DEFAULT_TIMEOUTS } from '../remote/client.ts';
import { floorTo, OBSERVED_STATES, type TimeseriesStore } from './store.ts';

/** Bucket widths the default step is chosen from (seconds). */
const NICE_STEPS_SEC = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];
/** About this many buckets when the step is not given. */
const DEFAULT_BUCKETS = 600;
/** Never more buckets than this in one answer (the step grows instead). */
export const MAX_BUCKETS = 5000;

/** One bucket's sums (bucket start `t`, seconds). */
interface AggRow {
  t: number;
  dur_s: number;
  viewer_s: number;
  viewers_max: number;
  publisher_s: number;
  publishers_max: number;
  rx_bytes: number;
  tx_bytes: number;
}

/** The series ids the query adds up, and whose states (`*`: the sampler's own) decide what is a gap. */
function resolveSeries(store: TimeseriesStore, core: string, stream: string, protocol: string): number[] {
  const one = (c: string, s: string, p: string): number[] => {
    const id = store.seriesId({ core: c, stream: s, protocol: p });
    return id === undefined ? [] : [id];
  };
  if (stream === TS_ALL && protocol === TS_ALL) return one(core, TS_ALL, TS_ALL);
  if (protocol === TS_ALL) {
    if (core !== TS_ALL) return one(core, stream, TS_ALL);
    const rows = store.db.prepare("SELECT id FROM series WHERE core != '*' AND stream = ? AND protocol = '*'").all(stream) as Array<{ id: number }>;
    return rows.map((r) => r.id);
  }
  const rows = store.db
    .prepare("SELECT id FROM series WHERE protocol = ? AND stream != '*' AND core != '*' AND (? = '*' OR core = ?) AND (? = '*' OR stream = ?)")
    .all(protocol, core, core, stream, stream) as Array<{ id: number }>;
  return rows.map((r) => r.id);
}

/** Raw samples of the series in [fromS, toS) as bucket rows at their round times, summed over series. */
function readRaw(store: TimeseriesStore, ids: number[], fromS: number, toS: number): AggRow[] {
  if (ids.length === 0 || toS <= fromS) return [];
  return store.db
    .prepare(
      `SELECT r.t AS t, MAX(x.dur_s) AS dur_s, SUM(x.viewers * x.dur_s) AS viewer_s, SUM(x.viewers) AS viewers_max,
        SUM(x.publishers * x.dur_s) AS publisher_s, SUM(x.publishers) AS publishers_max, SUM(x.rx_bytes) AS rx_bytes, SUM(x.tx_bytes) AS tx_bytes
       FROM rounds r JOIN raw x ON x.t = r.t AND x.series IN (SELECT value FROM json_each(?))
       WHERE r.t >= ? AND r.t < ? GROUP BY r.t ORDER BY r.t`,
    )
    .all(JSON.stringify(ids), fromS, toS) as unknown as AggRow[];
}

/** Aggregate rows of one tier for the bucket times in [fromS, toS) (aligned to its resolution), summed over series. */
function readAgg(store: TimeseriesStore, table: string, resSec: number, ids: number[], fromS: number, toS: number): AggRow[] {
  if (ids.length === 0 || toS <= fromS) return [];
  const start = floorTo(fromS, resSec);
  return store.db
    .prepare(
      `WITH RECURSIVE g(t) AS (SELECT ? UNION ALL SELECT t + ? FROM g WHERE t + ? < ?)
       SELECT a.t AS t, MAX(a.dur_s) AS dur_s, SUM(a.viewer_s) AS viewer_s, SUM(a.viewers_max) AS viewers_max, SUM(a.publisher_s) AS publisher_s,
        SUM(a.publishers_max) AS publishers_max, SUM(a.rx_bytes) AS rx_bytes, SUM(a.tx_bytes) AS tx_bytes
       FROM g JOIN ${table} a ON a.t = g.t AND a.series IN (SELECT value FROM json_each(?)) GROUP BY a.t ORDER BY a.t`,
    )
    .all(start, resSec, resSec, toS, JSON.stringify(ids)) as unknown as AggRow[];
}

interface Span {
  startMs: number;
  endMs: number;
  state: string;
}

function readSpans(store: TimeseriesStore, core: string, fromMs: number, toMs: number): Span[] {
  const rows = store.db.prepare('SELECT start_ms, end_ms, state FROM spans WHERE core = ? AND end_ms > ? AND start_ms < ? ORDER BY start_ms').all(core, fromMs, toMs) as Array<{
    start_ms: number;
    end_ms: number;
    state: string;
  }>;
  return rows.map((r) => ({ startMs: r.start_ms, endMs: r.end_ms, state: r.state }));
}

/**
 * How long a Core may read `connecting` (its first answer on its way: after each start of the app, a resume, a new
 * address) before the sums count it as missing: one poll round (it answers or fails within it, then `unreachable`)
 * and the sampling round it falls in. Shorter, it is no outage: every restart would leave a thin amber line.
 */
export function connectingGraceMs(intervalMs: number): number {
  return DEFAULT_TIMEOUTS.pollTimeoutMs + intervalMs;
}

/**
 * With all cores: the stretches of [fromMs, untilMs) in which a watched Core was in a failing state (not online, not
 * paused by the operator), each clipped to the range, oldest first. A removed Core has no span: it is not missing;
 * nor is a Core `connecting` for no longer than `connectingGraceMs` (its whole span counts once it is longer).
 */
export function missingCoresOf(store: TimeseriesStore, fromMs: number, untilMs: number): TimeseriesMissingCore[] {
  if (untilMs <= fromMs) return [];
  const rows = store.db
    .prepare("SELECT core, start_ms, end_ms, state FROM spans WHERE core != ? AND end_ms > ? AND start_ms < ? AND state != 'paused' ORDER BY start_ms, core")
    .all(TS_ALL, fromMs, untilMs) as Array<{ core: string; start_ms: number; end_ms: number; state: string }>;
  const graceMs = connectingGraceMs(store.tiers[0].resolutionSec * 1000);
  const out: TimeseriesMissingCore[] = [];
  for (const r of rows) {
    if (OBSERVED_STATES.has(r.state)) continue;
    // The span's whole length, not the part inside the range: a long wait cut by the range start is still long.
    if (r.state === 'connecting' && r.end_ms - r.start_ms <= graceMs) continue;
    out.push({ fromMs: Math.max(fromMs, r.start_ms), toMs: Math.min(untilMs, r.end_ms), core: r.core, state: r.state });
  }
  return out;
}

/** The bucket width: the asked step, or a round one giving about 600 buckets over the range. */
export function chooseStep(rangeSec: number, stepSec: number | undefined): number {
  if (stepSec !== undefined && stepSec > 0) return stepSec;
  const target = rangeSec / DEFAULT_BUCKETS;
  return NICE_STEPS_SEC.find((s) => s >= target) ?? NICE_STEPS_SEC[NICE_STEPS_SEC.length - 1];
}

/**
 * The bucket edges (Unix seconds, n + 1 for n buckets) over [fromS, toS): multiples of `step` since 1970 (UTC's), or,
 * for a step of whole days with a zone `tz`, that zone's local midnights (a day of 23 or 25 hours across DST).
 */
export function bucketEdges(fromS: number, toS: number, step: number, tz: string | undefined): number[] {
  if (tz !== undefined && step % 86_400 === 0) return zoneDayEdges(fromS * 1000, toS * 1000, step / 86_400, tz).map((ms) => Math.round(ms / 1000));
  const from0 = floorTo(fromS, step);
  const n = Math.max(1, Math.ceil((toS - from0) / step));
  return Array.from({ length: n + 1 }, (_, b) => from0 + b * step);
}

/** The bucket of time `t` (the last edge at or before it; -1 before the first). */
function edgeIndex(edges: readonly number[], t: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  if (t < edges[0]!) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return t >= edges[hi]! ? hi : lo;
}

/** One series over [fromMs, toMs) in buckets of `stepSec` (see TimeseriesResult). */
export function querySeries(store: TimeseriesStore, q: TimeseriesQuery, nowMs: number): TimeseriesResult {
  const core = q.core ?? TS_ALL;
  const stream = q.stream ?? TS_ALL;
  const protocol = q.protocol ?? TS_ALL;
  const fromS = Math.floor(q.fromMs / 1000);
  const toS = Math.ceil(q.toMs / 1000);
  const nowS = Math.floor(nowMs / 1000);
  const tiers = store.tiers;
  let step = chooseStep(toS - fromS, q.stepSec);
  const covering = tiers.map((t, i) => ({ t, i })).filter(({ t }) => nowS - t.retentionSec <= fromS);
  const fits = covering.filter(({ t }) => t.resolutionSec <= step);
  const chosen = fits.length > 0 ? fits[fits.length - 1] : covering.length > 0 ? covering[0] : { t: tiers[tiers.length - 1], i: tiers.length - 1 };
  const res = chosen.t.resolutionSec;
  step = Math.max(res, Math.ceil(step / res) * res);
  while ((toS - floorTo(fromS, step)) / step > MAX_BUCKETS) step *= 2;
  // Day steps follow the asker's calendar days when it names its zone (its axis ticks are its local midnights).
  const edges = bucketEdges(fromS, toS, step, q.tz);
  const from0 = edges[0]!;
  const n = edges.length - 1;
  const bucketOf = (t: number): number => (q.tz === undefined || step % 86_400 !== 0 ? Math.floor((t - from0) / step) : edgeIndex(edges, t));

  const ids = resolveSeries(store, core, stream, protocol);
  let rows: AggRow[];
  if (chosen.i === 0) {
    rows = readRaw(store, ids, from0, toS);
  } else {
    const rolled = store.rolledUntilSec() ?? from0;
    rows = [...readAgg(store, chosen.t.table, res, ids, from0, Math.min(toS, rolled)), ...readRaw(store, ids, Math.max(from0, rolled), toS)];
  }

  const viewerS = new Array<number>(n).fill(0);
  const viewersPeak = new Array<number>(n).fill(0);
  const publisherS = new Array<number>(n).fill(0);
  const rx = new Array<number>(n).fill(0);
  const tx = new Array<number>(n).fill(0);
  const publishersPeak = new Array<number>(n).fill(0);
  for (const r of rows) {
    const b = bucketOf(r.t);
    if (b < 0 || b >= n) continue;
    viewerS[b] += r.viewer_s;
    publisherS[b] += r.publisher_s;
    rx[b] += r.rx_bytes;
    tx[b] += r.tx_bytes;
    if (r.viewers_max > viewersPeak[b]) viewersPeak[b] = r.viewers_max;
    if (r.publishers_max > publishersPeak[b]) publishersPeak[b] = r.publishers_max;
  }

  const fromMs0 = from0 * 1000;
  const spans = readSpans(store, core, fromMs0, toS * 1000);
  const observedMs = new Array<number>(n).fill(0);
  for (const s of spans) {
    if (!OBSERVED_STATES.has(s.state)) continue;
    const a = Math.max(s.startMs, fromMs0);
    const z = Math.min(s.endMs, edges[n]! * 1000);
    for (let b = bucketOf(Math.floor(a / 1000)); b < n && edges[b]! * 1000 < z; b++) {
      observedMs[b] += Math.max(0, Math.min(z, edges[b + 1]! * 1000) - Math.max(a, edges[b]! * 1000));
    }
  }

  const atMs: number[] = [];
  const out = { viewers: [] as (number | null)[], viewersPeak: [] as (number | null)[], publishers: [] as (number | null)[], rxBytes: [] as (number | null)[], txBytes: [] as (number | null)[] };
  const observedSec: number[] = [];
  for (let b = 0; b < n; b++) {
    atMs.push(edges[b]! * 1000);
    const obs = Math.min(edges[b + 1]! - edges[b]!, observedMs[b] / 1000);
    observedSec.push(obs);
    if (obs <= 0) {
      out.viewers.push(null);
      out.viewersPeak.push(null);
      out.publishers.push(null);
      out.rxBytes.push(null);
      out.txBytes.push(null);
      continue;
    }
    out.viewers.push(Math.min(viewersPeak[b], viewerS[b] / obs));
    out.viewersPeak.push(viewersPeak[b]);
    out.publishers.push(Math.min(publishersPeak[b], publisherS[b] / obs));
    out.rxBytes.push(rx[b]);
    out.txBytes.push(tx[b]);
  }
  const intervalMs = tiers[0].resolutionSec * 1000;
  return {
    core,
    stream,
    protocol,
    fromMs: q.fromMs,
    toMs: q.toMs,
    stepSec: step,
    tierSec: res,
    atMs,
    ...out,
    observedSec,
    gaps: gapsOf(spans, q.fromMs, Math.min(q.toMs, nowMs), intervalMs),
    missingCores: core === TS_ALL ? missingCoresOf(store, q.fromMs, Math.min(q.toMs, nowMs)) : [],
  };
}

/**
 * Stretches of [fromMs, untilMs) not covered by an observed span, each named by the state then (or `no-data`).
 * The last interval before `untilMs` is not a gap: its round is not written yet.
 */
export function gapsOf(spans: readonly Span[], fromMs: number, untilMs: number, intervalMs: number): TimeseriesGap[] {
  const gaps: TimeseriesGap[] = [];
  const stateAt = (a: number, z: number): string => spans.find((s) => !OBSERVED_STATES.has(s.state) && s.startMs < z && s.endMs > a)?.state ?? 'no-data';
  let cursor = fromMs;
  for (const s of spans) {
    if (!OBSERVED_STATES.has(s.state)) continue;
    if (s.startMs > cursor) gaps.push({ fromMs: cursor, toMs: Math.min(s.startMs, untilMs), state: stateAt(cursor, s.startMs) });
    cursor = Math.max(cursor, s.endMs);
    if (cursor >= untilMs) break;
  }
  if (cursor < untilMs - 2 * intervalMs) gaps.push({ fromMs: cursor, toMs: untilMs, state: stateAt(cursor, untilMs) });
  return gaps.filter((g) => g.toMs > g.fromMs);
}

interface ReportAcc {
  row: ReportRow;
  viewerS: number;
  hll: HyperLogLog | null;
}

/** The report per day (or month) and stream of each core: egress, ingress, viewer-hours, peak, unique estimate. */
export function dailyReport(store: TimeseriesStore, q: ReportQuery): ReportResult {
  const period = q.period ?? 'day';
  const dayOf = store.options.dayOf;
  const firstDay = dayOf(q.fromMs);
  const lastDay = dayOf(Math.max(q.fromMs, q.toMs - 1));
  const periodOf = (day: string): string => (period === 'month' ? day.slice(0, 7) : day);
  const db = store.db;
  const streams = new Map<number, { core: string; stream: string }>();
  const seriesRows = db.prepare("SELECT id, core, stream FROM series WHERE core != '*' AND stream != '*' AND protocol = '*' AND (? IS NULL OR core = ?)").all(q.core ?? null, q.core ?? null) as Array<{
    id: number;
    core: string;
    stream: string;
  }>;
  for (const r of seriesRows) streams.set(r.id, { core: r.core, stream: r.stream });

  const acc = new Map<string, ReportAcc>();
  const entry = (day: string, core: string, stream: string): ReportAcc => {
    const p = periodOf(day);
    const k = `${p}\u0000${core}\u0000${stream}`;
    let a = acc.get(k);
    if (!a) {
      a = { row: { period: p, core, stream, egressBytes: 0, ingressBytes: 0, viewerHours: 0, peakViewers: 0, uniqueViewersEstimate: 0 }, viewerS: 0, hll: null };
      acc.set(k, a);
    }
    return a;
  };
  const addRow = (day: string, series: number, r: { viewer_s: number; viewers_max: number; rx_bytes: number; tx_bytes: number }): void => {
    const s = streams.get(series);
    if (!s || day < firstDay || day > lastDay) return;
    const a = entry(day, s.core, s.stream);
    a.viewerS += r.viewer_s;
    a.row.egressBytes += r.tx_bytes;
    a.row.ingressBytes += r.rx_bytes;
    if (r.viewers_max > a.row.peakViewers) a.row.peakViewers = r.viewers_max;
  };
  type DayRow = { day: string; series: number; viewer_s: number; viewers_max: number; rx_bytes: number; tx_bytes: number };
  for (const r of db.prepare('SELECT day, series, viewer_s, viewers_max, rx_bytes, tx_bytes FROM daily WHERE day >= ? AND day <= ?').all(firstDay, lastDay) as unknown as DayRow[]) {
    addRow(r.day, r.series, r);
  }
  // Samples not rolled up yet (the last minute or so): straight from the raw tier.
  const rolled = store.rolledUntilSec();
  if (rolled !== null) {
    type RawRow = { t: number; series: number; dur_s: number; viewers: number; rx_bytes: number; tx_bytes: number };
    for (const r of db.prepare('SELECT t, series, dur_s, viewers, rx_bytes, tx_bytes FROM raw WHERE t >= ?').all(rolled) as unknown as RawRow[]) {
      addRow(dayOf(r.t * 1000), r.series, { viewer_s: r.viewers * r.dur_s, viewers_max: r.viewers, rx_bytes: r.rx_bytes, tx_bytes: r.tx_bytes });
    }
  }
  const union = new HyperLogLog();
  type UniqueRow = { day: string; core: string; stream: string; hll: Uint8Array };
  for (const u of db.prepare('SELECT day, core, stream, hll FROM uniques WHERE day >= ? AND day <= ?').all(firstDay, lastDay) as unknown as UniqueRow[]) {
    if (q.core !== undefined && u.core !== q.core) continue;
    const a = entry(u.day, u.core, u.stream);
    const h = HyperLogLog.decode(u.hll);
    (a.hll ??= new HyperLogLog()).merge(h);
    union.merge(h);
  }
  const rows: ReportRow[] = [];
  const totals = { egressBytes: 0, ingressBytes: 0, viewerHours: 0, peakViewers: 0, uniqueViewersEstimate: 0 };
  for (const a of acc.values()) {
    a.row.viewerHours = a.viewerS / 3600;
    a.row.uniqueViewersEstimate = a.hll?.estimate() ?? 0;
    rows.push(a.row);
    totals.egressBytes += a.row.egressBytes;
    totals.ingressBytes += a.row.ingressBytes;
    totals.viewerHours += a.row.viewerHours;
    totals.peakViewers = Math.max(totals.peakViewers, a.row.peakViewers);
  }
  totals.uniqueViewersEstimate = union.estimate();
  rows.sort((x, y) => (x.period < y.period ? -1 : x.period > y.period ? 1 : x.core < y.core ? -1 : x.core > y.core ? 1 : x.stream < y.stream ? -1 : x.stream > y.stream ? 1 : 0));
  return { fromMs: q.fromMs, toMs: q.toMs, period, rows, totals };
}
