import type { Clock, TimerHandle } from './types.ts';

/** The timers a SecondTicker arms its one interval with (Node's in the system clock; a fake in tests). */
export interface TickBase {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** One member of a SecondTicker: an interval of `every` seconds; `unref()` as Node's timers have it. */
class TickMember {
  readonly fn: () => void;
  readonly every: number;
  left: number;
  refed = true;
  readonly ticker: SecondTicker;
  constructor(fn: () => void, every: number, ticker: SecondTicker) {
    this.fn = fn;
    this.every = every;
    this.left = every;
    this.ticker = ticker;
  }
  unref(): this {
    this.refed = false;
    this.ticker.syncRef();
    return this;
  }
  ref(): this {
    this.refed = true;
    this.ticker.syncRef();
    return this;
  }
  hasRef(): boolean {
    return this.refed;
  }
}

/**
 * Intervals of whole seconds on one interval of a second, so that they all run in one wake-up of the process
 * (docs/decisions.md, "The server's per-second wake-ups and V8's flags", stop 37). Node arms one expiry per moment a
 * timer is due, and intervals started at different moments (the collectors' sweeps, the fleet snapshot, the session
 * metrics, the process feed, the RTMP server's tick) woke the idle server 3.5-4 times a second for work one wake-up
 * does. A member of N seconds runs on every Nth tick after it joined (the first of them 0-1 s sooner than a plain
 * interval's would, never later), members in the order they joined; one that throws does not keep the others of the
 * tick from running, and its error is thrown again, uncaught, as a plain interval's would be. The one interval runs
 * while there are members and keeps the process alive while one of them does (`unref()` per member).
 */
export class SecondTicker {
  #members = new Set<TickMember>();
  #timer: unknown;
  readonly #base: TickBase;

  constructor(base: TickBase) {
    this.#base = base;
  }

  add(fn: () => void, seconds: number): TickMember {
    const every = Math.max(1, Math.round(seconds));
    const member = new TickMember(fn, every, this);
    this.#members.add(member);
    if (this.#timer === undefined) this.#timer = this.#base.setInterval(() => this.#tick(), 1000);
    this.syncRef();
    return member;
  }

  /** Whether `handle` is one of this ticker's members (any other handle is left alone). */
  has(handle: unknown): handle is TickMember {
    return handle instanceof TickMember && this.#members.has(handle);
  }

  remove(handle: unknown): void {
    if (!this.has(handle)) return;
    this.#members.delete(handle);
    if (this.#members.size === 0 && this.#timer !== undefined) {
      this.#base.clearInterval(this.#timer);
      this.#timer = undefined;
    }
    this.syncRef();
  }

  /** Members now, for tests. */
  get size(): number {
    return this.#members.size;
  }

  /** The one interval keeps the process alive while a member does. */
  syncRef(): void {
    const timer = this.#timer as { ref?: () => void; unref?: () => void } | undefined;
    if (timer === undefined) return;
    const refed = [...this.#members].some((m) => m.refed);
    if (refed) timer.ref?.();
    else timer.unref?.();
  }

  #tick(): void {
    // Members that join during the tick wait for the next; members that leave during it are not run.
    for (const m of [...this.#members]) {
      if (!this.#members.has(m) || --m.left > 0) continue;
      m.left = m.every;
      try {
        m.fn();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

const nodeTimers: TickBase = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};
const secondTicker = new SecondTicker(nodeTimers);

/** The real clock: `Date.now()` and Node's timers; intervals of whole seconds share one (SecondTicker). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => (ms >= 1000 && ms % 1000 === 0 ? secondTicker.add(fn, ms / 1000) : (setInterval(fn, ms) as TimerHandle)),
  clearInterval: (handle) => (secondTicker.has(handle) ? secondTicker.remove(handle) : clearInterval(handle as ReturnType<typeof setInterval>)),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as TimerHandle,
  clearTimeout: (handle) => (secondTicker.has(handle) ? secondTicker.remove(handle) : clearTimeout(handle as ReturnType<typeof setTimeout>)),
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
