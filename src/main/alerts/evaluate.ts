import type { AlertItem } from '../../shared/ipc.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../shared/types.ts';
import { addToTotals } from '../../shared/totals.ts';
import { classifySession, type StreamRole } from '../../shared/stream-key.ts';
import { countedRole } from '../../shared/streams.ts';
import { validateAlertRules, type AlertRule, type EgressRule, type PublisherGoneRule, type SessionsRule, type UnreachableRule } from './rules.ts';

/** What one snapshot changed. */
export interface AlertEvent {
  type: 'raised' | 'cleared';
  alert: AlertItem;
}

/** The hysteresis input of one subject: above the raise line, below the clear line, or in between / unknown. */
type Level = 'raise' | 'clear' | 'hold';

interface SubjectState {
  raised: AlertItem | null;
  /** Since when the condition that would flip the state has held without interruption. */
  pendingSinceMs: number | null;
}

/** Publisher-gone bookkeeping per core and reference. */
interface ReferenceState extends SubjectState {
  ruleId: string;
  core: string;
  reference: string;
  /** Viewers seen the last time a publisher was present (> 0 arms the rule once the publisher is missing). */
  viewersWithPublisher: number;
  /** True while the publisher is missing after having had viewers. */
  armed: boolean;
}

const HEALTHY: ReadonlySet<CoreInfo['state']> = new Set(['online', 'running']);

/**
 * A session's stream key and role as every count has them (classifySession, countedRole), or null for sessions of
 * no stream. A session whose connection closed (`closedAtMs`, local RTMP/SRT) counts in no role: it is listed until
 * the core's timeout, but nobody is behind it any more.
 */
export function streamRoleOf(s: SessionRow): { key: string; role: StreamRole; closed: boolean } | null {
  const ref = classifySession(s.collector, s.reference, s.local);
  return ref && { key: ref.key, role: countedRole(ref, s.extra), closed: s.closedAtMs !== undefined };
}

function mbit(bitsPerSec: number): string {
  return `${(bitsPerSec / 1e6).toFixed(1)} Mbit/s`;
}

/**
 * One step of the hysteresis machine. Not raised: `raise` must hold for `raiseAfterMs`; anything else resets the
 * wait. Raised: `clear` must hold for `clearAfterMs`; anything else (including the band between the lines) resets it.
 */
function step(state: SubjectState, level: Level, nowMs: number, rule: AlertRule, make: () => AlertItem): AlertEvent | null {
  const want: Level = state.raised ? 'clear' : 'raise';
  if (level !== want) {
    state.pendingSinceMs = null;
    return null;
  }
  state.pendingSinceMs ??= nowMs;
  const hold = state.raised ? (rule.clearAfterMs ?? 0) : (rule.raiseAfterMs ?? 0);
  if (nowMs - state.pendingSinceMs < hold) return null;
  state.pendingSinceMs = null;
  if (state.raised) {
    const alert = { ...state.raised, clearedAtMs: nowMs };
    state.raised = null;
    return { type: 'cleared', alert };
  }
  state.raised = make();
  return { type: 'raised', alert: state.raised };
}

