import type { SessionRow } from '../../../shared/types.ts';
import type { IpcResult } from '../../../shared/ipc.ts';
import { SessionsDecoder, type ListDelta, type SessionsUpdate } from '../../../shared/sessions-wire.ts';
import { streamSessions, type StreamRow } from '../../../shared/streams.ts';
import { filterShowsCore, NO_SESSION_FILTER, type SessionFilter } from '../../../shared/session-filter.ts';
import { sessionKey, visibleSessions, type SessionSort } from './session-view.ts';
import { NO_STREAMS_QUERY, StreamsModel, type StreamsFrame, type StreamsQuery } from './streams-view.ts';

/**
 * The sessions' and the streams' data work, apart from the page: the live push's sessions decoded, filtered, sorted
 * and cut to the rows in view, and its stream rows decoded, every stream's series appended, and the Streams view's
 * rows filtered and cut to the rows in view (streams-view.ts). It runs in a Web Worker (sessions.worker.ts), so the
 * page's main thread parses and decodes nothing of the 10 000 sessions and 2 000 streams and gets only the rows it
 * shows (the rest of each push, cores and collectors, goes back to the page stripped of its sessions and streams).
 * The page never holds every session: the one other view that lists sessions, a stream's page, gets that stream's
 * sessions in the frame (`stream`), and a whole snapshot (first load, resync) is parsed here too, from the bytes the
 * page fetched (`full`). Pure: tests run it in-process and over a MessageChannel (serveSessionsEngine).
 */

/** The stream whose page is open (its core and the stream keys merged into it, as `StreamRow.keys`). */
export type StreamRef = Pick<StreamRow, 'core' | 'keys'>;

/** What the table asks for: the view, its filter and sort, the rows in view, the selected session. */
export interface SessionsQuery {
  /** True while the Sessions view is shown: the filter and sort run only then. */
  open: boolean;
  filter: SessionFilter;
  sort: SessionSort;
  /** Each core's name (the text search matches it; `core` sorts by it). */
  coreNames: readonly (readonly [id: string, name: string])[];
  /** The rows wanted, `[start, end)` in the filtered, sorted order (clamped to it). */
  start: number;
  end: number;
  selectedKey: string | null;
  /** The stream whose page is open (the frame lists its sessions, `streamSessions`); null when none is. */
  stream: StreamRef | null;
  /** What the page shows of the streams (the Streams view's rows in view, a stream's page, the streams' keys). */
  streams: StreamsQuery;
}

/** The table's state after a push or a query: what the page shows of the sessions. */
export interface SessionsFrame {
  /** All sessions listed. */
  total: number;
  /** Sessions through the filter (the table's row count). */
  count: number;
  /** The first row's place in the filtered, sorted order; `rows` are the rows from there. */
  start: number;
  rows: SessionRow[];
  /** Per collector of the pushed totals, its sessions under the Core filter (the chips' counts). */
  collectorCounts: [collector: string, sessions: number][];
  /** The selected session as listed now; null when it is not (ended, or none selected). */
  selected: SessionRow | null;
  /** Its place in the filtered, sorted order; -1 when it is not in it. */
  selectedIndex: number;
  /** The sessions of `stream` (streams.ts `streamSessions`), in the sessions' order; null without one. */
  streamSessions: SessionRow[] | null;
  /** The query's `stream` this frame was made for. */
  stream: StreamRef | null;
  /** The answer to the query's `streams`. */
  streams: StreamsFrame;
  /** Requests the engine had answered when it made this frame: a page shows no frame older than one it showed. */
  version: number;
}

/**
 * A push applied: the push for the page's own decoder (without its sessions) and the table's new frame. `failed`: a
 * whole snapshot's answer was an error (`error`, as main sent it).
 */
export type EnginePushOutcome =
  | { ok: true; live: SessionsUpdate; frame: SessionsFrame }
  | { ok: false; reason: 'stale' | 'gap' | 'malformed' }
  | { ok: false; reason: 'failed'; error: { code: string; message: string } };

const NO_ROWS: ListDelta<never> = { removed: [], added: [], replaced: [], hot: [] };

/** The push with its sessions and streams left out: the page decodes cores and collectors from it as before. */
export function withoutRows(update: SessionsUpdate): SessionsUpdate {
  if (update.kind === 'full') return { ...update, sessions: [], streams: [], slots: { ...update.slots, sessions: [], streams: [] } };
  return { ...update, sessions: NO_ROWS, streams: NO_ROWS };
}

/** A query that shows the first rows of every session, by duration. */
export const DEFAULT_QUERY: SessionsQuery = {
  open: false,
  filter: NO_SESSION_FILTER,
  sort: { key: 'duration', dir: 'desc' },
  coreNames: [],
  start: 0,
  end: 0,
  selectedKey: null,
  stream: null,
  streams: NO_STREAMS_QUERY,
};

