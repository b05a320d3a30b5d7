/**
 * The fleet as Prometheus series (appended to `GET /metrics` after Core's own `session_*` families, which stay as
 * they are): per core its state, round-trip, sessions and traffic per collector, and per stream (the key rule,
 * src/shared/stream-key.ts, with aliases and the own-process rule of src/shared/streams.ts) viewers and publishers
 * per protocol, rates, and bytes as `_total` counters. Names follow Prometheus' conventions (promtool's lint):
 * one prefix, base units in the name (`_bytes_per_second`, `_bytes_total`, `_seconds`; bit/s is bytes × 8 in a
 * dashboard). The app's 10 s window rates are gauges beside the counters: `rate()` of a counter is the scraper's.
 *
 * Label cardinality is bounded: at most `maxStreamsPerCore` streams per core get series of their own, the rest are
 * summed into one `stream="(other)"` series (the history's fold name), so every sum over streams stays exact. A
 * stream keeps its slot while it has sessions and for `keepMs` after (then the slot is free again); a stream that
 * gets no slot adds to `(other)` for as long as it lives, so both counters only ever grow (no jumps in `rate()`).
 *
 * Bytes are per-session counter deltas by the time-series sampler's rule (`bytesSince`): a session first seen brings
 * its whole counter unless it is older than what this run has watched of its core. Cores that are not observed (a remote
 * Core stale or unreachable) export their state only: no last-known numbers dressed up as current.
 */
import { SessionClassifier, type SessionStreamRef } from '../../shared/stream-key.ts';
import { countedRole, isProcessIngest } from '../../shared/stream-groups.ts';
import { GONE_KEEP_MS } from '../../shared/streams.ts';
import { addToTotals } from '../../shared/totals.ts';
import { LOCAL_CORE_ID, type CoreInfo, type CoreStateName, type SessionRow, type Snapshot } from '../../shared/types.ts';
import { formatPromValue } from '../api/metrics.ts';
import { bytesSince } from '../timeseries/sampler.ts';
import { Key3Map } from '../../shared/key3-map.ts';
import { DOUBLE_ZERO } from '../../shared/double-zero.ts';

/** The label value of the series that sums the streams beyond the cap (the name the history's fold uses too). */
export const OTHER_STREAM = '(other)';
/** Default of `--metrics-max-streams-per-core`. */
export const DEFAULT_MAX_STREAMS_PER_CORE = 50;
/** Every state a core can be in: `core_sessions_core_state` has one series per state (1 for the current one). */
export const CORE_STATES: readonly CoreStateName[] = ['running', 'connecting', 'online', 'stale', 'auth-failed', 'unreachable', 'incompatible', 'paused'];
const OBSERVED: ReadonlySet<string> = new Set(['running', 'online']);

export interface FleetMetricsOptions {
  /** Streams per core with series of their own; the rest are summed into `(other)`. 0: every stream in `(other)`. */
  maxStreamsPerCore: number;
  /** The `core` label of the local core: its Core id (identity.json), distinct per instance. */
  localExportId: string;
  /** The local core's id in snapshots (default `local`). */
  localCoreId?: string;
  /** Stream key → the key it is shown as (`stream-aliases.json`). */
  aliases?: ReadonlyMap<string, string>;
  /** Remote Cores this instance exports (its shard); default all. The local core is always exported. */
  exports?: (coreId: string) => boolean;
  /** How long a stream without sessions keeps its series and its slot. Default 10 minutes (a stream's `gone`). */
  keepMs?: number;
}

interface ProtocolNumbers {
  /** The series' label set `{core=…,protocol=…,stream=…}`, made on the first render (a scrape writes ~60 000 lines). */
  labels?: string;
  viewers: number;
  /** Viewers × seconds watched, summed over updates: viewer-hours are its increase over a day / 3600. */
  viewerSeconds: number;
  publishers: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  rxBytes: number;
  txBytes: number;
}

/** A stream's numbers per protocol in one update (entries of an earlier update's `gen` are not in this one). */
interface LiveStream {
  key: string;
  gen: number;
  /** No longer in `live` (a session that points here looks its stream up again). */
  dropped: boolean;
  protocols: Map<string, LiveNumbers>;
  /** This update's protocols in the order of their first session. */
  order: LiveNumbers[];
}