/** Totals of one core (people and traffic counted once, src/shared/totals.ts), or one collector's raw numbers. */
function totals(snapshot: Snapshot, core: string, collector: string | undefined): { sessions: number; txBitsPerSec: number } | null {
  let found = false;
  const sum = { sessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
  for (const t of snapshot.collectors) {
    if (t.core !== core || (collector !== undefined && t.collector !== collector)) continue;
    found = true;
    if (collector === undefined) addToTotals(sum, t);
    else {
      sum.sessions += t.sessions;
      sum.txBitsPerSec += t.txBitsPerSec;
    }
  }
  return found ? { sessions: sum.sessions, txBitsPerSec: sum.txBitsPerSec } : null;
}

export interface AlertEvaluator {
  /** Feeds the next snapshot (time is `snapshot.atMs`); returns what was raised and cleared, in rule order. */
  update(snapshot: Snapshot): AlertEvent[];
  /** Alerts raised now, in the order they were raised. */
  active(): AlertItem[];
}

/**
 * Evaluates rules over successive snapshots; pure apart from its own state (no clock, no I/O). A subject that
 * disappears (a removed core, a collector no longer reported) clears its alert at once. Collector and publisher
 * rules skip cores that are not healthy (online/running): an unreachable core reports no sessions, which must read
 * as "unknown", not "every publisher left" (the core-unreachable rule covers that case).
 */
export function createAlertEvaluator(rulesIn: readonly AlertRule[]): AlertEvaluator {
  const rules = validateAlertRules(rulesIn);
  const subjects = new Map<string, SubjectState>();
  const references = new Map<string, ReferenceState>();

  function subject(key: string): SubjectState {
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = { raised: null, pendingSinceMs: null }));
    return s;
  }

  function coresOf(rule: AlertRule, snapshot: Snapshot): CoreInfo[] {
    return snapshot.cores.filter((c) => rule.core === undefined || c.id === rule.core);
  }

  function threshold(rule: EgressRule | SessionsRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    for (const core of coresOf(rule, snapshot)) {
      const key = `${rule.id}|${core.id}|${rule.collector ?? '*'}`;
      const t = totals(snapshot, core.id, rule.collector);
      if (!HEALTHY.has(core.state) || !t) {
        // Unknown now: keep the state (and its alert), restart any wait.
        if (subjects.has(key)) {
          seen.add(key);
          subject(key).pendingSinceMs = null;
        }
        continue;
      }
      seen.add(key);
      const where = `${core.name}${rule.collector ? ' ' + rule.collector : ''}`;
      let level: Level;
      let message: string;
      if (rule.kind === 'egress-above') {
        level = t.txBitsPerSec > rule.raiseBitsPerSec ? 'raise' : t.txBitsPerSec < rule.clearBitsPerSec ? 'clear' : 'hold';
        message = `${where} egress ${mbit(t.txBitsPerSec)} > ${mbit(rule.raiseBitsPerSec)}`;
      } else {
        level = t.sessions > rule.raiseAbove ? 'raise' : t.sessions <= rule.clearAtOrBelow ? 'clear' : 'hold';
        message = `${where}: ${t.sessions} sessions > ${rule.raiseAbove}`;
      }
      const ev = step(subject(key), level, snapshot.atMs, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: core.id, ...(rule.collector ? { collector: rule.collector } : {}), message, raisedAtMs: snapshot.atMs,
      }));
      if (ev) events.push(ev);
    }
  }

  function unreachable(rule: UnreachableRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    const bad = new Set(rule.states ?? ['unreachable']);
    for (const core of coresOf(rule, snapshot)) {
      const key = `${rule.id}|${core.id}`;
      seen.add(key);
      const level: Level = bad.has(core.state) ? 'raise' : HEALTHY.has(core.state) ? 'clear' : 'hold';
      const ev = step(subject(key), level, snapshot.atMs, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: core.id,
        message: `${core.name} is ${core.state}${core.lastError ? `: ${core.lastError}` : ''}`, raisedAtMs: snapshot.atMs,
      }));
      if (ev) events.push(ev);
    }
  }

  function publisherGone(rule: PublisherGoneRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    const cores = new Map(coresOf(rule, snapshot).map((c) => [c.id, c]));
    // Count open publishers and viewers per core and stream key (healthy cores only). A publisher whose connection
    // closed (local RTMP/SRT) is gone now, not at the core's session timeout; one missing from the list (a remote
    // Core's next poll, or any core after its timeout) is gone too.
    const counts = new Map<string, { core: string; reference: string; publishers: number; viewers: number; closedPublisher: boolean }>();
    for (const s of snapshot.sessions) {
      const core = cores.get(s.core);
      if (!core || !HEALTHY.has(core.state)) continue;
      const ref = streamRoleOf(s);
      if (!ref || ref.role === 'process') continue;
      const key = JSON.stringify([rule.id, s.core, ref.key]);
      let c = counts.get(key);
      if (!c) counts.set(key, (c = { core: s.core, reference: ref.key, publishers: 0, viewers: 0, closedPublisher: false }));
      if (ref.closed) {
        if (ref.role === 'publisher') c.closedPublisher = true;
      } else if (ref.role === 'publisher') c.publishers++;
      else c.viewers++;
    }
    for (const [key, st] of references) {
      if (st.ruleId !== rule.id || counts.has(key)) continue;
      counts.set(key, { core: st.core, reference: st.reference, publishers: 0, viewers: 0, closedPublisher: false });
    }
    for (const [key, c] of counts) {
      const core = cores.get(c.core);
      const known = references.get(key);
      if (!core || !HEALTHY.has(core.state)) {
        // The core is not healthy: nothing can be known about its streams; keep the state while the core exists.
        if (known && core) seen.add(key);
        continue;
      }
      seen.add(key);
      const st: ReferenceState = known ?? { ruleId: rule.id, core: c.core, reference: c.reference, raised: null, pendingSinceMs: null, viewersWithPublisher: 0, armed: false };
      if (!known) references.set(key, st);
      if (c.publishers > 0) {
        // A publisher is (back) on air: disarm, and clear at once; the hold time is for "no viewers left".
        st.viewersWithPublisher = c.viewers;
        st.armed = false;
        st.pendingSinceMs = null;
        if (st.raised) {
          events.push({ type: 'cleared', alert: { ...st.raised, clearedAtMs: snapshot.atMs } });
          st.raised = null;
        }
      } else {
        if (!st.armed && st.viewersWithPublisher > 0) st.armed = true;
        const viewersAtLoss = st.viewersWithPublisher;
        const how = c.closedPublisher ? ' (its connection closed)' : '';
        const level: Level = st.raised ? (c.viewers === 0 ? 'clear' : 'hold') : st.armed ? 'raise' : 'hold';
        const ev = step(st, level, snapshot.atMs, rule, () => ({
          key, ruleId: rule.id, kind: rule.kind, core: c.core, reference: c.reference,
          message: `${core.name}: publisher of ${c.reference} gone${how} while ${viewersAtLoss} viewer${viewersAtLoss === 1 ? ' was' : 's were'} watching`,
          raisedAtMs: snapshot.atMs,
        }));
        if (ev?.type === 'cleared') {
          st.armed = false;
          st.viewersWithPublisher = 0;
        }
        if (ev) events.push(ev);
      }
      // Forget streams with nothing going on (bounded memory over days of streams).
      if (!st.raised && !st.armed && st.pendingSinceMs === null && c.publishers === 0 && c.viewers === 0) {
        references.delete(key);
        seen.delete(key);
      }
    }
  }

  return {
    update(snapshot) {
      const events: AlertEvent[] = [];
      const seen = new Set<string>();
      for (const rule of rules) {
        switch (rule.kind) {
          case 'egress-above':
          case 'sessions-above':
            threshold(rule, snapshot, seen, events);
            break;
          case 'core-unreachable':
            unreachable(rule, snapshot, seen, events);
            break;
          case 'publisher-gone':
            publisherGone(rule, snapshot, seen, events);
            break;
        }
      }
      // Subjects that vanished (core removed, collector gone): clear at once, forget them.
      for (const map of [subjects, references] as Map<string, SubjectState>[]) {
        for (const [key, st] of map) {
          if (seen.has(key)) continue;
          if (st.raised) events.push({ type: 'cleared', alert: { ...st.raised, clearedAtMs: snapshot.atMs } });
          map.delete(key);
        }
      }
      return events;
    },
    active() {
      return [...subjects.values(), ...references.values()].flatMap((s) => (s.raised ? [s.raised] : [])).sort((a, b) => a.raisedAtMs - b.raisedAtMs);
    },
  };
}