/** The collectors' session counts as the chips show them: every collector of `collectors`, counted under the Core filter. */
export function countByCollector(
  sessions: readonly SessionRow[],
  collectors: readonly { collector: string }[],
  filter: Pick<SessionFilter, 'core'>,
): [string, number][] {
  const counts = new Map<string, number>();
  for (const c of collectors) counts.set(c.collector, 0);
  // Rows come grouped by collector: a run of one collector is added to the map once (10 000 map updates a second
  // cost more than the rest of the count).
  const allCores = filter.core.length === 0;
  let run: string | null = null;
  let n = 0;
  for (let i = 0; i < sessions.length; i++) {
    const r = sessions[i]!;
    if (!allCores && !filterShowsCore(filter, r.core)) continue;
    if (r.collector !== run) {
      if (run !== null) counts.set(run, (counts.get(run) ?? 0) + n);
      run = r.collector;
      n = 0;
    }
    n++;
  }
  if (run !== null) counts.set(run, (counts.get(run) ?? 0) + n);
  return [...counts];
}

/**
 * The decoder, the sessions and the table's query; `push` and `query` answer with the table's frame. `ownsPushes`:
 * every push and snapshot it gets is its own copy (text it parses, or a message that crossed a MessageChannel), so
 * it decodes them in place (DecoderOptions `inPlace`: no new object per changed session); its frames hold its rows,
 * which the next push changes, so they must be copied too (posted) before it.
 */
export class SessionsEngine {
  readonly #decoder: SessionsDecoder;
  #sessions: SessionRow[] = [];
  readonly #streams = new StreamsModel();
  #collectors: readonly { collector: string }[] = [];
  #query: SessionsQuery = DEFAULT_QUERY;
  #visible: SessionRow[] = [];
  /** True while `#visible` lags the sessions or the query (filter and sort wait until the view opens). */
  #stale = true;
  #haystacks = new Map<string, string>();
  #coreName: (id: string) => string = (id) => id;
  #version = 0;

  readonly #text = new TextDecoder();

  constructor(options: { ownsPushes?: boolean } = {}) {
    this.#decoder = new SessionsDecoder({ inPlace: options.ownsPushes === true });
  }

