import type { SessionSeries } from '../../shared/ipc.ts';
import { Key3Map } from '../../shared/key3-map.ts';
import type { Snapshot } from '../../shared/types.ts';

/** Width of one averaged point of a session's series. */
export const SESSION_BUCKET_MS = 10_000;
/** Points kept per session: 10 minutes of 10 s averages. */
export const SESSION_BUCKETS = 60;

interface Ring {
  /** Sums of the per-second rates in each bucket (slot = bucket % SESSION_BUCKETS). */
  rx: Float32Array;
  tx: Float32Array;
  /** Samples in each bucket (0: none). */
  count: Uint8Array;
  /** The newest bucket number written (bucket = floor(atMs / SESSION_BUCKET_MS)). */
  lastBucket: number;
  lastSeenMs: number;
}

/**
 * Every active session's rx/tx over the last 10 minutes as 10 s averages, so the session details chart opens with
 * the session's recent past instead of empty (issue 16). Averages of 10 s keep the cost small: about 0.6 kB per
 * session (6 MB for 10 000 sessions) and two additions per session per second. A session not seen for 30 s is
 * dropped (it ended).
 */
export class SessionSeriesBuffer {
  /** By core, collector and session id. */
  readonly #rings = new Key3Map<Ring>();
  #lastPruneBucket = 0;

  /** Adds one snapshot's per-second rates. */
  record(snapshot: Snapshot): void {
    const at = snapshot.atMs;
    const bucket = Math.floor(at / SESSION_BUCKET_MS);
    const slot = bucket % SESSION_BUCKETS;
    const sessions = snapshot.sessions;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i]!;
      let ring = this.#rings.getAt(i, s.core, s.collector, s.id);
      if (!ring) {
        ring = { rx: new Float32Array(SESSION_BUCKETS), tx: new Float32Array(SESSION_BUCKETS), count: new Uint8Array(SESSION_BUCKETS), lastBucket: bucket, lastSeenMs: at };
        this.#rings.setAt(i, s.core, s.collector, s.id, ring);
      } else if (bucket > ring.lastBucket) {
        // Clear the slots of the buckets skipped since the last sample (at most the whole ring).
        for (let b = ring.lastBucket + 1; b <= Math.min(bucket, ring.lastBucket + SESSION_BUCKETS); b++) {
          const i = b % SESSION_BUCKETS;
          ring.rx[i] = 0;
          ring.tx[i] = 0;
          ring.count[i] = 0;
        }
        ring.lastBucket = bucket;
      } else if (bucket < ring.lastBucket) continue; // an older snapshot than one already recorded
      if (ring.count[slot]! < 255) {
        ring.rx[slot] = ring.rx[slot]! + sane(s.rxBitsPerSec);
        ring.tx[slot] = ring.tx[slot]! + sane(s.txBitsPerSec);
        ring.count[slot] = ring.count[slot]! + 1;
      }
      ring.lastSeenMs = at;
    }
    if (bucket !== this.#lastPruneBucket) {
      this.#lastPruneBucket = bucket;
      this.#rings.deleteWhere((ring) => at - ring.lastSeenMs > 3 * SESSION_BUCKET_MS);
    }
  }

  /** One session's averaged series, oldest first (empty when the session is unknown). */
  series(core: string, collector: string, id: string): SessionSeries {
    const out: SessionSeries = { bucketMs: SESSION_BUCKET_MS, atMs: [], rxBitsPerSec: [], txBitsPerSec: [] };
    const ring = this.#rings.get(core, collector, id);
    if (!ring) return out;
    for (let b = ring.lastBucket - SESSION_BUCKETS + 1; b <= ring.lastBucket; b++) {
      const i = ((b % SESSION_BUCKETS) + SESSION_BUCKETS) % SESSION_BUCKETS;
      const n = ring.count[i]!;
      if (n === 0) continue;
      // A point sits at the end of its bucket (or at the last sample for the bucket still filling).
      out.atMs.push(b === ring.lastBucket ? ring.lastSeenMs : (b + 1) * SESSION_BUCKET_MS);
      out.rxBitsPerSec.push(Math.round(ring.rx[i]! / n));
      out.txBitsPerSec.push(Math.round(ring.tx[i]! / n));
    }
    return out;
  }

  /** Sessions tracked (for tests and memory checks). */
  get size(): number {
    return this.#rings.size;
  }
}

function sane(bitsPerSec: number): number {
  return Number.isFinite(bitsPerSec) && bitsPerSec > 0 ? bitsPerSec : 0;
}
