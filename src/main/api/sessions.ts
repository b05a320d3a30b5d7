/**
 * `GET /api/v3/session` and `GET /api/v3/session/active` (spec §4.2–4.3): the `collectors` parameter with Core's
 * quirks (first value, decoded twice, split on "," with no trimming), binary units, `toNumber` rendering, and
 * specialised serialisers for the session shapes (no reflective walk). Rendered bytes are cached in a `SessionCaches`
 * that each API instance owns: session heads per selection (`?core=`) and collector, live histories by object identity.
 *
 * Bodies are built as UTF-8 byte chunks (cached history blocks are referenced, not copied) that the route writes
 * to the socket as they are: no string in between, no second UTF-8 encoding, no joined copy unless gzip needs one.
 */
import type { CollectorSummary, HistoryOrder, HistorySummary, HistoryTotals, SessionReader, SessionSnapshot } from '../engine/types.ts';
import type { GoQuery } from '../http/http.ts';
import { queryUnescape } from '../http/http.ts';
import type { Utf8Bytes } from '../engine/go-json.ts';
import { ByteWriter, compareUtf8, quote, sortedOrder, sortUtf8, toInt, toNumber, utf8Bytes } from '../engine/go-json.ts';

// Scratch buffers, not caches: every render is synchronous and copies out what it keeps, so one pair serves all.
/** Block and list bytes. */
const writer = new ByteWriter();
/** A first render's members (grows to the size of a large map, released after). */
const coldWriter = new ByteWriter();

const MiB = 1024 * 1024;

/**
 * The collector names of a request (spec §4.2 steps 1–3): the first `collectors` value (already decoded once by
 * the query parser), decoded a second time (a failed decode gives ""), split on ",". Names are not trimmed or
 * deduplicated; an absent or empty parameter gives [""].
 */
export function collectorNames(query: GoQuery): string[] {
  const first = query.get('collectors')?.[0] ?? '';
  const raw = first === '' ? '' : (queryUnescape(first) ?? '');
  return raw.split(',');
}

/** Unique names in Go's map-key order (bytewise), as the response object's keys. */
function responseKeys(names: string[]): string[] {
  return sortUtf8([...new Set(names)]);
}

/** The fields of a `Session` that rarely change, rendered up to `"bytes_rx":`. */
function sessionHead(s: SessionSnapshot): string {
  return (
    '{"id":' +
    quote(s.id) +
    ',"reference":' +
    quote(s.reference) +
    ',"created_at":' +
    toInt(Math.floor(s.createdAtMs / 1000)) +
    ',"local":' +
    quote(s.location) +
    ',"remote":' +
    quote(s.peer) +
    ',"extra":' +
    quote(s.extra) +
    ',"bytes_rx":'
  );
}

function sessionTail(s: SessionSnapshot): string {
  return (
    toInt(s.rxBytes) +
    ',"bytes_tx":' +
    toInt(s.txBytes) +
    ',"bandwidth_rx_kbit":' +
    toNumber(s.rxBitsPerSec / 1024) +
    ',"bandwidth_tx_kbit":' +
    toNumber(s.txBitsPerSec / 1024) +
    // The merged (fleet) view adds the session's core after Core's fields; single-core output stays Core's.
    (s.core === undefined ? '}' : ',"core":' + quote(s.core) + '}')
  );
}

/** One `Session` object (spec §4.2), field order as Core's struct. */
export function writeSession(s: SessionSnapshot): string {
  return sessionHead(s) + sessionTail(s);
}

interface HeadEntry {
  reference: string;
  location: string;
  peer: string;
  extra: string;
  createdAtMs: number;
  head: Utf8Bytes;
  /** Render stamp of the last list that held this session. */
  seen: number;
}

/**
 * The rendered heads (as UTF-8 bytes) of one collector's sessions in one selection, keyed by session id. Entries not
 * seen in a render are dropped after it, so it never holds more than the list last rendered with it.
 */
export interface HeadCache {
  heads: Map<string, HeadEntry>;
  stamp: number;
}
/** Shorter lists are rendered without the cache. */
const HEAD_CACHE_MIN = 64;

