/**
 * Turns live snapshots into sample rounds: per core × stream × protocol the viewers and publishers at the sample
 * time and the bytes moved since the previous sample, plus the stored totals per stream (all protocols), per core
 * and over all cores. Streams and roles come from the one rule, `classifySession` (src/shared/stream-key.ts).
 *
 * Bytes are per-session counter deltas: a session seen for the first time brings its whole counter (it began since
 * the last sample), except when it is older than what this run has watched of its core (a remote Core's session
 * that was running before the app started or the Core was added: its earlier bytes are not this interval's); a
 * session that ends between two samples loses only what it moved since the last one.
 */
import type { SessionRow, Snapshot } from '../../shared/types.ts';
import { classifySession } from '../../shared/stream-key.ts';
import { TS_ALL } from '../../shared/timeseries.ts';
import { HyperLogLog } from './hll.ts';
import { OBSERVED_STATES, seriesKeyString, type RoundInput, type RoundSample, type SeriesKey } from './store.ts';

interface Counters {
  rx: number;
  tx: number;
}

export interface SamplerOptions {
  intervalSec: number;
  dayOf: (ms: number) => string;
  /** The stored sketch for a day, core and stream (loaded once per day and stream, then kept here). */
  loadUniques: (day: string, core: string, stream: string) => HyperLogLog;
}

/**
 * Who a viewer is for the unique count: the remote address and user agent. HLS sessions carry both in `extra`
 * (`[203.0.113.0] Mozilla/5.0`, the address already anonymised by Core); RTMP/SRT players have `ip:port` in
 * `peer` (the port differs per connection, so it is dropped) and no user agent.
 */
export function viewerIdentity(row: SessionRow): string {
  const address = row.peer.replace(/^\[([^\]]*)\]:\d+$/, '$1').replace(/^([^:]*):\d+$/, '$1');
  return row.collector === 'hls' ? row.extra : `${address} ${row.extra}`;
}

/**
 * Bytes a session moved since it was last seen (`prev`), by the one rule for per-session deltas (also used by the
 * fleet's Prometheus counters): a counter that went down restarted (all of it is new); a session seen for the first
 * time brings its whole counter, unless it began more than `windowMs` before `watchedSinceMs` (what this run has
 * watched of its core): its earlier bytes are not this run's.
 */
export function bytesSince(
  prev: { rx: number; tx: number } | undefined,
  row: Pick<SessionRow, 'rxBytes' | 'txBytes' | 'createdAtMs'>,
  watchedSinceMs: number,
  windowMs: number,
  /** Written and returned instead of a new object (a caller that runs this for every session each second). */
  out: { rx: number; tx: number } = { rx: 0, tx: 0 },
): { rx: number; tx: number } {
  if (prev) {
    out.rx = row.rxBytes >= prev.rx ? row.rxBytes - prev.rx : row.rxBytes;
    out.tx = row.txBytes >= prev.tx ? row.txBytes - prev.tx : row.txBytes;
  } else if (row.createdAtMs < watchedSinceMs - windowMs) {
    out.rx = 0;
    out.tx = 0;
  } else {
    out.rx = row.rxBytes;
    out.tx = row.txBytes;
  }
  return out;
}

/** The sampler's memory between rounds: last counters per session, watched-since per core, today's sketches. */
export class Sampler {
  readonly options: SamplerOptions;
  #counters = new Map<string, Counters>();
  /** Per core: start of the first round of this run in which it was observed. */
  #watchedSinceMs = new Map<string, number>();
  #sketches = new Map<string, HyperLogLog>();
  #day = '';

  constructor(options: SamplerOptions) {
    this.options = options;
  }

