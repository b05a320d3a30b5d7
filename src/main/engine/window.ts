/**
 * Core's 10 × 1 s sliding window (spec §2.1), computed lazily.
 *
 * Core moves a cursor with a 1 s ticker per window. Here the cursor position is derived from the time
 * elapsed since the window started (`tick = floor((now - start) / 1000)`), and buckets the cursor has
 * passed are zeroed when the window is next touched. No timer per window, and a running total makes
 * `average()` O(1). The values are exactly Core's, including the warm-up: while fewer than 10 ticks
 * have elapsed the divisor is the number of elapsed seconds and the in-progress bucket is excluded;
 * afterwards the sum is 9 complete seconds plus the current partial second, divided by 10.
 */
export const WINDOW_BUCKETS = 10;
export const WINDOW_GRANULARITY_MS = 1000;

export class SlidingWindow {
  /** Unix ms of creation; ticks happen at start + k × 1000. */
  readonly startMs: number;
  readonly #buckets = new Float64Array(WINDOW_BUCKETS);
  /** Number of ticks already applied to the buckets; the cursor is `#tick % 10`. */
  #tick = 0;
  /** Sum of all 10 buckets. */
  #total = 0;

  constructor(startMs: number) {
    this.startMs = startMs;
  }

  /** Adds `value` (bits) to the current second. */
  add(value: number, nowMs: number): void {
    this.#sync(nowMs);
    this.#buckets[this.#tick % WINDOW_BUCKETS] += value;
    this.#total += value;
  }

  /** Average per second over the window (bit/s when fed with bits). */
  average(nowMs: number): number {
    this.#sync(nowMs);
    const filled = this.#tick < WINDOW_BUCKETS ? this.#tick : WINDOW_BUCKETS;
    if (filled === 0) return 0;
    if (filled === WINDOW_BUCKETS) return this.#total / WINDOW_BUCKETS;
    // Warm-up: every bucket except the cursor's holds one of the `filled` complete seconds (the rest are still 0).
    return (this.#total - this.#buckets[this.#tick % WINDOW_BUCKETS]) / filled;
  }

  #sync(nowMs: number): void {
    const elapsed = nowMs - this.startMs;
    if (elapsed < WINDOW_GRANULARITY_MS) return; // tick 0, or a clock that went backwards: stay put
    const tick = Math.floor(elapsed / WINDOW_GRANULARITY_MS);
    if (tick <= this.#tick) return;
    const steps = tick - this.#tick;
    if (steps >= WINDOW_BUCKETS) {
      this.#buckets.fill(0);
      this.#total = 0;
    } else {
      const b = this.#buckets;
      for (let t = this.#tick + 1; t <= tick; t++) {
        const i = t % WINDOW_BUCKETS;
        this.#total -= b[i];
        b[i] = 0;
      }
      // Re-derive the total from the buckets when it drops to ~0 so float residue cannot accumulate.
      if (this.#total < 1e-6) this.#total = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7] + b[8] + b[9];
    }
    this.#tick = tick;
  }
}