  /** Applies a push: a parsed object, its JSON text (Electron's IPC), or the UTF-8 bytes of its JSON (the event stream). */
  push(update: SessionsUpdate | string | Uint8Array): EnginePushOutcome {
    this.#version++;
    let parsed: SessionsUpdate;
    try {
      parsed = update instanceof Uint8Array ? (JSON.parse(this.#text.decode(update)) as SessionsUpdate) : typeof update === 'string' ? (JSON.parse(update) as SessionsUpdate) : update;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    return this.#apply(parsed);
  }

  /**
   * Applies a whole snapshot from the bytes of the `sessions:snapshot` answer as the HTTP api received them (an
   * `IpcResult`'s JSON, UTF-8): 3-4 MB at 10 000 sessions, parsed here rather than on the page's main thread.
   */
  full(bytes: ArrayBuffer): EnginePushOutcome {
    this.#version++;
    let result: IpcResult<SessionsUpdate>;
    try {
      result = JSON.parse(this.#text.decode(bytes)) as IpcResult<SessionsUpdate>;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!result || typeof result !== 'object') return { ok: false, reason: 'malformed' };
    if (result.ok === false) {
      const e = result.error as { code?: unknown; message?: unknown } | undefined;
      return { ok: false, reason: 'failed', error: { code: String(e?.code ?? 'error'), message: String(e?.message ?? 'sessions:snapshot failed') } };
    }
    if (result.ok !== true || result.value?.kind !== 'full') return { ok: false, reason: 'malformed' };
    return this.#apply(result.value);
  }

  #apply(parsed: SessionsUpdate): EnginePushOutcome {
    if (!parsed || typeof parsed !== 'object' || (parsed.kind !== 'full' && parsed.kind !== 'delta')) return { ok: false, reason: 'malformed' };
    const out = this.#decoder.apply(parsed);
    if (!out.ok) return out;
    this.#sessions = out.snapshot.sessions;
    this.#collectors = out.snapshot.collectors;
    this.#streams.append(out.snapshot.atMs, out.snapshot.streams);
    this.#stale = true;
    return { ok: true, live: withoutRows(parsed), frame: this.frame() };
  }

  /** Changes the query (the parts given) and answers with the frame. */
  query(patch: Partial<SessionsQuery>): SessionsFrame {
    this.#version++;
    const q = { ...this.#query, ...patch };
    // Compared by presence, not identity: a patch that crossed a MessageChannel is a copy.
    if (patch.filter !== undefined || patch.sort !== undefined || patch.coreNames !== undefined) this.#stale = true;
    if (patch.coreNames !== undefined) {
      const names = new Map(q.coreNames);
      this.#coreName = (id) => names.get(id) ?? id;
      this.#haystacks.clear();
    }
    this.#query = q;
    return this.frame();
  }

  /** Selects the row `delta` rows away from the selected one in the table's order (the arrow keys); null without rows. */
  move(delta: number): { key: string; index: number; row: SessionRow } | null {
    this.#version++;
    const visible = this.#fresh();
    if (visible.length === 0) return null;
    const key = this.#query.selectedKey;
    const at = key === null ? -1 : visible.findIndex((r) => sessionKey(r) === key);
    const next = at === -1 ? (delta > 0 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, at + delta));
    // Selected from here on: a second key press, sent before the page had the answer to the first, moves on from it.
    this.#query = { ...this.#query, selectedKey: sessionKey(visible[next]!) };
    return { key: this.#query.selectedKey!, index: next, row: visible[next]! };
  }

  /** The filtered, sorted rows, brought up to date. */
  #fresh(): SessionRow[] {
    if (this.#stale) {
      this.#visible = visibleSessions(this.#sessions, this.#query.filter, this.#query.sort, this.#coreName, this.#haystacks);
      this.#stale = false;
    }
    return this.#visible;
  }

  /** The table's frame for the current sessions and query (filtered and sorted only while the view is open). */
  frame(): SessionsFrame {
    const q = this.#query;
    const sessions = this.#sessions;
    let selected: SessionRow | null = null;
    if (q.selectedKey !== null) selected = sessions.find((r) => sessionKey(r) === q.selectedKey) ?? null;
    const streamRows = q.stream ? streamSessions(q.stream, sessions) : null;
    const streams = this.#streams.frame(q.streams);
    if (!q.open) {
      return { total: sessions.length, count: 0, start: 0, rows: [], collectorCounts: [], selected, selectedIndex: -1, version: this.#version, streamSessions: streamRows, stream: q.stream, streams };
    }
    const visible = this.#fresh();
    const start = Math.max(0, Math.min(q.start, visible.length));
    const end = Math.max(start, Math.min(q.end, visible.length));
    let selectedIndex = -1;
    if (selected) {
      // Most often in view: look there first.
      const key = q.selectedKey;
      for (let i = start; i < end && selectedIndex < 0; i++) if (sessionKey(visible[i]!) === key) selectedIndex = i;
      if (selectedIndex < 0) selectedIndex = visible.indexOf(selected);
    }
    return {
      total: sessions.length,
      count: visible.length,
      start,
      rows: visible.slice(start, end),
      collectorCounts: countByCollector(sessions, this.#collectors, q.filter),
      selected,
      selectedIndex,
      version: this.#version,
      streamSessions: streamRows,
      stream: q.stream,
      streams,
    };
  }
}

/** The buffers of a frame's sparklines: moved to the page, not copied. */
export function frameTransfer(frame: SessionsFrame): Transferable[] {
  return [frame.streams.spark.buffer, frame.streams.lift.buffer];
}

/** A `sessions:update` the worker read from the event stream itself and keeps until the page sends it back here. */
export interface PushRef {
  ref: number;
}

/** Messages to the engine (the page posts them in order; each is answered in order, `id` echoed). */
export type EngineRequest =
  | { id: number; type: 'push'; update: SessionsUpdate | string | PushRef }
  | { id: number; type: 'full'; bytes: ArrayBuffer }
  | { id: number; type: 'query'; patch: Partial<SessionsQuery> }
  | { id: number; type: 'move'; delta: number };

/** The engine's answers. */
export type EngineReply =
  | { id: number; type: 'push' | 'full'; outcome: EnginePushOutcome }
  | { id: number; type: 'query'; frame: SessionsFrame }
  | { id: number; type: 'move'; moved: { key: string; index: number; row: SessionRow } | null };

/** The side of a port the engine talks through: a worker's global scope, or one end of a MessageChannel in tests. */
export interface EnginePort {
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

/**
 * Answers `EngineRequest`s arriving on `port` with one engine (by default one that owns its pushes: a message is a
 * copy, and so is every answer). A malformed request is ignored (never thrown). `pushed` gives the bytes of a push
 * the worker read itself (a `PushRef`; once: undefined after, or when none is kept).
 */
export function serveSessionsEngine(
  port: EnginePort,
  engine = new SessionsEngine({ ownsPushes: true }),
  pushed: (ref: number) => Uint8Array | undefined = () => undefined,
): SessionsEngine {
  port.onmessage = (event) => {
    const req = event.data as EngineRequest | null;
    if (!req || typeof req !== 'object' || typeof req.id !== 'number') return;
    const answer = (type: 'push' | 'full', outcome: EnginePushOutcome): void =>
      port.postMessage({ id: req.id, type, outcome } satisfies EngineReply, outcome.ok ? frameTransfer(outcome.frame) : []);
    if (req.type === 'push') {
      const u = req.update as Partial<PushRef> | SessionsUpdate | string | null;
      const update = u && typeof u === 'object' && 'ref' in u && typeof u.ref === 'number' ? pushed(u.ref) : (u as SessionsUpdate | string);
      answer('push', update === undefined ? { ok: false, reason: 'malformed' } : engine.push(update));
    }
    else if (req.type === 'full') answer('full', req.bytes instanceof ArrayBuffer ? engine.full(req.bytes) : { ok: false, reason: 'malformed' });
    else if (req.type === 'query') {
      const frame = engine.query(req.patch);
      port.postMessage({ id: req.id, type: 'query', frame } satisfies EngineReply, frameTransfer(frame));
    }
    else if (req.type === 'move') port.postMessage({ id: req.id, type: 'move', moved: engine.move(req.delta) } satisfies EngineReply);
  };
  return engine;
}
