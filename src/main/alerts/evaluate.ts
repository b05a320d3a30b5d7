import type { AlertItem } from '../../shared/ipc.ts';
import type { CoreInfo, Snapshot } from '../../shared/types.ts';
import { addToTotals, countsSessions } from '../../shared/totals.ts';
import { StreamGroups, type KeyStream } from '../../shared/stream-groups.ts';
import {
  DEFAULT_MEDIAN_WINDOW_MS,
  STREAM_RULE_KINDS,
  validateAlertRules,
  type AlertRule,
  type EgressRule,
  type IngestBelowMedianRule,
  type PublisherGoneRule,
  type PublisherReconnectsRule,
  type SessionsRule,
  type UnreachableRule,
  type UsersRule,
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
  /** The update that last saw its subject (a state not seen in an update is cleared and forgotten). */
  seenGen: number;
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
  /** The update that visited it as a stream of the snapshot. */
  visitedGen: number;
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
  /** The update that visited it as a stream of the snapshot. */
  visitedGen: number;
}

/** Stream health needs this much history before a median means anything (or half the window, if shorter). */
const MIN_MEDIAN_HISTORY_MS = 60_000;

const HEALTHY: ReadonlySet<CoreInfo['state']> = new Set(['online', 'running']);

function mbit(bitsPerSec: number): string {
  return `${(bitsPerSec / 1e6).toFixed(1)} Mbit/s`;
}

/**
 * One step of the hysteresis machine. Not raised: `raise` must hold for `raiseAfterMs`; anything else resets the
 * wait. Raised: `clear` must hold for `clearAfterMs`; anything else (including the band between the lines) resets it.
 * Answers the cleared event, RAISE when the caller must raise (`raise`: the alert is made only then, so a step
 * allocates nothing while nothing changes), or null.
 */
function step(state: SubjectState, level: Level, nowMs: number, rule: AlertRule): AlertEvent | typeof RAISE | null {
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
  return RAISE;
}

/** No streams. */
const NONE: readonly KeyStream[] = [];

/** What `step` answers when the alert is to be raised now. */
const RAISE = 'raise';

/** Raises `alert` on the state. */
function raise(state: SubjectState, alert: AlertItem): AlertEvent {
  state.raised = alert;
  return { type: 'raised', alert };
}

/**
 * Totals of one core (people and traffic counted once, src/shared/totals.ts), or one collector's raw numbers; with
 * `people`, that collector's users (its sessions less the app's own processes', none for a collector of no people).
 */
