/**
 * Shading under a chart's lines: outages (`--gap`, grey) and sums that lack a Core not answering (`--missing`,
 * amber), for the live LineChart and the history TimeSeriesChart alike.
 */
import type { Chart } from 'chart.js';

/** A CSS custom property of the page's theme, or `fallback` when it is not set. */
export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** The fill of a stretch whose sums lack a Core that was not answering. */
export const missingFill = (): string => themeColor('--missing', 'rgba(195,138,0,0.16)');

/**
 * Fills each stretch (x-axis values `from`..`to`) over the chart area's height, clipped to it; a stretch is drawn at
 * least `minPx` wide (0: only where it has a width of its own). The caller sets `fillStyle` (and saves the context).
 */
export function shadeStretches(chart: Chart<'line', unknown[]>, stretches: Iterable<{ from: number; to: number }>, minPx = 0): void {
  const { ctx, chartArea: a, scales } = chart;
  for (const s of stretches) {
    const x0 = Math.max(a.left, scales.x!.getPixelForValue(s.from));
    const x1 = Math.min(a.right, Math.max(x0 + minPx, scales.x!.getPixelForValue(s.to)));
    if (x1 > x0) ctx.fillRect(x0, a.top, x1 - x0, a.bottom - a.top);
  }
}
