import type { AlertKind } from '../../shared/ipc.ts';
import type { CoreStateName } from '../../shared/types.ts';
import { countsSessions } from '../../shared/totals.ts';

/**
 * Alert rules: plain data (a JSON file can hold them). Hysteresis comes from two things: separate raise and clear
 * thresholds (a value inside the band keeps the current state) and hold times (a condition must last
 * `raiseAfterMs` before raising and its opposite `clearAfterMs` before clearing). A value hovering at the raise line
 * therefore raises once and stays raised until it falls below the clear line for long enough.
 */
interface RuleBase {
  /** Unique among the rules; part of every alert key. */
  id: string;
  kind: AlertKind;
  /** Only this core; omitted: every core, each evaluated on its own. */
  core?: string;
  /**
   * Only this stream: a stream key as the key rule names it (src/shared/stream-key.ts `classifySession`, before the
   * user's aliases, e.g. `cam` for `/live/cam.stream` and `cam_0.m3u8`); with `core`, that stream of that core only.
   * Omitted: every stream. For the stream kinds only (STREAM_RULE_KINDS).
   */
  stream?: string;
  /** false: kept (in the file and the editor) but not evaluated; default true. */
  enabled?: boolean;
  /** How long the condition must hold before the alert is raised (default 0: on the first snapshot). */
  raiseAfterMs?: number;
  /** How long the all-clear must hold before the alert is cleared (default 0). */
  clearAfterMs?: number;
}

/** Egress of a core's collector (or, without `collector`, of the whole core) above a rate. */
export interface EgressRule extends RuleBase {
  kind: 'egress-above';
  collector?: string;
  /** Raise when tx > this. */
  raiseBitsPerSec: number;
  /** Clear when tx < this; must be ≤ raiseBitsPerSec. */
  clearBitsPerSec: number;
}

/** Active sessions of a core's collector (or of the whole core) above a count. */
export interface SessionsRule extends RuleBase {
  kind: 'sessions-above';
  collector?: string;
  /** Raise when sessions > this. */
  raiseAbove: number;
  /** Clear when sessions ≤ this; must be ≤ raiseAbove. */
  clearAtOrBelow: number;
}

/**
 * Users of a core (or of one of its people collectors: hls, hlsingress, rtmp, srt) above a count, counted as the
 * header counts them (src/shared/totals.ts): the app's own FFmpeg processes' sessions are no users. "Sessions above"
 * counts a collector's sessions as Core does, processes included.
 */
export interface UsersRule extends RuleBase {
  kind: 'users-above';
  collector?: string;
  /** Raise when users > this. */
  raiseAbove: number;
  /** Clear when users ≤ this; must be ≤ raiseAbove. */
  clearAtOrBelow: number;
}

/** A core in one of `states` (default: unreachable); cleared once it is online/running again. */
export interface UnreachableRule extends RuleBase {
  kind: 'core-unreachable';
  states?: CoreStateName[];
}

/**
 * The publisher of a stream (the key rule's role, src/shared/stream-key.ts: rtmp/srt `publish:`, an hlsingress upload)
 * is gone while the stream had viewers: its connection closed (local RTMP/SRT, at once) or its session left the list
 * (a remote Core's next poll, or the session timeout). `raiseAfterMs` is the grace for a quick reconnect. Cleared
 * when a publisher of the stream is back, or when no viewer is left for `clearAfterMs`.
 */
export interface PublisherGoneRule extends RuleBase {
  kind: 'publisher-gone';
}

/**
 * Stream health: a stream's ingest (the rx of its open publishers) below `belowPercent` % of its own median over the
 * last `medianWindowMs` for `raiseAfterMs`. Judged once the stream has published for min(60 s, half the window); a
 * stream without a publisher is forgotten (the publisher-gone rule speaks for it), so a new run starts a new median.
 * Every sample enters the median, so a lasting change of bitrate becomes the new normal after half the window.
 */
export interface IngestBelowMedianRule extends RuleBase {
  kind: 'ingest-below-median';
  /** Raise when ingest < this % of the median (0 < x < 100); clear at or above it. */
  belowPercent: number;
  /** The median's window (default 300 000 ms, at least 10 000). */
  medianWindowMs?: number;
}

/**
 * Stream health: a stream's publisher came back (an open publisher after none, having had one) more than `moreThan`
 * times within the last `withinMs`. Cleared once the count in the window is back at or below `moreThan`.
 */
export interface PublisherReconnectsRule extends RuleBase {
  kind: 'publisher-reconnects';
  moreThan: number;
  withinMs: number;
}

