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

/** What one session's identity (core, collector, id) last classified as; checked against the session's fields. */
interface SessionMemo {
  core: string;
  collector: string;
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
 * stream rules. Cheap per update: a session's classification is memoised by its id (Core keeps a session's
 * reference for its lifetime; the memo is still checked against collector, reference, location and extra, so a
 * changed field is classified again) and points at its stream, so an update costs one map lookup per session and
 * allocates nothing for streams that were already there.
 */
export class AlertStreamTable {
  #gen = 0;
  readonly #memos = new Map<string, SessionMemo>();
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
    for (const s of snapshot.sessions) this.#count(s, gen);
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
  #count(s: SessionRow, gen: number): void {
    const memo = this.#memo(s.core, s.collector, s.id, s.reference, s.location, s.extra, gen);
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

  #memo(core: string, collector: string, id: string, reference: string, location: string, extra: string, gen: number): SessionMemo {
    const head = this.#memos.get(id) ?? null;
    let m = head;
    while (m !== null && (m.core !== core || m.collector !== collector)) m = m.next;
    if (!m) {
      m = { core, collector, reference, location, extra, key: null, role: 'viewer', stream: null, gen, next: head };
      this.#memos.set(id, m);
      this.#classify(m);
    } else if (m.reference !== reference || m.location !== location || m.extra !== extra) {
      m.reference = reference;
      m.location = location;
      m.extra = extra;
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