/** One protocol's numbers of a stream in the update `gen`. */
interface LiveNumbers extends ProtocolNumbers {
  protocol: string;
  /** The app's own processes' ingests (isProcessIngest): publishers where the stream has no person's. */
  processIngests: number;
  gen: number;
  /** No longer in its stream's `protocols`. */
  dropped: boolean;
}

/**
 * What the series keep of one session between updates, with what its numbers go to (found once, then kept while the
 * session's reference, location and extra stay the same strings and its stream and protocol stay in `live`).
 */
interface SessionState {
  rx: number;
  tx: number;
  /** The update that last saw it. */
  gen: number;
  /** The reference and location its stream (`ref`) was classified from; undefined: not classified yet. */
  reference: string;
  location: string;
  ref: SessionStreamRef | null | undefined;
  /** Its collector's series (a core's collectors are kept as long as the core). */
  col: CollectorSeries;
  /** The extra its `role` was taken from, the role, and the stream (aliases applied) and protocol numbers it adds to. */
  extra: string;
  role: SessionStreamRef['role'] | 'process';
  /** A process's ingest (isProcessIngest). */
  processIngest: boolean;
  stream: LiveStream | undefined;
  numbers: LiveNumbers | undefined;
}

interface StreamSeries {
  protocols: Map<string, ProtocolNumbers>;
  lastSeenMs: number;
}

interface CollectorSeries {
  activeSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  rxBytes: number;
  txBytes: number;
}

interface CoreSeries {
  info: CoreInfo;
  observed: boolean;
  collectors: Map<string, CollectorSeries>;
  /** Active sessions that are people and traffic by the totals rule (src/shared/totals.ts). */
  activeSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  streams: Map<string, StreamSeries>;
  other: StreamSeries;
  /** Per session (by collector and id) its last byte counters and its stream, updated in place (no garbage per update). */
  counters: Key3Map<SessionState>;
  /** Entries of `counters` this update saw: all of them (nothing ended) spares the sweep for ended ones. */
  countersSeen: number;
  /** This update's streams with their sessions' numbers per protocol (kept from update to update, `gen` marks this one's). */
  live: Map<string, LiveStream>;
  /** `live`'s streams of this update in the order of their first session (the order the sums are made in). */
  liveOrder: LiveStream[];
  /** The update `liveOrder` is of. */
  liveGen: number;
  /** Streams with sessions now, and how many of them are in `(other)`. */
  liveStreams: number;
  foldedStreams: number;
}

function zeroNumbers(): ProtocolNumbers {
  return { viewers: 0, viewerSeconds: DOUBLE_ZERO, publishers: 0, rxBitsPerSec: DOUBLE_ZERO, txBitsPerSec: DOUBLE_ZERO, rxBytes: DOUBLE_ZERO, txBytes: DOUBLE_ZERO };
}

/** formatPromValue with a fast path: whole numbers below 10^6 print as they are (most of a scrape's values). */
function num(v: number): string {
  return Number.isInteger(v) && v > -1e6 && v < 1e6 ? String(v) : formatPromValue(v);
}

function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
}

