import type { HistoryChanges, HistoryEntry, HistoryOrder, HistorySummary, HistoryTotals, OwnProcessTotals, OwnShare, ProcessSessions } from './types.ts';
import { quote, sortUtf8 } from './go-json.ts';

type PeerTotals = HistoryTotals & { locations: Map<string, HistoryTotals> };

/** The history key of spec §3.1: a plain join, so distinct triples can collide (the first triple's fields are kept). */
export function historyKey(location: string, peer: string, reference: string): string {
  return `${location}:${peer}:${reference}`;
}

let _sink = 0;
/**
 * Makes V8 store a string's characters contiguously (a key built with `+` or a template is a tree of pieces until
 * then): done once per new aggregate key, it makes the sort and every later read of the key several times faster.
 */
function flat(s: string): string {
  _sink ^= Number(s) | 0; // ToNumber flattens its string argument in place
  return s;
}

/** A map's keys sorted bytewise, computed on demand and kept until the history changes. */
class SortedKeys {
  readonly #map: ReadonlyMap<string, unknown>;
  #sorted: readonly string[] = [];
  #version = -1;

  constructor(map: ReadonlyMap<string, unknown>) {
    this.#map = map;
  }

  get(version: number): readonly string[] {
    if (this.#version !== version) {
      this.#sorted = sortUtf8([...this.#map.keys()]);
      this.#version = version;
    }
    return this.#sorted;
  }
}

/**
 * The live view `History.summary()` hands out. `version` and `order` are accessors on the prototype, so copies
 * (`{ ...s }`) and structural comparisons see only the plain-data fields.
 */
class LiveSummary implements HistorySummary {
  readonly peers: Map<string, PeerTotals>;
  readonly locations: Map<string, HistoryTotals>;
  readonly references: Map<string, HistoryTotals>;
  readonly totals: HistoryTotals;
  readonly #version: () => number;
  readonly #order: HistoryOrder;

  readonly #processSessions: () => OwnProcessTotals;

  constructor(
    peers: Map<string, PeerTotals>,
    locations: Map<string, HistoryTotals>,
    references: Map<string, HistoryTotals>,
    totals: HistoryTotals,
    version: () => number,
    order: HistoryOrder,
    processSessions: () => OwnProcessTotals,
  ) {
    this.peers = peers;
    this.locations = locations;
    this.references = references;
    this.totals = totals;
    this.#version = version;
    this.#order = order;
    this.#processSessions = processSessions;
  }

  processSessions(): OwnProcessTotals {
    return this.#processSessions();
  }

  get version(): number {
    return this.#version();
  }

  get order(): HistoryOrder {
    return this.#order;
  }
}

/** The peer (and, for folded-again entries, location and reference) that folded history entries are added to. */
export const OTHER_KEY = '(other)';
/** When the bound is exceeded, entries are folded until this share of it is left, so folds come in batches. */
const FOLD_TO = 0.9;

/** Change log entries kept before readers that fell further behind re-render everything (bounded memory). */
const LOG_MIN = 4096;

/**
 * A collector's history (spec §3): the entries keyed `location:peer:reference`, plus the aggregates of
 * §3.2 (per peer with its locations, per location, per reference, totals) maintained incrementally in place.
 *
 * `summary()` is O(1): it returns the same live view every time (see `HistorySummary.version` in types.ts).
 * A close updates one entry, one peer (and its location), one location, one reference and the totals, appends
 * to a bounded change log and bumps `version`. The view's `order` gives the keys changed since a version (so a
 * renderer redoes only what changed) and, on demand, each map's keys sorted bytewise.
 */