/** `bytes_rx` … end of a session object (the part that changes on every render). */
function putTail(w: ByteWriter, s: SessionSnapshot): void {
  w.uint(s.rxBytes);
  w.raw(',"bytes_tx":');
  w.uint(s.txBytes);
  w.raw(',"bandwidth_rx_kbit":');
  w.raw(toNumber(s.rxBitsPerSec / 1024));
  w.raw(',"bandwidth_tx_kbit":');
  w.raw(toNumber(s.txBitsPerSec / 1024));
  // The merged (fleet) view adds the session's core after Core's fields; single-core output stays Core's.
  if (s.core === undefined) w.raw('}');
  else {
    w.raw(',"core":');
    w.str(s.core);
    w.raw('}');
  }
}

/** A JSON array of sessions; `[]` when empty, never null. `cache` (one collector's in one selection) reuses unchanged heads. */
export function writeSessionList(list: readonly SessionSnapshot[], cache?: HeadCache): string {
  return sessionListBytes(list, cache).toString('utf8');
}

const EMPTY_LIST = Buffer.from('[]');

/** `writeSessionList` as UTF-8 bytes. */
function sessionListBytes(list: readonly SessionSnapshot[], cache?: HeadCache, counters?: RenderCounters): Buffer {
  if (list.length === 0) {
    cache?.heads.clear();
    return EMPTY_LIST;
  }
  if (cache === undefined || list.length < HEAD_CACHE_MIN) {
    const parts = new Array<string>(list.length);
    for (let i = 0; i < list.length; i++) parts[i] = writeSession(list[i]!);
    return Buffer.from('[' + parts.join(',') + ']', 'utf8');
  }
  const heads = cache.heads;
  const stamp = ++cache.stamp;
  const w = writer.begin();
  w.raw('[');
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    let e = heads.get(s.id);
    if (e === undefined || e.reference !== s.reference || e.location !== s.location || e.peer !== s.peer || e.extra !== s.extra || e.createdAtMs !== s.createdAtMs) {
      e = { reference: s.reference, location: s.location, peer: s.peer, extra: s.extra, createdAtMs: s.createdAtMs, head: utf8Bytes(sessionHead(s)), seen: stamp };
      heads.set(s.id, e);
      if (counters) counters.headsRendered++;
    } else e.seen = stamp;
    if (i > 0) w.raw(',');
    w.bytes(e.head);
    putTail(w, s);
  }
  w.raw(']');
  if (heads.size > list.length) for (const [id, e] of heads) if (e.seen !== stamp) heads.delete(id);
  return w.take();
}

/** `{"sessions","traffic_rx_mb","traffic_tx_mb"` without the closing brace; MB floored per group (spec §2.4). */
function statsOpen(t: HistoryTotals): string {
  return (
    '{"sessions":' +
    toInt(t.sessions) +
    ',"traffic_rx_mb":' +
    toInt(Math.floor(t.rxBytes / MiB)) +
    ',"traffic_tx_mb":' +
    toInt(Math.floor(t.txBytes / MiB))
  );
}

function writeStatsMap(map: ReadonlyMap<string, HistoryTotals>): string {
  if (map.size === 0) return '{}';
  if (map.size === 1) {
    for (const [k, v] of map) return '{' + quote(k) + ':' + statsOpen(v) + '}}';
  }
  const keys = sortUtf8([...map.keys()]);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    parts[i] = quote(k) + ':' + statsOpen(map.get(k)!) + '}';
  }
  return '{' + parts.join(',') + '}';
}

type PeerTotals = HistoryTotals & { locations: ReadonlyMap<string, HistoryTotals> };

function writePeer(p: PeerTotals): string {
  return statsOpen(p) + ',"local":' + writeStatsMap(p.locations) + '}';
}

function writeRemote(peers: ReadonlyMap<string, PeerTotals>): string {
  if (peers.size === 0) return '{}';
  const keys = sortUtf8([...peers.keys()]);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writePeer(peers.get(keys[i]!)!);
  return '{' + parts.join(',') + '}';
}

