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

/** One active session of one core. */
export interface SessionRow {
  core: string;
  collector: string;
  id: string;
  reference: string;
  local: string;
  remote: string;
  extra: string;
  createdAtMs: number;
  bytesRx: number;
  bytesTx: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
  /** Local RTMP/SRT only: when the session's connection closed; it stays listed until the core's session timeout. */
  closedAtMs?: number;
}

/** Live totals of one collector of one core. */
export interface CollectorTotals {
  core: string;
  collector: string;
  sessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
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
}
