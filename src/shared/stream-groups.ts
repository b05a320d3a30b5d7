/**
 * The one grouping of an update's sessions into streams: per core, per key of the key rule (classifySession, before
 * the user's aliases), what its sessions count. The alert evaluator's stream rules and the stream model (streams.ts:
 * the Streams view, `/api/streams`) both read it; the app gives them one instance, so each update is grouped once.
 *
 * Cheap per update: a session's classification is memoised by its identity (core, collector, id and creation time)
 * and points at its stream, so an update costs one map lookup per session (none for a session at the same place as
 * in the last snapshot), compares no long strings and allocates nothing for streams that were already there. A
 * session's reference and location are fixed for its life (Core registers them once; the engine's Session has them
 * readonly); an id used again by a new session has another creation time and is classified again, and so is a
 * session whose `extra` changed (the app's own FFmpeg process's session is marked in `extra` as it registers, or at
 * the process feed's next tick when its relay learnt the socket later).
 * Pure, no node:* or DOM.
 */
import { DOUBLE_ZERO } from './double-zero.ts';
import { isOwnProcess } from './processes.ts';
import { classifySession, type SessionStreamRef, type StreamProtocol, type StreamRole } from './stream-key.ts';
import type { SessionRow, Snapshot } from './types.ts';

/**
 * The role a session counts in (streams, alerts): the key rule's, except that the app's own FFmpeg process reading
 * from or writing to its own servers (src/shared/processes.ts) is `process`, never a viewer or a publisher.
 */
export function countedRole(ref: SessionStreamRef, extra: string): StreamRole {
  return isOwnProcess(extra) ? 'process' : ref.role;
}

/**
 * True for a session that brings a stream in for one of the app's own FFmpeg processes (its HLS upload to the memfs,
 * its RTMP/SRT publish): role `process`, and yet the stream's ingest while no person publishes to the stream (a URL
 * pulled and restreamed to HLS is live, with the process's ingest rate; a RTMP → HLS restream's ingest is the
 * person's encoder). The one rule of a stream's publishers: KeyStream's, and `streamRoles` for a list of sessions.
 */
export function isProcessIngest(ref: SessionStreamRef, extra: string): boolean {
  return ref.role === 'publisher' && isOwnProcess(extra);
}

/**
 * The role each of one stream's sessions is shown in (the stream page's sessions): `countedRole`, except that the
 * app's own processes' ingests are `publisher` when no open session of a person publishes (as KeyStream counts).
 */
export function streamRoles(sessions: readonly Pick<SessionRow, 'collector' | 'reference' | 'location' | 'extra' | 'closedAtMs'>[]): StreamRole[] {
  const roles: StreamRole[] = [];
  /** The places of the open processes' ingests, publishers if no person's open session publishes. */
  const ingests: number[] = [];
  let personPublishes = false;
  for (const s of sessions) {
    const ref = classifySession(s.collector, s.reference, s.location);
    const role = ref === null ? 'process' : countedRole(ref, s.extra);
    if (s.closedAtMs === undefined) {
      if (role === 'publisher') personPublishes = true;
      else if (ref !== null && isProcessIngest(ref, s.extra)) ingests.push(roles.length);
    }
    roles.push(role);
  }
  if (!personPublishes) for (const i of ingests) roles[i] = 'publisher';
  return roles;
}

/**
 * One key of the key rule on one core, with the counts of the update that last grouped it (`gen`). The object lives
 * across updates while the key has sessions, so what a reader derives from it once (an alert key) stays with it.
 * A session whose connection closed (local RTMP/SRT) is listed until the core's timeout but counts in no role:
 * nobody is behind it any more.
 */