function totals(snapshot: Snapshot, core: string, collector: string | undefined, people = false): { activeSessions: number; txBitsPerSec: number } | null {
  let found = false;
  const sum = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
  for (const t of snapshot.collectors) {
    if (t.core !== core || (collector !== undefined && t.collector !== collector)) continue;
    found = true;
    if (collector === undefined) addToTotals(sum, t);
    else {
      sum.activeSessions += !people ? t.activeSessions : countsSessions(t.collector) ? t.activeSessions - t.processSessions : 0;
      sum.txBitsPerSec += t.txBitsPerSec;
    }
  }
  return found ? { activeSessions: sum.activeSessions, txBitsPerSec: sum.txBitsPerSec } : null;
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
 * as "unknown", not "every publisher left" (the core-unreachable rule covers that case). A stream rule with a
 * `stream` judges that stream key only (on every core, or on its `core`).
 */
export function createAlertEvaluator(rulesIn: readonly AlertRule[], groups: StreamGroups = new StreamGroups()): AlertEvaluator {
  const rules = validateAlertRules(rulesIn);
  const subjects = new Map<string, SubjectState>();
  const references = new Map<string, ReferenceState>();
  const ingests = new Map<string, IngestState>();
  const reconnects = new Map<string, ReconnectState>();
  const stateMaps = [subjects, references, ingests, reconnects] as Map<string, SubjectState>[];
  const readsStreams = rules.some((r) => r.enabled !== false && STREAM_RULE_KINDS.includes(r.kind));
  /** The states of each unreachable rule, as a set (made once). */
  const badStates = rules.map((r) => (r.kind === 'core-unreachable' ? new Set(r.states ?? ['unreachable']) : null));
  /** The update being evaluated: states seen in it carry this number (no per-update sets of keys). */
  let gen = 0;
  /** The snapshot's cores by id. */
  const coreById = new Map<string, CoreInfo>();
  /** What the update returns. */
  let events: AlertEvent[] = [];
  let atMs = 0;

  const inRule = (rule: AlertRule, coreId: string): boolean => rule.core === undefined || rule.core === coreId;
  /** The last snapshot's streams of a core that the rule judges: all of them, or the one it is scoped to. */
  const streamsFor = (rule: AlertRule, coreId: string): readonly KeyStream[] => {
    if (rule.stream === undefined) return groups.withPeople(coreId);
    const one = groups.stream(coreId, rule.stream);
    return one?.people ? [one] : NONE;
  };
  /** This evaluator, as the reader of the streams' `derived` strings. */
  const self = {};
  /** A stream's alert key for the rule at index `ri` (JSON of rule id, core and stream key), made once per stream. */
  const alertKey = (ri: number, rule: AlertRule, stream: KeyStream): string => {
    if (stream.derivedFor !== self) {
      stream.derivedFor = self;
      stream.derived = [];
    }
    return (stream.derived[ri] ??= JSON.stringify([rule.id, stream.core, stream.key]));
  };

  function subject(key: string): SubjectState {
    let s = subjects.get(key);
    if (!s) subjects.set(key, (s = { raised: null, pendingSinceMs: null, seenGen: 0 }));
    return s;
  }

  function threshold(rule: EgressRule | SessionsRule | UsersRule, snapshot: Snapshot): void {
    for (const core of snapshot.cores) {
      if (!inRule(rule, core.id)) continue;
      const key = `${rule.id}|${core.id}|${rule.collector ?? '*'}`;
      const t = totals(snapshot, core.id, rule.collector, rule.kind === 'users-above');
      if (!HEALTHY.has(core.state) || !t) {
        // Unknown now: keep the state (and its alert), restart any wait.
        const known = subjects.get(key);
        if (known) {
          known.seenGen = gen;
          known.pendingSinceMs = null;
        }
        continue;
      }
      const st = subject(key);
      st.seenGen = gen;
      const where = `${core.name}${rule.collector ? ' ' + rule.collector : ''}`;
      let level: Level;
      let message: string;
      if (rule.kind === 'egress-above') {
        level = t.txBitsPerSec > rule.raiseBitsPerSec ? 'raise' : t.txBitsPerSec < rule.clearBitsPerSec ? 'clear' : 'hold';
        message = `${where} egress ${mbit(t.txBitsPerSec)} > ${mbit(rule.raiseBitsPerSec)}`;
      } else {
        const noun = rule.kind === 'users-above' ? 'user' : 'session';
        level = t.activeSessions > rule.raiseAbove ? 'raise' : t.activeSessions <= rule.clearAtOrBelow ? 'clear' : 'hold';
        message = `${where}: ${t.activeSessions} ${noun}${t.activeSessions === 1 ? '' : 's'} > ${rule.raiseAbove}`;
      }
      const ev = step(st, level, atMs, rule);
      if (ev === RAISE) events.push(raise(st, { key, ruleId: rule.id, kind: rule.kind, core: core.id, ...(rule.collector ? { collector: rule.collector } : {}), message, raisedAtMs: atMs }));
      else if (ev) events.push(ev);
    }
  }

  function unreachable(ri: number, rule: UnreachableRule, snapshot: Snapshot): void {
    const bad = badStates[ri]!;
    for (const core of snapshot.cores) {
      if (!inRule(rule, core.id)) continue;
      const key = `${rule.id}|${core.id}`;
      const st = subject(key);
      st.seenGen = gen;
      const level: Level = bad.has(core.state) ? 'raise' : HEALTHY.has(core.state) ? 'clear' : 'hold';
      const ev = step(st, level, atMs, rule);
      if (ev === RAISE) {
        const message = `${core.name} is ${core.state}${core.lastError ? `: ${core.lastError}` : ''}`;
        events.push(raise(st, { key, ruleId: rule.id, kind: rule.kind, core: core.id, message, raisedAtMs: atMs }));
      } else if (ev) events.push(ev);
    }
  }

  /**
   * One stream for a publisher-gone rule. A publisher whose connection closed (local RTMP/SRT) is gone now, not at
   * the core's session timeout; one missing from the list (a remote Core's next poll, or any core after its timeout)
   * is gone too.
   */
  function judgeGone(rule: PublisherGoneRule, key: string, coreId: string, reference: string, publishers: number, viewers: number, closedPublisher: boolean): void {
    const core = inRule(rule, coreId) ? coreById.get(coreId) : undefined;
    const known = references.get(key);
    if (!core || !HEALTHY.has(core.state)) {
      // The core is not healthy: nothing can be known about its streams; keep the state while the core exists.
      if (known && core) known.seenGen = gen;
      return;
    }
    const st: ReferenceState = known ?? { ruleId: rule.id, core: coreId, reference, raised: null, pendingSinceMs: null, seenGen: 0, viewersWithPublisher: 0, armed: false, visitedGen: 0 };
    if (!known) references.set(key, st);
    st.seenGen = gen;
    st.visitedGen = gen;
    if (publishers > 0) {
      // A publisher is (back) on air: disarm, and clear at once; the hold time is for "no viewers left".
      st.viewersWithPublisher = viewers;
      st.armed = false;
      st.pendingSinceMs = null;
      if (st.raised) {
        events.push({ type: 'cleared', alert: { ...st.raised, clearedAtMs: atMs } });
        st.raised = null;
      }
    } else {
      if (!st.armed && st.viewersWithPublisher > 0) st.armed = true;
      const level: Level = st.raised ? (viewers === 0 ? 'clear' : 'hold') : st.armed ? 'raise' : 'hold';
      const ev = step(st, level, atMs, rule);
      if (ev === RAISE) {
        const n = st.viewersWithPublisher;
        const how = closedPublisher ? ' (its connection closed)' : '';
        const message = `${core.name}: publisher of ${reference} gone${how} while ${n} viewer${n === 1 ? ' was' : 's were'} watching`;
        events.push(raise(st, { key, ruleId: rule.id, kind: rule.kind, core: coreId, reference, message, raisedAtMs: atMs }));
      } else if (ev) {
        st.armed = false;
        st.viewersWithPublisher = 0;
        events.push(ev);
      }
    }
    // Forget streams with nothing going on (bounded memory over days of streams).
    if (!st.raised && !st.armed && st.pendingSinceMs === null && publishers === 0 && viewers === 0) references.delete(key);
  }

  function publisherGone(ri: number, rule: PublisherGoneRule, snapshot: Snapshot): void {
    // The streams of the snapshot (healthy cores only), in snapshot order.
    for (const core of snapshot.cores) {
      if (!inRule(rule, core.id) || !HEALTHY.has(core.state)) continue;
      for (const stream of streamsFor(rule, core.id)) {
        judgeGone(rule, alertKey(ri, rule, stream), core.id, stream.key, stream.publishers, stream.viewersTotal, stream.closedPublisher);
      }
    }
    // Streams known from before without a session now: their publisher (and viewers) are gone.
    references.forEach((st, key) => {
      if (st.ruleId === rule.id && st.visitedGen !== gen) judgeGone(rule, key, st.core, st.reference, 0, 0, false);
    });
  }

  /** Keeps (and restarts the waits of) the rule's stream states whose core is there but not healthy: unknown now. */
  function keepWhileUnknown(map: Map<string, SubjectState & StreamSubject>, rule: AlertRule, snapshot: Snapshot): void {
    let unknown: Set<string> | null = null;
    for (const c of snapshot.cores) if (inRule(rule, c.id) && !HEALTHY.has(c.state)) (unknown ??= new Set()).add(c.id);
    if (unknown === null) return;
    for (const st of map.values()) {
      if (st.ruleId !== rule.id || !unknown.has(st.core)) continue;
      st.seenGen = gen;
      st.pendingSinceMs = null;
    }
  }

  function ingestBelowMedian(ri: number, rule: IngestBelowMedianRule, snapshot: Snapshot): void {
    const windowMs = rule.medianWindowMs ?? DEFAULT_MEDIAN_WINDOW_MS;
    const needMs = Math.min(MIN_MEDIAN_HISTORY_MS, windowMs / 2);
    keepWhileUnknown(ingests, rule, snapshot);
    for (const core of snapshot.cores) {
      if (!inRule(rule, core.id) || !HEALTHY.has(core.state)) continue;
      for (const stream of streamsFor(rule, core.id)) {
        // Without an open publisher the stream is forgotten (publisher-gone speaks for it; a new run, a new median).
        if (stream.publishers === 0) continue;
        const key = alertKey(ri, rule, stream);
        let st = ingests.get(key);
        if (!st) ingests.set(key, (st = { ruleId: rule.id, core: core.id, stream: stream.key, raised: null, pendingSinceMs: null, seenGen: 0, samples: new MedianWindow(windowMs) }));
        st.seenGen = gen;
        st.samples.add(atMs, stream.ingestBitsPerSec);
        let level: Level = 'hold';
        const median = st.samples.median();
        if (st.samples.spanMs(atMs) >= needMs) level = stream.ingestBitsPerSec < (median * rule.belowPercent) / 100 ? 'raise' : 'clear';
        const ev = step(st, level, atMs, rule);
        if (ev === RAISE) {
          const message = `${core.name}: ingest of ${stream.key} ${mbit(stream.ingestBitsPerSec)}, below ${rule.belowPercent} % of its median ${mbit(median)}`;
          events.push(raise(st, { key, ruleId: rule.id, kind: rule.kind, core: core.id, reference: stream.key, message, raisedAtMs: atMs }));
        } else if (ev) events.push(ev);
      }
    }
  }

  /** One stream for a reconnects rule: counts a comeback of its publisher, forgets it after a quiet window. */
  function visitReconnects(rule: PublisherReconnectsRule, key: string, core: CoreInfo, stream: string, open: boolean): void {
    let st = reconnects.get(key);
    if (!st) reconnects.set(key, (st = { ruleId: rule.id, core: core.id, stream, raised: null, pendingSinceMs: null, seenGen: 0, open: false, lastOpenAtMs: atMs, reconnectsAtMs: [], visitedGen: 0 }));
    else if (open && !st.open) st.reconnectsAtMs.push(atMs);
    st.visitedGen = gen;
    st.open = open;
    if (open) st.lastOpenAtMs = atMs;
    while (st.reconnectsAtMs.length > 0 && st.reconnectsAtMs[0]! <= atMs - rule.withinMs) st.reconnectsAtMs.shift();
    const count = st.reconnectsAtMs.length;
    // Forget a stream without a publisher for the whole window and nothing to count (bounded memory over days).
    if (!open && count === 0 && !st.raised && atMs - st.lastOpenAtMs >= rule.withinMs) {
      reconnects.delete(key);
      return;
    }
    st.seenGen = gen;
    const ev = step(st, count > rule.moreThan ? 'raise' : 'clear', atMs, rule);
    if (ev === RAISE) {
      const message = `${core.name}: publisher of ${stream} reconnected ${count} times in ${Math.round((rule.withinMs / 60_000) * 10) / 10} min (more than ${rule.moreThan})`;
      events.push(raise(st, { key, ruleId: rule.id, kind: rule.kind, core: core.id, reference: stream, message, raisedAtMs: atMs }));
    } else if (ev) events.push(ev);
  }

  function publisherReconnects(ri: number, rule: PublisherReconnectsRule, snapshot: Snapshot): void {
    keepWhileUnknown(reconnects, rule, snapshot);
    for (const core of snapshot.cores) {
      if (!inRule(rule, core.id) || !HEALTHY.has(core.state)) continue;
      for (const stream of streamsFor(rule, core.id)) {
        const key = alertKey(ri, rule, stream);
        // Only streams that have or had a publisher (a viewers-only stream has nothing to reconnect).
        if (stream.publishers === 0 && !stream.closedPublisher && !reconnects.has(key)) continue;
        visitReconnects(rule, key, core, stream.key, stream.publishers > 0);
      }
    }
    // Streams known from before whose sessions are all gone (past the core's timeout) keep counting.
    reconnects.forEach((st, key) => {
      if (st.ruleId !== rule.id || st.visitedGen === gen || !inRule(rule, st.core)) return;
      const core = coreById.get(st.core);
      if (core && HEALTHY.has(core.state)) visitReconnects(rule, key, core, st.stream, false);
    });
  }

  /** Subjects that vanished (core removed, collector gone): clear at once, forget them. */
  function sweep(map: Map<string, SubjectState>, key: string, st: SubjectState): void {
    if (st.seenGen === gen) return;
    if (st.raised) events.push({ type: 'cleared', alert: { ...st.raised, clearedAtMs: atMs } });
    map.delete(key);
  }

  return {
    update(snapshot) {
      gen++;
      atMs = snapshot.atMs;
      events = [];
      coreById.clear();
      for (const c of snapshot.cores) coreById.set(c.id, c);
      if (readsStreams) groups.update(snapshot);
      for (let ri = 0; ri < rules.length; ri++) {
        const rule = rules[ri]!;
        if (rule.enabled === false) continue;
        switch (rule.kind) {
          case 'egress-above':
          case 'sessions-above':
          case 'users-above':
            threshold(rule, snapshot);
            break;
          case 'core-unreachable':
            unreachable(ri, rule, snapshot);
            break;
          case 'publisher-gone':
            publisherGone(ri, rule, snapshot);
            break;
          case 'ingest-below-median':
            ingestBelowMedian(ri, rule, snapshot);
            break;
          case 'publisher-reconnects':
            publisherReconnects(ri, rule, snapshot);
            break;
        }
      }
      for (const map of stateMaps) map.forEach((st, key) => sweep(map, key, st));
      const out = events;
      events = [];
      return out;
    },
    active() {
      return [...subjects.values(), ...references.values(), ...ingests.values(), ...reconnects.values()].flatMap((s) => (s.raised ? [s.raised] : [])).sort((a, b) => a.raisedAtMs - b.raisedAtMs);
    },
  };
}
