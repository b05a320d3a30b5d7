import { describe, expect, it } from 'vitest';
import { applyNiceScale, movingAverage, niceScale, niceStepAbove, peakOf, type YAxisOptions } from '../../src/renderer/src/charts/ticks.ts';
import { formatBitrate, formatCount } from '../../src/renderer/src/format/units.ts';

/** The tick values of a scale, as the chart places them (0, step, 2·step, … max). */
function ticks(s: { max: number; step: number }): number[] {
  const out: number[] = [];
  for (let v = 0; v <= s.max + s.step / 1e6; v += s.step) out.push(v);
  return out;
}

describe('nice y scales', () => {
  it('steps 1, 2, 2.5, 5 × 10^k', () => {
    expect([0.7, 1, 1.1, 2.2, 3, 6, 11, 0.03].map(niceStepAbove)).toEqual([1, 1, 2, 2.5, 5, 10, 20, 0.05]);
  });

  it('counts tick on whole numbers, never repeating a label', () => {
    for (const peak of [1, 2, 3, 5, 7, 19, 23, 140, 9999]) {
      const s = niceScale(peak, 'count');
      expect(Number.isInteger(s.step)).toBe(true);
      expect(s.max).toBeGreaterThanOrEqual(peak);
      const labels = ticks(s).map((v) => formatCount(v));
      expect(new Set(labels).size).toBe(labels.length);
    }
    expect(ticks(niceScale(2, 'count'))).toEqual([0, 1, 2]);
    expect(ticks(niceScale(19, 'count'))).toEqual([0, 5, 10, 15, 20]);
  });

  it('an empty chart gets a sane scale: 0..4 sessions, 0..1 Mbit/s', () => {
    expect(ticks(niceScale(0, 'count'))).toEqual([0, 1, 2, 3, 4]);
    const empty = niceScale(0, 'decimal');
    expect(ticks(empty).map((v) => formatBitrate(v, 'decimal'))).toEqual(['0\u202fbit/s', '250\u202fkbit/s', '500\u202fkbit/s', '750\u202fkbit/s', '1\u202fMbit/s']);
    expect(niceScale(NaN, 'binary')).toEqual({ max: 1024 * 1024, step: 256 * 1024 });
  });

  it('binary rates get round ticks in their own unit (2, 4, 6 Mibit/s, not 1.91, 3.81)', () => {
    const mib = 1024 * 1024;
    const s = niceScale(7.3 * mib, 'binary');
    expect(s).toEqual({ max: 8 * mib, step: 2 * mib });
    expect(ticks(s).map((v) => formatBitrate(v, 'binary'))).toEqual(['0\u202fbit/s', '2\u202fMibit/s', '4\u202fMibit/s', '6\u202fMibit/s', '8\u202fMibit/s']);
    for (const peak of [900, 5_000, 123_456, 3.3e6, 47e6, 1.2e9]) {
      for (const kind of ['decimal', 'binary'] as const) {
        const sc = niceScale(peak, kind);
        expect(sc.max).toBeGreaterThanOrEqual(peak);
        // Every tick label is short: no long fraction (1.91, 3.81 were the complaint).
        for (const label of ticks(sc).map((v) => formatBitrate(v, kind))) expect(label).toMatch(/^\d{1,4}(\.\d{1,2})?\u202f\S+$/);
        const labels = ticks(sc).map((v) => formatBitrate(v, kind));
        expect(new Set(labels).size).toBe(labels.length);
      }
    }
  });

  it('sets a chart.js y axis from its data', () => {
    const y: YAxisOptions = { ticks: { maxTicksLimit: 5 } };
    applyNiceScale(y, [[1, null, 3], [2.5e6]], 'decimal');
    expect(y).toEqual({ min: 0, max: 3e6, ticks: { maxTicksLimit: 12, stepSize: 1e6 } });
    expect(peakOf([[null, NaN, -1], []])).toBe(0);
  });
});

describe('smoothing the per-second saw-tooth', () => {
  it('averages the last n samples; gaps stay gaps and restart the average', () => {
    expect(movingAverage([2, 0, 2, 0, 2, 0], 2)).toEqual([2, 1, 1, 1, 1, 1]);
    expect(movingAverage([4, 8, null, 6, 2], 3)).toEqual([4, 6, null, 6, 4]);
    expect(movingAverage([1, 2, 3], 1)).toEqual([1, 2, 3]);
  });
});
