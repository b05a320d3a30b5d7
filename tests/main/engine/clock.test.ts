import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../../src/main/engine/clock.ts';

describe('FakeClock', () => {
  it('fires timeouts and intervals in time order, setting now() to each due time', () => {
    const clock = new FakeClock(1000);
    const seen: string[] = [];
    clock.setInterval(() => seen.push(`i@${clock.now()}`), 1000);
    clock.setTimeout(() => seen.push(`t@${clock.now()}`), 2500);
    clock.setTimeout(() => seen.push(`u@${clock.now()}`), 2000);
    clock.advance(3000);
    expect(seen).toEqual(['i@2000', 'i@3000', 'u@3000', 't@3500', 'i@4000']);
    expect(clock.now()).toBe(4000);
  });

  it('is re-entrancy safe: timers added, cleared or advanced from a callback', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const late = clock.setTimeout(() => seen.push('late'), 500);
    clock.setTimeout(() => {
      seen.push(`a@${clock.now()}`);
      clock.clearTimeout(late);
      clock.setTimeout(() => seen.push(`b@${clock.now()}`), 0);
      clock.setTimeout(() => seen.push(`c@${clock.now()}`), 50);
    }, 100);
    const iv = clock.setInterval(() => {
      seen.push(`i@${clock.now()}`);
      clock.clearInterval(iv);
    }, 120);
    clock.advance(1000);
    expect(seen).toEqual(['a@100', 'b@100', 'i@120', 'c@150']);
    expect(clock.timerCount).toBe(0);
  });

  it('handles advance() called from inside a callback', () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.advance(50);
      seen.push(clock.now());
    }, 10);
    clock.setTimeout(() => seen.push(clock.now()), 30);
    clock.advance(100);
    expect(seen).toEqual([10, 30, 60]);
    expect(clock.now()).toBe(100);
  });

  it('rejects negative advances; systemClock reads the wall clock', () => {
    expect(() => new FakeClock().advance(-1)).toThrow(RangeError);
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1000);
    const h = systemClock.setTimeout(() => {}, 10_000);
    systemClock.clearTimeout(h);
  });
});
