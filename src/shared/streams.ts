/**
 * Streams: one piece of content on one core, with its publishers and its audience, grouped from the live sessions
 * by the one key rule (stream-key.ts). Pure and without node:* so the main process (API, /api/streams) and tests use
 * the same code; the page gets the rows in the snapshot.
 *
 * Per stream: state (`live` with a publisher, `idle` with sessions but no publisher, `gone` for a while after the
 * last session, then dropped) and since when, the ingest protocol and bitrate, viewers per protocol, egress, peak
 * concurrent viewers since the start of the local day, and the sessions behind each number. A stream of a core
 * whose data is not current (a remote Core that is stale or unreachable) keeps its last known numbers, marked
 * `stale` with since when, rather than dropping to zero.
 */
import { StreamGroups } from './stream-groups.ts';
import { Key3Map } from './key3-map.ts';
import { classifySession, type StreamProtocol } from './stream-key.ts';
import type { CoreInfo, Snapshot } from './types.ts';

export type StreamState = 'live' | 'idle' | 'gone';

/** Protocols a viewer can watch with (an ffmpeg run is not a viewer). */
export const VIEWER_PROTOCOLS = ['hls', 'rtmp', 'srt'] as const;
export type ViewerProtocol = (typeof VIEWER_PROTOCOLS)[number];

export interface StreamRow {
  core: string;
  /** The key from the key rule, after aliases. */
  key: string;
  state: StreamState;
  /** When the state last changed, Unix ms. */
  sinceMs: number;
  /** The protocol of the (first) publisher, or null without one. */
  ingestProtocol: StreamProtocol | null;
  ingestBitsPerSec: number;
  publishers: number;
  viewers: Record<ViewerProtocol, number>;
  viewersTotal: number;
  egressBitsPerSec: number;
  /** FFmpeg process runs reading from or writing to the stream. */
  processes: number;
  /** Peak concurrent viewers since the start of the local day. */
  peakViewersToday: number;
  /** The keys of the key rule that make up this stream (one, or several merged by aliases): see `streamSessions`. */
  keys: string[];
  /** Set while the core's data is not current: the numbers are the last known, since then (Unix ms). */
  staleSinceMs?: number;
}

/** Streams kept as `gone` after their last session before they are dropped. */
export const GONE_KEEP_MS = 10 * 60_000;

const HEALTHY: ReadonlySet<CoreInfo['state']> = new Set(['online', 'running']);

/** What the model remembers of one stream (core and key after aliases) across updates. */
interface Memory {
  state: StreamState;
  sinceMs: number;
  lastSeenMs: number;
  peakDay: number;
  peak: number;
  /** The row of the last update that had one. */
  row: StreamRow;
  /** Made in this update (`row` is then this update's row too; the fields above are set at the end). */
  fresh: boolean;
  /** The update `next` is of, and this update's row while it is being made. */
  nextGen: number;
  next: StreamRow;
  /** Where `next`'s first open publisher is in the snapshot (a row that several keys make up takes the first). */
  ingestIndex: number;
}

function emptyRow(core: string, key: string): StreamRow {
  return {
    core,
    key,
    state: 'idle',
    sinceMs: 0,
    ingestProtocol: null,
    ingestBitsPerSec: 0,
    publishers: 0,
    viewers: { hls: 0, rtmp: 0, srt: 0 },
    viewersTotal: 0,
    egressBitsPerSec: 0,
    processes: 0,
    peakViewersToday: 0,
    keys: [],
  };
}

/**
 * A new row takes the last row's `viewers` and `keys` when they hold the same values (rows are never changed once
 * handed on, so the two rows may share them): the new ones die young, and a reader that compares the two rows (the
 * push encoder, every second for every stream) finds the same objects.
 */
function shareUnchanged(row: StreamRow, last: StreamRow): void {
  const v = row.viewers;
  const lv = last.viewers;
  if (VIEWER_PROTOCOLS.every((p) => v[p] === lv[p])) row.viewers = lv;
  const k = row.keys;
  const lk = last.keys;
  if (k.length !== lk.length) return;
  for (let i = 0; i < k.length; i++) if (k[i] !== lk[i]) return;
  row.keys = lk;
}

