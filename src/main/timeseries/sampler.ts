/**
 * Turns live snapshots into sample rounds: per core × stream × protocol the viewers and publishers at the sample
 * time and the bytes moved since the previous sample, plus the stored totals per stream (all protocols), per core
 * and over all cores. Streams and roles come from the one rule, `classifySession` (src/shared/stream-key.ts), with the
 * app's own FFmpeg processes in role `process` (countedRole, as the Streams view and /metrics count them); a process's
 * ingest is a publisher of its stream where no person publishes to it (isProcessIngest, as the Streams view).
 * Bytes are what crossed the core's edge (the totals rule, src/shared/totals.ts): a process's own sessions on this
 * core's servers (its RTMP/SRT play or publish, its HLS upload: a local restream's hop) add none; its run's external
 * inputs and outputs (the `ffmpeg` collector) do.
 *
 * Bytes are per-session counter deltas: a session seen for the first time brings its whole counter (it began since
 * the last sample), except when it is older than what this run has watched of its core (a remote Core's session
 * that was running before the app started or the Core was added: its earlier bytes are not this interval's); a
 * session that ends between two samples loses only what it moved since the last one.
 */
import type { SessionRow, Snapshot } from '../../shared/types.ts';
import { SessionClassifier } from '../../shared/stream-key.ts';
import { countedRole, isProcessIngest } from '../../shared/stream-groups.ts';
import { isProcessSession } from '../../shared/totals.ts';
import { Key3Map } from '../../shared/key3-map.ts';
import { TS_ALL } from '../../shared/timeseries.ts';
import { HyperLogLog } from './hll.ts';
import { OBSERVED_STATES, type RoundInput, type RoundSample } from './store.ts';

/** What the sampler keeps of one session between rounds, updated in place (no object per session and round). */
interface SessionCounters {
  core: string;
  /** The counters as of the round that last saw it (`round`). */
  rx: number;
  tx: number;
  /** The counters as of the round before that, if one saw it: a session listed twice in a round is measured against them again. */
  lastRx: number;
  lastTx: number;
  hadLast: boolean;
  round: number;
}

/** A series' sample of the round `round` (a slot kept from round to round, with a new sample each round). */
interface SampleSlot {
  round: number;
  sample: RoundSample;
}

/**
 * Security guard (docs/security.md, "What one client can make the server hold"): distinct-viewer sketches (1 KiB
 * each) kept in memory. They are a cache of the `uniques` table (every changed one is written with its round), so the
 * least recently used are let go past this and read back when their stream has a new viewer; without it a client
 * naming a new stream every few seconds grows the map all day (a stream name is the publisher's or uploader's choice).
 */
export const MAX_CACHED_SKETCHES = 20_000;

export interface SamplerOptions {
  intervalSec: number;
  dayOf: (ms: number) => string;
  /** The stored sketch for a day, core and stream (loaded once per day and stream, then kept here). */
  loadUniques: (day: string, core: string, stream: string) => HyperLogLog;
  /** Sketches kept in memory at most after a round (default MAX_CACHED_SKETCHES). */
  maxCachedSketches?: number;
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

/**
 * The sampler's memory between rounds: last counters per session, watched-since per core, today's sketches. A round
 * builds no string and no object per session: sessions and series are looked up by their parts (Key3Map) in maps
 * kept from round to round, and updated in place.
 */
export class Sampler {
  readonly options: SamplerOptions;
  /** Per session (core, collector, id) with a stream: its counters. */
  readonly #counters = new Key3Map<SessionCounters>();
  /** Per series (core, stream, protocol), and per stream total ('', core, stream): the last round's sample. */
  readonly #series = new Key3Map<SampleSlot>();
  readonly #streamTotals = new Key3Map<SampleSlot>();
  readonly #classifier = new SessionClassifier();
  #round = 0;
  /** Per core: start of the first round of this run in which it was observed. */
  #watchedSinceMs = new Map<string, number>();
  #sketches = new Map<string, HyperLogLog>();

  /** Distinct-viewer sketches held in memory (at most `maxCachedSketches` after a round). */
  get cachedSketches(): number {
    return this.#sketches.size;
  }
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
    const round = ++this.#round;
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

