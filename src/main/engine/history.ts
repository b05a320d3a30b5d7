import type { HistoryEntry, HistorySummary, HistoryTotals } from './types.ts';

type PeerTotals = HistoryTotals & { locations: Map<string, HistoryTotals> };

const ZERO: HistoryTotals = Object.freeze({ sessions: 0, rxBytes: 0, txBytes: 0 });

function plus(t: HistoryTotals | undefined, sessions: number, rx: number, tx: number): HistoryTotals {
  const base = t ?? ZERO;
  return { sessions: base.sessions + sessions, rxBytes: base.rxBytes + rx, txBytes: base.txBytes + tx };
}

/** The history key of spec §3.1: a plain join, so distinct triples can collide (the first triple's fields are kept). */
export function historyKey(location: string, peer: string, reference: string): string {
  return `${location}:${peer}:${reference}`;
}

/**
 * A collector's history (spec §3): the entries keyed `location:peer:reference`, plus the aggregates of
 * §3.2 (per peer with its locations, per location, per reference, totals) maintained incrementally.
 *
 * `summary()` hands out the aggregate maps themselves, so it costs O(1) while the history is unchanged.
 * They are copy-on-write, so every summary a reader holds stays frozen in time: changes made after a
 * handout are queued (a close stays O(1) for the producer) and the next `summary()` copies the maps once
 * and applies them. Readers must treat the returned maps and objects as read-only.
 */
export class History {
  readonly #entries = new Map<string, HistoryEntry>();
  #peers = new Map<string, PeerTotals>();
  #locations = new Map<string, HistoryTotals>();
  #references = new Map<string, HistoryTotals>();
  #totals: HistoryTotals = ZERO;
  /** Generation of objects that have not been handed out yet (those may be mutated in place). */
  #gen = 1;
  #mapsGen = 1;
  readonly #peerGen = new Map<string, number>();
  #cached: HistorySummary | undefined;
  /** Changes not yet applied to handed-out (shared) aggregate maps. */
  #deltas: Array<[string, string, string, number, number, number]> = [];
  /** Increments on every change (used to skip writing an unchanged history). */
  version = 0;

  get size(): number {
    return this.#entries.size;
  }

  /** Adds a closed session (or a loaded entry) to the entry `key` (default: the joined triple). */
  add(location: string, peer: string, reference: string, sessions: number, rxBytes: number, txBytes: number, key = historyKey(location, peer, reference)): void {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { location, peer, reference, totalSessions: 0, totalRxBytes: 0, totalTxBytes: 0 };
      this.#entries.set(key, entry);
    }
    entry.totalSessions += sessions;
    entry.totalRxBytes += rxBytes;
    entry.totalTxBytes += txBytes;
    this.#cached = undefined;
    this.version++;
    if (this.#mapsGen === this.#gen) {
      this.#aggregate(entry.location, entry.peer, entry.reference, sessions, rxBytes, txBytes);
    } else {
      this.#deltas.push([entry.location, entry.peer, entry.reference, sessions, rxBytes, txBytes]);
      // Nobody may ask for a summary again: bound the queue by copying once it is large (amortised O(1)).
      if (this.#deltas.length > 1024 && this.#deltas.length > this.#entries.size >> 2) this.#flush();
    }
  }

  /** The aggregates of spec §3.2. Read-only; stays unchanged after later additions. */
  summary(): HistorySummary {
    if (this.#cached === undefined) {
      this.#flush();
      this.#cached = { peers: this.#peers, locations: this.#locations, references: this.#references, totals: this.#totals };
      this.#gen++;
    }
    return this.#cached;
  }

  /** Copies of the entries, in insertion order. */
  entries(): Array<[string, HistoryEntry]> {
    return [...this.#entries].map(([k, e]) => [k, { ...e }]);
  }

  /** Core's persist file text (spec §3.3). */
  serialize(): string {
    return serializeHistory(this.#entries);
  }

  /** Takes private copies of shared maps and applies the queued changes. */
  #flush(): void {
    if (this.#deltas.length === 0) return;
    if (this.#mapsGen !== this.#gen) {
      this.#peers = new Map(this.#peers);
      this.#locations = new Map(this.#locations);
      this.#references = new Map(this.#references);
      this.#mapsGen = this.#gen;
    }
    const deltas = this.#deltas;
    this.#deltas = [];
    for (const d of deltas) this.#aggregate(d[0], d[1], d[2], d[3], d[4], d[5]);
  }

  /** Applies one change to maps this history owns (mapsGen === gen). */
  #aggregate(location: string, peer: string, reference: string, sessions: number, rx: number, tx: number): void {
    const gen = this.#gen;
    this.#locations.set(location, plus(this.#locations.get(location), sessions, rx, tx));
    this.#references.set(reference, plus(this.#references.get(reference), sessions, rx, tx));
    const p = this.#peers.get(peer);
    if (p !== undefined && this.#peerGen.get(peer) === gen) {
      p.sessions += sessions;
      p.rxBytes += rx;
      p.txBytes += tx;
      p.locations.set(location, plus(p.locations.get(location), sessions, rx, tx));
    } else {
      const locations = new Map(p?.locations);
      locations.set(location, plus(locations.get(location), sessions, rx, tx));
      this.#peers.set(peer, { ...plus(p, sessions, rx, tx), locations });
      this.#peerGen.set(peer, gen);
    }
    this.#totals = plus(this.#totals, sessions, rx, tx);
  }
}

/** A string as Go's encoding/json writes it (HTML characters and U+2028/U+2029 escaped). */
export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Orders strings by their UTF-8 bytes (= code points), as Go sorts map keys. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points >= U+10000) sort after U+E000..U+FFFF in code-point order.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Core's history file: `json.MarshalIndent(history, "", "    ")` of `{"sessions": {key: entry}}`,
 * map keys sorted bytewise, entry fields in struct order, no trailing newline.
 */
export function serializeHistory(entries: ReadonlyMap<string, HistoryEntry>): string {
  if (entries.size === 0) return '{\n    "sessions": {}\n}';
  const keys = [...entries.keys()].sort(compareUtf8);
  const parts: string[] = [];
  for (const key of keys) {
    const e = entries.get(key)!;
    parts.push(
      `        ${goJsonString(key)}: {\n` +
        `            "location": ${goJsonString(e.location)},\n` +
        `            "peer": ${goJsonString(e.peer)},\n` +
        `            "reference": ${goJsonString(e.reference)},\n` +
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
