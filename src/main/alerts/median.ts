/**
 * The median of the samples of the last `windowMs`: a time-ordered queue for expiry and a sorted copy for the
 * median, so one sample costs O(n) (n ≈ 300 at 1 Hz over 5 min) instead of a sort per snapshot and stream.
 */
export class MedianWindow {
  readonly windowMs: number;
  readonly #times: number[] = [];
  readonly #values: number[] = [];
  readonly #sorted: number[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Adds a sample taken at `atMs` (not before the last one) and drops those older than the window. */
  add(atMs: number, value: number): void {
    this.#times.push(atMs);
    this.#values.push(value);
    this.#sorted.splice(this.#lowerBound(value), 0, value);
    while (this.#times.length > 0 && this.#times[0]! <= atMs - this.windowMs) {
      this.#times.shift();
      const old = this.#values.shift()!;
      this.#sorted.splice(this.#lowerBound(old), 1);
    }
  }

  /** The median of the samples in the window (the mean of the middle two for an even count); 0 without samples. */
  median(): number {
    const n = this.#sorted.length;
    if (n === 0) return 0;
    const mid = n >> 1;
    return n % 2 === 1 ? this.#sorted[mid]! : (this.#sorted[mid - 1]! + this.#sorted[mid]!) / 2;
  }

  /** How long the window's samples reach back from `nowMs` (0 without samples). */
  spanMs(nowMs: number): number {
    return this.#times.length === 0 ? 0 : nowMs - this.#times[0]!;
  }

  get size(): number {
    return this.#sorted.length;
  }

  #lowerBound(value: number): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#sorted[mid]! < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