function historyText(remote: string, locations: string, references: string, t: HistoryTotals): string {
  return (
    '{"remote":' +
    remote +
    ',"local":' +
    locations +
    ',"reference":' +
    references +
    ',"sessions":' +
    toInt(t.sessions) +
    ',"traffic_rx_mb":' +
    toInt(Math.floor(t.rxBytes / MiB)) +
    ',"traffic_tx_mb":' +
    toInt(Math.floor(t.txBytes / MiB)) +
    '}'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Live histories (engine summaries with `version` and `order`, engine/types.ts): rendered bytes kept per block of
// sorted members. A close changes one peer, one location and one reference; only the blocks holding them are
// rendered again, and the body references the blocks' bytes (no per-render sort, full walk or copy before the
// final `Buffer.concat`).

/** Members per block when a map is first rendered; a block that grows past twice this is split. */
const BLOCK = 128;

type MemberWriter<V> = (w: ByteWriter, key: string, value: V) => void;

const MiB_INT = MiB;

const SESSIONS = utf8Bytes('{"sessions":');
const RX_MB = utf8Bytes(',"traffic_rx_mb":');
const TX_MB = utf8Bytes(',"traffic_tx_mb":');
const LOCAL_OPEN = utf8Bytes(',"local":{');

/** `{"sessions":…,"traffic_rx_mb":…,"traffic_tx_mb":…` (no closing brace); MB floored per group. */
function putStatsOpen(w: ByteWriter, t: HistoryTotals): void {
  w.bytes(SESSIONS);
  w.uint(t.sessions);
  w.bytes(RX_MB);
  w.uint(Math.floor(t.rxBytes / MiB_INT));
  w.bytes(TX_MB);
  w.uint(Math.floor(t.txBytes / MiB_INT));
}

const writeStatsMember: MemberWriter<HistoryTotals> = (w, k, t) => {
  w.str(k);
  w.raw(':');
  putStatsOpen(w, t);
  w.raw('}');
};

const writePeerMember: MemberWriter<PeerTotals> = (w, k, p) => {
  w.str(k);
  w.raw(':');
  const from = w.length;
  putStatsOpen(w, p);
  const to = w.length;
  const locs = p.locations;
  if (locs.size <= 1) {
    w.bytes(LOCAL_OPEN);
    for (const [l, t] of locs) {
      w.str(l);
      w.raw(':');
      // a peer seen at one location usually has the same totals there: copy the bytes just written
      if (t.sessions === p.sessions && t.rxBytes === p.rxBytes && t.txBytes === p.txBytes) w.repeat(from, to);
      else putStatsOpen(w, t);
      w.raw('}');
    }
    w.raw('}}');
    return;
  }
  w.raw(',"local":');
  w.raw(writeStatsMap(locs));
  w.raw('}');
};

interface Block {
  /** Sorted member keys. */
  keys: string[];
  /** The members' UTF-8 text joined by ","; null while dirty. */
  bytes: Uint8Array | null;
}

const OPEN = Buffer.from('{');
const CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');
const EMPTY_OBJECT = Buffer.from('{}');

/** A map's rendered members in sorted blocks, and the map's whole text as chunks (`{`, block, `,`, block, …, `}`). */
class BlockMap<V> {
  blocks: Block[] = [];
  chunks: Uint8Array[] = [EMPTY_OBJECT];
  readonly #write: MemberWriter<V>;

  constructor(write: MemberWriter<V>) {
    this.#write = write;
  }

  /**
   * First render. Walks the map in insertion order (memory order: no lookups, no random reads of 100k records),
   * writes each member's bytes into one buffer, sorts the indices (radix), then copies the byte ranges into one
   * exact-size buffer per block.
   */
  build(map: ReadonlyMap<string, V>): void {
    const n = map.size;
    const keys = new Array<string>(n);
    const offsets = new Int32Array(n + 1);
    const all = coldWriter.begin();
    const write = this.#write;
    let i = 0;
    for (const [k, v] of map) {
      keys[i] = k;
      offsets[i++] = all.length;
      write(all, k, v);
    }
    offsets[n] = all.length;
    const order = sortedOrder(keys);
    const blocks: Block[] = [];
    for (let b = 0; b < n; b += BLOCK) {
      const end = Math.min(n, b + BLOCK);
      const bkeys = new Array<string>(end - b);
      let size = end - b - 1; // the commas
      for (let j = b; j < end; j++) {
        const o = order[j]!;
        size += offsets[o + 1]! - offsets[o]!;
      }
      const bytes = Buffer.allocUnsafe(size);
      let p = 0;
      for (let j = b; j < end; j++) {
        const o = order[j]!;
        bkeys[j - b] = keys[o]!;
        if (j > b) bytes[p++] = 0x2c;
        const from = offsets[o]!;
        const to = offsets[o + 1]!;
        all.copyTo(bytes, p, from, to);
        p += to - from;
      }
      blocks.push({ keys: bkeys, bytes });
    }
    all.release();
    this.blocks = blocks;
    this.#render(map);
  }

  /** Re-renders the members whose keys changed (inserting new keys in order). */
  update(map: ReadonlyMap<string, V>, changed: ReadonlySet<string>): void {
    if (changed.size === 0) return;
    const blocks = this.blocks;
    for (const k of changed) {
      if (blocks.length === 0) {
        blocks.push({ keys: [k], bytes: null });
        continue;
      }
      // the last block whose first key sorts at or before k (or the first block)
      let lo = 0;
      let hi = blocks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (compareUtf8(blocks[mid]!.keys[0]!, k) <= 0) lo = mid;
        else hi = mid - 1;
      }
      const b = blocks[lo]!;
      b.bytes = null;
      const keys = b.keys;
      let a = 0;
      let z = keys.length;
      while (a < z) {
        const mid = (a + z) >>> 1;
        if (compareUtf8(keys[mid]!, k) < 0) a = mid + 1;
        else z = mid;
      }
      const present = a < keys.length && keys[a] === k;
      if (!map.has(k)) {
        if (present) keys.splice(a, 1); // histories are never pruned; handled for completeness
        if (keys.length === 0) blocks.splice(lo, 1);
      } else if (!present) {
        keys.splice(a, 0, k);
        if (keys.length > 2 * BLOCK) blocks.splice(lo + 1, 0, { keys: keys.splice(BLOCK), bytes: null });
      }
    }
    this.#render(map);
  }

  #render(map: ReadonlyMap<string, V>): void {
    const blocks = this.blocks;
    const write = this.#write;
    const w = writer;
    if (blocks.length === 0) {
      this.chunks = [EMPTY_OBJECT];
      return;
    }
    const chunks = new Array<Uint8Array>(2 * blocks.length + 1);
    chunks[0] = OPEN;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i]!;
      if (b.bytes === null) {
        const keys = b.keys;
        w.begin();
        for (let j = 0; j < keys.length; j++) {
          if (j > 0) w.raw(',');
          write(w, keys[j]!, map.get(keys[j]!)!);
        }
        b.bytes = w.take();
      }
      chunks[2 * i + 1] = b.bytes;
      chunks[2 * i + 2] = i + 1 < blocks.length ? COMMA : CLOSE;
    }
    this.chunks = chunks;
  }
}

