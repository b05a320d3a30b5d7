/**
 * `GET /api/v3/session` and `GET /api/v3/session/active` (spec §4.2–4.3): the `collectors` parameter with Core's
 * quirks (first value, decoded twice, split on "," with no trimming), binary units, `toNumber` rendering, and
 * specialised serialisers for the session shapes (no reflective walk), with the history's text cached by object
 * identity (see below).
 */
import type { CollectorSummary, HistorySummary, HistoryTotals, SessionReader, SessionSnapshot } from '../engine/types.ts';
import type { GoQuery } from './http.ts';
import { queryUnescape } from './http.ts';
import { compareUtf8, quote, sortKeys, toInt, toNumber } from './json.ts';

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
  return sortKeys([...new Set(names)]);
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
  text: string;
}

/**
 * Per collector name: the rendered heads of the sessions of the last render, keyed by session id. Each render
 * builds a new map from the sessions it saw, so the cache never holds more than the current active sessions.
 */
const headCaches = new Map<string, Map<string, HeadEntry>>();
const NO_HEADS = new Map<string, HeadEntry>();
/** Shorter lists are rendered without the cache. */
const HEAD_CACHE_MIN = 64;

/** A JSON array of sessions; `[]` when empty, never null. `cacheKey` (the collector name) reuses unchanged heads. */
export function writeSessionList(list: readonly SessionSnapshot[], cacheKey?: string): string {
  if (list.length === 0) {
    if (cacheKey !== undefined) headCaches.delete(cacheKey);
    return '[]';
  }
  const parts = new Array<string>(list.length);
  if (cacheKey === undefined || list.length < HEAD_CACHE_MIN) {
    for (let i = 0; i < list.length; i++) parts[i] = writeSession(list[i]!);
  } else {
    const prev = headCaches.get(cacheKey) ?? NO_HEADS;
    const next = new Map<string, HeadEntry>();
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      let e = prev.get(s.id);
      if (e === undefined || e.reference !== s.reference || e.location !== s.location || e.peer !== s.peer || e.extra !== s.extra || e.createdAtMs !== s.createdAtMs) {
        e = { reference: s.reference, location: s.location, peer: s.peer, extra: s.extra, createdAtMs: s.createdAtMs, text: sessionHead(s) };
      }
      next.set(s.id, e);
      parts[i] = e.text + sessionTail(s);
    }
    headCaches.set(cacheKey, next);
  }
  return '[' + parts.join(',') + ']';
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

/**
 * Caches of rendered text. The engine hands out history aggregates that never change afterwards
 * (engine/history.ts: a later change copies the maps and replaces only the peer objects it touches), so
 * - a `HistorySummary` seen before renders to the same text (one WeakMap entry per collector and change), and
 * - within a large history, a peer object seen before renders to the same `"peer":{…}` member text. That cache is a
 *   plain Map per collector name keyed by the peer string (no WeakMap: 100k ephemerons would slow every GC).
 * So after a session closes, only the touched peer is rendered again and the unchanged members are joined as is.
 */
const historyCache = new WeakMap<object, string>();

/** Histories with fewer peers are rendered in full each time (cheap); larger ones use the member cache. */
const PEER_CACHE_MIN = 1000;

interface PeerMemberCache {
  /** peer key → the peer object last rendered and its `"key":{…}` member text. */
  members: Map<string, { peer: object; text: string }>;
  /** Sorted keys of the last render and the peers map they came from. */
  sorted: string[];
  sortedFrom: ReadonlyMap<string, unknown> | null;
}
const peerCaches = new Map<string, PeerMemberCache>();

