/**
 * Calendar days of a named time zone (IANA, e.g. `America/New_York`), for the history's day buckets: the page draws
 * its axis on local midnights, so a day's bucket must start at the same local midnight, not at UTC's. Uses the
 * runtime's time-zone data (Intl); a day is 23, 24 or 25 hours long across a DST change.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when `tz` is a time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    formatterOf(tz);
    return true;
  } catch {
    return false;
  }
}

function formatterOf(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // Throws a RangeError for an unknown zone (checked by the callers first: isTimeZone).
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall-clock date and time of `ms` in `tz`, as if it were UTC (Unix milliseconds of that wall clock). */
function wallMs(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterOf(tz).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** The offset of `tz` from UTC at `ms` (ms; New York in winter: -5 h). */
function offsetMs(ms: number, tz: string): number {
  return wallMs(Math.floor(ms / 1000) * 1000, tz) - Math.floor(ms / 1000) * 1000;
}

/** The time of the wall-clock midnight `dayNumber` (days since 1970-01-01) in `tz`. */
function midnightOfDay(dayNumber: number, tz: string): number {
  const wall = dayNumber * DAY_MS;
  // The offset at the guess, then at the answer (a DST change between them moves it once).
  const guess = wall - offsetMs(wall, tz);
  return wall - offsetMs(guess, tz);
}

/** The local calendar day of `ms` in `tz`, as days since 1970-01-01. */
export function zoneDayNumber(ms: number, tz: string): number {
  return Math.floor(wallMs(ms, tz) / DAY_MS);
}

/**
 * The edges of `days`-day buckets covering [fromMs, toMs) in `tz`: local midnights, the first at or before `fromMs`,
 * the last at or after `toMs` (so n buckets have n + 1 edges); the day numbers are multiples of `days`, as UTC's
 * buckets are multiples of the step since 1970.
 */
export function zoneDayEdges(fromMs: number, toMs: number, days: number, tz: string): number[] {
  let day = Math.floor(zoneDayNumber(fromMs, tz) / days) * days;
  const edges = [midnightOfDay(day, tz)];
  while (edges[edges.length - 1]! < toMs || edges.length < 2) {
    day += days;
    edges.push(midnightOfDay(day, tz));
  }
  return edges;
}