/** The sessions behind a stream's numbers, from a snapshot's session list (the key rule, before aliases). */
export function streamSessions<T extends { core: string; collector: string; reference: string; location: string }>(row: Pick<StreamRow, 'core' | 'keys'>, sessions: readonly T[]): T[] {
  const keys = new Set(row.keys);
  return sessions.filter((s) => {
    if (s.core !== row.core) return false;
    const ref = classifySession(s.collector, s.reference, s.location);
    return ref !== null && keys.has(ref.key);
  });
}

/** The local day number of a time (days since the epoch in the local time zone). */
function localDay(ms: number): number {
  const d = new Date(ms);
  return Math.floor((ms - d.getTimezoneOffset() * 60_000) / 86_400_000);
}

/**
 * Makes each update's streams (stream-groups.ts, the user's aliases applied) into rows, and remembers what a single
 * snapshot cannot say: since when a state holds, the day's peak, and the last known rows of a core that stopped
 * answering.
 */
export class StreamModel {
  readonly #aliases: ReadonlyMap<string, string>;
  readonly #groups: StreamGroups;
  /** By ('', core, key): looked up by the grouping's place (its streams come in about the same order each update). */
  readonly #memory = new Key3Map<Memory>();
  #gen = 0;
  #rows: StreamRow[] = [];
  /** Today's peaks from the history (`seedPeaks`), by core and key after aliases: a stream's peak starts there. */
  #seed = new Map<string, number>();
  #seedDay = -1;

  /**
   * `aliases`: stream key → the key it is shown as (rename, or merge several keys into one). `groups`: the grouping
   * it reads (the app shares one with the alert evaluator, so an update is grouped once).
   */
  constructor(aliases: ReadonlyMap<string, string> = new Map(), groups: StreamGroups = new StreamGroups()) {
    this.#aliases = aliases;
    this.#groups = groups;
  }

  /**
   * Seeds the day's peaks from the history, so "Peak today" survives a restart: `peaks` are the day's highest
   * concurrent viewers per core and stream key (the key rule's, before aliases), `atMs` a time in that day. A stream
   * starts its peak at the seed and keeps the higher of the two; keys an alias merges take the highest of them (a
   * lower bound of the merged row's peak, which the history does not keep). Seeds of another day are ignored.
   */
  seedPeaks(atMs: number, peaks: Iterable<{ core: string; stream: string; peakViewers: number }>): void {
    const day = localDay(atMs);
    if (day !== this.#seedDay) {
      this.#seedDay = day;
      this.#seed.clear();
    }
    for (const p of peaks) {
      if (!Number.isFinite(p.peakViewers) || p.peakViewers <= 0) continue;
      const key = this.#aliases.get(p.stream) ?? p.stream;
      const k = `${p.core}\u0000${key}`;
      const peak = Math.max(this.#seed.get(k) ?? 0, p.peakViewers);
      this.#seed.set(k, peak);
      // A stream already in memory (the history answered after the first updates) takes it too.
      const m = this.#memory.get('', p.core, key);
      if (m !== undefined && m.peakDay === day) m.peak = Math.max(m.peak, peak);
    }
  }

  /** The seeded peak of a stream for a day (0 without one). */
  #seedOf(day: number, core: string, key: string): number {
    return day === this.#seedDay ? (this.#seed.get(`${core}\u0000${key}`) ?? 0) : 0;
  }

  /** The rows of the last update, sorted by viewers (most first), then core and key. */
  rows(): StreamRow[] {
    return this.#rows;
  }

