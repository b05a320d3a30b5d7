import type { SessionRow, Snapshot } from '../../shared/types.ts';
import { classifySession, type StreamRole } from '../../shared/stream-key.ts';
import { countedRole } from '../../shared/streams.ts';

/**
 * One stream of one core as the stream rules read it. The object lives across updates (so per-rule alert keys are
 * built once); its counts are those of the update that last counted it (`gen`).
 */
export interface AlertStream {
  core: string;
  /** The key rule's key (classifySession), before the user's aliases. */
  key: string;
  /** Open publishers (a session whose connection closed counts in no role: nobody is behind it any more). */
  publishers: number;
  viewers: number;
  /** A publisher session is listed but its connection closed (local RTMP/SRT). */
  closedPublisher: boolean;
  /** The rx of the open publishers. */
  rxBitsPerSec: number;
  /** The update that last counted it. */
  gen: number;
  /** Alert keys by rule index (JSON of [rule id, core, key]), made on first use. */
  alertKeys: (string | undefined)[];
  /** Dropped from the table (no session in an update): sessions that still point here look it up again. */
  dropped: boolean;
}

/** What one session (core, collector, id, creation time) classified as, and with which `extra`. */
interface SessionMemo {
  id: string;
  core: string;
  collector: string;
  createdAtMs: number;
  reference: string;
  location: string;
  extra: string;
  /** The stream key and counted role, or null: no stream (http aggregates, empty keys). */
  key: string | null;
  role: StreamRole;
  stream: AlertStream | null;
  /** The update that last saw it (memos not seen lately are pruned). */
  gen: number;
  /** Another session with the same id (on another core or collector). */
  next: SessionMemo | null;
}

/**
 * Groups each snapshot's sessions into streams per core by the key rule (classifySession, countedRole), for the
 * stream rules. Cheap per update: a session's classification is memoised by its identity (core, collector, id and
 * creation time) and points at its stream, so an update costs one map lookup per session, compares no long strings
 * and allocates nothing for streams that were already there. A session's reference and location are fixed for its
 * life (Core registers them once; the engine's Session has them readonly); an id used again by a new session has
 * another creation time and is classified again, and so is a session whose `extra` changed (the app's own FFmpeg
 * process is marked in `extra` a second after it connects).
 */
export class AlertStreamTable {
  #gen = 0;
  readonly #memos = new Map<string, SessionMemo>();
  /**
   * The memos in the order of the last snapshot's sessions: a snapshot lists mostly the same sessions in the same
   * order, so the memo at the same place is tried before the map.
   */
  #order: SessionMemo[] = [];
  /** core → stream key → stream, for the streams counted in the last update. */
  readonly #streams = new Map<string, Map<string, AlertStream>>();
  /** The last update's streams per core, in order of their first session in the snapshot. */
  #live = new Map<string, AlertStream[]>();
  /** The list of the core of the session counted last (sessions come grouped by core). */
  #lastCore = '';
  #lastList: AlertStream[] | null = null;

