import { describe, expect, it } from 'vitest';
import { formatTick, fromLocalInput, isSliding, resolveRange, timeTicks, toLocalInput } from '../../src/renderer/src/timeseries/range.ts';

const local = (y: number, mo: number, d: number, h = 0, mi = 0): number => new Date(y, mo - 1, d, h, mi).getTime();

describe('time ranges of the history charts', () => {
  it('sliding ranges end now; custom (and zoomed) ranges are fixed', () => {
    const now = local(2026, 12, 5, 14, 7);
    expect(resolveRange({ key: '1h' }, now)).toEqual({ fromMs: now - 3_600_000, toMs: now });
    expect(resolveRange({ key: '30d' }, now)).toEqual({ fromMs: now - 30 * 86_400_000, toMs: now });
    expect(resolveRange({ key: 'custom', fromMs: 5, toMs: 9 }, now)).toEqual({ fromMs: 5, toMs: 9 });
    expect([isSliding({ key: '24h' }), isSliding({ key: 'custom', fromMs: 1, toMs: 2 }), isSliding({ key: 'live' })]).toEqual([true, false, false]);
  });

  it('ticks fall on round local times and stay within the range and the count', () => {
    const from = local(2026, 12, 5, 13, 7);
    const hour = timeTicks(from, from + 3_600_000, 8);
    expect(hour.length).toBeLessThanOrEqual(8);
    expect(hour.length).toBeGreaterThanOrEqual(4);
    for (const t of hour) {
      expect(t).toBeGreaterThanOrEqual(from);
      expect(new Date(t).getMinutes() % 10).toBe(0);
    }
    const month = timeTicks(from, from + 30 * 86_400_000, 8);
    for (const t of month) expect([new Date(t).getHours(), new Date(t).getMinutes()]).toEqual([0, 0]);
    expect(month.length).toBeLessThanOrEqual(8);
  });

  it('labels: times within a day, dates over days', () => {
    expect(formatTick(local(2026, 12, 5, 14, 30), 3_600_000)).toBe('14:30');
    expect(formatTick(local(2026, 12, 5), 3_600_000)).toBe('Dec 5 00:00');
    expect(formatTick(local(2026, 12, 5), 7 * 86_400_000)).toBe('Dec 5');
    expect(formatTick(local(2026, 12, 5, 12), 7 * 86_400_000)).toBe('Dec 5 12:00');
  });

  it('the custom fields read and write local date-times', () => {
    const t = local(2026, 3, 9, 8, 5);
    expect(toLocalInput(t)).toBe('2026-03-09T08:05');
    expect(fromLocalInput('2026-03-09T08:05')).toBe(t);
    expect(fromLocalInput('not a date')).toBeNull();
  });
});

describe('a year of history (walk3, stop 38)', () => {
  it('"1 y" is a sliding range of 365 days', () => {
    const now = local(2026, 12, 7, 17, 0);
    expect(resolveRange({ key: '1y' }, now)).toEqual({ fromMs: now - 365 * 86_400_000, toMs: now });
    expect(isSliding({ key: '1y' })).toBe(true);
  });

  it('ticks over a year fall on the 1st of round months, a handful of them, labelled with the year', () => {
    const to = local(2026, 12, 7, 17, 0);
    const from = to - 365 * 86_400_000;
    for (const maxTicks of [4, 8, 12]) {
      const ticks = timeTicks(from, to, maxTicks);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(maxTicks);
      for (const t of ticks) {
        const d = new Date(t);
        expect([d.getDate(), d.getHours(), d.getMinutes()]).toEqual([1, 0, 0]);
        expect(t).toBeGreaterThanOrEqual(from);
        expect(t).toBeLessThanOrEqual(to);
      }
    }
    // Four ticks on a 450 px chart: every quarter's first month.
    expect(timeTicks(from, to, 4).map((t) => new Date(t).getMonth() + 1)).toEqual([1, 4, 7, 10]);
    expect(formatTick(local(2026, 4, 1), 270 * 86_400_000)).toBe('Apr 2026');
    // Before, a year gave a tick every 7 days (52 labels over each other).
    expect(timeTicks(from, to, 8).length).toBeLessThan(13);
  });

  it('three years: one tick a year at most', () => {
    const to = local(2026, 12, 7);
    const ticks = timeTicks(to - 3 * 365 * 86_400_000, to, 4);
    expect(ticks.map((t) => new Date(t).getMonth())).toEqual(ticks.map(() => 0));
  });
});
