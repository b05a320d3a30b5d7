/**
 * What the operator said about alerts, kept across restarts in `alert-state.json` beside `alerts.json`: which alerts
 * are acknowledged (by alert key, with when) and which rules or streams are muted until when. Rules stay in
 * `alerts.json` (the user's file); this one is the app's, rewritten atomically on every change.
 */
import { readFileSync } from 'node:fs';
import type { AlertItem, AlertMute, AlertMuteTarget } from '../../shared/ipc.ts';
import { writeFileAtomicSync } from '../atomic-file.ts';

/** The file's content. */
export interface AlertState {
  acknowledged: Record<string, number>;
  mutes: AlertMute[];
}

/**
 * Security guard (docs/security.md, "What one client can make the server hold"): mutes in force at once. Each one is
 * up to 2 000 characters, rewritten into this file and pushed to every dashboard on every change; without a bound an
 * anonymous client could grow both without end. An operator mutes a handful.
 */
export const MAX_MUTES = 1000;

/** A mute target from the page or the file, checked; throws a RangeError naming what is wrong. */
export function checkMuteTarget(v: unknown): AlertMuteTarget {
  const o = v as Record<string, unknown> | null;
  const text = (x: unknown): x is string => typeof x === 'string' && x !== '' && x.length <= 1000;
  if (o && typeof o === 'object' && text(o.ruleId) && o.core === undefined && o.stream === undefined) return { ruleId: o.ruleId };
  if (o && typeof o === 'object' && o.ruleId === undefined && text(o.core) && text(o.stream)) return { core: o.core, stream: o.stream };
  throw new RangeError('a mute names either a rule ({ruleId}) or a stream of a core ({core, stream})');
}

/** True when the mute is about this alert: its rule, or the stream (core and stream key) it is about. */
export function muteMatches(m: AlertMuteTarget, a: Pick<AlertItem, 'ruleId' | 'core' | 'reference'>): boolean {
  return 'ruleId' in m ? m.ruleId === a.ruleId : m.core === a.core && a.reference !== undefined && m.stream === a.reference;
}

/** Same target (the untilMs aside). */
export function sameMuteTarget(a: AlertMuteTarget, b: AlertMuteTarget): boolean {
  return 'ruleId' in a ? 'ruleId' in b && a.ruleId === b.ruleId : !('ruleId' in b) && a.core === b.core && a.stream === b.stream;
}

/**
 * Reads the state; a missing file is an empty state, a broken one is reported through `onError` and read as empty
 * (acknowledgements and mutes are conveniences: losing them errs on the side of alerting).
 */
export function loadAlertState(path: string, onError: (message: string) => void = () => {}): AlertState {
  const empty: AlertState = { acknowledged: {}, mutes: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(`${path}: ${(err as Error).message}`);
    return empty;
  }
  try {
    const raw = JSON.parse(text) as { acknowledged?: unknown; mutes?: unknown };
    const acknowledged: Record<string, number> = {};
    if (raw.acknowledged && typeof raw.acknowledged === 'object') {
      for (const [k, v] of Object.entries(raw.acknowledged)) if (typeof v === 'number' && Number.isFinite(v)) acknowledged[k] = v;
    }
    const mutes: AlertMute[] = [];
    for (const m of Array.isArray(raw.mutes) ? raw.mutes : []) {
      const untilMs = (m as { untilMs?: unknown }).untilMs;
      if (typeof untilMs !== 'number' || !Number.isFinite(untilMs)) continue;
      try {
        mutes.push({ ...checkMuteTarget(m), untilMs });
      } catch {
        // one bad entry is dropped, the rest kept
      }
    }
    return { acknowledged, mutes };
  } catch (err) {
    onError(`${path}: ${(err as Error).message}; starting without acknowledgements and mutes`);
    return empty;
  }
}

/** Writes the state atomically (temp file, fsync, rename). */
export function saveAlertState(path: string, state: AlertState): void {
  writeFileAtomicSync(path, JSON.stringify(state, null, 2) + '\n', 0o600);
}
