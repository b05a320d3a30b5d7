import { describe, expect, it } from 'vitest';
import { FakeClock, SecondTicker, systemClock, unrefTimer, type TickBase } from '../../../src/main/engine/clock.ts';

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

/** A TickBase whose one interval runs when the test says, and says whether it keeps the process alive. */
function fakeBase(): TickBase & { tick(): void; armed: number; refed: boolean } {
  let fn: (() => void) | undefined;
  const base = {
    armed: 0,
    refed: false,
    tick: () => fn?.(),
    setInterval(f: () => void, ms: number) {
      expect(ms).toBe(1000);
      fn = f;
      base.armed++;
      base.refed = true;
      return { ref: () => (base.refed = true), unref: () => (base.refed = false) };
    },
    clearInterval() {
      fn = undefined;
      base.armed--;
    },
  };
  return base;
}

describe('SecondTicker', () => {
  it('runs every member of a tick in one call, each on its own period, in the order they joined', () => {
    const base = fakeBase();
    const ticker = new SecondTicker(base);
    const seen: string[] = [];
    ticker.add(() => seen.push('a1'), 1);
    ticker.add(() => seen.push('b2'), 2);
    ticker.add(() => seen.push('c1'), 1);
    expect(base.armed).toBe(1);
    for (let i = 1; i <= 4; i++) {
      seen.push(`|${i}`);
      base.tick();
    }
    expect(seen).toEqual(['|1', 'a1', 'c1', '|2', 'a1', 'b2', 'c1', '|3', 'a1', 'c1', '|4', 'a1', 'b2', 'c1']);
  });

  it('leaves a member out once removed, and stops its interval with the last member', () => {
    const base = fakeBase();
    const ticker = new SecondTicker(base);
    const seen: string[] = [];
    const later: { c?: object } = {};
    const a = ticker.add(() => seen.push('a'), 1);
    const b = ticker.add(() => {
      seen.push('b');
      ticker.remove(later.c); // during a tick: c, after b, is not run
    }, 1);
    later.c = ticker.add(() => seen.push('c'), 1);
    base.tick();
    expect(seen).toEqual(['a', 'b']);
    expect(ticker.size).toBe(2);
    ticker.remove(a);
    ticker.remove(b);
    ticker.remove({}); // not a member: ignored
    expect(ticker.size).toBe(0);
    expect(base.armed).toBe(0);
    ticker.add(() => seen.push('d'), 1);
    expect(base.armed).toBe(1);
  });

  it('starts a member that joins during a tick on the next one', () => {
    const base = fakeBase();
    const ticker = new SecondTicker(base);
    const seen: string[] = [];
    ticker.add(() => {
      if (seen.length === 0) ticker.add(() => seen.push('late'), 1);
      seen.push('first');
    }, 1);
    base.tick();
    expect(seen).toEqual(['first']);
    base.tick();
    expect(seen).toEqual(['first', 'first', 'late']);
  });

  it('keeps the process alive while a member does', () => {
    const base = fakeBase();
    const ticker = new SecondTicker(base);
    const a = ticker.add(() => undefined, 1);
    const b = ticker.add(() => undefined, 1);
    expect(base.refed).toBe(true);
    unrefTimer(a);
    expect(base.refed).toBe(true);
    unrefTimer(b);
    expect(base.refed).toBe(false);
    b.ref();
    expect(base.refed).toBe(true);
    ticker.remove(b);
    expect(base.refed).toBe(false);
  });

  it('runs the other members when one throws, and throws its error again outside the tick', async () => {
    const base = fakeBase();
    const ticker = new SecondTicker(base);
    const seen: string[] = [];
    ticker.add(() => {
      throw new Error('boom');
    }, 1);
    ticker.add(() => seen.push('after'), 1);
    const thrown = new Promise<unknown>((resolve) => {
      const listeners = process.listeners('uncaughtException');
      process.removeAllListeners('uncaughtException');
      process.once('uncaughtException', (err) => {
        for (const l of listeners) process.on('uncaughtException', l);
        resolve(err);
      });
    });
    base.tick();
    expect(seen).toEqual(['after']);
    expect(((await thrown) as Error).message).toBe('boom');
  });
});

describe('systemClock', () => {
  it('puts intervals of whole seconds on the shared second and the rest on their own timers', () => {
    const shared = systemClock.setInterval(() => undefined, 2000);
    const own = systemClock.setInterval(() => undefined, 250);
    expect(shared.constructor.name).toBe('TickMember');
    expect(own.constructor.name).toBe('Timeout');
    systemClock.clearInterval(shared);
    systemClock.clearTimeout(own);
  });
});