    const add = (s: RoundSample, from: Omit<RoundSample, 'core' | 'stream' | 'protocol'>): void => {
      s.viewers += from.viewers;
      s.publishers += from.publishers;
      s.rxBytes += from.rxBytes;
      s.txBytes += from.txBytes;
    };
    /** The round's sample of a series, made on its first use in the round (`order`: the round's, in that order). */
    const sampleOf = (slots: Key3Map<SampleSlot>, order: RoundSample[], a: string, b: string, c: string, core: string, stream: string, protocol: string): RoundSample => {
      let slot = slots.get(a, b, c);
      if (!slot) slots.set(a, b, c, (slot = { round: 0, sample: { core, stream, protocol, viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 } }));
      if (slot.round !== round) {
        slot.round = round;
        slot.sample = { core, stream, protocol, viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
        order.push(slot.sample);
      }
      return slot.sample;
    };

    // Per session only its protocol series is summed; the stored totals are sums of those, made afterwards.
    const series: RoundSample[] = [];
    const dirty = new Map<string, { day: string; core: string; stream: string; hll: HyperLogLog }>();
    const last = { rx: 0, tx: 0 };
    const moved = { rx: 0, tx: 0 };
    const one = { viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
    /** The samples of processes' ingests, once per such session (few: the local core's own processes). */
    const processIngests: RoundSample[] = [];
    const sessions = snapshot.sessions;
    for (let i = 0; i < sessions.length; i++) {
      const row = sessions[i]!;
      const ref = this.#classifier.classify(row.collector, row.reference, row.location);
      if (!ref) continue;
      let counters = this.#counters.getAt(i, row.core, row.collector, row.id);
      if (!counters) this.#counters.setAt(i, row.core, row.collector, row.id, (counters = { core: row.core, rx: 0, tx: 0, lastRx: 0, lastTx: 0, hadLast: false, round: 0 }));
      if (counters.round !== round) {
        counters.hadLast = counters.round !== 0;
        counters.lastRx = counters.rx;
        counters.lastTx = counters.tx;
        counters.round = round;
      }
      counters.rx = row.rxBytes;
      counters.tx = row.txBytes;
      // A core that is not observed now (stale, unreachable) keeps its counters for when it is back.
      if (!observed.has(row.core)) continue;
      let prev: typeof last | undefined;
      if (counters.hadLast) {
        last.rx = counters.lastRx;
        last.tx = counters.lastTx;
        prev = last;
      }
      const { rx, tx } = bytesSince(prev, row, this.#watchedSinceMs.get(row.core) ?? startMs, durSec * 1000, moved);
      const role = countedRole(ref, row.extra);
      one.viewers = role === 'viewer' ? 1 : 0;
      one.publishers = role === 'publisher' ? 1 : 0;
      // A process's hop between own servers is counted at the edge by the publisher and the viewers already.
      const hop = role === 'process' && isProcessSession(row.collector, row.extra);
      one.rxBytes = hop ? 0 : rx;
      one.txBytes = hop ? 0 : tx;
      const sample = sampleOf(this.#series, series, row.core, ref.key, ref.protocol, row.core, ref.key, ref.protocol);
      add(sample, one);
      if (role === 'process' && isProcessIngest(ref, row.extra)) processIngests.push(sample);
      if (one.viewers === 1 && (!prev || newDay)) {
        const sk = `${row.core}\u0000${ref.key}`;
        let hll = this.#sketches.get(sk);
        if (hll) this.#sketches.delete(sk); // re-inserted below: the map's order is least recently used first
        else hll = this.options.loadUniques(day, row.core, ref.key);
        this.#sketches.set(sk, hll);
        if (hll.add(viewerIdentity(row))) dirty.set(sk, { day, core: row.core, stream: ref.key, hll });
      }
    }
    // A stream no person publishes to is brought in by its processes' ingests: each is a publisher there.
    if (processIngests.length > 0) {
      const published = new Set<string>();
      for (const x of series) if (x.publishers > 0) published.add(`${x.core}\u0000${x.stream}`);
      for (const x of processIngests) if (!published.has(`${x.core}\u0000${x.stream}`)) x.publishers++;
    }
    // Sessions of cores still listed but not observed keep their counters; sessions that are gone are forgotten.
    const listed = new Set(snapshot.cores.map((c) => c.id));
    this.#counters.deleteWhere((c) => c.round !== round && (observed.has(c.core) || !listed.has(c.core)));
    this.#series.deleteWhere((slot) => slot.round !== round);

    // The stored totals: per stream (all protocols), per core and over all cores. Every observed core and the fleet
    // have their total row each round, zeros included.
    const fleet: RoundSample = { core: TS_ALL, stream: TS_ALL, protocol: TS_ALL, viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
    const perCore = new Map<string, RoundSample>();
    for (const core of observed) perCore.set(core, { core, stream: TS_ALL, protocol: TS_ALL, viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 });
    const streams: RoundSample[] = [];
    for (const x of series) {
      add(sampleOf(this.#streamTotals, streams, '', x.core, x.stream, x.core, x.stream, TS_ALL), x);
      add(perCore.get(x.core)!, x);
      add(fleet, x);
    }
    this.#streamTotals.deleteWhere((slot) => slot.round !== round);
    // After the loop: a sketch changed this round is still written (it is in `dirty`) when it is let go here.
    const maxSketches = this.options.maxCachedSketches ?? MAX_CACHED_SKETCHES;
    for (const sk of this.#sketches.keys()) {
      if (this.#sketches.size <= maxSketches) break;
      this.#sketches.delete(sk);
    }
    return { startMs, durSec, samples: [...series, fleet, ...perCore.values(), ...streams], coreStates, uniques: [...dirty.values()] };
  }
}
