/**
 * Validation of time-series and report queries, from URL parameters (the HTTP API) and from the page's calls (IPC):
 * bad input is a clear error naming the parameter, never a crash and never an unbounded query.
 */
import type { ReportQuery, TimeseriesQuery } from '../../shared/timeseries.ts';
import { isTimeZone } from '../../shared/zone.ts';

/** A query that cannot be answered; the message names the parameter. */
export class QueryError extends Error {
  override name = 'QueryError';
  /** The page's IPC error code for bad arguments (src/main/ui/app-control.ts `toIpcError`). */
  readonly code = 'bad-args';
}

/** The longest range one query may span (a little over the default 2-year hour tier). */
export const MAX_RANGE_MS = 3 * 366 * 86_400_000;
const MAX_NAME_CHARS = 512;
const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `12`, `30s`, `5m`, `1h`, `7d` → seconds. */
export function parseDurationSec(value: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(value.trim());
  if (!m) throw new QueryError(`${what}: expected seconds or a duration such as 30s, 5m, 1h, 7d; got "${value}"`);
  const sec = Number(m[1]) * (m[2] ? UNIT_SEC[m[2]] : 1);
  if (!Number.isFinite(sec) || sec <= 0) throw new QueryError(`${what}: must be more than 0`);
  return sec;
}

/** Unix milliseconds, an ISO 8601 date or time, `now`, or `now-<duration>` → Unix milliseconds. */
export function parseTimeMs(value: string, what: string, nowMs: number): number {
  const v = value.trim();
  if (v === 'now') return nowMs;
  const rel = /^now-(.+)$/.exec(v);
  if (rel) return nowMs - parseDurationSec(rel[1], what) * 1000;
  if (/^\d{1,15}$/.test(v)) return Number(v);
  // A bare date is the start of that day in the app's local time (as the report's days).
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const ms = day ? new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime() : Date.parse(v);
  if (!Number.isFinite(ms)) throw new QueryError(`${what}: expected Unix milliseconds, an ISO 8601 time, "now" or "now-1h"; got "${value}"`);
  return ms;
}

function name(value: string | undefined, what: string): string | undefined {
  if (value === undefined || value === '' || value === '*') return undefined;
  if (value.length > MAX_NAME_CHARS) throw new QueryError(`${what}: longer than ${MAX_NAME_CHARS} characters`);
  return value;
}

/** A time zone the runtime knows (IANA name), or a clear error. */
function timeZone(value: string): string {
  if (value.length > 64 || !isTimeZone(value)) throw new QueryError(`tz: expected a time zone such as Europe/Berlin or UTC, got "${value.slice(0, 64)}"`);
  return value;
}

function range(fromMs: number, toMs: number): void {
  if (!(toMs > fromMs)) throw new QueryError('to must be later than from');
  if (toMs - fromMs > MAX_RANGE_MS) throw new QueryError('the range is longer than 3 years');
}

/** A time-series query from parameters; defaults: the last hour up to now, all cores, streams and protocols. */
export function timeseriesQueryOf(get: (name: string) => string | undefined, nowMs: number): TimeseriesQuery {
  const toMs = get('to') ? parseTimeMs(get('to')!, 'to', nowMs) : nowMs;
  const fromMs = get('from') ? parseTimeMs(get('from')!, 'from', nowMs) : toMs - 3_600_000;
  range(fromMs, toMs);
  const step = get('step');
  const query: TimeseriesQuery = {
    core: name(get('core'), 'core'),
    stream: name(get('stream'), 'stream'),
    protocol: name(get('protocol'), 'protocol'),
    fromMs,
    toMs,
    stepSec: step ? parseDurationSec(step, 'step') : undefined,
  };
  const tz = get('tz');
  if (tz !== undefined && tz !== '') query.tz = timeZone(tz);
  return query;
}

/** A report query from parameters; defaults: the last 30 days up to now. */
export function reportQueryOf(get: (name: string) => string | undefined, nowMs: number): ReportQuery {
  const toMs = get('to') ? parseTimeMs(get('to')!, 'to', nowMs) : nowMs;
  const fromMs = get('from') ? parseTimeMs(get('from')!, 'from', nowMs) : toMs - 30 * 86_400_000;
  range(fromMs, toMs);
  const period = get('period') ?? 'day';
  if (period !== 'day' && period !== 'month') throw new QueryError(`period: expected day or month, got "${period}"`);
  return { fromMs, toMs, period, core: name(get('core'), 'core') };
}

/** The page's query object (IPC), checked field by field. */
export function timeseriesQueryFromObject(value: unknown, nowMs: number): TimeseriesQuery {
  return timeseriesQueryOf(objectGetter(value), nowMs);
}

export function reportQueryFromObject(value: unknown, nowMs: number): ReportQuery {
  return reportQueryOf(objectGetter(value), nowMs);
}

/** Reads `fromMs`/`from`, `toMs`/`to`, `stepSec`/`step` and the names from a plain object. */
function objectGetter(value: unknown): (name: string) => string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new QueryError('expected a query object');
  const o = value as Record<string, unknown>;
  const aliases: Record<string, string> = { from: 'fromMs', to: 'toMs', step: 'stepSec' };
  return (key) => {
    const v = o[key] ?? (aliases[key] ? o[aliases[key]] : undefined);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return String(Math.round(v));
    if (typeof v === 'string') return v;
    throw new QueryError(`${key}: expected a string or a number`);
  };
}