export type AlertRule = EgressRule | SessionsRule | UsersRule | UnreachableRule | PublisherGoneRule | IngestBelowMedianRule | PublisherReconnectsRule;

/** The kinds that judge streams (one subject per core and stream key), the only ones a `stream` scope applies to. */
export const STREAM_RULE_KINDS: readonly AlertRule['kind'][] = ['publisher-gone', 'ingest-below-median', 'publisher-reconnects'];

/** The median window of an ingest rule without one. */
export const DEFAULT_MEDIAN_WINDOW_MS = 300_000;

/** 1 Mbit/s as the alert thresholds count it (SI, 10^6 bit/s), e.g. `raiseBitsPerSec: 100 * MBIT`. */
export const MBIT = 1_000_000;

/** Defaults when the user configured nothing: the two rules that need no number from the user. */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  { id: 'core-unreachable', kind: 'core-unreachable', raiseAfterMs: 15_000, clearAfterMs: 5_000 },
  { id: 'publisher-gone', kind: 'publisher-gone', raiseAfterMs: 5_000, clearAfterMs: 30_000 },
];

function nonNegative(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/**
 * Checks rules (they come from a file the user edits): unique ids, known kinds, finite non-negative numbers, clear
 * thresholds not above raise thresholds (else the alert would flap on every snapshot), and a `stream` scope only on
 * the stream kinds. Throws a RangeError naming the first bad rule.
 */
export function validateAlertRules(rules: readonly AlertRule[]): AlertRule[] {
  const ids = new Set<string>();
  for (const r of rules) {
    const bad = (why: string): never => {
      throw new RangeError(`alert rule ${JSON.stringify(r.id)}: ${why}`);
    };
    if (typeof r.id !== 'string' || r.id === '') bad('id must be a non-empty string');
    if (ids.has(r.id)) bad('duplicate id');
    ids.add(r.id);
    if (r.enabled !== undefined && typeof r.enabled !== 'boolean') bad('enabled must be true or false');
    if (r.raiseAfterMs !== undefined && !nonNegative(r.raiseAfterMs)) bad('raiseAfterMs must be ≥ 0');
    if (r.clearAfterMs !== undefined && !nonNegative(r.clearAfterMs)) bad('clearAfterMs must be ≥ 0');
    switch (r.kind) {
      case 'egress-above':
        if (!nonNegative(r.raiseBitsPerSec) || !nonNegative(r.clearBitsPerSec)) bad('thresholds must be numbers ≥ 0');
        if (r.clearBitsPerSec > r.raiseBitsPerSec) bad('clearBitsPerSec must be ≤ raiseBitsPerSec');
        break;
      case 'sessions-above':
      case 'users-above':
        if (!nonNegative(r.raiseAbove) || !nonNegative(r.clearAtOrBelow)) bad('thresholds must be numbers ≥ 0');
        if (r.clearAtOrBelow > r.raiseAbove) bad('clearAtOrBelow must be ≤ raiseAbove');
        if (r.kind === 'users-above' && r.collector !== undefined && !countsSessions(r.collector)) {
          bad(`${JSON.stringify(r.collector)} counts no users (the header counts hls, hlsingress, rtmp and srt); leave the collector out for the whole core, or use sessions-above`);
        }
        break;
      case 'ingest-below-median':
        if (typeof r.belowPercent !== 'number' || !(r.belowPercent > 0 && r.belowPercent < 100)) bad('belowPercent must be a number between 0 and 100');
        if (r.medianWindowMs !== undefined && !(nonNegative(r.medianWindowMs) && r.medianWindowMs >= 10_000)) bad('medianWindowMs must be ≥ 10000');
        break;
      case 'publisher-reconnects':
        if (!nonNegative(r.moreThan) || !Number.isInteger(r.moreThan)) bad('moreThan must be a whole number ≥ 0');
        if (!nonNegative(r.withinMs) || r.withinMs <= 0) bad('withinMs must be > 0');
        break;
      case 'core-unreachable':
      case 'publisher-gone':
        break;
      default:
        bad(`unknown kind ${JSON.stringify((r as { kind: unknown }).kind)}`);
    }
    if (r.stream !== undefined) {
      if (typeof r.stream !== 'string' || r.stream.trim() === '' || r.stream !== r.stream.trim() || r.stream.length > 1000) {
        bad('stream must be a stream key (e.g. "cam", as the Streams view names it), or left out for every stream');
      }
      if (!STREAM_RULE_KINDS.includes(r.kind)) bad(`stream applies to the stream rules only (${STREAM_RULE_KINDS.join(', ')}); ${r.kind} counts a whole core or collector`);
    }
  }
  return [...rules];
}