  /** One round for the interval ending at `endMs` (aligned to the interval), from the snapshot taken then. */
  round(snapshot: Snapshot, endMs: number): RoundInput {
    const durSec = this.options.intervalSec;
    const startMs = endMs - durSec * 1000;
    const day = this.options.dayOf(startMs);
    const newDay = day !== this.#day;
    if (newDay) {
      this.#day = day;
      this.#sketches.clear();
    }
    const observed = new Set<string>();
    const coreStates: RoundInput['coreStates'] = [{ core: TS_ALL, state: 'running' }];
    for (const c of snapshot.cores) {
      coreStates.push({ core: c.id, state: c.state });
      if (OBSERVED_STATES.has(c.state)) {
        observed.add(c.id);
        if (!this.#watchedSinceMs.has(c.id)) this.#watchedSinceMs.set(c.id, startMs);
      }
    }
    for (const core of [...this.#watchedSinceMs.keys()]) if (!observed.has(core)) this.#watchedSinceMs.delete(core);

    // Per session only its protocol series is summed; the stored totals are sums of those, made afterwards.
    const acc = new Map<string, RoundSample>();
    const add = (into: Map<string, RoundSample>, k: string, core: string, stream: string, protocol: string, from: Omit<RoundSample, keyof SeriesKey>): void => {
      let s = into.get(k);
      if (!s) {
        s = { core, stream, protocol, viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
        into.set(k, s);
      }
      s.viewers += from.viewers;
      s.publishers += from.publishers;
      s.rxBytes += from.rxBytes;
      s.txBytes += from.txBytes;
    };

    const next = new Map<string, Counters>();
    const dirty = new Map<string, { day: string; core: string; stream: string; hll: HyperLogLog }>();
    for (const row of snapshot.sessions) {
      const ref = classifySession(row.collector, row.reference, row.location);
      if (!ref) continue;
      const id = `${row.core}\u0000${row.collector}\u0000${row.id}`;
      const prev = this.#counters.get(id);
      next.set(id, { rx: row.rxBytes, tx: row.txBytes });
      // A core that is not observed now (stale, unreachable) keeps its counters for when it is back.
      if (!observed.has(row.core)) continue;
      const { rx, tx } = bytesSince(prev, row, this.#watchedSinceMs.get(row.core) ?? startMs, durSec * 1000);
      const viewers = ref.role === 'viewer' ? 1 : 0;
      const publishers = ref.role === 'publisher' ? 1 : 0;
      add(acc, seriesKeyString({ core: row.core, stream: ref.key, protocol: ref.protocol }), row.core, ref.key, ref.protocol, { viewers, publishers, rxBytes: rx, txBytes: tx });
      if (viewers === 1 && (!prev || newDay)) {
        const sk = `${row.core}\u0000${ref.key}`;
        let hll = this.#sketches.get(sk);
        if (!hll) {
          hll = this.options.loadUniques(day, row.core, ref.key);
          this.#sketches.set(sk, hll);
        }
        if (hll.add(viewerIdentity(row))) dirty.set(sk, { day, core: row.core, stream: ref.key, hll });
      }
    }
    // Sessions of cores still listed but not observed keep their counters; sessions that are gone are forgotten.
    for (const [id, c] of this.#counters) {
      if (next.has(id)) continue;
      const core = id.slice(0, id.indexOf('\u0000'));
      if (!observed.has(core) && snapshot.cores.some((x) => x.id === core)) next.set(id, c);
    }
    this.#counters = next;

    // The stored totals: per stream (all protocols), per core and over all cores. Every observed core and the fleet
    // have their total row each round, zeros included.
    const totals = new Map<string, RoundSample>();
    const zero = { viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
    add(totals, TS_ALL, TS_ALL, TS_ALL, TS_ALL, zero);
    for (const core of observed) add(totals, core, core, TS_ALL, TS_ALL, zero);
    for (const x of acc.values()) {
      add(totals, `${x.core}\u0000${x.stream}`, x.core, x.stream, TS_ALL, x);
      add(totals, x.core, x.core, TS_ALL, TS_ALL, x);
      add(totals, TS_ALL, TS_ALL, TS_ALL, TS_ALL, x);
    }
    return { startMs, durSec, samples: [...acc.values(), ...totals.values()], coreStates, uniques: [...dirty.values()] };
  }
}