function writeStatsMap(map: ReadonlyMap<string, HistoryTotals>): string {
  if (map.size === 0) return '{}';
  if (map.size === 1) {
    for (const [k, v] of map) return '{' + quote(k) + ':' + statsOpen(v) + '}}';
  }
  const keys = sortKeys([...map.keys()]);
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

/** Sorted peer keys, reusing the previous order when the key set only grew (histories are never pruned). */
function sortedPeerKeys(peers: ReadonlyMap<string, unknown>, cache: PeerMemberCache | undefined): string[] {
  if (!cache || cache.sortedFrom === null) return sortKeys([...peers.keys()]);
  if (cache.sortedFrom === peers) return cache.sorted;
  const prev = cache.sorted;
  if (prev.length > peers.size) return sortKeys([...peers.keys()]);
  for (let i = 0; i < prev.length; i++) if (!peers.has(prev[i]!)) return sortKeys([...peers.keys()]);
  if (prev.length === peers.size) return prev;
  const known = cache.members;
  const added: string[] = [];
  for (const k of peers.keys()) if (!known.has(k)) added.push(k);
  if (prev.length + added.length !== peers.size) return sortKeys([...peers.keys()]);
  sortKeys(added);
  const out = new Array<string>(peers.size);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < prev.length && j < added.length) out[o++] = compareUtf8(prev[i]!, added[j]!) <= 0 ? prev[i++]! : added[j++]!;
  while (i < prev.length) out[o++] = prev[i++]!;
  while (j < added.length) out[o++] = added[j++]!;
  return out;
}

function writeRemote(peers: ReadonlyMap<string, PeerTotals>, cacheKey: string | undefined): string {
  if (peers.size === 0) return '{}';
  let cache = cacheKey === undefined ? undefined : peerCaches.get(cacheKey);
  if (cacheKey !== undefined && peers.size >= PEER_CACHE_MIN && !cache) {
    cache = { members: new Map(), sorted: [], sortedFrom: null };
    peerCaches.set(cacheKey, cache);
  } else if (cache && peers.size < PEER_CACHE_MIN) {
    peerCaches.delete(cacheKey!);
    cache = undefined;
  }
  const keys = sortedPeerKeys(peers, cache);
  const parts = new Array<string>(keys.length);
  if (cache) {
    const members = cache.members;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const p = peers.get(k)!;
      let m = members.get(k);
      if (m === undefined || m.peer !== p) {
        m = { peer: p, text: quote(k) + ':' + writePeer(p) };
        members.set(k, m);
      }
      parts[i] = m.text;
    }
    if (members.size > keys.length) for (const k of members.keys()) if (!peers.has(k)) members.delete(k);
    cache.sorted = keys;
    cache.sortedFrom = peers;
  } else {
    for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writePeer(peers.get(keys[i]!)!);
  }
  return '{' + parts.join(',') + '}';
}

/**
 * The `summary` object (History) of a collector. `cacheKey` (the collector name) enables the per-peer member
 * cache for large histories.
 */
export function writeHistory(h: HistorySummary, cacheKey?: string): string {
  const cached = historyCache.get(h);
  if (cached !== undefined) return cached;
  const remote = writeRemote(h.peers, cacheKey);
  const text =
    '{"remote":' +
    remote +
    ',"local":' +
    writeStatsMap(h.locations) +
    ',"reference":' +
    writeStatsMap(h.references) +
    ',"sessions":' +
    toInt(h.totals.sessions) +
    ',"traffic_rx_mb":' +
    toInt(Math.floor(h.totals.rxBytes / MiB)) +
    ',"traffic_tx_mb":' +
    toInt(Math.floor(h.totals.txBytes / MiB)) +
    '}';
  historyCache.set(h, text);
  return text;
}

/** One `SessionSummary` (`{"active":…,"summary":…}`) for a collector. */
export function writeCollectorSummary(s: CollectorSummary, cacheKey?: string): string {
  return (
    '{"active":{"list":' +
    writeSessionList(s.active, cacheKey) +
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
    '},"summary":' +
    writeHistory(s.history, cacheKey) +
    '}'
  );
}

/** The compact body of `GET /api/v3/session` for these names (without the trailing newline). */
export function buildSummaryBody(reader: SessionReader, names: string[]): string {
  const keys = responseKeys(names);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writeCollectorSummary(reader.summary(keys[i]!), keys[i]);
  return '{' + parts.join(',') + '}';
}

/** The compact body of `GET /api/v3/session/active` for these names (without the trailing newline). */
export function buildActiveBody(reader: SessionReader, names: string[]): string {
  const keys = responseKeys(names);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writeSessionList(reader.active(keys[i]!), keys[i]);
  return '{' + parts.join(',') + '}';
}
