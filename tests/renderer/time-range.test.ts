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
