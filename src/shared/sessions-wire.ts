/**
 * The live push's wire format (`sessions:update`, both transports: Electron IPC and the web bridge's server-sent
 * events). A whole snapshot of 10 000 sessions is ~2–3 MB of JSON; sent every second it cost the page ~40 ms of
 * parsing per second on its main thread. So main sends a whole snapshot once (`sessions:snapshot`, and as the first
 * push), then per second only what changed, list by list (cores, collectors, sessions, streams):
 *
 * - every row of a list has a **slot** (a small integer, stable while the row lives, reused after it left);
 * - `removed`: slots of rows that left; `added`: `[slot, index, row]` for new rows (index = place in the new list);
 * - `replaced`: `[slot, row]` for rows of which a field other than the hot ones changed (a rename, a close mark);
 * - `hot`: the list's hot numeric fields (rates, byte counters) that changed, one flat number array: per row its
 *   slot, a bit mask of the fields that follow, then their values; counters go as increments (smaller numbers);
 * - `order`: the whole order as slots, only when rows that stayed changed their order (the streams are sorted by
 *   viewers).
 *
 * Every push carries `epoch` (one per main-process encoder) and `seq` (+1 per push). A page applies a delta only to
 * the state of `seq - 1` of the same epoch; a gap (a skipped push of a slow event-stream client, a coalesced push
 * before the page was ready, a restarted server) makes it fetch a whole snapshot again (`sessions:snapshot`).
 * Rows that did not change keep their identity in the decoded state, so memoised rows do not render again.
 * Pure, no node:* or DOM: main encodes, the page decodes, tests round-trip.
 */
import { Key3Map } from './key3-map.ts';
import type { StreamRow } from './streams.ts';
import type { CollectorTotals, CoreInfo, SessionRow, Snapshot } from './types.ts';

/** A whole snapshot with its place in the push sequence (the page's base for the deltas that follow). */
export interface SessionsFull extends Snapshot {
  kind: 'full';
  epoch: string;
  seq: number;
  streams: StreamRow[];
  /** Each list's slots, in the order of its rows (the deltas that follow name rows by slot). */
  slots: { cores: number[]; collectors: number[]; sessions: number[]; streams: number[] };
}

/** What changed in one list since the previous push (see the file comment). */
export interface ListDelta<Row> {
  removed: number[];
  added: Array<[slot: number, index: number, row: Row]>;
  replaced: Array<[slot: number, row: Row]>;
  hot: number[];
  order?: number[];
}

/** What changed since push `seq - 1` of the same epoch. */
export interface SessionsDelta {
  kind: 'delta';
  epoch: string;
  seq: number;
  atMs: number;
  cores: ListDelta<CoreInfo>;
  collectors: ListDelta<CollectorTotals>;
  sessions: ListDelta<SessionRow>;
  streams: ListDelta<StreamRow>;
}

/** The payload of `sessions:update`. */
export type SessionsUpdate = SessionsFull | SessionsDelta;

/** How a row's field travels in a delta: `hot` numbers by value, `counter` numbers as increments, `cold` in a replaced row. */
type FieldWire = 'cold' | 'hot' | 'counter';

/** A field of a row that holds a string. */
type KeyField<Row> = { [K in keyof Row]-?: Row[K] extends string ? K : never }[keyof Row];

/** How one list is keyed, and how each of its fields travels (every field of the type: a new one must be placed). */
interface ListSpec<Row> {
  /** The string fields that name a row (one to three; looked up without joining them: 10 000 sessions a second). */
  key: readonly [KeyField<Row>, KeyField<Row>?, KeyField<Row>?];
  fields: { [K in keyof Required<Row>]: FieldWire };
  /**
   * The fields read by name in code, for a big list (a read by a name taken from a list is a slow, generic one: 10 000
   * sessions a second): `sameCold` compares the cold fields other than the key, `hot` writes the hot ones into `out`
   * in `fields` order, `writeHot` the decoder's. Those not given are read by name. tests/shared/sessions-wire.test.ts
   * checks them against `fields`.
   */
  access?: Partial<ListAccess<Row>>;
}

/** See `ListSpec.access`. */
interface ListAccess<Row> {
  sameCold: (a: Row, b: Row) => boolean;
  hot: (row: Row, out: unknown[]) => void;
  /**
   * The decoder's side: writes the hot fields of `mask` from `values[at]` on into `row` (counters added), returns the
   * index after them. By name, so the sessions worker's in-place writes store a double into the row's own number (a
   * store by a name read from a list boxes every value first: 16 bytes each, 20 000 a second; stop 33).
   */
  writeHot: (row: Row, mask: number, values: ArrayLike<number>, at: number) => number;
}

