/**
 * Axis scales and line smoothing for the charts, as pure functions (tested in tests/renderer/chart-ticks.test.ts).
 *
 * A y scale is a top and a step, chosen so that every tick reads as a short round number in the unit it is shown
 * in: counts step by whole numbers (never "0, 1, 1, 2"); decimal rates by 1, 2, 2.5 or 5 × 10^k of their unit (kbit/s,
 * Mbit/s, …); binary rates the same within their unit (Kibit/s, Mibit/s, …), so 2, 4, 6 Mibit/s and not 1.91, 3.81.
 */

/** How a chart's values are counted: whole things, or bits/bytes in decimal (1000) or binary (1024) units. */
export type ScaleKind = 'count' | 'decimal' | 'binary';

export interface NiceScale {
  /** The top of the axis (a multiple of `step`). */
  max: number;
  step: number;
}

const MANTISSAS = [1, 2, 2.5, 5, 10];

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^k) at or above `x` (> 0). */
export function niceStepAbove(x: number): number {
  const exp = Math.floor(Math.log10(x));
  const pow = 10 ** exp;
  for (const m of MANTISSAS) if (m * pow >= x * (1 - 1e-9)) return m * pow;
  return 10 * pow;
}

/** The unit a rate is shown in for `value` (1 for bit/s, 1000 or 1024 for k/Ki, …). */
function unitOf(value: number, base: number): number {
  let unit = 1;
  while (value >= unit * base) unit *= base;
  return unit;
}

/**
 * A y scale for data peaking at `peak` with about `targetTicks` steps. An empty or all-zero chart gets a sane scale
 * instead of 0..1: 0..4 for counts, 0..1 Mbit/s (decimal) or 0..1 Mibit/s (binary) for rates.
 */
export function niceScale(peak: number, kind: ScaleKind, targetTicks = 4): NiceScale {
  const n = Math.max(1, Math.floor(targetTicks));
  if (kind === 'count') {
    if (!(peak > 0) || !Number.isFinite(peak)) return { max: 4, step: 1 };
    const nice = niceStepAbove(peak / n);
    // Whole steps only: below 1 it is 1; 2.5 becomes 2 (a tick or two more rather than a fraction of a session).
    const step = nice < 1 ? 1 : Number.isInteger(nice) ? nice : Math.floor(nice);
    return { max: Math.ceil(peak / step) * step, step };
  }
  const base = kind === 'binary' ? 1024 : 1000;
  if (!(peak > 0) || !Number.isFinite(peak)) return { max: base * base, step: (base * base) / 4 };
  // The ticks are shown in the unit of the top value; the step is nice in that unit.
  let unit = unitOf(peak, base);
  let step = niceStepAbove(peak / unit / n) * unit;
  let max = Math.ceil(peak / step - 1e-9) * step;
  // A top that rounds up past the unit (1000 bit/s in binary) is shown in the next unit: step in that one.
  if (max >= unit * base && unit * base > peak) {
    unit *= base;
    step = niceStepAbove(peak / unit / n) * unit;
    max = Math.ceil(peak / step - 1e-9) * step;
  }
  return { max: max > 0 ? max : step, step };
}

/**
 * A trailing moving average over `windowPoints` samples (nulls are gaps: they stay null and restart the average).
 * Per-second rates saw-tooth with the segment and packet rhythm; averaging over a few seconds draws the rate, the
 * tooltip still shows each raw sample.
 */
export function movingAverage(values: readonly (number | null)[], windowPoints: number): (number | null)[] {
  const w = Math.max(1, Math.floor(windowPoints));
  if (w === 1) return [...values];
  const out: (number | null)[] = new Array(values.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      sum = 0;
      count = 0;
      continue;
    }
    sum += v;
    count++;
    if (count > w) {
      sum -= values[i - w] as number;
      count = w;
    }
    out[i] = sum / count;
  }
  return out;
}

/** The largest finite value of several series (0 when there is none). */
export function peakOf(series: readonly (readonly (number | null)[])[]): number {
  let peak = 0;
  for (const values of series) for (const v of values) if (v !== null && Number.isFinite(v) && v > peak) peak = v;
  return peak;
}

/** The y-axis options of a chart.js linear scale that `applyNiceScale` sets. */
export interface YAxisOptions {
  min?: number;
  max?: number;
  ticks?: { stepSize?: number; maxTicksLimit?: number };
}

/** Sets a chart's y axis to the nice scale for its data (0 at the bottom). */
export function applyNiceScale(y: YAxisOptions, series: readonly (readonly (number | null)[])[], kind: ScaleKind): void {
  const s = niceScale(peakOf(series), kind);
  y.min = 0;
  y.max = s.max;
  y.ticks = { ...y.ticks, stepSize: s.step, maxTicksLimit: 12 };
}