export class History {
  readonly #entries = new Map<string, HistoryEntry>();
  /**
   * With a bound: when each entry was last updated (a counter, not a time), for folding the least recently updated.
   * A side map rather than moving the entry to the end of #entries: V8 makes delete + set of a key in a large Map
   * cost tens of µs (measured 53 µs at 100k keys), every close would pay it.
   */
  readonly #touched = new Map<string, number>();
  #touches = 0;
  readonly #peers = new Map<string, PeerTotals>();
  readonly #locations = new Map<string, HistoryTotals>();
  readonly #references = new Map<string, HistoryTotals>();
  readonly #totals: HistoryTotals = { sessions: 0, rxBytes: 0, txBytes: 0 };
  /** By entry key: the finished sessions of the app's own processes in it (kept beside Core's entries, see `own`). */
  readonly #own = new Map<string, ProcessSessions>();
  readonly #peerOrder = new SortedKeys(this.#peers);
  readonly #locationOrder = new SortedKeys(this.#locations);
  readonly #referenceOrder = new SortedKeys(this.#references);
  /** Change log: log[i] changed at version logStart + 1 + i (one add = one change). */
  #logStart = 0;
  #logPeers: string[] = [];
  #logLocations: string[] = [];
  #logReferences: string[] = [];
  readonly #view: LiveSummary;
  /** Increments on every change (the view's `version`; also used to skip writing an unchanged history). */
  version = 0;
  /** Entries kept at most (Infinity: unbounded, as Core). */
  readonly maxEntries: number;
  /** Entries folded into `(other)` so far (since start). */
  folded = 0;
  #folding = false;

  /**
   * `maxEntries` bounds what one anonymous client can make the history hold (every distinct Referer host or
   * RTMP client port is a key): beyond it the least recently updated entries are folded into `(other)` entries
   * (see #fold), so every sum stays exact.
   */
  constructor(maxEntries = Infinity) {
    this.maxEntries = maxEntries > 0 ? maxEntries : Infinity;
    const order: HistoryOrder = {
      peers: () => this.#peerOrder.get(this.version),
      locations: () => this.#locationOrder.get(this.version),
      references: () => this.#referenceOrder.get(this.version),
      changedSince: (v) => this.#changedSince(v),
    };
    this.#view = new LiveSummary(this.#peers, this.#locations, this.#references, this.#totals, () => this.version, order, () => this.#processSessions());
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Marks `sessions` of the entry `key` as the app's own process `process`'s (a closed session whose `extra` named it,
   * or the side file's marks at load). Only for an entry that exists; a fold into `(other)` drops its marks.
   */
  markOwn(key: string, process: string, sessions: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined || !(sessions > 0) || process === '') return;
    const own = this.#own.get(key);
    const total = Math.min(entry.totalSessions, (own?.sessions ?? 0) + sessions);
    this.#own.set(key, { process, sessions: total });
  }

  /** The own-process marks by entry key (what the side file keeps). */
  own(): ReadonlyMap<string, ProcessSessions> {
    return this.#own;
  }

  /**
   * The own processes' finished sessions per peer, location and reference (few entries: one per process run and
   * connection). Per peer, an entry wholly one process's goes to that process with its bytes; per location and
   * reference the count, the bytes of the entries wholly a process's, and the process while it is one.
   */
  #processSessions(): OwnProcessTotals {
    const peers = new Map<string, { byProcess: Map<string, HistoryTotals>; mixed: number }>();
    const locations = new Map<string, OwnShare>();
    const references = new Map<string, OwnShare>();
    const into = (map: Map<string, OwnShare>, key: string, own: ProcessSessions, rxBytes: number, txBytes: number): void => {
      const share = map.get(key);
      if (share === undefined) map.set(key, { sessions: own.sessions, rxBytes, txBytes, process: own.process });
      else {
        share.sessions += own.sessions;
        share.rxBytes += rxBytes;
        share.txBytes += txBytes;
        if (share.process !== own.process) share.process = undefined;
      }
    };
    for (const [key, own] of this.#own) {
      const e = this.#entries.get(key);
      if (e === undefined) continue;
      let peer = peers.get(e.peer);
      if (peer === undefined) peers.set(e.peer, (peer = { byProcess: new Map(), mixed: 0 }));
      const whole = own.sessions >= e.totalSessions;
      if (whole) bump(peer.byProcess, own.process, e.totalSessions, e.totalRxBytes, e.totalTxBytes);
      else peer.mixed += own.sessions;
      into(locations, e.location, own, whole ? e.totalRxBytes : 0, whole ? e.totalTxBytes : 0);
      into(references, e.reference, own, whole ? e.totalRxBytes : 0, whole ? e.totalTxBytes : 0);
    }
    return { peers, locations, references };
  }