const CORES: ListSpec<CoreInfo> = {
  key: ['id'],
  fields: { id: 'cold', name: 'cold', kind: 'cold', url: 'cold', state: 'cold', version: 'cold', lastError: 'cold', lastSuccessMs: 'hot', rttMs: 'hot' },
};
const COLLECTORS: ListSpec<CollectorTotals> = {
  key: ['core', 'collector'],
  fields: { core: 'cold', collector: 'cold', activeSessions: 'hot', processSessions: 'hot', rxBitsPerSec: 'hot', txBitsPerSec: 'hot', processRxBitsPerSec: 'hot', processTxBitsPerSec: 'hot', maxSessions: 'cold', maxTxBitsPerSec: 'cold' },
};
const SESSIONS: ListSpec<SessionRow> = {
  key: ['core', 'collector', 'id'],
  fields: {
    core: 'cold',
    collector: 'cold',
    id: 'cold',
    reference: 'cold',
    createdAtMs: 'cold',
    location: 'cold',
    peer: 'cold',
    extra: 'cold',
    closedAtMs: 'cold',
    rxBytes: 'counter',
    txBytes: 'counter',
    rxBitsPerSec: 'hot',
    txBitsPerSec: 'hot',
  },
  access: {
    sameCold: (a, b) => a.reference === b.reference && a.createdAtMs === b.createdAtMs && a.location === b.location && a.peer === b.peer && a.extra === b.extra && a.closedAtMs === b.closedAtMs,
    hot: (row, out) => {
      out[0] = row.rxBytes;
      out[1] = row.txBytes;
      out[2] = row.rxBitsPerSec;
      out[3] = row.txBitsPerSec;
    },
    writeHot: (row, mask, values, at) => {
      if (mask & 1) row.rxBytes += values[at++]!;
      if (mask & 2) row.txBytes += values[at++]!;
      if (mask & 4) row.rxBitsPerSec = values[at++]!;
      if (mask & 8) row.txBitsPerSec = values[at++]!;
      return at;
    },
  },
};
const STREAMS: ListSpec<StreamRow> = {
  key: ['core', 'key'],
  fields: {
    core: 'cold',
    key: 'cold',
    state: 'cold',
    sinceMs: 'hot',
    ingestProtocol: 'cold',
    ingestBitsPerSec: 'hot',
    publishers: 'cold',
    viewers: 'cold',
    viewersTotal: 'hot',
    egressBitsPerSec: 'hot',
    processes: 'cold',
    peakViewersToday: 'hot',
    keys: 'cold',
    staleSinceMs: 'cold',
  },
  // 2 000 streams a second in the sessions worker (see ListAccess.writeHot).
  access: {
    writeHot: (row, mask, values, at) => {
      if (mask & 1) row.sinceMs = values[at++]!;
      if (mask & 2) row.ingestBitsPerSec = values[at++]!;
      if (mask & 4) row.viewersTotal = values[at++]!;
      if (mask & 8) row.egressBitsPerSec = values[at++]!;
      if (mask & 16) row.peakViewersToday = values[at++]!;
      return at;
    },
  },
};

/** A spec's fields by kind: the hot ones (with a bit per counter) in the order of the mask bits, and the cold ones. */
function fieldsOf<Row>(spec: ListSpec<Row>): { hot: string[]; counterBits: number; cold: string[] } {
  const hot: string[] = [];
  const cold: string[] = [];
  let counterBits = 0;
  for (const [name, wire] of Object.entries(spec.fields) as [string, FieldWire][]) {
    if (wire === 'cold') cold.push(name);
    else {
      if (wire === 'counter') counterBits |= 1 << hot.length;
      hot.push(name);
    }
  }
  return { hot, counterBits, cold };
}

