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
import { ownProcessOf } from './processes.ts';
import { classifySession, type SessionStreamRef, type StreamProtocol, type StreamRole } from './stream-key.ts';
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

interface Memory {
  state: StreamState;
  sinceMs: number;
  lastSeenMs: number;
  peakDay: number;
  peak: number;
  row: StreamRow;
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

/** The sessions behind a stream's numbers, from a snapshot's session list (the key rule, before aliases). */
export function streamSessions<T extends { core: string; collector: string; reference: string; location: string }>(row: Pick<StreamRow, 'core' | 'keys'>, sessions: readonly T[]): T[] {
  const keys = new Set(row.keys);
  return sessions.filter((s) => {
    if (s.core !== row.core) return false;
    const ref = classifySession(s.collector, s.reference, s.location);
    return ref !== null && keys.has(ref.key);
  });
}

/**
 * The role a session counts in (streams, alerts): the key rule's, except that the app's own FFmpeg process reading
 * from or writing to its own servers (src/shared/processes.ts) is `process`, never a viewer or a publisher.
 */
export function countedRole(ref: SessionStreamRef, extra: string): StreamRole {
  return ownProcessOf(extra) !== null ? 'process' : ref.role;
}

/** The local day number of a time (days since the epoch in the local time zone). */
function localDay(ms: number): number {
  const d = new Date(ms);
  return Math.floor((ms - d.getTimezoneOffset() * 60_000) / 86_400_000);
}

/**
 * Groups the sessions of each update into streams and remembers what a single snapshot cannot say: since when a
 * state holds, the day's peak, and the last known rows of a core that stopped answering.
 */
export class StreamModel {
  readonly #aliases: ReadonlyMap<string, string>;
  /** collector → reference → location → the session's stream (many sessions share one; bounded, see #classify). */
  #refs = new Map<string, Map<string, Map<string, (SessionStreamRef & { shownAs: string }) | null>>>();
  #refCount = 0;
  readonly #memory = new Map<string, Memory>();
  #rows: StreamRow[] = [];

  /** `aliases`: stream key → the key it is shown as (rename, or merge several keys into one). */
  constructor(aliases: ReadonlyMap<string, string> = new Map()) {
    this.#aliases = aliases;
  }

  /** The rows of the last update, sorted by viewers (most first), then core and key. */
  rows(): StreamRow[] {
    return this.#rows;
  }

  /** classifySession plus aliases, memoised: a snapshot has many sessions per stream, and streams change rarely. */
  #classify(collector: string, reference: string, location: string): (SessionStreamRef & { shownAs: string }) | null {
    let byRef = this.#refs.get(collector);
    if (!byRef) this.#refs.set(collector, (byRef = new Map()));
    let byLocation = byRef.get(reference);
    if (!byLocation) byRef.set(reference, (byLocation = new Map()));
    let ref = byLocation.get(location);
    if (ref === undefined) {
      const raw = classifySession(collector, reference, location);
      ref = raw && { ...raw, shownAs: this.#aliases.get(raw.key) ?? raw.key };
      byLocation.set(location, ref);
      // Bounded: locations that are per-connection strings would otherwise grow it forever.
      if (++this.#refCount > 50_000) {
        this.#refs = new Map();
        this.#refCount = 0;
      }
    }
    return ref;
  }

  update(snapshot: Snapshot): StreamRow[] {
    const now = snapshot.atMs;
    const today = localDay(now);
    const healthy = new Set(snapshot.cores.filter((c) => HEALTHY.has(c.state)).map((c) => c.id));
    const known = new Set(snapshot.cores.map((c) => c.id));
    const current = new Map<string, StreamRow>();
    const byCore = new Map<string, Map<string, StreamRow>>();
    for (const s of snapshot.sessions) {
      const ref = this.#classify(s.collector, s.reference, s.location);
      if (!ref) continue;
      const key = ref.shownAs;
      const role = countedRole(ref, s.extra);
      let rowsOfCore = byCore.get(s.core);
      if (!rowsOfCore) byCore.set(s.core, (rowsOfCore = new Map()));
      let row = rowsOfCore.get(key);
      if (!row) {
        row = emptyRow(s.core, key);
        rowsOfCore.set(key, row);
        current.set(`${s.core}\u0000${key}`, row);
      }
      if (row.keys[0] !== ref.key && !row.keys.includes(ref.key)) row.keys.push(ref.key);
      // A session whose connection closed (local RTMP/SRT) is listed until the core's timeout, but nobody is behind
      // it: the stream is idle from the close on, as the publisher-gone alert sees it.
      if (s.closedAtMs !== undefined) continue;
      if (role === 'publisher') {
        row.publishers++;
        row.ingestBitsPerSec += s.rxBitsPerSec;
        row.ingestProtocol ??= ref.protocol;
      } else if (role === 'viewer') {
        const v = row.viewers;
        if (ref.protocol === 'hls') v.hls++;
        else if (ref.protocol === 'rtmp') v.rtmp++;
        else v.srt++;
        row.viewersTotal++;
        row.egressBitsPerSec += s.txBitsPerSec;
      } else {
        row.processes++;
      }
    }
    // A core whose data is not current: rows from its last answer are stale (since the first update that saw it so).
    for (const [id, row] of current) {
      if (!healthy.has(row.core)) row.staleSinceMs = this.#memory.get(id)?.row.staleSinceMs ?? now;
    }
    // Cores whose data is not current keep their last rows, marked stale.
    for (const [id, m] of this.#memory) {
      if (current.has(id) || healthy.has(m.row.core) || !known.has(m.row.core)) continue;
      if (m.row.state === 'gone') continue;
      current.set(id, { ...m.row, staleSinceMs: m.row.staleSinceMs ?? now });
    }
    const out: StreamRow[] = [];
    for (const [id, row] of current) {
      let m = this.#memory.get(id);
      const state: StreamState = row.staleSinceMs !== undefined ? (m?.state ?? 'idle') : row.publishers > 0 ? 'live' : 'idle';
      if (!m) {
        m = { state, sinceMs: now, lastSeenMs: now, peakDay: today, peak: 0, row };
        this.#memory.set(id, m);
      }
      if (m.state !== state) {
        m.state = state;
        m.sinceMs = now;
      }
      if (m.peakDay !== today) {
        m.peakDay = today;
        m.peak = 0;
      }
      if (row.staleSinceMs === undefined) {
        m.lastSeenMs = now;
        m.peak = Math.max(m.peak, row.viewersTotal);
      }
      row.state = m.state;
      row.sinceMs = m.sinceMs;
      row.peakViewersToday = m.peak;
      m.row = row;
      out.push(row);
    }
    // Streams without sessions now: `gone` for a while (so an operator sees that `cam` just ended), then dropped.
    for (const [id, m] of this.#memory) {
      if (current.has(id)) continue;
      if (!known.has(m.row.core) || now - m.lastSeenMs > GONE_KEEP_MS) {
        this.#memory.delete(id);
        continue;
      }
      if (m.state !== 'gone') {
        m.state = 'gone';
        m.sinceMs = now;
      }
      const gone: StreamRow = { ...emptyRow(m.row.core, m.row.key), state: 'gone', sinceMs: m.sinceMs, peakViewersToday: m.peakDay === today ? m.peak : 0 };
      m.row = gone;
      out.push(gone);
    }
    out.sort((a, b) => b.viewersTotal - a.viewersTotal || (a.core < b.core ? -1 : a.core > b.core ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.#rows = out;
    return out;
  }
}
