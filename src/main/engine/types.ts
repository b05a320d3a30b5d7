/**
 * The collector engine's contract: what producers (servers) call and what readers (API, UI, export) get.
 * Plain data and interfaces only; the implementation lives beside this file.
 *
 * Units: bytes are whole bytes; every rate is bit/s (bytes × 8) as a float. Conversions to kbit/mbit/MB
 * (binary divisors, see spec §2.4) happen only where the API renders them.
 */

import type { SessionSnapshot } from '../../shared/types.ts';

/** Collector ids the local core registers, in Core's order. `https` exists for parity and is never fed. */
export const COLLECTOR_IDS = ['hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt', 'ffmpeg'] as const;
export type CollectorId = (typeof COLLECTOR_IDS)[number];

/** Injected time and timers, so tests move time instead of sleeping. `now()` is Unix milliseconds. */
export interface Clock {
  now(): number;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** One active session as readers see it: the shared shape (spec §4.2 `Session`, before unit conversion). */
export type { SessionSnapshot };

/** Finished-session totals of one group (raw bytes; the API floors to MB per group). */
export interface HistoryTotals {
  sessions: number;
  rxBytes: number;
  txBytes: number;
}

/** One history entry, keyed `location:peer:reference` (spec §3.1); the file format of §3.3. */
export interface HistoryEntry {
  location: string;
  peer: string;
  reference: string;
  totalSessions: number;
  totalRxBytes: number;
  totalTxBytes: number;
}

/**
 * The aggregated history of spec §3.2. Maps iterate in insertion order; renderers sort keys themselves (or use
 * `order` when present).
 *
 * Readers never mutate a HistorySummary. Two kinds exist:
 * - Plain (no `version`): built for one read (remote cores, the merged fleet view, tests); nobody changes it later.
 * - Live (with `version`, from the engine's `History.summary()`): the same object on every call, whose maps,
 *   records and totals the engine updates in place as sessions close. Read it synchronously; a reader that
 *   keeps data across turns copies it, or keeps derived data (e.g. rendered text) together with the `version`
 *   it came from: for a given object, an unchanged `version` means unchanged content.
 */
export interface HistorySummary {
  peers: Map<string, HistoryTotals & { locations: Map<string, HistoryTotals> }>;
  locations: Map<string, HistoryTotals>;
  references: Map<string, HistoryTotals>;
  totals: HistoryTotals;
  /** Live summaries only: increases with every change of the content (see above). */
  version?: number;
  /** Live summaries only: sorted keys and change tracking maintained by the engine. */
  order?: HistoryOrder;
  /**
   * The local core's only (Core's history has no `extra`): the finished sessions of the app's own FFmpeg processes
   * per peer, location and reference. Not part of Core's v3 shape (never written by it).
   */
  processSessions?(): OwnProcessTotals;
}

/** The app's own processes' finished sessions in a history's aggregates (keys as those of HistorySummary's maps). */
export interface OwnProcessTotals {
  peers: ReadonlyMap<string, OwnPeerShare>;
  locations: ReadonlyMap<string, OwnShare>;
  references: ReadonlyMap<string, OwnShare>;
}

/**
 * The own processes' finished sessions under one location or reference; `process` while they are all one process's.
 * `rxBytes`/`txBytes`: the bytes of the entries wholly a process's (as a peer's `byProcess`; an entry that also holds
 * a person's session is counted in `sessions` only, its bytes cannot be told apart).
 */
export interface OwnShare {
  sessions: number;
  rxBytes: number;
  txBytes: number;
  process?: string;
}

/**
 * The own processes' finished sessions of one peer, split the way its History row is: an entry all of whose sessions
 * were one process's is that process's, bytes and all (a process's HLS upload shares the peer `unknown` with people's:
 * its entries are its own); marks in an entry that also holds others' sessions are only counted.
 */
export interface OwnPeerShare {
  /** Per process id: the sessions and bytes of the peer's entries wholly that process's. */
  byProcess: ReadonlyMap<string, HistoryTotals>;
  /** The process sessions in the peer's other entries (a person later on a process's old port). */
  mixed: number;
}

/** Finished sessions of the app's own processes under one history entry, and whose (the last process id). */
export interface ProcessSessions {
  process: string;
  sessions: number;
}

/** Key order and change tracking of a live HistorySummary. */
export interface HistoryOrder {
  /** The map's keys sorted bytewise by UTF-8 (Go's map-key order), sorted on demand. A returned array is never mutated later. */
  peers(): readonly string[];
  locations(): readonly string[];
  references(): readonly string[];
  /** Keys whose record was created or changed after `version`; undefined when that is no longer known. */
  changedSince(version: number): HistoryChanges | undefined;
}

export interface HistoryChanges {
  peers: ReadonlySet<string>;
  locations: ReadonlySet<string>;
  references: ReadonlySet<string>;
}

/** Everything `GET /api/v3/session` says about one collector (spec §3.2), in raw units. */
export interface CollectorSummary {
  /** Active sessions, ordered by registration time ascending. */
  active: SessionSnapshot[];
  activeSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  maxSessions: number;
  maxRxBitsPerSec: number;
  maxTxBitsPerSec: number;
  history: HistorySummary;
}

/** What a producer (HTTP/HLS middleware, RTMP, SRT, ffmpeg) calls. Mirrors Core's collector (spec §1.3). */
export interface SessionCollector {
  readonly id: string;
  /**
   * Creates a pending session; a no-op when the id exists. Does not consult limits. `extra`: the session's `extra`
   * from its start (an HLS upload's User-Agent), unless the owner hook (`setOwnerOf`) names it; `via`: the connection
   * (`ip:port`) the owner hook is asked about, when `peer` does not name it (an HLS upload's peer is `unknown`, as in
   * Core, spec §1.4).
   */
  register(id: string, reference: string, location: string, peer: string, extra?: string, via?: string): void;
  /** True exactly once per session. */
  activate(id: string): boolean;
  registerAndActivate(id: string, reference: string, location: string, peer: string, extra?: string, via?: string): void;
  setExtra(id: string, extra: string): void;
  /** Counts received bytes; ignored for unknown/empty ids and n <= 0 (negative deltas are dropped, spec §7.19). */
  ingress(id: string, n: number): void;
  egress(id: string, n: number): void;
  /** Closes the session now (active ones go to the history). */
  unregister(id: string): void;
  /**
   * Marks that the connection carrying the session has closed (RTMP/SRT on socket close). The session is not
   * closed: Core keeps it until its timeout (spec §1.4), and so does this engine; it only carries `closedAtMs`.
   * A later register of the same id (a publisher reconnecting to the same path) clears the mark.
   */
  markClosed(id: string): void;
  isKnownSession(id: string): boolean;
  /** False for unparseable/empty IPs and for IPs in the ignore list (spec §3.5). */
  isCollectableIp(ip: string): boolean;
  /** active >= maxSessions, with maxSessions > 0. */
  isSessionsExceeded(): boolean;
  /** Sets a session's top tx bitrate (HLS admission, spec §1.5). */
  setTopEgressBitrate(id: string, bitsPerSec: number): void;
  /** Top rx bitrate of one session (0 when unknown). */
  topIngressBitrate(id: string): number;
  /** Own top tx over active sessions plus the companions' (spec §3.4). */
  companionTopEgressBitrate(): number;
  /** Configured tx limit in bit/s, 0 = none. */
  readonly maxTxBitsPerSec: number;
}

/** What readers (API, UI bridge, metrics, export) call. Unknown ids never fail (spec §1.1). */
export interface SessionReader {
  ids(): string[];
  summary(collectorId: string): CollectorSummary;
  active(collectorId: string): SessionSnapshot[];
}

/**
 * A reader chosen for one request (the fleet's `?core=` selection) with a key naming the choice: requests with the
 * same key read the same cores, so renders may reuse each other's cached bytes (src/main/api/sessions.ts).
 */
export interface SessionSelection {
  reader: SessionReader;
  /** Equal for equal choices, whatever their spelling (ids sorted and deduplicated). */
  key: string;
}
