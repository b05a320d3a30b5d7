/**
 * The one rule for headline totals (top bar, "All" charts, history total, tray, alerts): no person and no byte is
 * counted twice. Core's raw per-collector numbers stay available as they are; only their sums follow this rule.
 *
 * - Sessions are people: viewers and publishers, i.e. the `hls`, `hlsingress`, `rtmp` and `srt` collectors, less
 *   their sessions that are the app's own FFmpeg processes (a process's RTMP/SRT player or publisher on the local
 *   core, marked in `extra`: src/shared/processes.ts), which each collector's totals carry as `processSessions`. The
 *   `http` collector is one aggregate of all HTTP traffic (not a person), `https` is never fed, and an `ffmpeg`
 *   session is a process run, not a person. Every people count follows it: the header, the Overview "All" chart and
 *   its history, the tray, the alerts, `/metrics`; per stream the same rule is the role `process` (stream-groups.ts).
 * - Traffic is what crosses the core's edge once: `hls`, `hlsingress`, `rtmp`, `srt`, less the bytes of their sessions
 *   that are the app's own processes' (`processRxBitsPerSec`/`processTxBitsPerSec`: a local restream's hop from one
 *   own server to another, e.g. its RTMP play of `cam` and its HLS upload of `cam.m3u8`, whose bytes the encoder's
 *   publish and the viewers' plays already count at the edge), plus `ffmpeg`, which counts only a process's network
 *   inputs and outputs that do not go through this core's own servers (Core's default ignore list leaves out its own
 *   address). `http` is left out: it already contains every HLS byte (and the API's own traffic).
 */

import { isOwnProcess } from './processes.ts';

const SESSION_COLLECTORS: ReadonlySet<string> = new Set(['hls', 'hlsingress', 'rtmp', 'srt']);
const TRAFFIC_COLLECTORS: ReadonlySet<string> = new Set(['hls', 'hlsingress', 'rtmp', 'srt', 'ffmpeg']);

/** True when this collector's sessions are people (count them in a session total). */
export function countsSessions(collector: string): boolean {
  return SESSION_COLLECTORS.has(collector);
}

/** True when this collector's bytes and bitrates belong in a traffic total. */
export function countsTraffic(collector: string): boolean {
  return TRAFFIC_COLLECTORS.has(collector);
}

/** A headline total: active sessions that are people, and traffic counted once (the rule above). */
export interface Totals {
  activeSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
}

/** True when a session of `collector` is in the collector's count but is no person: one of the app's own processes. */
export function isProcessSession(collector: string, extra: string): boolean {
  return countsSessions(collector) && isOwnProcess(extra);
}

/** One collector's live numbers as the rule reads them (a CollectorTotals, or the page's copy of one). */
export interface CollectorNumbers extends Totals {
  collector: string;
  processSessions: number;
  processRxBitsPerSec: number;
  processTxBitsPerSec: number;
}

/** Adds one collector's live numbers to `into` by the rule above. */
export function addToTotals(into: Totals, c: CollectorNumbers): void {
  if (countsSessions(c.collector)) into.activeSessions += c.activeSessions - c.processSessions;
  if (countsTraffic(c.collector)) {
    // Never below 0: the collector's rate and its sessions' rates are measured apart (a window's edge).
    into.rxBitsPerSec += Math.max(0, c.rxBitsPerSec - c.processRxBitsPerSec);
    into.txBitsPerSec += Math.max(0, c.txBitsPerSec - c.processTxBitsPerSec);
  }
}