export interface KeyStream {
  core: string;
  /** The key rule's key (classifySession), before the user's aliases. */
  key: string;
  /**
   * Open publishers, the rx of them, and the protocol of the first of them in the snapshot (null without one): the
   * people's, or, when no person publishes, the app's own processes' ingests (isProcessIngest; also in `processes`).
   */
  publishers: number;
  ingestBitsPerSec: number;
  ingestProtocol: StreamProtocol | null;
  /** The first open publisher's place in the snapshot's session list (-1 without one). */
  ingestIndex: number;
  /** Open viewers per protocol (a viewer of another protocol than hls or rtmp counts as srt), all of them, their tx. */
  viewersHls: number;
  viewersRtmp: number;
  viewersSrt: number;
  viewersTotal: number;
  egressBitsPerSec: number;
  /** Open sessions of the app's own FFmpeg processes. */
  processes: number;
  /** Of them, ingests (isProcessIngest): their number, rx, the first one's protocol and place in the snapshot. */
  processIngests: number;
  processIngestBitsPerSec: number;
  processIngestProtocol: StreamProtocol | null;
  processIngestIndex: number;
  /** A publisher session is listed but its connection closed. */
  closedPublisher: boolean;
  /** A session in a person's role (publisher or viewer, open or closed) is listed: the stream rules judge it. */
  people: boolean;
  /** The update that last grouped it. */
  gen: number;
  /** Left the grouping (no session in an update): sessions that still point here look it up again. */
  dropped: boolean;
  /**
   * Strings one reader builds once per stream (the alert evaluator: each rule's alert key, by rule index), and that
   * reader: another reader (a new evaluator after a rule change) starts the list afresh.
   */
  derived: (string | undefined)[];
  derivedFor: object | null;
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
  /** The stream key, counted role and protocol, or key null: no stream (http aggregates, empty keys). */
  key: string | null;
  role: StreamRole;
  /** A process's ingest (isProcessIngest). */
  processIngest: boolean;
  protocol: StreamProtocol;
  stream: KeyStream | null;
  /** The update that last saw it (memos not seen lately are pruned). */
  gen: number;
  /** Another session with the same id (on another core or collector). */
  next: SessionMemo | null;
}

const NONE: readonly KeyStream[] = [];

/** Groups each update's sessions into streams per core and key (see the file comment). */
export class StreamGroups {
  #gen = 0;
  /** The snapshot grouped last: a second reader of the same update finds it done. */
  #snapshot: Snapshot | null = null;
  readonly #memos = new Map<string, SessionMemo>();
  /**
   * The memos in the order of the last snapshot's sessions: a snapshot lists mostly the same sessions in the same
   * order, so the memo at the same place is tried before the map.
   */
  #order: SessionMemo[] = [];
  /** core → key → stream, for the streams grouped in the last update. */
  readonly #streams = new Map<string, Map<string, KeyStream>>();
  /** The last update's streams, in order of their first session in the snapshot. */
  #all: KeyStream[] = [];
  /** The last update's streams with people per core, in order of their first session in a person's role. */
  #people = new Map<string, KeyStream[]>();
  /** The list of the core of the session counted last (sessions come grouped by core). */
  #lastCore = '';
  #lastList: KeyStream[] | null = null;
  /** This update's streams with a process's open ingest. */
  #withProcessIngest: KeyStream[] = [];

  /** Groups the snapshot's sessions (replacing the last update's counts); nothing to do if it was grouped last. */
  update(snapshot: Snapshot): void {
    if (snapshot === this.#snapshot) return;
    this.#snapshot = snapshot;
    const gen = ++this.#gen;
    this.#all = [];
    this.#people = new Map();
    this.#lastCore = '';
    this.#lastList = null;
    this.#withProcessIngest = [];
    const sessions = snapshot.sessions;
    const order = this.#order;
    for (let i = 0; i < sessions.length; i++) this.#count(sessions[i]!, i, order, gen);
    order.length = sessions.length;
    this.#lastList = null;
    // A stream no person publishes to is brought in by its processes' ingests (isProcessIngest): live, their rate.
    for (const st of this.#withProcessIngest) {
      if (st.publishers > 0) continue;
      st.publishers = st.processIngests;
      st.ingestBitsPerSec = st.processIngestBitsPerSec;
      st.ingestProtocol = st.processIngestProtocol;
      st.ingestIndex = st.processIngestIndex;
      if (!st.people) {
        st.people = true;
        let list = this.#people.get(st.core);
        if (list === undefined) this.#people.set(st.core, (list = []));
        list.push(st);
      }
    }
    // Streams without a session now leave the grouping (bounded over days of streams).
    this.#streams.forEach((byKey, core) => {
      byKey.forEach((st, key) => {
        if (st.gen === gen) return;
        st.dropped = true;
        byKey.delete(key);
      });
      if (byKey.size === 0) this.#streams.delete(core);
    });
    // Memos of ended sessions: pruned once they outnumber the live ones (amortised, bounded).
    if (this.#memos.size > 2 * sessions.length + 1024) this.#prune(gen);
  }

  /** The last update's streams of every core, in order of their first session in the snapshot. */
  all(): readonly KeyStream[] {
    return this.#all;
  }

