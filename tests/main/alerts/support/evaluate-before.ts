/**
 * FROZEN: src/main/alerts/evaluate.ts as it was before the speed rewrite (commit 842abea), kept only as the oracle of
 * evaluate-equivalence.test.ts. Do not edit or import it elsewhere; delete it with that test once the rewrite has
 * proved itself.
 */
import type { AlertItem } from '../../../../src/shared/ipc.ts';
import type { CoreInfo, Snapshot } from '../../../../src/shared/types.ts';
import { addToTotals } from '../../../../src/shared/totals.ts';
import { classifySession, type StreamRole } from '../../../../src/shared/stream-key.ts';
import { ownProcessOf } from '../../../../src/shared/processes.ts';
import { countedRole } from '../../../../src/shared/stream-groups.ts';
import {
  DEFAULT_MEDIAN_WINDOW_MS,
  validateAlertRules,
  type AlertRule,
  type EgressRule,
  type IngestBelowMedianRule,
  type PublisherGoneRule,
  type PublisherReconnectsRule,
  type SessionsRule,
  type UnreachableRule,
} from '../../../../src/main/alerts/rules.ts';
import { MedianWindow } from '../../../../src/main/alerts/median.ts';

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

/** The subject of a stream-health state: which rule, core and stream key. */
interface StreamSubject {
  ruleId: string;
  core: string;
  stream: string;
}

/** Ingest-median bookkeeping per rule, core and stream. */
interface IngestState extends SubjectState, StreamSubject {
  samples: MedianWindow;
}

/** Reconnect bookkeeping per rule, core and stream. */
interface ReconnectState extends SubjectState, StreamSubject {
  /** An open publisher in the last healthy snapshot. */
  open: boolean;
  /** When an open publisher was last seen. */
  lastOpenAtMs: number;
  /** When the publisher came back, oldest first (within the rule's window). */
  reconnectsAtMs: number[];
}

/** Stream health needs this much history before a median means anything (or half the window, if shorter). */
const MIN_MEDIAN_HISTORY_MS = 60_000;

const HEALTHY: ReadonlySet<CoreInfo['state']> = new Set(['online', 'running']);

/** One stream of one core in one snapshot, as the stream rules read it. */
interface StreamNow {
  core: string;
  key: string;
  /** Open publishers (a session whose connection closed counts in no role: nobody is behind it any more). */
  publishers: number;
  viewers: number;
  /** A publisher session is listed but its connection closed (local RTMP/SRT). */
  closedPublisher: boolean;
  /** The rx of the open publishers. */
  rxBitsPerSec: number;
}

/** A session's stream key and the role it counts in. */
interface StreamRef {
  key: string;
  role: StreamRole;
}