const REMOTE_KEY = Buffer.from('{"remote":');
const LOCAL_KEY = Buffer.from(',"local":');
const REFERENCE_KEY = Buffer.from(',"reference":');

/** `,"sessions":…,"traffic_rx_mb":…,"traffic_tx_mb":…}`: the end of a History object. */
function historyTotalsText(t: HistoryTotals): string {
  return ',"sessions":' + toInt(t.sessions) + ',"traffic_rx_mb":' + toInt(Math.floor(t.rxBytes / MiB)) + ',"traffic_tx_mb":' + toInt(Math.floor(t.txBytes / MiB)) + '}';
}

interface LiveCache {
  version: number;
  remote: BlockMap<PeerTotals>;
  locations: BlockMap<HistoryTotals>;
  references: BlockMap<HistoryTotals>;
  chunks: Uint8Array[];
}

/** Work done by one `SessionCaches` (tests show with them what a cache saved). */
export interface RenderCounters {
  /** Session heads rendered because no cached head matched. */
  headsRendered: number;
  /** Live histories rendered in full (first render, or more changes than the history's change log keeps). */
  historiesBuilt: number;
}

/** Most selections whose session heads are kept (least recently rendered dropped first): `?core=` is the client's. */
const MAX_SELECTIONS = 8;

/**
 * The render caches of one API instance. Session heads are kept per selection (the fleet's `?core=` choice; "" for a
 * single reader) and collector, so renders of different selections do not evict each other. Live histories are
 * kept per summary object (one per collector history; a WeakMap so a dropped collector frees its bytes): the same
 * object renders the same bytes whichever selection holds it.
 */