  /** The last update's streams of a core with people (`people`), in order of their first session in such a role. */
  withPeople(core: string): readonly KeyStream[] {
    return this.#people.get(core) ?? NONE;
  }

  /** One stream of a core if the last update grouped it. */
  stream(core: string, key: string): KeyStream | undefined {
    const st = this.#streams.get(core)?.get(key);
    return st !== undefined && st.gen === this.#gen ? st : undefined;
  }

  /**
   * One session into its stream. A method of its own (not the body of update's loop) because a small function
   * called 10 000 times per update reaches optimised code within the first updates; a long-running loop waits for
   * on-stack replacement.
   */
  #count(s: SessionRow, i: number, order: SessionMemo[], gen: number): void {
    const at = order[i];
    const memo = at !== undefined && at.id === s.id && at.core === s.core && at.collector === s.collector ? this.#check(at, s, gen) : (order[i] = this.#memo(s, gen));
    if (memo.key === null) return;
    let st = memo.stream;
    if (st === null || st.dropped) st = memo.stream = this.#stream(s.core, memo.key);
    if (st.gen !== gen) {
      st.gen = gen;
      st.publishers = st.ingestBitsPerSec = st.viewersHls = st.viewersRtmp = st.viewersSrt = st.viewersTotal = st.egressBitsPerSec = st.processes = 0;
      st.processIngests = st.processIngestBitsPerSec = 0;
      st.ingestProtocol = st.processIngestProtocol = null;
      st.ingestIndex = st.processIngestIndex = -1;
      st.closedPublisher = st.people = false;
      this.#all.push(st);
    }
    const role = memo.role;
    if (role !== 'process' && !st.people) {
      st.people = true;
      if (s.core !== this.#lastCore || this.#lastList === null) {
        this.#lastCore = s.core;
        this.#lastList = this.#people.get(s.core) ?? null;
        if (this.#lastList === null) this.#people.set(s.core, (this.#lastList = []));
      }
      this.#lastList.push(st);
    }
    if (s.closedAtMs !== undefined) {
      if (role === 'publisher') st.closedPublisher = true;
    } else if (role === 'publisher') {
      st.publishers++;
      st.ingestBitsPerSec += s.rxBitsPerSec;
      if (st.ingestIndex < 0) {
        st.ingestIndex = i;
        st.ingestProtocol = memo.protocol;
      }
    } else if (role === 'viewer') {
      const p = memo.protocol;
      if (p === 'hls') st.viewersHls++;
      else if (p === 'rtmp') st.viewersRtmp++;
      else st.viewersSrt++;
      st.viewersTotal++;
      st.egressBitsPerSec += s.txBitsPerSec;
    } else {
      st.processes++;
      if (memo.processIngest) {
        if (st.processIngests++ === 0) {
          st.processIngestIndex = i;
          st.processIngestProtocol = memo.protocol;
          this.#withProcessIngest.push(st);
        }
        st.processIngestBitsPerSec += s.rxBitsPerSec;
      }
    }
  }

  #stream(core: string, key: string): KeyStream {
    let byKey = this.#streams.get(core);
    if (!byKey) this.#streams.set(core, (byKey = new Map()));
    let st = byKey.get(key);
    if (!st) {
      st = {
        core, key, publishers: 0, ingestBitsPerSec: DOUBLE_ZERO, ingestProtocol: null, ingestIndex: -1, viewersHls: 0, viewersRtmp: 0, viewersSrt: 0, viewersTotal: 0,
        egressBitsPerSec: DOUBLE_ZERO, processes: 0, processIngests: 0, processIngestBitsPerSec: DOUBLE_ZERO, processIngestProtocol: null, processIngestIndex: -1, closedPublisher: false, people: false, gen: 0, dropped: false, derived: [], derivedFor: null,
      };
      byKey.set(key, st);
    }
    return st;
  }

  #memo(s: SessionRow, gen: number): SessionMemo {
    const head = this.#memos.get(s.id) ?? null;
    let m = head;
    while (m !== null && (m.core !== s.core || m.collector !== s.collector)) m = m.next;
    if (!m) {
      m = { id: s.id, core: s.core, collector: s.collector, createdAtMs: s.createdAtMs, reference: s.reference, location: s.location, extra: s.extra, key: null, role: 'viewer', processIngest: false, protocol: 'hls', stream: null, gen, next: head };
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
    m.processIngest = ref !== null && isProcessIngest(ref, m.extra);
    m.protocol = ref ? ref.protocol : 'hls';
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