const F = {
  coreInfo: { name: 'core_sessions_core_info', help: 'A watched core: its name and kind (local or remote); always 1', type: 'gauge' },
  coreState: { name: 'core_sessions_core_state', help: 'The core state as the app sees it: 1 for the current state, 0 for the others', type: 'gauge' },
  coreUp: { name: 'core_sessions_core_up', help: 'Whether the core data is current (local running or remote online): 1 or 0', type: 'gauge' },
  coreRtt: { name: 'core_sessions_core_round_trip_seconds', help: 'Round-trip time of the last poll of a remote core in seconds', type: 'gauge' },
  coreSessions: { name: 'core_sessions_core_sessions', help: 'Active sessions that are people (viewers and publishers), no collector counted twice', type: 'gauge' },
  coreRxRate: { name: 'core_sessions_core_receive_bytes_per_second', help: 'Received bytes per second of the core (10 s window), no collector counted twice', type: 'gauge' },
  coreTxRate: { name: 'core_sessions_core_transmit_bytes_per_second', help: 'Sent bytes per second of the core (10 s window), no collector counted twice', type: 'gauge' },
  colSessions: { name: 'core_sessions_collector_sessions', help: 'Active sessions per collector as the core reports them', type: 'gauge' },
  colRxRate: { name: 'core_sessions_collector_receive_bytes_per_second', help: 'Received bytes per second per collector (10 s window)', type: 'gauge' },
  colTxRate: { name: 'core_sessions_collector_transmit_bytes_per_second', help: 'Sent bytes per second per collector (10 s window)', type: 'gauge' },
  colRxBytes: { name: 'core_sessions_collector_receive_bytes_total', help: 'Bytes received per collector while watched by this instance', type: 'counter' },
  colTxBytes: { name: 'core_sessions_collector_transmit_bytes_total', help: 'Bytes sent per collector while watched by this instance', type: 'counter' },
  streams: { name: 'core_sessions_core_streams', help: 'Streams with sessions on the core', type: 'gauge' },
  folded: { name: 'core_sessions_core_streams_folded', help: 'Streams on the core beyond the per-core cap, summed into stream="(other)"', type: 'gauge' },
  viewers: { name: 'core_sessions_stream_viewers', help: 'Viewers of the stream per protocol', type: 'gauge' },
  viewerSeconds: { name: 'core_sessions_stream_viewer_seconds_total', help: 'Seconds watched by the viewers of the stream per protocol (viewers times time)', type: 'counter' },
  publishers: { name: 'core_sessions_stream_publishers', help: 'Publishers of the stream per protocol', type: 'gauge' },
  ingestRate: { name: 'core_sessions_stream_ingest_bytes_per_second', help: 'Bytes per second received by the stream sessions per protocol (10 s window)', type: 'gauge' },
  egressRate: { name: 'core_sessions_stream_egress_bytes_per_second', help: 'Bytes per second sent by the stream sessions per protocol (10 s window)', type: 'gauge' },
  ingestBytes: { name: 'core_sessions_stream_ingest_bytes_total', help: 'Bytes received by the stream sessions per protocol while watched by this instance', type: 'counter' },
  egressBytes: { name: 'core_sessions_stream_egress_bytes_total', help: 'Bytes sent by the stream sessions per protocol while watched by this instance', type: 'counter' },
} satisfies Record<string, Family>;

/** Every family this module writes, for documentation and the dashboard test. */
export const FLEET_FAMILIES: readonly string[] = Object.values(F).map((f) => f.name);

/**
 * The fleet's series, fed with every fleet update (`update`, once a second) and written on each scrape (`render`).
 * Bounded: per core at most `maxStreamsPerCore` + 1 streams have state, whatever the number of stream names seen.
 */
export class FleetMetrics {
  readonly options: Required<Omit<FleetMetricsOptions, 'exports'>> & Pick<FleetMetricsOptions, 'exports'>;
  #cores = new Map<string, CoreSeries>();
  /** Update number: a session counter not seen in the current update is dropped (its core being observed). */
  #gen = 0;
  #watchedSinceMs = new Map<string, number>();
  #lastAtMs = 0;
  /** classifySession per collector, reference and location, memoised (streams change rarely). */
  readonly #refs = new SessionClassifier();

  constructor(options: FleetMetricsOptions) {
    this.options = { localCoreId: LOCAL_CORE_ID, aliases: new Map(), keepMs: GONE_KEEP_MS, ...options };
  }