  update(snapshot: Snapshot): StreamRow[] {
    const now = snapshot.atMs;
    const today = localDay(now);
    const gen = ++this.#gen;
    const healthy = new Set(snapshot.cores.filter((c) => HEALTHY.has(c.state)).map((c) => c.id));
    const known = new Set(snapshot.cores.map((c) => c.id));
    /** This update's streams (their `next` rows), in the order of their first key in the grouping. */
    const current: Memory[] = [];
    this.#groups.update(snapshot);
    // The grouping's streams are keys of the key rule; an alias shows several of them as one row.
    const groups = this.#groups.all();
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      const key = this.#aliases.get(g.key) ?? g.key;
      let m = this.#memory.getAt(i, '', g.core, key);
      if (m === undefined) {
        const row = emptyRow(g.core, key);
        m = { state: 'idle', sinceMs: now, lastSeenMs: now, peakDay: today, peak: this.#seedOf(today, g.core, key), row, fresh: true, nextGen: 0, next: row, ingestIndex: -1 };
        this.#memory.setAt(i, '', g.core, key, m);
      }
      if (m.nextGen !== gen) {
        m.nextGen = gen;
        if (!m.fresh) m.next = emptyRow(g.core, key);
        current.push(m);
      }
      const row = m.next;
      row.keys.push(g.key);
      row.publishers += g.publishers;
      row.ingestBitsPerSec += g.ingestBitsPerSec;
      if (g.ingestProtocol !== null && (row.ingestProtocol === null || g.ingestIndex < m.ingestIndex)) {
        row.ingestProtocol = g.ingestProtocol;
        m.ingestIndex = g.ingestIndex;
      }
      const v = row.viewers;
      v.hls += g.viewersHls;
      v.rtmp += g.viewersRtmp;
      v.srt += g.viewersSrt;
      row.viewersTotal += g.viewersTotal;
      row.egressBitsPerSec += g.egressBitsPerSec;
      row.processes += g.processes;
    }
    // A core whose data is not current: rows from its last answer are stale (since the first update that saw it so).
    for (const m of current) {
      if (!healthy.has(m.next.core)) m.next.staleSinceMs = (m.fresh ? undefined : m.row.staleSinceMs) ?? now;
    }
    // Cores whose data is not current keep their last rows, marked stale.
    this.#memory.forEach((m) => {
      if (m.nextGen === gen || healthy.has(m.row.core) || !known.has(m.row.core)) return;
      if (m.row.state === 'gone') return;
      m.nextGen = gen;
      m.next = { ...m.row, staleSinceMs: m.row.staleSinceMs ?? now };
      current.push(m);
    });
    const out: StreamRow[] = [];
    for (const m of current) {
      const row = m.next;
      const state: StreamState = row.staleSinceMs !== undefined ? (m.fresh ? 'idle' : m.state) : row.publishers > 0 ? 'live' : 'idle';
      if (m.fresh) {
        m.fresh = false;
        m.state = state;
      }
      if (m.state !== state) {
        m.state = state;
        m.sinceMs = now;
      }
      if (m.peakDay !== today) {
        m.peakDay = today;
        m.peak = this.#seedOf(today, m.row.core, m.row.key);
      }
      if (row.staleSinceMs === undefined) {
        m.lastSeenMs = now;
        m.peak = Math.max(m.peak, row.viewersTotal);
      }
      row.state = m.state;
      row.sinceMs = m.sinceMs;
      row.peakViewersToday = m.peak;
      if (m.row !== row) shareUnchanged(row, m.row);
      m.row = row;
      m.ingestIndex = -1;
      out.push(row);
    }
    // Streams without sessions now: `gone` for a while (so an operator sees that `cam` just ended), then dropped.
    this.#memory.deleteWhere((m) => {
      if (m.nextGen === gen) return false;
      if (!known.has(m.row.core) || now - m.lastSeenMs > GONE_KEEP_MS) return true;
      if (m.state !== 'gone') {
        m.state = 'gone';
        m.sinceMs = now;
      }
      const gone: StreamRow = { ...emptyRow(m.row.core, m.row.key), state: 'gone', sinceMs: m.sinceMs, peakViewersToday: m.peakDay === today ? m.peak : 0 };
      m.row = m.next = gone;
      out.push(gone);
      return false;
    });
    out.sort((a, b) => b.viewersTotal - a.viewersTotal || (a.core < b.core ? -1 : a.core > b.core ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#rows = out;
    return out;
  }
}
