/**
 * Time ranges of the history charts (the Overview and a stream's page): the picker's choices, what they mean now,
 * and time-axis ticks on local minutes, hours and days. Pure, so unit tests need no DOM.
 */

export type RangeKey = 'live' | '1h' | '24h' | '7d' | '30d' | '1y' | 'custom';

/** The picker's choices; `live` is the per-second 10-minute view kept in memory (the default). */
export const RANGE_CHOICES: ReadonlyArray<{ key: RangeKey; label: string; spanMs: number }> = [
  { key: 'live', label: 'Live 10 min', spanMs: 600_000 },
  { key: '1h', label: '1 h', spanMs: 3_600_000 },
  { key: '24h', label: '24 h', spanMs: 86_400_000 },
  { key: '7d', label: '7 d', spanMs: 7 * 86_400_000 },
  { key: '30d', label: '30 d', spanMs: 30 * 86_400_000 },
  { key: '1y', label: '1 y', spanMs: 365 * 86_400_000 },
  { key: 'custom', label: 'Custom', spanMs: 0 },
];

/** A chosen range: a sliding one (`1h` … `30d`, ending now) or fixed times (`custom`, also after a zoom). */
export interface TimeRange {
  key: RangeKey;
  fromMs?: number;
  toMs?: number;
}

export const LIVE_RANGE: TimeRange = { key: 'live' };

/** The range's times at `nowMs`. */
export function resolveRange(range: TimeRange, nowMs: number): { fromMs: number; toMs: number } {
  if (range.key === 'custom' && range.fromMs !== undefined && range.toMs !== undefined) return { fromMs: range.fromMs, toMs: range.toMs };
  const span = RANGE_CHOICES.find((c) => c.key === range.key)?.spanMs || 3_600_000;
  return { fromMs: nowMs - span, toMs: nowMs };
}

/** A range that ends now is refreshed as time goes on; a fixed one is not. */
export function isSliding(range: TimeRange): boolean {
  return range.key !== 'custom' && range.key !== 'live';
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const TICK_STEPS_MS = [MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
/** Beyond two weeks a step: ticks on the 1st of every 1, 2, 3, 6 or 12 months (a month taken as 30.44 days to choose). */
const MONTH_STEPS = [1, 2, 3, 6, 12];
const MONTH_MS = 30.44 * DAY;

/** Local midnight of the day of `ms`. */
function localMidnight(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/**
 * Tick times in [fromMs, toMs] on round local times (every 5 min, every 6 h, every midnight, every 1st of a month…),
 * at most `maxTicks` (a range of several years may have more: one a year).
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks = 8): number[] {
  const span = Math.max(1, toMs - fromMs);
  const step = TICK_STEPS_MS.find((s) => span / s <= maxTicks);
  const ticks: number[] = [];
  if (step === undefined) {
    // Months: the 1st of every `months`-th month (January, April, … for 3), local midnight.
    const months = MONTH_STEPS.find((m) => span / (m * MONTH_MS) <= maxTicks) ?? MONTH_STEPS[MONTH_STEPS.length - 1]!;
    const first = new Date(fromMs);
    const d = new Date(first.getFullYear(), first.getMonth(), 1);
    if (d.getTime() < fromMs) d.setMonth(d.getMonth() + 1);
    d.setMonth(d.getMonth() + ((months - (d.getMonth() % months)) % months));
    for (; d.getTime() <= toMs; d.setMonth(d.getMonth() + months)) ticks.push(d.getTime());
    return ticks;
  }
  if (step >= DAY) {
    // Whole local days (DST-safe: step by calendar day, not by 24 h).
    const d = new Date(localMidnight(fromMs));
    if (d.getTime() < fromMs) d.setDate(d.getDate() + 1);
    const days = step / DAY;
    for (; d.getTime() <= toMs; d.setDate(d.getDate() + days)) ticks.push(d.getTime());
    return ticks;
  }
  // Within a day: multiples of the step after local midnight.
  let day = localMidnight(fromMs);
  while (day <= toMs) {
    const next = localMidnight(day + DAY + 2 * HOUR);
    for (let t = day + Math.ceil(Math.max(0, fromMs - day) / step) * step; t < next && t <= toMs; t += step) ticks.push(t);
    day = next;
  }
  return ticks;
}

const pad = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An axis label: `14:05` within a day, `Dec 5 14:00` over days (the date at midnight: `Dec 5`); over more than 60
 * days a month's 1st reads `Mar 2027` (the ticks fall there).
 */
export function formatTick(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const date = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  if (spanMs > 60 * DAY && d.getDate() === 1 && d.getHours() === 0 && d.getMinutes() === 0) return `${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
  if (spanMs <= DAY) return d.getHours() === 0 && d.getMinutes() === 0 ? `${date} ${time}` : time;
  return d.getHours() === 0 && d.getMinutes() === 0 ? date : `${date} ${time}`;
}

/** A full local date and time for tooltips and the range label, e.g. `2026-12-05 14:05`. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `<input type="datetime-local">` value of a time, and back (local time). */
export function toLocalInput(ms: number): string {
  return formatDateTime(ms).replace(' ', 'T');
}

export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5])).getTime();
}