/** How a list's fields are read and written: the spec's code (`access`), or by the names in `fields`. */
function accessOf<Row extends object>(spec: ListSpec<Row>): ListAccess<Row> {
  const f = fieldsOf(spec);
  // A row that stays was found by its key fields: they are equal, only the other cold fields need comparing.
  const cold = f.cold.filter((name) => !(spec.key as readonly string[]).includes(name));
  const { hot, counterBits } = f;
  const byName: ListAccess<Row> = {
    sameCold: (a, b) => sameColdFields(a, b, cold),
    hot: (row, out) => {
      for (let i = 0; i < hot.length; i++) out[i] = (row as Record<string, unknown>)[hot[i]!];
    },
    writeHot: (row, mask, values, at) => {
      const r = row as Record<string, unknown>;
      for (let f = 0; f < hot.length; f++) {
        if (!((mask >> f) & 1)) continue;
        const v = values[at++]!;
        r[hot[f]!] = (counterBits >> f) & 1 ? (r[hot[f]!] as number) + v : v;
      }
      return at;
    },
  };
  return { ...byName, ...spec.access };
}

/** True when `a` and `b` agree on every cold field (nested objects and arrays: one level deep). */
function sameColdFields(a: object, b: object, cold: readonly string[]): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (let i = 0; i < cold.length; i++) {
    const k = cold[i]!;
    const u = x[k];
    const v = y[k];
    if (u !== v && !sameValue(u, v)) return false;
  }
  return true;
}

function sameValue(u: unknown, v: unknown): boolean {
  if (u === v) return true;
  if (typeof u !== 'object' || typeof v !== 'object' || u === null || v === null) return false;
  if (Array.isArray(u)) {
    if (!Array.isArray(v) || u.length !== v.length) return false;
    for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return false;
    return true;
  }
  const o = u as Record<string, unknown>;
  const p = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== Object.keys(p).length) return false;
  for (const k of keys) if (o[k] !== p[k]) return false;
  return true;
}

/** A number that survives JSON as itself (a hot value that is not one goes in a replaced row instead). */
const wireNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The longest `hot` array made at its length beforehand (a longer `new Array` would not be a fast array). */
const HOT_PRESIZE_MAX = 50_000;

/** One list's side of the encoder: slots, the last rows sent, their order. */
class ListEncoder<Row extends object> {
  /** The key fields as Key3Map's three keys: a key of fewer fields is padded with '' in front (see Key3Map). */
  readonly #keyFields: readonly [string | undefined, string | undefined, string];
  readonly #hot: readonly string[];
  readonly #counterBits: number;
  readonly #access: ListAccess<Row>;
  /** The hot values of a row's last state and of its new one. */
  readonly #was: unknown[];
  readonly #now: unknown[];
  readonly #slotOf = new Key3Map<number>();
  /** By slot: the row last sent, and the round that last saw it. */
  #rows: (Row | undefined)[] = [];
  #seenIn = new Uint32Array(64);
  #round = 0;
  #order: number[] = [];
  #free: number[] = [];
  /** The length of the last delta's `hot` array: the next one is about as long (every row's rates change each second). */
  #hotLength = 0;

  constructor(spec: ListSpec<Row>) {
    const fields = spec.key as readonly string[];
    this.#keyFields = [fields[fields.length - 3], fields[fields.length - 2], fields[fields.length - 1]!];
    const f = fieldsOf(spec);
    if (f.hot.length > 30) throw new RangeError('at most 30 hot fields');
    this.#hot = f.hot;
    this.#counterBits = f.counterBits;
    this.#access = accessOf(spec);
    this.#was = f.hot.map(() => 0);
    this.#now = f.hot.map(() => 0);
  }

  /** The rows as last sent, in their order. */
  rows(): Row[] {
    return this.#order.map((s) => this.#rows[s]!);
  }

  /** Their slots, in the same order. */
  slots(): number[] {
    return [...this.#order];
  }

  /** Part `k` of `row`'s key as Key3Map takes it ('' for a part a shorter key pads in front). */
  #key(row: Row, k: 0 | 1 | 2): string {
    const field = this.#keyFields[k];
    return field === undefined ? '' : (row as Record<string, string>)[field]!;
  }