  #exported(id: string): boolean {
    return id === this.options.localCoreId || (this.options.exports?.(id) ?? true);
  }

  /** Takes one fleet snapshot: gauges become its numbers, counters grow by what each session moved since the last. */
  update(snapshot: Snapshot): void {
    const now = snapshot.atMs;
    const sinceLast = this.#lastAtMs > 0 ? Math.max(0, now - this.#lastAtMs) : 0;
    this.#lastAtMs = now;
    const listed = new Set<string>();
    for (const info of snapshot.cores) {
      if (!this.#exported(info.id)) continue;
      listed.add(info.id);
      let c = this.#cores.get(info.id);
      if (!c) {
        c = { info, observed: false, collectors: new Map(), activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0, streams: new Map(), other: { protocols: new Map(), lastSeenMs: now }, counters: new Key3Map(), countersSeen: 0, live: new Map(), liveOrder: [], liveGen: 0, liveStreams: 0, foldedStreams: 0 };
        this.#cores.set(info.id, c);
      }
      c.info = info;
      c.observed = OBSERVED.has(info.state);
      if (c.observed && !this.#watchedSinceMs.has(info.id)) this.#watchedSinceMs.set(info.id, now);
      if (!c.observed) this.#watchedSinceMs.delete(info.id);
      if (c.observed) {
        c.countersSeen = 0;
        c.activeSessions = 0;
        c.rxBitsPerSec = 0;
        c.txBitsPerSec = 0;
        for (const col of c.collectors.values()) col.activeSessions = col.rxBitsPerSec = col.txBitsPerSec = 0;
        for (const s of c.streams.values()) for (const p of s.protocols.values()) p.viewers = p.publishers = p.rxBitsPerSec = p.txBitsPerSec = 0;
        for (const p of c.other.protocols.values()) p.viewers = p.publishers = p.rxBitsPerSec = p.txBitsPerSec = 0;
      }
    }
    for (const id of [...this.#cores.keys()]) if (!listed.has(id)) this.#cores.delete(id);

    for (const t of snapshot.collectors) {
      const c = this.#cores.get(t.core);
      if (!c?.observed) continue;
      const col = this.#collectorOf(c, t.collector);
      col.activeSessions = t.activeSessions;
      col.rxBitsPerSec = t.rxBitsPerSec;
      col.txBitsPerSec = t.txBitsPerSec;
      addToTotals(c, t);
    }

    // This update's streams per core (`live`), with each session's numbers and byte deltas.
    const gen = ++this.#gen;
    const moved = { rx: DOUBLE_ZERO, tx: DOUBLE_ZERO };
    const sessions = snapshot.sessions;
    let coreId: string | undefined;
    let c: CoreSeries | undefined;
    let watchedSinceMs = now;
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i]!;
      // Sessions come grouped by core: the core is looked up when it changes.
      if (s.core !== coreId) {
        coreId = s.core;
        c = this.#cores.get(s.core);
        watchedSinceMs = this.#watchedSinceMs.get(s.core) ?? now;
      }
      // A core that is not observed keeps its sessions' counters for when it is back.
      if (!c?.observed) continue;
      this.#count(c, s, i, gen, watchedSinceMs, sinceLast, moved);
    }
    for (const c of this.#cores.values()) {
      if (!c.observed) continue;
      if (c.counters.size !== c.countersSeen) c.counters.deleteWhere((v) => v.gen !== gen);
      // The streams (and a stream's protocols) of earlier updates that have no session in this one.
      c.live.forEach((stream, key) => {
        if (stream.gen !== gen) {
          stream.dropped = true;
          c.live.delete(key);
        } else if (stream.protocols.size !== stream.order.length)
          stream.protocols.forEach((n, protocol) => {
            if (n.gen !== gen) {
              n.dropped = true;
              stream.protocols.delete(protocol);
            }
          });
      });
    }

    for (const c of this.#cores.values()) {
      if (!c.observed) continue;
      const streams = c.liveGen === gen ? c.liveOrder : [];
      const live = c.live;
      // Slots: a stream keeps its slot while it lives; free slots go to new streams, most viewers first.
      for (const [key, s] of c.streams) {
        if (live.has(key)) s.lastSeenMs = now;
        else if (now - s.lastSeenMs > this.options.keepMs) c.streams.delete(key);
      }
      const cap = this.options.maxStreamsPerCore;
      if (c.streams.size < cap) {
        const viewersOf = (p: LiveStream): number => {
          let v = 0;
          for (const n of p.order) v += n.viewers;
          return v;
        };
        const fresh = streams.filter(({ key }) => key !== OTHER_STREAM && !c.streams.has(key));
        fresh.sort((a, b) => viewersOf(b) - viewersOf(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        for (const { key } of fresh) {
          if (c.streams.size >= cap) break;
          c.streams.set(key, { protocols: new Map(), lastSeenMs: now });
        }
      }
      // Seconds since the last update this core was observed in (at most 5: a stalled app does not extrapolate).
      const watchedSec = Math.min(5, sinceLast / 1000);
      let folded = 0;
      for (const { key, order } of streams) {
        let target = c.streams.get(key);
        if (!target) {
          target = c.other;
          folded++;
        }
        // A stream no person publishes to is brought in by its processes' ingests (the streams' rule, stream-groups.ts).
        let people = 0;
        for (const n of order) people += n.publishers;
        for (const n of order) {
          let t = target.protocols.get(n.protocol);
          if (!t) target.protocols.set(n.protocol, (t = zeroNumbers()));
          t.viewers += n.viewers;
          t.viewerSeconds += n.viewers * watchedSec;
          t.publishers += people > 0 ? n.publishers : n.processIngests;
          t.rxBitsPerSec += n.rxBitsPerSec;
          t.txBitsPerSec += n.txBitsPerSec;
          t.rxBytes += n.rxBytes;
          t.txBytes += n.txBytes;
        }
      }
      c.liveStreams = streams.length;
      c.foldedStreams = folded;
    }
  }

  /**
   * One session of an observed core into its counters and this update's stream numbers. A method of its own (not
   * the body of update's loop): a small function called 10 000 times per update is optimised within the first
   * updates.
   */
  #count(c: CoreSeries, s: SessionRow, at: number, gen: number, watchedSinceMs: number, sinceLast: number, moved: { rx: number; tx: number }): void {
    let session = c.counters.getAt(at, '', s.collector, s.id);
    const { rx, tx } = bytesSince(session, s, watchedSinceMs, sinceLast, moved);
    if (session) {
      if (session.gen !== gen) c.countersSeen++;
      session.rx = s.rxBytes;
      session.tx = s.txBytes;
      session.gen = gen;
    } else {
      // Made with -0 counters, then set: the fields stay doubles even when this first count is a small integer.
      session = { rx: DOUBLE_ZERO, tx: DOUBLE_ZERO, gen, reference: s.reference, location: s.location, ref: undefined, col: this.#collectorOf(c, s.collector), extra: s.extra, role: 'viewer', processIngest: false, stream: undefined, numbers: undefined };
      session.rx = s.rxBytes;
      session.tx = s.txBytes;
      c.counters.setAt(at, '', s.collector, s.id, session);
      c.countersSeen++;
    }
    const col = session.col;
    col.rxBytes += rx;
    col.txBytes += tx;
    // A session keeps its stream: classified again only when its reference or location changed.
    if (session.ref === undefined || session.reference !== s.reference || session.location !== s.location || session.extra !== s.extra) {
      if (session.ref === undefined || session.reference !== s.reference || session.location !== s.location) {
        session.reference = s.reference;
        session.location = s.location;
        session.ref = this.#refs.classify(s.collector, s.reference, s.location);
      }
      session.extra = s.extra;
      const ref = session.ref;
      session.role = ref === null ? 'viewer' : countedRole(ref, s.extra);
      session.processIngest = ref !== null && isProcessIngest(ref, s.extra);
      session.stream = session.numbers = undefined;
    }
    const ref = session.ref;
    if (!ref) return;
    let stream = session.stream;
    if (stream === undefined || stream.dropped) {
      const key = this.options.aliases.get(ref.key) ?? ref.key;
      stream = c.live.get(key);
      if (!stream) c.live.set(key, (stream = { key, gen: 0, dropped: false, protocols: new Map(), order: [] }));
      session.stream = stream;
      session.numbers = undefined;
    }
    if (stream.gen !== gen) {
      if (c.liveGen !== gen) {
        c.liveGen = gen;
        c.liveOrder.length = 0;
      }
      stream.gen = gen;
      stream.order.length = 0;
      c.liveOrder.push(stream);
    }
    let n = session.numbers;
    if (n === undefined || n.dropped) {
      n = stream.protocols.get(ref.protocol);
      if (!n) stream.protocols.set(ref.protocol, (n = { ...zeroNumbers(), protocol: ref.protocol, processIngests: 0, gen: 0, dropped: false }));
      session.numbers = n;
    }
    if (n.gen !== gen) {
      n.gen = gen;
      n.viewers = n.publishers = n.processIngests = n.rxBitsPerSec = n.txBitsPerSec = n.rxBytes = n.txBytes = 0;
      stream.order.push(n);
    }
    const role = session.role;
    if (role === 'viewer') n.viewers++;
    else if (role === 'publisher') n.publishers++;
    else if (session.processIngest) n.processIngests++;
    n.rxBitsPerSec += s.rxBitsPerSec;
    n.txBitsPerSec += s.txBitsPerSec;
    n.rxBytes += rx;
    n.txBytes += tx;
  }

  #collectorOf(c: CoreSeries, name: string): CollectorSeries {
    let col = c.collectors.get(name);
    if (!col) c.collectors.set(name, (col = { activeSessions: 0, rxBitsPerSec: DOUBLE_ZERO, txBitsPerSec: DOUBLE_ZERO, rxBytes: DOUBLE_ZERO, txBytes: DOUBLE_ZERO }));
    return col;
  }

  /** Stream series (core × stream × protocol) currently kept: at most (cap + 1) × protocols per core. */
  streamSeriesCount(): number {
    let n = 0;
    for (const c of this.#cores.values()) {
      for (const s of c.streams.values()) n += s.protocols.size;
      n += c.other.protocols.size;
    }
    return n;
  }

  /** The exposition text (format 0.0.4) of the fleet families; empty before the first update. */
  render(): string {
    const cores = [...this.#cores.values()];
    if (cores.length === 0) return '';
    const coreLabel = (c: CoreSeries): string => labelValue(c.info.id === this.options.localCoreId ? this.options.localExportId : c.info.id);
    const parts: string[] = [];
    const head = (f: Family): void => {
      parts.push(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`);
    };
    const perCore = (f: Family, value: (c: CoreSeries) => number | undefined, observedOnly: boolean): void => {
      head(f);
      for (const c of cores) {
        if (observedOnly && !c.observed) continue;
        const v = value(c);
        if (v !== undefined) parts.push(`${f.name}{core="${coreLabel(c)}"} ${num(v)}\n`);
      }
    };
    const perCollector = (f: Family, value: (s: CollectorSeries) => number): void => {
      head(f);
      for (const c of cores) {
        if (!c.observed) continue;
        const core = coreLabel(c);
        for (const [name, s] of c.collectors) parts.push(`${f.name}{collector="${labelValue(name)}",core="${core}"} ${num(value(s))}\n`);
      }
    };
    const perStream = (f: Family, value: (n: ProtocolNumbers) => number): void => {
      head(f);
      for (const c of cores) {
        if (!c.observed) continue;
        const core = coreLabel(c);
        const write = (key: string, s: StreamSeries): void => {
          for (const [protocol, n] of s.protocols) {
            n.labels ??= `{core="${core}",protocol="${labelValue(protocol)}",stream="${labelValue(key)}"} `;
            parts.push(f.name + n.labels + num(value(n)) + '\n');
          }
        };
        for (const [key, s] of c.streams) write(key, s);
        write(OTHER_STREAM, c.other);
      }
    };
    // Families in name order, as Go's registry writes them.
    perCollector(F.colRxRate, (s) => s.rxBitsPerSec / 8);
    perCollector(F.colRxBytes, (s) => s.rxBytes);
    perCollector(F.colSessions, (s) => s.activeSessions);
    perCollector(F.colTxRate, (s) => s.txBitsPerSec / 8);
    perCollector(F.colTxBytes, (s) => s.txBytes);
    head(F.coreInfo);
    for (const c of cores) parts.push(`${F.coreInfo.name}{core="${coreLabel(c)}",kind="${c.info.kind}",name="${labelValue(c.info.name)}"} 1\n`);
    perCore(F.coreRxRate, (c) => c.rxBitsPerSec / 8, true);
    perCore(F.coreRtt, (c) => (c.info.rttMs === undefined ? undefined : c.info.rttMs / 1000), false);
    perCore(F.coreSessions, (c) => c.activeSessions, true);
    head(F.coreState);
    for (const c of cores) {
      const core = coreLabel(c);
      for (const st of CORE_STATES) parts.push(`${F.coreState.name}{core="${core}",state="${st}"} ${c.info.state === st ? 1 : 0}\n`);
    }
    perCore(F.streams, (c) => c.liveStreams, true);
    perCore(F.folded, (c) => c.foldedStreams, true);
    perCore(F.coreTxRate, (c) => c.txBitsPerSec / 8, true);
    perCore(F.coreUp, (c) => (c.observed ? 1 : 0), false);
    perStream(F.egressRate, (n) => n.txBitsPerSec / 8);
    perStream(F.egressBytes, (n) => n.txBytes);
    perStream(F.ingestRate, (n) => n.rxBitsPerSec / 8);
    perStream(F.ingestBytes, (n) => n.rxBytes);
    perStream(F.publishers, (n) => n.publishers);
    perStream(F.viewerSeconds, (n) => n.viewerSeconds);
    perStream(F.viewers, (n) => n.viewers);
    return parts.join('');
  }
}