  /** Adds a closed session (or a loaded entry) to the entry `key` (default: the joined triple). */
  add(location: string, peer: string, reference: string, sessions: number, rxBytes: number, txBytes: number, key = historyKey(location, peer, reference)): void {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { location, peer, reference, totalSessions: 0, totalRxBytes: 0, totalTxBytes: 0 };
      this.#entries.set(key, entry);
    }
    if (this.maxEntries !== Infinity) this.#touched.set(key, ++this.#touches);
    entry.totalSessions += sessions;
    entry.totalRxBytes += rxBytes;
    entry.totalTxBytes += txBytes;
    // Aggregated from the entry's fields, not from the arguments (a colliding key keeps the first triple, §3.2).
    const loc = entry.location;
    const pr = entry.peer;
    const ref = entry.reference;
    let p = this.#peers.get(pr);
    if (p === undefined) {
      p = { sessions: 0, rxBytes: 0, txBytes: 0, locations: new Map() };
      this.#peers.set(flat(pr), p);
    }
    p.sessions += sessions;
    p.rxBytes += rxBytes;
    p.txBytes += txBytes;
    bump(p.locations, loc, sessions, rxBytes, txBytes);
    bump(this.#locations, loc, sessions, rxBytes, txBytes);
    bump(this.#references, ref, sessions, rxBytes, txBytes);
    const t = this.#totals;
    t.sessions += sessions;
    t.rxBytes += rxBytes;
    t.txBytes += txBytes;
    this.version++;
    if (this.#logPeers.length >= LOG_MIN && this.#logPeers.length >= this.#peers.size) {
      // Readers this far behind re-render everything anyway: forget the log.
      this.#logStart = this.version - 1;
      this.#logPeers = [];
      this.#logLocations = [];
      this.#logReferences = [];
    }
    this.#logPeers.push(pr);
    this.#logLocations.push(loc);
    this.#logReferences.push(ref);
    if (this.#entries.size > this.maxEntries && !this.#folding) {
      // Level by level (see #fold): peers first; locations only when the location/reference pairs alone are too many;
      // references only when even those are. Each pass ends at or below the bound unless what it made is too many.
      this.#folding = true;
      try {
        for (let pass = 0; pass < 30 && this.#entries.size > this.maxEntries; pass++) this.#fold(pass % 3);
      } finally {
        this.#folding = false;
      }
    }
  }

  /**
   * Folds the least recently updated entries of one level (0: a named peer, 1: peer `(other)`, 2: peer and location
   * `(other)`) until FOLD_TO of the bound is left, each one level up:
   * `location:peer:reference` → `location:(other):reference` (per-location and per-reference sums stay exact; the
   * peer's numbers move to the peer `(other)`); `location:(other):reference` → `(other):(other):reference` (only
   * when the location/reference pairs alone exceed the bound; per-reference sums stay exact);
   * `(other):(other):reference` → `(other):(other):(other)` (only when the references alone exceed it). Totals never
   * change. Readers re-render everything afterwards (the change log is reset), which happens once per batch.
   */
  #fold(level: number): void {
    const need = this.#entries.size - Math.floor(this.maxEntries * FOLD_TO);
    const keys: string[] = [];
    const touched: number[] = [];
    for (const [key, e] of this.#entries) {
      if (foldLevel(e) !== level) continue;
      keys.push(key);
      touched.push(this.#touched.get(key) ?? 0);
    }
    // The `need` least recently updated of this level: everything at or below the need-th smallest counter (counters
    // are unique).
    const sorted = Float64Array.from(touched).sort();
    const limit = need >= sorted.length ? Infinity : sorted[need - 1]!;
    const moves: HistoryEntry[] = [];
    for (let i = 0; i < keys.length && moves.length < need; i++) {
      if (touched[i]! > limit) continue;
      const key = keys[i]!;
      const e = this.#entries.get(key)!;
      this.#entries.delete(key);
      this.#touched.delete(key);
      this.#own.delete(key);
      this.#subtract(e);
      moves.push(e);
    }
    for (const e of moves) {
      const loc = e.peer === OTHER_KEY ? OTHER_KEY : e.location;
      const ref = e.peer === OTHER_KEY && e.location === OTHER_KEY ? OTHER_KEY : e.reference;
      this.add(loc, OTHER_KEY, ref, e.totalSessions, e.totalRxBytes, e.totalTxBytes);
      // add() counted the numbers into the totals again: they were never removed from them.
      this.#totals.sessions -= e.totalSessions;
      this.#totals.rxBytes -= e.totalRxBytes;
      this.#totals.txBytes -= e.totalTxBytes;
    }
    this.folded += moves.length;
    this.#logStart = this.version;
    this.#logPeers = [];
    this.#logLocations = [];
    this.#logReferences = [];
  }

  /** Takes one entry's numbers out of the peer, location and reference aggregates (not the totals). */
  #subtract(e: HistoryEntry): void {
    const p = this.#peers.get(e.peer);
    if (p !== undefined) {
      p.sessions -= e.totalSessions;
      p.rxBytes -= e.totalRxBytes;
      p.txBytes -= e.totalTxBytes;
      unbump(p.locations, e.location, e);
      if (p.locations.size === 0) this.#peers.delete(e.peer);
    }
    unbump(this.#locations, e.location, e);
    unbump(this.#references, e.reference, e);
  }

  /** The aggregates of spec §3.2: a live, read-only view (the same object every call). */
  summary(): HistorySummary {
    return this.#view;
  }

  /** Copies of the entries, in insertion order. */
  entries(): Array<[string, HistoryEntry]> {
    return [...this.#entries].map(([k, e]) => [k, { ...e }]);
  }

  /** Core's persist file text (spec §3.3). */
  serialize(): string {
    return serializeHistory(this.#entries);
  }

  #changedSince(v: number): HistoryChanges | undefined {
    if (v < this.#logStart || v > this.version) return undefined;
    const from = v - this.#logStart;
    const peers = new Set<string>();
    const locations = new Set<string>();
    const references = new Set<string>();
    for (let i = from; i < this.#logPeers.length; i++) {
      peers.add(this.#logPeers[i]!);
      locations.add(this.#logLocations[i]!);
      references.add(this.#logReferences[i]!);
    }
    return { peers, locations, references };
  }
}

/** Adds to `map[key]`, creating the record. */
function bump(map: Map<string, HistoryTotals>, key: string, sessions: number, rx: number, tx: number): void {
  const t = map.get(key);
  if (t !== undefined) {
    t.sessions += sessions;
    t.rxBytes += rx;
    t.txBytes += tx;
  } else map.set(flat(key), { sessions, rxBytes: rx, txBytes: tx });
}

/** 0: a named peer; 1: folded peer; 2: folded peer and location; 3: the all-`(other)` entry (see History#fold). */
function foldLevel(e: HistoryEntry): number {
  if (e.peer !== OTHER_KEY) return 0;
  if (e.location !== OTHER_KEY) return 1;
  return e.reference !== OTHER_KEY ? 2 : 3;
}

/** Subtracts an entry's numbers from `map[key]`; drops the record when nothing is left in it. */
function unbump(map: Map<string, HistoryTotals>, key: string, e: HistoryEntry): void {
  const t = map.get(key);
  if (t === undefined) return;
  t.sessions -= e.totalSessions;
  t.rxBytes -= e.totalRxBytes;
  t.txBytes -= e.totalTxBytes;
  if (t.sessions <= 0 && t.rxBytes <= 0 && t.txBytes <= 0) map.delete(key);
}

/**
 * Core's history file: `json.MarshalIndent(history, "", "    ")` of `{"sessions": {key: entry}}`,
 * map keys sorted bytewise, entry fields in struct order, no trailing newline.
 */
export function serializeHistory(entries: ReadonlyMap<string, HistoryEntry>): string {
  if (entries.size === 0) return '{\n    "sessions": {}\n}';
  const keys = sortUtf8([...entries.keys()]);
  const parts: string[] = [];
  for (const key of keys) {
    const e = entries.get(key)!;
    parts.push(
      `        ${quote(key)}: {\n` +
        `            "location": ${quote(e.location)},\n` +
        `            "peer": ${quote(e.peer)},\n` +
        `            "reference": ${quote(e.reference)},\n` +
        `            "total_sessions": ${e.totalSessions},\n` +
        `            "total_rxbytes": ${e.totalRxBytes},\n` +
        `            "total_txbytes": ${e.totalTxBytes}\n` +
        `        }`,
    );
  }
  return `{\n    "sessions": {\n${parts.join(',\n')}\n    }\n}`;
}

/** Parses a history file. Throws an Error describing the first problem (the caller moves the file aside). */
export function parseHistory(text: string): Map<string, HistoryEntry> {
  const data: unknown = JSON.parse(text);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('top level is not a JSON object');
  const sessions = (data as { sessions?: unknown }).sessions;
  const out = new Map<string, HistoryEntry>();
  if (sessions === undefined || sessions === null) return out;
  if (typeof sessions !== 'object' || Array.isArray(sessions)) throw new Error('"sessions" is not a JSON object');
  for (const [key, value] of Object.entries(sessions as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`entry ${JSON.stringify(key)} is not a JSON object`);
    const v = value as Record<string, unknown>;
    const str = (f: string): string => {
      const x = v[f];
      if (x === undefined || x === null) return '';
      if (typeof x !== 'string') throw new Error(`entry ${JSON.stringify(key)}: "${f}" is not a string`);
      return x;
    };
    const count = (f: string): number => {
      const x = v[f];
      if (x === undefined || x === null) return 0;
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new Error(`entry ${JSON.stringify(key)}: "${f}" is not a non-negative integer`);
      return x;
    };
    out.set(key, {
      location: str('location'),
      peer: str('peer'),
      reference: str('reference'),
      totalSessions: count('total_sessions'),
      totalRxBytes: count('total_rxbytes'),
      totalTxBytes: count('total_txbytes'),
    });
  }
  return out;
}

/**
 * The own-process marks' side file (`<collector>.own.json` beside Core's `<collector>.json`): by entry key, the
 * process id and its finished sessions. Core's file stays Core's; without this file the history is whole, only the
 * marks are gone.
 */
export function serializeOwn(own: ReadonlyMap<string, ProcessSessions>): string {
  const entries: Record<string, ProcessSessions> = {};
  for (const key of sortUtf8([...own.keys()])) entries[key] = own.get(key)!;
  return JSON.stringify({ version: 1, entries }, null, 1) + '\n';
}

/** The marks of a side file's text; anything malformed is left out (a bad file never stops the history). */
export function parseOwn(text: string): Map<string, ProcessSessions> {
  const out = new Map<string, ProcessSessions>();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return out;
  }
  const entries = (v as { entries?: unknown } | null)?.entries;
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) return out;
  for (const [key, e] of Object.entries(entries as Record<string, unknown>)) {
    const { process, sessions } = (e ?? {}) as { process?: unknown; sessions?: unknown };
    if (typeof process === 'string' && process !== '' && typeof sessions === 'number' && Number.isSafeInteger(sessions) && sessions > 0) out.set(key, { process, sessions });
  }
  return out;
}
