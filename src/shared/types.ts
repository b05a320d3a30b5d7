/**
 * Plain data shared by the main process and the renderer: no electron, node:* or DOM here.
 * Rates are bit/s, sizes are bytes, times are Unix milliseconds; the renderer formats units.
 */

import type { StreamRow } from './streams.ts';

/** The id of the app's own built-in core in every core-tagged record. */
export const LOCAL_CORE_ID = 'local';

export type CoreKind = 'local' | 'remote';

/** Health of one core (spec-independent app state; see remote/). */
/** `stale`: a remote Core that was online, but whose last answer is too old (see remote/poller.ts). */
export type CoreStateName = 'running' | 'connecting' | 'online' | 'stale' | 'auth-failed' | 'unreachable' | 'incompatible' | 'paused';

export interface CoreInfo {
  id: string;
  name: string;
  kind: CoreKind;
  /** Base URL of a remote core (no credentials), or the local API address. */
  url: string;
  state: CoreStateName;
  version?: string;
  lastError?: string;
  lastSuccessMs?: number;
  rttMs?: number;
}

/**
 * One active session: the one internal shape, from the engine's snapshot through the fleet, IPC, the page and the
 * export. Core's JSON names (`local`, `remote`, `bytes_rx`, `bandwidth_rx_kbit`, …) exist only at the Core wire edge:
 * the v3 API's serializer (main/api/sessions.ts) and the remote client's parser (main/remote/parse.ts).
 */
export interface SessionSnapshot {
  id: string;
  reference: string;
  /** Unix milliseconds of registration (Core's API truncates to seconds). */
  createdAtMs: number;
  /** `local` in Core's JSON: where on the core the traffic is (a path, `publish:…`/`play:…`). */
  location: string;
  /** `remote` in Core's JSON: the other party's address. */
  peer: string;
  extra: string;
  rxBytes: number;
  txBytes: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  /**
   * When the connection carrying the session closed (Unix ms), set by RTMP/SRT (`markClosed`) on the local core. Not
   * Core's: the session stays in the active list until its timeout as in Core (spec §1.4), and the API does not render
   * this; alerts and the dashboard read it to know at once that the publisher or player is gone.
   */
  closedAtMs?: number;
  /**
   * Set only in the merged (fleet) view: the id of the core the session belongs to. The API then renders an extra
   * `"core"` field after Core's fields; the local core's own sessions leave it unset, so single-core output stays
   * byte-compatible with Core.
   */
  core?: string;
}

/** One active session of one core, tagged with its core and collector (the snapshot's rows). */
export interface SessionRow extends SessionSnapshot {
  core: string;
  collector: string;
}

/** Live totals of one collector of one core. */
export interface CollectorTotals {
  core: string;
  collector: string;
  /** Sessions active now (Core's `active.sessions`; `sessions` elsewhere counts finished ones). */
  activeSessions: number;
  /**
   * Of `activeSessions`, the sessions of the app's own FFmpeg processes (src/shared/processes.ts): counted by the
   * collector as Core counts them, but not people, so the headline totals subtract them (src/shared/totals.ts).
   */
  processSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  /**
   * Of `rxBitsPerSec`/`txBitsPerSec`, the bitrates of those `processSessions` (the sum of their sessions' rates): the
   * bytes of a local restream's hops, which never cross the core's edge, so the traffic totals subtract them too.
   */
  processRxBitsPerSec: number;
  processTxBitsPerSec: number;
  maxSessions: number;
  maxTxBitsPerSec: number;
}

/** Everything live, once a second. */
export interface Snapshot {
  atMs: number;
  cores: CoreInfo[];
  collectors: CollectorTotals[];
  sessions: SessionRow[];
  /** The sessions grouped into streams (src/shared/streams.ts); set by the UI service on every push. */
  streams?: StreamRow[];
}

export type HistoryGroup = 'remote' | 'local' | 'reference';

/** One row of the finished-session summary (spec §3.2), raw bytes. */
export interface HistoryRow {
  core: string;
  collector: string;
  group: HistoryGroup;
  key: string;
  sessions: number;
  rxBytes: number;
  txBytes: number;
  /**
   * The local core's only (kept beside Core's history, which has no `extra`): how many of the row's sessions were the
   * app's own FFmpeg processes' (no person's), and, when all were one process's, its id. Per remote a peer's history
   * entries that were wholly one process's are a row of their own (several rows may share a `key`, e.g. an HLS
   * upload's peer `unknown`: a process's and people's), so such a row is the process's, bytes and all.
   */
  processSessions?: number;
  process?: string;
  /**
   * Of `rxBytes`/`txBytes`, those of the row's sessions that were wholly the app's own processes' (a local restream's
   * hop between this core's own servers, never at its edge): what History's total leaves out (src/shared/totals.ts).
   */
  processRxBytes?: number;
  processTxBytes?: number;
}
