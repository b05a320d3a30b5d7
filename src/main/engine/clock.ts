import type { Clock, TimerHandle } from './types.ts';

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms) as TimerHandle,
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Lets a background timer (sweep, persist) not keep the process alive; a no-op for fake handles. */
export function unrefTimer(handle: TimerHandle): void {
  const h = handle as { unref?: () => void };
  if (typeof h.unref === 'function') h.unref();
}

interface FakeTimer {
  readonly seq: number;
  due: number;
  readonly intervalMs: number; // 0 = one-shot
  readonly fn: () => void;
}

/**
 * A manual clock for tests. Time moves only through `advance(ms)`/`advanceTo(t)`, which run every due
 * timer in time order (ties in creation order), setting `now()` to each timer's due time while it runs.
 * Timers created, cleared or advanced from inside a callback behave as they would on a real clock.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, FakeTimer>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.#clear(handle);
  }

  clearInterval(handle: TimerHandle): void {
    this.#clear(handle);
  }

  /** Number of armed timers (intervals and pending timeouts). */
  get timerCount(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to the absolute time `t` (never backwards). */
  advanceTo(t: number): void {
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.due > t) break;
      if (next.due > this.#now) this.#now = next.due;
      if (next.intervalMs > 0) next.due += next.intervalMs;
      else this.#timers.delete(next.seq);
      next.fn();
    }
    if (t > this.#now) this.#now = t;
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (best === undefined || timer.due < best.due || (timer.due === best.due && timer.seq < best.seq)) best = timer;
    }
    return best;
  }

  #add(fn: () => void, ms: number, intervalMs: number): TimerHandle {
    const seq = ++this.#seq;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: FakeTimer = { seq, due: this.#now + delay, intervalMs, fn };
    this.#timers.set(seq, timer);
    return { fakeTimer: seq };
  }

  #clear(handle: TimerHandle): void {
    const seq = (handle as { fakeTimer?: number } | undefined)?.fakeTimer;
    if (seq === undefined) return;
    this.#timers.delete(seq);
  }
}