  /** Counts the snapshot's sessions into streams (replacing the last update's counts). */
  update(snapshot: Snapshot): void {
    const gen = ++this.#gen;
    this.#live = new Map();
    this.#lastCore = '';
    this.#lastList = null;
    const sessions = snapshot.sessions;
    const order = this.#order;
    for (let i = 0; i < sessions.length; i++) this.#count(sessions[i]!, i, order, gen);
    order.length = sessions.length;
    this.#lastList = null;
    // Streams without a session now leave the table (bounded over days of streams).
    this.#streams.forEach((byKey, core) => {
      byKey.forEach((st, key) => {
        if (st.gen === gen) return;
        st.dropped = true;
        byKey.delete(key);
      });
      if (byKey.size === 0) this.#streams.delete(core);
    });
    // Memos of ended sessions: pruned once they outnumber the live ones (amortised, bounded).
    if (this.#memos.size > 2 * snapshot.sessions.length + 1024) this.#prune(gen);
  }

  /**
   * One session into its stream. A method of its own (not the body of update's loop) because a small function
   * called 10 000 times per update reaches optimised code within the first updates; a long-running loop waits for
   * on-stack replacement.
   */
  #count(s: SessionRow, i: number, order: SessionMemo[], gen: number): void {
    const at = order[i];
    const memo = at !== undefined && at.id === s.id && at.core === s.core && at.collector === s.collector ? this.#check(at, s, gen) : (order[i] = this.#memo(s, gen));
    if (memo.key === null || memo.role === 'process') return;
    let st = memo.stream;
    if (st === null || st.dropped) st = memo.stream = this.#stream(s.core, memo.key);
    if (st.gen !== gen) {
      st.gen = gen;
      st.publishers = 0;
      st.viewers = 0;
      st.closedPublisher = false;
      st.rxBitsPerSec = 0;
      if (s.core !== this.#lastCore || this.#lastList === null) {
        this.#lastCore = s.core;
        this.#lastList = this.#live.get(s.core) ?? null;
        if (this.#lastList === null) this.#live.set(s.core, (this.#lastList = []));
      }
      this.#lastList.push(st);
    }
    if (s.closedAtMs !== undefined) {
      if (memo.role === 'publisher') st.closedPublisher = true;
    } else if (memo.role === 'publisher') {
      st.publishers++;
      st.rxBitsPerSec += s.rxBitsPerSec;
    } else st.viewers++;
  }

  /** The last update's streams of a core, in order of their first session in the snapshot. */
  streamsOf(core: string): readonly AlertStream[] {
    return this.#live.get(core) ?? [];
  }

  /** One stream of a core if the last update counted it. */
  stream(core: string, key: string): AlertStream | undefined {
    const st = this.#streams.get(core)?.get(key);
    return st !== undefined && st.gen === this.#gen ? st : undefined;
  }

  #stream(core: string, key: string): AlertStream {
    let byKey = this.#streams.get(core);
    if (!byKey) this.#streams.set(core, (byKey = new Map()));
    let st = byKey.get(key);
    if (!st) byKey.set(key, (st = { core, key, publishers: 0, viewers: 0, closedPublisher: false, rxBitsPerSec: 0, gen: 0, alertKeys: [], dropped: false }));
    return st;
  }

  #memo(s: SessionRow, gen: number): SessionMemo {
    const head = this.#memos.get(s.id) ?? null;
    let m = head;
    while (m !== null && (m.core !== s.core || m.collector !== s.collector)) m = m.next;
    if (!m) {
      m = { id: s.id, core: s.core, collector: s.collector, createdAtMs: s.createdAtMs, reference: s.reference, location: s.location, extra: s.extra, key: null, role: 'viewer', stream: null, gen, next: head };
      this.#memos.set(s.id, m);
      this.#classify(m);
      return m;
    }
    return this.#check(m, s, gen);
  }

  /** The memo of this session, classified again if it is another session under the id or its `extra` changed. */
  #check(m: SessionMemo, s: SessionRow, gen: number): SessionMemo {
    if (m.createdAtMs !== s.createdAtMs || m.extra !== s.extra) {
      m.createdAtMs = s.createdAtMs;
      m.reference = s.reference;
      m.location = s.location;
      m.extra = s.extra;
      this.#classify(m);
    }
    m.gen = gen;
    return m;
  }

  #classify(m: SessionMemo): void {
    const ref = classifySession(m.collector, m.reference, m.location);
    m.key = ref ? ref.key : null;
    m.role = ref ? countedRole(ref, m.extra) : 'viewer';
    m.stream = null;
  }

  #prune(gen: number): void {
    for (const [id, head] of this.#memos) {
      let first: SessionMemo | null = null;
      let last: SessionMemo | null = null;
      for (let m: SessionMemo | null = head; m !== null; m = m.next) {
        if (m.gen !== gen) continue;
        if (last) last.next = m;
        else first = m;
        last = m;
      }
      if (last) last.next = null;
      if (first) this.#memos.set(id, first);
      else this.#memos.delete(id);
    }
  }
}