export class SessionCaches {
  readonly counters: RenderCounters = { headsRendered: 0, historiesBuilt: 0 };
  readonly #selections = new Map<string, Map<string, HeadCache>>();
  readonly #live = new WeakMap<HistorySummary, LiveCache>();

  /** The head cache of `collector` in `selection`, which becomes the most recently used selection. */
  heads(selection: string, collector: string): HeadCache {
    let bySelection = this.#selections.get(selection);
    if (bySelection === undefined) {
      bySelection = new Map();
      if (this.#selections.size >= MAX_SELECTIONS) this.#selections.delete(this.#selections.keys().next().value!);
    } else this.#selections.delete(selection);
    this.#selections.set(selection, bySelection);
    let cache = bySelection.get(collector);
    if (cache === undefined) bySelection.set(collector, (cache = { heads: new Map(), stamp: 0 }));
    return cache;
  }

  /** The selections whose heads are kept, least recently used first (tests). */
  selections(): string[] {
    return [...this.#selections.keys()];
  }

  /** The rendered chunks of a live summary at `version`, updated from the cached ones when the change log allows. */
  liveHistoryChunks(h: HistorySummary, version: number, order: HistoryOrder): Uint8Array[] {
    let c = this.#live.get(h);
    if (c !== undefined && c.version === version) return c.chunks;
    const changes = c === undefined ? undefined : order.changedSince(c.version);
    if (c === undefined || changes === undefined) {
      c = { version, remote: new BlockMap(writePeerMember), locations: new BlockMap(writeStatsMember), references: new BlockMap(writeStatsMember), chunks: [] };
      c.remote.build(h.peers);
      c.locations.build(h.locations);
      c.references.build(h.references);
      this.#live.set(h, c);
      this.counters.historiesBuilt++;
    } else {
      c.remote.update(h.peers, changes.peers);
      c.locations.update(h.locations, changes.locations);
      c.references.update(h.references, changes.references);
      c.version = version;
    }
    c.chunks = [REMOTE_KEY, ...c.remote.chunks, LOCAL_KEY, ...c.locations.chunks, REFERENCE_KEY, ...c.references.chunks, Buffer.from(historyTotalsText(h.totals))];
    return c.chunks;
  }
}

/**
 * The `summary` object (History) of a collector as UTF-8 chunks (to be joined; never mutated). With `caches`, a live
 * engine summary (with `version` and `order`) is rendered incrementally and cached with its version; anything else
 * is rendered in full.
 */
function historyChunks(h: HistorySummary, caches?: SessionCaches): readonly Uint8Array[] {
  if (caches && h.version !== undefined && h.order !== undefined) return caches.liveHistoryChunks(h, h.version, h.order);
  return [Buffer.from(historyText(writeRemote(h.peers), writeStatsMap(h.locations), writeStatsMap(h.references), h.totals), 'utf8')];
}

/** The `summary` object (History) of a collector as text (tests; the routes use the bytes). */
export function writeHistory(h: HistorySummary, caches?: SessionCaches): string {
  return Buffer.concat(historyChunks(h, caches)).toString('utf8');
}

const ACTIVE_OPEN = Buffer.from('{"active":{"list":');

/** One `SessionSummary` (`{"active":…,"summary":…}`) for a collector, appended to `out` as UTF-8 chunks. */
function collectorSummaryChunks(out: Uint8Array[], s: CollectorSummary, caches: SessionCaches | undefined, selection: string, collector: string): void {
  out.push(ACTIVE_OPEN, sessionListBytes(s.active, caches?.heads(selection, collector), caches?.counters));
  const mid =
    ',"sessions":' +
    toInt(s.activeSessions) +
    ',"bandwidth_rx_mbit":' +
    toNumber(s.rxBitsPerSec / MiB) +
    ',"bandwidth_tx_mbit":' +
    toNumber(s.txBitsPerSec / MiB) +
    ',"max_sessions":' +
    toInt(s.maxSessions) +
    ',"max_bandwidth_rx_mbit":' +
    toNumber(s.maxRxBitsPerSec / MiB) +
    ',"max_bandwidth_tx_mbit":' +
    toNumber(s.maxTxBitsPerSec / MiB) +
    '},"summary":';
  out.push(Buffer.from(mid, 'utf8'));
  const history = historyChunks(s.history, caches);
  for (let i = 0; i < history.length; i++) out.push(history[i]!);
  out.push(CLOSE);
}

const BODY_END = Buffer.from('}\n');

/** The quoted key and `:` of a response member (after a `,` unless it is the first). */
function keyChunk(i: number, key: string): Buffer {
  return Buffer.from((i === 0 ? '' : ',') + quote(key) + ':', 'utf8');
}

/**
 * The body of `GET /api/v3/session` for these names as UTF-8 chunks: compact JSON plus the trailing newline, as
 * sent (`sendJson` writes them in order, or joins them for gzip). With `caches`, unchanged parts are reused from
 * earlier renders of the same `selection` (the reader's choice of cores; "" for a single reader). Chunks may be
 * cache-owned and shared between bodies: never write into them.
 */
export function buildSummaryChunks(reader: SessionReader, names: string[], caches?: SessionCaches, selection = ''): Uint8Array[] {
  const keys = responseKeys(names);
  const out: Uint8Array[] = [OPEN];
  for (let i = 0; i < keys.length; i++) {
    out.push(keyChunk(i, keys[i]!));
    collectorSummaryChunks(out, reader.summary(keys[i]!), caches, selection, keys[i]!);
  }
  out.push(BODY_END);
  return out;
}

/** The body of `GET /api/v3/session/active` for these names as UTF-8 chunks (see `buildSummaryChunks`). */
export function buildActiveChunks(reader: SessionReader, names: string[], caches?: SessionCaches, selection = ''): Uint8Array[] {
  const keys = responseKeys(names);
  const out: Uint8Array[] = [OPEN];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out.push(keyChunk(i, key), sessionListBytes(reader.active(key), caches?.heads(selection, key), caches?.counters));
  }
  out.push(BODY_END);
  return out;
}

/** The body of `GET /api/v3/session` as sent (compact JSON + "\n", UTF-8). */
export function buildSummaryBytes(reader: SessionReader, names: string[], caches?: SessionCaches): Buffer {
  return Buffer.concat(buildSummaryChunks(reader, names, caches));
}

/** The body of `GET /api/v3/session/active` as sent (compact JSON + "\n", UTF-8). */
export function buildActiveBytes(reader: SessionReader, names: string[]): Buffer {
  return Buffer.concat(buildActiveChunks(reader, names));
}

/** The compact body of `GET /api/v3/session` as text, without the trailing newline (benches, tests). */
export function buildSummaryBody(reader: SessionReader, names: string[], caches?: SessionCaches, selection = ''): string {
  const body = Buffer.concat(buildSummaryChunks(reader, names, caches, selection));
  return body.toString('utf8', 0, body.length - 1);
}

/** The compact body of `GET /api/v3/session/active` as text, without the trailing newline (tests). */
export function buildActiveBody(reader: SessionReader, names: string[], caches?: SessionCaches, selection = ''): string {
  const body = Buffer.concat(buildActiveChunks(reader, names, caches, selection));
  return body.toString('utf8', 0, body.length - 1);
}
