/**
 * The last 10 minutes of every stream, sampled per pushed snapshot (once a second): viewers per protocol and the
 * ingest bitrate, for the Streams view's sparklines and a stream's charts. Kept by the sessions worker for every
 * stream whatever view is open (streams-view.ts), so a sparkline or a stream page opens with its past.
 *
 * Bounded: the last SAMPLES pushes, at most MAX_STREAMS streams, and a stream not seen for the window is forgotten.
 * All streams are sampled at the same pushes, so the times are one ring shared by all, and each stream holds one
 * Float32Array of SAMPLES × 5 values (12 KB): at most 2 000 × 12 KB = 24 MB, allocated once per stream and written in
 * place (no per-sample garbage; arrays of numbers and nulls took 69 MB for the same 2 000 streams × 600 samples,
 * measured in node, and a shift() per array per stream on every push). Float32 keeps counts exact (to 2^24) and a
 * bitrate to 7 digits. NaN marks a sample where the stream was stale (a gap, not a zero); a push the stream was not
 * in has no sample.
 */
import type { StreamRow } from '../../../shared/streams.ts';

export const SAMPLES = 600;
const MAX_STREAMS = 2000;

export interface StreamSeries {
  atMs: number[];
  hls: (number | null)[];
  rtmp: (number | null)[];
  srt: (number | null)[];
  viewers: (number | null)[];
  ingestBitsPerSec: (number | null)[];
}

/** The values kept per sample, in this order in a stream's ring. */
const FIELDS = ['hls', 'rtmp', 'srt', 'viewers', 'ingestBitsPerSec'] as const;
const VIEWERS = FIELDS.indexOf('viewers');
/** A push the stream was not in (the values are never negative). */
const ABSENT = -1;

export function streamId(row: Pick<StreamRow, 'core' | 'key'>): string {
  return `${row.core}\u0000${row.key}`;
}

interface Ring {
  /** `FIELDS.length` values per push, at `(push % SAMPLES) * FIELDS.length`. */
  values: Float32Array;
  /** The first and the last push the stream was in. */
  first: number;
  last: number;
  /** Its stream: `streamId`, and the parts it is made of. */
  id: string;
  core: string;
  key: string;
}

export class StreamSeriesModel {
  /** The pushes' times, at `push % SAMPLES`. */
  readonly #atMs = new Float64Array(SAMPLES);
  /** Pushes appended. */
  #pushes = 0;
  readonly #rings = new Map<string, Ring>();
  /** The rings by core and key: `append` finds 2 000 streams per push without building their ids (garbage). */
  readonly #byCore = new Map<string, Map<string, Ring>>();

  get size(): number {
    return this.#rings.size;
  }

  ids(): IterableIterator<string> {
    return this.#rings.keys();
  }

  append(atMs: number, rows: readonly StreamRow[]): void {
    const n = this.#pushes;
    if (n > 0 && this.#atMs[(n - 1) % SAMPLES]! >= atMs) return; // an old or repeated time adds nothing
    this.#pushes++;
    const at = (n % SAMPLES) * FIELDS.length;
    this.#atMs[n % SAMPLES] = atMs;
    for (const r of rows) {
      let s = this.#byCore.get(r.core)?.get(r.key);
      if (!s) {
        if (this.#rings.size >= MAX_STREAMS) continue;
        s = { values: new Float32Array(SAMPLES * FIELDS.length), first: n, last: n, id: streamId(r), core: r.core, key: r.key };
        this.#rings.set(s.id, s);
        let byKey = this.#byCore.get(r.core);
        if (!byKey) this.#byCore.set(r.core, (byKey = new Map()));
        byKey.set(r.key, s);
      } else {
        if (s.last === n) continue; // twice in one push
        // The pushes it missed (those still in the ring): no sample.
        for (let p = Math.max(s.last + 1, n - SAMPLES + 1); p < n; p++) s.values[(p % SAMPLES) * FIELDS.length + VIEWERS] = ABSENT;
        s.last = n;
      }
      const v = s.values;
      if (r.staleSinceMs !== undefined) v.fill(NaN, at, at + FIELDS.length);
      else {
        v[at] = r.viewers.hls;
        v[at + 1] = r.viewers.rtmp;
        v[at + 2] = r.viewers.srt;
        v[at + 3] = r.viewersTotal;
        v[at + 4] = r.ingestBitsPerSec;
      }
    }
    for (const s of this.#rings.values()) {
      if (atMs - this.#atMs[s.last % SAMPLES]! <= SAMPLES * 1000) continue;
      this.#rings.delete(s.id);
      const byKey = this.#byCore.get(s.core)!;
      byKey.delete(s.key);
      if (byKey.size === 0) this.#byCore.delete(s.core);
    }
  }

  /** The pushes of stream `s` still in the ring, oldest first: `[from, to]`. */
  #span(s: Ring): [number, number] {
    return [Math.max(s.first, this.#pushes - SAMPLES), s.last];
  }

  /** A stream's series as arrays (null where it was stale), oldest first; undefined when it has none. */
  get(id: string): StreamSeries | undefined {
    const s = this.#rings.get(id);
    if (!s) return undefined;
    const out: StreamSeries = { atMs: [], hls: [], rtmp: [], srt: [], viewers: [], ingestBitsPerSec: [] };
    const [from, to] = this.#span(s);
    for (let p = from; p <= to; p++) {
      const at = (p % SAMPLES) * FIELDS.length;
      const viewers = s.values[at + VIEWERS]!;
      if (viewers === ABSENT) continue;
      out.atMs.push(this.#atMs[p % SAMPLES]!);
      for (let f = 0; f < FIELDS.length; f++) {
        const v = s.values[at + f]!;
        out[FIELDS[f]!].push(v !== v ? null : v);
      }
    }
    return out;
  }

  /**
   * A stream's viewers (NaN where it was stale) and their times, oldest first, into `atMs` and `viewers` (SAMPLES
   * long each, reused); the count written (0 without a series). For the sparklines, without an array per row.
   */
  viewersInto(id: string, atMs: Float64Array, viewers: Float64Array): number {
    const s = this.#rings.get(id);
    if (!s) return 0;
    const [from, to] = this.#span(s);
    let k = 0;
    for (let p = from; p <= to; p++) {
      const v = s.values[(p % SAMPLES) * FIELDS.length + VIEWERS]!;
      if (v === ABSENT) continue;
      atMs[k] = this.#atMs[p % SAMPLES]!;
      viewers[k++] = v;
    }
    return k;
  }
}