/** Sessions classified by the key rule (classifySession, countedRole) are memoised this many at most. */
const CLASSIFY_MEMO_MAX = 50_000;

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
  const sum = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
  for (const t of snapshot.collectors) {
    if (t.core !== core || (collector !== undefined && t.collector !== collector)) continue;
    found = true;
    if (collector === undefined) addToTotals(sum, t);
    else {
      sum.activeSessions += t.activeSessions;
      sum.txBitsPerSec += t.txBitsPerSec;
    }
  }
  return found ? { sessions: sum.activeSessions, txBitsPerSec: sum.txBitsPerSec } : null;
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
  const ingests = new Map<string, IngestState>();
  const reconnects = new Map<string, ReconnectState>();
  /** collector → reference → local → [anyone's, the app's own process] stream key and role (bounded, see classify). */
  let classified = new Map<string, Map<string, Map<string, [StreamRef | null | undefined, StreamRef | null | undefined]>>>();
  let classifiedCount = 0;

  /** classifySession and countedRole, memoised: many sessions share one stream, and streams change rarely. */
  function classify(collector: string, reference: string, local: string, extra: string): StreamRef | null {
    // The role depends on `extra` only through "is it the app's own FFmpeg process" (countedRole).
    const own = ownProcessOf(extra) !== null;
    let byRef = classified.get(collector);
    if (!byRef) classified.set(collector, (byRef = new Map()));
    let byLocal = byRef.get(reference);
    if (!byLocal) byRef.set(reference, (byLocal = new Map()));
    let pair = byLocal.get(local);
    if (!pair) byLocal.set(local, (pair = [undefined, undefined]));
    const i = own ? 1 : 0;
    let ref = pair[i];
    if (ref === undefined) {
      const r = classifySession(collector, reference, local);
      ref = r && { key: r.key, role: countedRole(r, extra) };
      pair[i] = ref;
      // Bounded: per-connection locals would otherwise grow it forever.
      if (++classifiedCount > CLASSIFY_MEMO_MAX) {
        classified = new Map();
        classifiedCount = 0;
      }
    }
    return ref;
  }
  /** The streams of the snapshot being evaluated, by core and key (built once per update, for every stream rule). */
  let streamsNow: Map<string, Map<string, StreamNow>> | null = null;

  function streamsOf(snapshot: Snapshot): Map<string, Map<string, StreamNow>> {
    if (streamsNow) return streamsNow;
    const byCore = new Map<string, Map<string, StreamNow>>();
    for (const s of snapshot.sessions) {
      const ref = classify(s.collector, s.reference, s.location, s.extra);
      if (!ref || ref.role === 'process') continue;
      let streams = byCore.get(s.core);
      if (!streams) byCore.set(s.core, (streams = new Map()));
      let st = streams.get(ref.key);
      if (!st) streams.set(ref.key, (st = { core: s.core, key: ref.key, publishers: 0, viewers: 0, closedPublisher: false, rxBitsPerSec: 0 }));
      if (s.closedAtMs !== undefined) {
        if (ref.role === 'publisher') st.closedPublisher = true;
      } else if (ref.role === 'publisher') {
        st.publishers++;
        st.rxBitsPerSec += s.rxBitsPerSec;
      } else st.viewers++;
    }
    streamsNow = byCore;
    return byCore;
  }

  /** The streams of the rule's healthy cores, each with its alert key for this rule. */
  function* ruleStreams(rule: AlertRule, snapshot: Snapshot): Generator<{ key: string; core: CoreInfo; stream: StreamNow }> {
    const all = streamsOf(snapshot);
    for (const core of coresOf(rule, snapshot)) {
      if (!HEALTHY.has(core.state)) continue;
      for (const stream of all.get(core.id)?.values() ?? []) yield { key: JSON.stringify([rule.id, core.id, stream.key]), core, stream };
    }
  }

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
    // Open publishers and viewers per core and stream key (healthy cores only). A publisher whose connection closed
    // (local RTMP/SRT) is gone now, not at the core's session timeout; one missing from the list (a remote Core's
    // next poll, or any core after its timeout) is gone too.
    const counts = new Map<string, { core: string; reference: string; publishers: number; viewers: number; closedPublisher: boolean }>();
    for (const { key, stream } of ruleStreams(rule, snapshot)) counts.set(key, { ...stream, reference: stream.key });
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

  /** Keeps (and restarts the waits of) the rule's stream states whose core is there but not healthy: unknown now. */
  function keepWhileUnknown(map: Map<string, SubjectState & StreamSubject>, rule: AlertRule, snapshot: Snapshot, seen: Set<string>): void {
    const unknown = new Set(coresOf(rule, snapshot).filter((c) => !HEALTHY.has(c.state)).map((c) => c.id));
    if (unknown.size === 0) return;
    for (const [key, st] of map) {
      if (st.ruleId !== rule.id || !unknown.has(st.core)) continue;
      seen.add(key);
      st.pendingSinceMs = null;
    }
  }

  function ingestBelowMedian(rule: IngestBelowMedianRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    const windowMs = rule.medianWindowMs ?? DEFAULT_MEDIAN_WINDOW_MS;
    const needMs = Math.min(MIN_MEDIAN_HISTORY_MS, windowMs / 2);
    keepWhileUnknown(ingests, rule, snapshot, seen);
    for (const { key, core, stream } of ruleStreams(rule, snapshot)) {
      // Without an open publisher the stream is forgotten (publisher-gone speaks for it; a new run, a new median).
      if (stream.publishers === 0) continue;
      seen.add(key);
      let st = ingests.get(key);
      if (!st) ingests.set(key, (st = { ruleId: rule.id, core: core.id, stream: stream.key, raised: null, pendingSinceMs: null, samples: new MedianWindow(windowMs) }));
      st.samples.add(snapshot.atMs, stream.rxBitsPerSec);
      let level: Level = 'hold';
      const median = st.samples.median();
      if (st.samples.spanMs(snapshot.atMs) >= needMs) level = stream.rxBitsPerSec < (median * rule.belowPercent) / 100 ? 'raise' : 'clear';
      const ev = step(st, level, snapshot.atMs, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: core.id, reference: stream.key,
        message: `${core.name}: ingest of ${stream.key} ${mbit(stream.rxBitsPerSec)}, below ${rule.belowPercent} % of its median ${mbit(median)}`,
        raisedAtMs: snapshot.atMs,
      }));
      if (ev) events.push(ev);
    }
  }

  function publisherReconnects(rule: PublisherReconnectsRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    keepWhileUnknown(reconnects, rule, snapshot, seen);
    const now = snapshot.atMs;
    const visit = (key: string, core: CoreInfo, stream: string, open: boolean): void => {
      let st = reconnects.get(key);
      if (!st) reconnects.set(key, (st = { ruleId: rule.id, core: core.id, stream, raised: null, pendingSinceMs: null, open: false, lastOpenAtMs: now, reconnectsAtMs: [] }));
      else if (open && !st.open) st.reconnectsAtMs.push(now);
      st.open = open;
      if (open) st.lastOpenAtMs = now;
      while (st.reconnectsAtMs.length > 0 && st.reconnectsAtMs[0]! <= now - rule.withinMs) st.reconnectsAtMs.shift();
      const count = st.reconnectsAtMs.length;
      // Forget a stream without a publisher for the whole window and nothing to count (bounded memory over days).
      if (!open && count === 0 && !st.raised && now - st.lastOpenAtMs >= rule.withinMs) {
        reconnects.delete(key);
        return;
      }
      seen.add(key);
      const ev = step(st, count > rule.moreThan ? 'raise' : 'clear', now, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: core.id, reference: stream,
        message: `${core.name}: publisher of ${stream} reconnected ${count} times in ${Math.round((rule.withinMs / 60_000) * 10) / 10} min (more than ${rule.moreThan})`,
        raisedAtMs: now,
      }));
      if (ev) events.push(ev);
    };
    const visited = new Set<string>();
    for (const { key, core, stream } of ruleStreams(rule, snapshot)) {
      // Only streams that have or had a publisher (a viewers-only stream has nothing to reconnect).
      if (stream.publishers === 0 && !stream.closedPublisher && !reconnects.has(key)) continue;
      visited.add(key);
      visit(key, core, stream.key, stream.publishers > 0);
    }
    // Streams known from before whose sessions are all gone (past the core's timeout) keep counting.
    const healthy = new Map(coresOf(rule, snapshot).filter((c) => HEALTHY.has(c.state)).map((c) => [c.id, c]));
    for (const [key, st] of [...reconnects]) {
      const core = healthy.get(st.core);
      if (st.ruleId === rule.id && core && !visited.has(key)) visit(key, core, st.stream, false);
    }
  }

  return {
    update(snapshot) {
      streamsNow = null;
      const events: AlertEvent[] = [];
      const seen = new Set<string>();
      for (const rule of rules) {
        if (rule.enabled === false) continue;
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
          case 'ingest-below-median':
            ingestBelowMedian(rule, snapshot, seen, events);
            break;
          case 'publisher-reconnects':
            publisherReconnects(rule, snapshot, seen, events);
            break;
        }
      }
      // Subjects that vanished (core removed, collector gone): clear at once, forget them.
      for (const map of [subjects, references, ingests, reconnects] as Map<string, SubjectState>[]) {
        for (const [key, st] of map) {
          if (seen.has(key)) continue;
          if (st.raised) events.push({ type: 'cleared', alert: { ...st.raised, clearedAtMs: snapshot.atMs } });
          map.delete(key);
        }
      }
      streamsNow = null;
      return events;
    },
    active() {
      return [...subjects.values(), ...references.values(), ...ingests.values(), ...reconnects.values()].flatMap((s) => (s.raised ? [s.raised] : [])).sort((a, b) => a.raisedAtMs - b.raisedAtMs);
    },
  };
}