  /** Makes `next` the state and says how it differs from the previous one. */
  encode(next: readonly Row[]): ListDelta<Row> {
    const n = next.length;
    const round = ++this.#round;
    if (this.#seenIn.length < this.#rows.length + n) {
      const grown = new Uint32Array(Math.max(this.#seenIn.length * 2, this.#rows.length + n));
      grown.set(this.#seenIn);
      this.#seenIn = grown;
    }
    const seenIn = this.#seenIn;
    // Pass 1: the slot of each row that stays (a key twice in `next`: the second is a row of its own).
    const slots = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = next[i]!;
      const slot = this.#slotOf.getAt(i, this.#key(r, 0), this.#key(r, 1), this.#key(r, 2));
      if (slot !== undefined && seenIn[slot] !== round) {
        seenIn[slot] = round;
        slots[i] = slot;
      } else slots[i] = -1;
    }
    const removed: number[] = [];
    const prevIndex = new Int32Array(this.#rows.length);
    const prevOrder = this.#order;
    for (let i = 0; i < prevOrder.length; i++) {
      const s = prevOrder[i]!;
      prevIndex[s] = i;
      if (seenIn[s] !== round) {
        removed.push(s);
        const r = this.#rows[s]!;
        const [k0, k1, k2] = [this.#key(r, 0), this.#key(r, 1), this.#key(r, 2)];
        if (this.#slotOf.get(k0, k1, k2) === s) this.#slotOf.delete(k0, k1, k2);
        this.#rows[s] = undefined;
        this.#free.push(s);
      }
    }
    // Pass 2: new rows get free slots; rows that stayed are compared field by field.
    const added: ListDelta<Row>['added'] = [];
    const replaced: ListDelta<Row>['replaced'] = [];
    // Made at about its final length, not grown by pushes (copied each time it grows: 40 000 numbers a second).
    const hot: number[] = new Array(Math.min(this.#hotLength, HOT_PRESIZE_MAX));
    let h = 0;
    const order: number[] = new Array(n);
    let lastKept = -1;
    let keptInOrder = true;
    for (let i = 0; i < n; i++) {
      const row = next[i]!;
      let slot = slots[i]!;
      if (slot === -1) {
        slot = this.#free.length > 0 ? this.#free.pop()! : this.#rows.length;
        seenIn[slot] = round;
        this.#rows[slot] = row;
        const [k0, k1, k2] = [this.#key(row, 0), this.#key(row, 1), this.#key(row, 2)];
        if (this.#slotOf.getAt(i, k0, k1, k2) === undefined) this.#slotOf.setAt(i, k0, k1, k2, slot);
        added.push([slot, i, row]);
      } else {
        if (prevIndex[slot]! < lastKept) keptInOrder = false;
        lastKept = prevIndex[slot]!;
        const prev = this.#rows[slot]!;
        this.#rows[slot] = row;
        if (!this.#access.sameCold(prev, row)) replaced.push([slot, row]);
        else h = this.#hotDelta(slot, prev, row, hot, h, replaced);
      }
      order[i] = slot;
    }
    hot.length = h;
    this.#hotLength = h;
    this.#order = order;
    const delta: ListDelta<Row> = { removed, added, replaced, hot };
    if (!keptInOrder) delta.order = order;
    return delta;
  }

  /** Writes `row`'s changed hot numbers into `out` from index `h`; returns the index after them. */
  #hotDelta(slot: number, prev: Row, row: Row, out: number[], h: number, replaced: ListDelta<Row>['replaced']): number {
    const hot = this.#hot;
    const counters = this.#counterBits;
    const p = this.#was;
    const r = this.#now;
    this.#access.hot(prev, p);
    this.#access.hot(row, r);
    let mask = 0;
    for (let f = 0; f < hot.length; f++) {
      const a = p[f];
      const b = r[f];
      if (a === b) continue;
      // Only finite numbers, and increments that add back exactly, travel as numbers; otherwise the whole row.
      if (!wireNumber(b) || ((counters >> f) & 1 && (!wireNumber(a) || a + (b - a) !== b))) {
        replaced.push([slot, row]);
        return h;
      }
      mask |= 1 << f;
    }
    if (mask === 0) return h;
    out[h++] = slot;
    out[h++] = mask;
    for (let f = 0; f < hot.length; f++) {
      if (!((mask >> f) & 1)) continue;
      const b = r[f] as number;
      out[h++] = (counters >> f) & 1 ? b - (p[f] as number) : b;
    }
    return h;
  }
}

/** A random tag per encoder: a page that sees another one (main restarted) starts again from a whole snapshot. */
function newEpoch(): string {
  return `${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 32).toString(36)}`;
}

/** Main's side: turns each update's whole snapshot into the push to send (a delta from the previous push). */
export class SessionsEncoder {
  readonly epoch = newEpoch();
  #seq = 0;
  #atMs = 0;
  #cores = new ListEncoder(CORES);
  #collectors = new ListEncoder(COLLECTORS);
  #sessions = new ListEncoder(SESSIONS);
  #streams = new ListEncoder(STREAMS);

  /** The number of pushes encoded so far (the `seq` of the last). */
  get seq(): number {
    return this.#seq;
  }

  /** Time of the last encoded snapshot (0 before the first). */
  get atMs(): number {
    return this.#atMs;
  }

  /** The next push: a whole snapshot the first time, then what changed since the previous one. */
  encode(snapshot: Snapshot & { streams: StreamRow[] }): SessionsUpdate {
    const first = this.#seq === 0;
    this.#seq++;
    this.#atMs = snapshot.atMs;
    const delta: SessionsDelta = {
      kind: 'delta',
      epoch: this.epoch,
      seq: this.#seq,
      atMs: snapshot.atMs,
      cores: this.#cores.encode(snapshot.cores),
      collectors: this.#collectors.encode(snapshot.collectors),
      sessions: this.#sessions.encode(snapshot.sessions),
      streams: this.#streams.encode(snapshot.streams),
    };
    return first ? this.full() : delta;
  }

  /** The state as of the last push, whole (what a page that lost its place starts again from). */
  full(): SessionsFull {
    return {
      kind: 'full',
      epoch: this.epoch,
      seq: this.#seq,
      atMs: this.#atMs,
      cores: this.#cores.rows(),
      collectors: this.#collectors.rows(),
      sessions: this.#sessions.rows(),
      streams: this.#streams.rows(),
      slots: { cores: this.#cores.slots(), collectors: this.#collectors.slots(), sessions: this.#sessions.slots(), streams: this.#streams.slots() },
    };
  }
}

/** One list's side of the decoder. */
class ListDecoder<Row extends object> {
  readonly #writeHot: ListAccess<Row>['writeHot'];
  readonly #inPlace: boolean;
  #rows: (Row | undefined)[] = [];
  #order: number[] = [];
  #list: Row[] = [];

  constructor(spec: ListSpec<Row>, inPlace: boolean) {
    this.#writeHot = accessOf(spec).writeHot;
    this.#inPlace = inPlace;
  }

  /** Starts again from whole rows and their slots; throws when they do not fit. */
  reset(rows: readonly Row[], slots: readonly number[]): Row[] {
    if (slots.length !== rows.length) throw new RangeError('a slot per row expected');
    this.#rows = [];
    slots.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0 || s > 10_000_000 || this.#rows[s] !== undefined) throw new RangeError(`bad slot ${s}`);
      this.#rows[s] = rows[i];
    });
    this.#order = [...slots];
    this.#list = [...rows];
    return this.#list;
  }

  /**
   * Applies a delta; returns the new list (the same array when nothing changed, or with `inPlace` when only hot
   * numbers did). Throws on a delta that does not fit.
   */
  apply(d: ListDelta<Row>): Row[] {
    const same = d.removed.length === 0 && d.added.length === 0 && d.replaced.length === 0 && !d.order;
    if (same && (d.hot.length === 0 || this.#inPlace)) {
      this.#applyHot(d.hot);
      return this.#list;
    }
    const gone = new Uint8Array(this.#rows.length);
    for (const s of d.removed) {
      if (this.#rows[s] === undefined) throw new RangeError(`no row in slot ${s}`);
      this.#rows[s] = undefined;
      gone[s] = 1;
    }
    for (const [s, row] of d.replaced) {
      if (this.#rows[s] === undefined) throw new RangeError(`no row in slot ${s}`);
      this.#rows[s] = row;
    }
    this.#applyHot(d.hot);
    for (const [s, , row] of d.added) {
      if (this.#rows[s] !== undefined) throw new RangeError(`slot ${s} is taken`);
      this.#rows[s] = row;
    }
    let order: number[];
    if (d.order) order = d.order;
    else {
      // The rows that stayed, in their order, with the new ones put in at their places.
      const kept = this.#order.filter((s) => s >= gone.length || gone[s] === 0);
      order = new Array(kept.length + d.added.length);
      let k = 0;
      let a = 0;
      for (let i = 0; i < order.length; i++) {
        const next = d.added[a];
        order[i] = next !== undefined && next[1] === i ? (a++, next[0]) : kept[k++]!;
      }
      if (k !== kept.length || a !== d.added.length) throw new RangeError('added rows do not fit the list');
    }
    const list: Row[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const row = this.#rows[order[i]!];
      if (row === undefined) throw new RangeError(`no row in slot ${order[i]}`);
      list[i] = row;
    }
    this.#order = order;
    this.#list = list;
    return list;
  }

  /** The hot numbers of a delta, into copies of their rows (or, in place, into the rows themselves). */
  #applyHot(h: readonly number[]): void {
    const write = this.#writeHot;
    for (let i = 0; i < h.length; ) {
      const s = h[i++]!;
      const mask = h[i++]!;
      const prev = this.#rows[s];
      if (prev === undefined) throw new RangeError(`no row in slot ${s}`);
      const row = this.#inPlace ? prev : { ...prev };
      i = write(row, mask, h, i);
      this.#rows[s] = row;
    }
  }
}

/** The live state a page holds: a snapshot with its streams. */
export type LiveSnapshot = Snapshot & { streams: StreamRow[] };

/** Why a push was not applied: `gap` means fetch a whole snapshot (`sessions:snapshot`) and `reset` with it. */
export type DecodeOutcome = { ok: true; snapshot: LiveSnapshot } | { ok: false; reason: 'stale' | 'gap' };

/** How a decoder treats the rows it holds. */
export interface DecoderOptions {
  /**
   * Hot numbers are written into the rows the decoder holds, and a list whose rows only changed numbers stays the same
   * array: no new object per changed row (10 000 a second, and the garbage collections they cost). Only for a holder
   * that owns the pushes it applies (parsed from text, or copies that crossed a MessageChannel: never an encoder's
   * rows) and compares no row or list with an earlier push's (the sessions worker; its frames are copies).
   */
  inPlace?: boolean;
}

/**
 * The page's side: holds the state as of the last applied push and applies the next. The snapshots it returns share
 * every row (and list) that did not change with the previous one (`inPlace`: every row that stayed, see DecoderOptions).
 */
export class SessionsDecoder {
  #epoch = '';
  #seq = 0;
  readonly #cores: ListDecoder<CoreInfo>;
  readonly #collectors: ListDecoder<CollectorTotals>;
  readonly #sessions: ListDecoder<SessionRow>;
  readonly #streams: ListDecoder<StreamRow>;
  #last: LiveSnapshot | null = null;

  constructor(options: DecoderOptions = {}) {
    const inPlace = options.inPlace === true;
    this.#cores = new ListDecoder(CORES, inPlace);
    this.#collectors = new ListDecoder(COLLECTORS, inPlace);
    this.#sessions = new ListDecoder(SESSIONS, inPlace);
    this.#streams = new ListDecoder(STREAMS, inPlace);
  }

  /** The `seq` of the applied state (0: none yet). */
  get seq(): number {
    return this.#seq;
  }

  /** Applies a push. A whole snapshot always applies unless it is older than the state; a delta needs `seq - 1`. */
  apply(update: SessionsUpdate): DecodeOutcome {
    if (update.kind === 'full') {
      if (update.epoch === this.#epoch && update.seq < this.#seq) return { ok: false, reason: 'stale' };
      try {
        return { ok: true, snapshot: this.reset(update) };
      } catch {
        return { ok: false, reason: 'gap' };
      }
    }
    if (update.epoch === this.#epoch && update.seq <= this.#seq) return { ok: false, reason: 'stale' };
    if (this.#last === null || update.epoch !== this.#epoch || update.seq !== this.#seq + 1) return { ok: false, reason: 'gap' };
    let snapshot: LiveSnapshot;
    try {
      snapshot = {
        atMs: update.atMs,
        cores: this.#cores.apply(update.cores),
        collectors: this.#collectors.apply(update.collectors),
        sessions: this.#sessions.apply(update.sessions),
        streams: this.#streams.apply(update.streams),
      };
    } catch {
      // A delta that does not fit the state (should not happen): the state is unknown now, start again.
      this.#last = null;
      this.#seq = 0;
      return { ok: false, reason: 'gap' };
    }
    this.#seq = update.seq;
    this.#last = snapshot;
    return { ok: true, snapshot };
  }

  /** Starts again from a whole snapshot (throws a RangeError when its slots do not fit its rows). */
  reset(full: SessionsFull): LiveSnapshot {
    this.#last = null;
    this.#seq = 0;
    const snapshot: LiveSnapshot = {
      atMs: full.atMs,
      cores: this.#cores.reset(full.cores, full.slots.cores),
      collectors: this.#collectors.reset(full.collectors, full.slots.collectors),
      sessions: this.#sessions.reset(full.sessions, full.slots.sessions),
      streams: this.#streams.reset(full.streams, full.slots.streams),
    };
    this.#epoch = full.epoch;
    this.#seq = full.seq;
    this.#last = snapshot;
    return snapshot;
  }
}
