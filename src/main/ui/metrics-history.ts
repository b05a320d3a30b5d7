import type { MetricsHistory, MetricsSeries } from '../../shared/ipc.ts';
import type { Snapshot } from '../../shared/types.ts';

/** Ten minutes of one-second samples. */
export const METRICS_WINDOW_SAMPLES = 600;

interface SeriesRing {
  core: string;
  collector: string;
  rx: Float64Array;
  tx: Float64Array;
  activeSessions: Float64Array;
  processSessions: Float64Array;
  processRx: Float64Array;
  processTx: Float64Array;
  /** Ring slot index of the last sample this series had (-1: none); used to prune series that vanished. */
  lastSeenSeq: number;
}

/**
 * Per-second rx/tx bandwidth and session counts per core and collector, over a fixed window, in ring buffers
 * (NaN marks "no sample"). Kept in main so that a reopened window (or a browser tab) gets its charts back at once.
 * The page derives per-core and merged lines by adding the collectors it shows; with "All" it counts people by the
 * totals rule, so each sample keeps the collector's own-process sessions and their bitrates too (what the header
 * subtracts).
 */
export class MetricsHistoryBuffer {
  readonly capacity: number;
  readonly #atMs: Float64Array;
  readonly #series = new Map<string, SeriesRing>();
  /** Number of samples ever recorded; the newest is at slot (seq - 1) % capacity. */
  #seq = 0;

  constructor(capacity = METRICS_WINDOW_SAMPLES) {
    this.capacity = capacity;
    this.#atMs = new Float64Array(capacity);
  }

  /** Records one snapshot as one sample. A snapshot not newer than the last one is ignored. */
  record(snapshot: Snapshot): void {
    if (this.#seq > 0 && snapshot.atMs <= this.#atMs[(this.#seq - 1) % this.capacity]!) return;
    const slot = this.#seq % this.capacity;
    this.#atMs[slot] = snapshot.atMs;
    for (const ring of this.#series.values()) {
      ring.rx[slot] = NaN;
      ring.tx[slot] = NaN;
      ring.activeSessions[slot] = NaN;
      ring.processSessions[slot] = NaN;
      ring.processRx[slot] = NaN;
      ring.processTx[slot] = NaN;
    }
    for (const c of snapshot.collectors) {
      const key = `${c.core}\u0000${c.collector}`;
      let ring = this.#series.get(key);
      if (!ring) {
        ring = {
          core: c.core,
          collector: c.collector,
          rx: new Float64Array(this.capacity).fill(NaN),
          tx: new Float64Array(this.capacity).fill(NaN),
          activeSessions: new Float64Array(this.capacity).fill(NaN),
          processSessions: new Float64Array(this.capacity).fill(NaN),
          processRx: new Float64Array(this.capacity).fill(NaN),
          processTx: new Float64Array(this.capacity).fill(NaN),
          lastSeenSeq: -1,
        };
        this.#series.set(key, ring);
      }
      ring.rx[slot] = c.rxBitsPerSec;
      ring.tx[slot] = c.txBitsPerSec;
      ring.activeSessions[slot] = c.activeSessions;
      ring.processSessions[slot] = c.processSessions;
      ring.processRx[slot] = c.processRxBitsPerSec;
      ring.processTx[slot] = c.processTxBitsPerSec;
      ring.lastSeenSeq = this.#seq;
    }
    this.#seq++;
    // A series with no sample left in the window is dropped (a removed core, a collector that went away).
    for (const [key, ring] of this.#series) {
      if (this.#seq - ring.lastSeenSeq > this.capacity) this.#series.delete(key);
    }
  }

  /** The window, oldest first, as plain JSON-safe data (null for missing samples). */
  toJSON(stepMs = 1000): MetricsHistory {
    const n = Math.min(this.#seq, this.capacity);
    const first = this.#seq - n;
    const atMs: number[] = new Array(n);
    for (let i = 0; i < n; i++) atMs[i] = this.#atMs[(first + i) % this.capacity]!;
    const series: MetricsSeries[] = [];
    for (const ring of this.#series.values()) {
      series.push({
        core: ring.core,
        collector: ring.collector,
        rxBitsPerSec: read(ring.rx, first, n, this.capacity),
        txBitsPerSec: read(ring.tx, first, n, this.capacity),
        activeSessions: read(ring.activeSessions, first, n, this.capacity),
        processSessions: read(ring.processSessions, first, n, this.capacity),
        processRxBitsPerSec: read(ring.processRx, first, n, this.capacity),
        processTxBitsPerSec: read(ring.processTx, first, n, this.capacity),
      });
    }
    return { stepMs, atMs, series };
  }
}

function read(buf: Float64Array, first: number, n: number, capacity: number): (number | null)[] {
  const out: (number | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = buf[(first + i) % capacity]!;
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}
