import type { AlertItem } from '../../shared/ipc.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../shared/types.ts';
import { addToTotals } from '../../shared/totals.ts';
import { classifySession, type StreamRole } from '../../shared/stream-key.ts';
import { countedRole } from '../../shared/streams.ts';
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
} from './rules.ts';
import { MedianWindow } from './median.ts';

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

/** Ingest-median bookkeeping per rule, core and stream. */
interface IngestState extends SubjectState {
  samples: MedianWindow;
}

/** Reconnect bookkeeping per rule, core and stream. */
interface ReconnectState extends SubjectState {
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

/**
 * A session's stream key and role as every count has them (classifySession, countedRole), or null for sessions of
 * no stream. A session whose connection closed (`closedAtMs`, local RTMP/SRT) counts in no role: it is listed until
 * the core's timeout, but nobody is behind it any more.
 */
function streamRoleOf(s: SessionRow): { key: string; role: StreamRole; closed: boolean } | null {
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
  const ingests = new Map<string, IngestState>();
  const reconnects = new Map<string, ReconnectState>();

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

  /** Per healthy core of the rule and stream key: the summed rx of its open publishers, and whether there is one. */
  function ingestByStream(rule: AlertRule, snapshot: Snapshot): Map<string, { core: CoreInfo; key: string; open: boolean; rxBitsPerSec: number }> {
    const cores = new Map(coresOf(rule, snapshot).filter((c) => HEALTHY.has(c.state)).map((c) => [c.id, c]));
    const out = new Map<string, { core: CoreInfo; key: string; open: boolean; rxBitsPerSec: number }>();
    for (const s of snapshot.sessions) {
      const core = cores.get(s.core);
      if (!core) continue;
      const ref = streamRoleOf(s);
      if (!ref || ref.role !== 'publisher') continue;
      const id = JSON.stringify([rule.id, s.core, ref.key]);
      let e = out.get(id);
      if (!e) out.set(id, (e = { core, key: ref.key, open: false, rxBitsPerSec: 0 }));
      if (!ref.closed) {
        e.open = true;
        e.rxBitsPerSec += s.rxBitsPerSec;
      }
    }
    return out;
  }

  /** The state of a stream subject of the health rules kept as long as its core is there but not healthy. */
  function keepWhileUnknown(map: Map<string, SubjectState>, rule: AlertRule, snapshot: Snapshot, seen: Set<string>): void {
    const unknown = new Set(coresOf(rule, snapshot).filter((c) => !HEALTHY.has(c.state)).map((c) => c.id));
    if (unknown.size === 0) return;
    for (const [key, st] of map) {
      const [ruleId, coreId] = JSON.parse(key) as [string, string, string];
      if (ruleId === rule.id && unknown.has(coreId)) {
        seen.add(key);
        st.pendingSinceMs = null;
      }
    }
  }

  function ingestBelowMedian(rule: IngestBelowMedianRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    const windowMs = rule.medianWindowMs ?? DEFAULT_MEDIAN_WINDOW_MS;
    const needMs = Math.min(MIN_MEDIAN_HISTORY_MS, windowMs / 2);
    keepWhileUnknown(ingests, rule, snapshot, seen);
    for (const [key, e] of ingestByStream(rule, snapshot)) {
      // Without an open publisher the stream is forgotten (publisher-gone speaks for it; a new run, a new median).
      if (!e.open) continue;
      seen.add(key);
      let st = ingests.get(key);
      if (!st) ingests.set(key, (st = { raised: null, pendingSinceMs: null, samples: new MedianWindow(windowMs) }));
      st.samples.add(snapshot.atMs, e.rxBitsPerSec);
      let level: Level = 'hold';
      const median = st.samples.median();
      if (st.samples.spanMs(snapshot.atMs) >= needMs) level = e.rxBitsPerSec < (median * rule.belowPercent) / 100 ? 'raise' : 'clear';
      const ev = step(st, level, snapshot.atMs, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: e.core.id, reference: e.key,
        message: `${e.core.name}: ingest of ${e.key} ${mbit(e.rxBitsPerSec)}, below ${rule.belowPercent} % of its median ${mbit(median)}`,
        raisedAtMs: snapshot.atMs,
      }));
      if (ev) events.push(ev);
    }
  }

  function publisherReconnects(rule: PublisherReconnectsRule, snapshot: Snapshot, seen: Set<string>, events: AlertEvent[]): void {
    keepWhileUnknown(reconnects, rule, snapshot, seen);
    const now = snapshot.atMs;
    const streams = ingestByStream(rule, snapshot);
    // Streams known from before whose publisher is not listed now (gone past the core's timeout) keep counting.
    const healthy = new Map(coresOf(rule, snapshot).filter((c) => HEALTHY.has(c.state)).map((c) => [c.id, c]));
    for (const key of reconnects.keys()) {
      const [ruleId, coreId, streamKey] = JSON.parse(key) as [string, string, string];
      const core = healthy.get(coreId);
      if (ruleId === rule.id && core && !streams.has(key)) streams.set(key, { core, key: streamKey, open: false, rxBitsPerSec: 0 });
    }
    for (const [key, e] of streams) {
      let st = reconnects.get(key);
      if (!st) reconnects.set(key, (st = { raised: null, pendingSinceMs: null, open: false, lastOpenAtMs: now, reconnectsAtMs: [] }));
      else if (e.open && !st.open) st.reconnectsAtMs.push(now);
      st.open = e.open;
      if (e.open) st.lastOpenAtMs = now;
      while (st.reconnectsAtMs.length > 0 && st.reconnectsAtMs[0]! <= now - rule.withinMs) st.reconnectsAtMs.shift();
      const count = st.reconnectsAtMs.length;
      // Forget a stream without a publisher for the whole window and nothing to count (bounded memory over days).
      if (!e.open && count === 0 && !st.raised && now - st.lastOpenAtMs >= rule.withinMs) {
        reconnects.delete(key);
        continue;
      }
      seen.add(key);
      const ev = step(st, count > rule.moreThan ? 'raise' : 'clear', now, rule, () => ({
        key, ruleId: rule.id, kind: rule.kind, core: e.core.id, reference: e.key,
        message: `${e.core.name}: publisher of ${e.key} reconnected ${count} times in ${Math.round(rule.withinMs / 60_000 * 10) / 10} min (more than ${rule.moreThan})`,
        raisedAtMs: now,
      }));
      if (ev) events.push(ev);
    }
  }

  return {
    update(snapshot) {
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
      return events;
    },
    active() {
      return [...subjects.values(), ...references.values(), ...ingests.values(), ...reconnects.values()].flatMap((s) => (s.raised ? [s.raised] : [])).sort((a, b) => a.raisedAtMs - b.raisedAtMs);
    },
  };
}
