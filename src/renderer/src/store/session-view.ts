import type { SessionRow } from '../../../shared/types.ts';
import { sessionMatcher, sessionSearchText, type SessionFilter } from '../../../shared/session-filter.ts';

/** Columns of the sessions table that can be sorted. */
export type SessionSortKey =
  | 'collector'
  | 'core'
  | 'id'
  | 'reference'
  | 'location'
  | 'peer'
  | 'extra'
  | 'rxBitsPerSec'
  | 'txBitsPerSec'
  | 'rxBytes'
  | 'txBytes'
  | 'duration';

export interface SessionSort {
  key: SessionSortKey;
  dir: 'asc' | 'desc';
}

/**
 * How a listed session reads: `ending` when its connection closed (the local RTMP/SRT servers mark it; Core keeps
 * it listed until the session timeout), `idle` when no byte moves either way, else `live`.
 */
export function sessionState(row: Pick<SessionRow, 'closedAtMs' | 'rxBitsPerSec' | 'txBitsPerSec'>): 'ending' | 'idle' | 'live' {
  if (row.closedAtMs !== undefined) return 'ending';
  return row.rxBitsPerSec === 0 && row.txBitsPerSec === 0 ? 'idle' : 'live';
}

/** Identity of a session across updates: unique per core and collector. */
export function sessionKey(row: Pick<SessionRow, 'core' | 'collector' | 'id'>): string {
  return `${row.core}\u0001${row.collector}\u0001${row.id}`;
}

const NUMERIC: Partial<Record<SessionSortKey, (r: SessionRow) => number>> = {
  rxBitsPerSec: (r) => r.rxBitsPerSec,
  txBitsPerSec: (r) => r.txBitsPerSec,
  rxBytes: (r) => r.rxBytes,
  txBytes: (r) => r.txBytes,
  // Longest-running first when descending: a duration is "now - createdAt", so sort by -createdAt.
  duration: (r) => -r.createdAtMs,
};

/**
 * The tie-break of every sort: core, then collector, then id (the order of `sessionKey`'s parts), compared field by
 * field so that no key string is built per comparison (ties are common: idle sessions all run at 0 bit/s).
 */
function compareIdentity(a: SessionRow, b: SessionRow): number {
  if (a.core !== b.core) return a.core < b.core ? -1 : 1;
  if (a.collector !== b.collector) return a.collector < b.collector ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

// Scratch buffers reused across calls (the function is synchronous): filtering and sorting 10 000 rows a second
// allocate nothing but the result array, so young-generation garbage collections stay out of the frames.
let scratchIndex = new Uint32Array(0);
let scratchPacked = new Float64Array(0);

function ensureScratch(n: number): void {
  if (scratchIndex.length >= n) return;
  const size = Math.max(n, scratchIndex.length * 2, 1024);
  scratchIndex = new Uint32Array(size);
  scratchPacked = new Float64Array(size);
}

/** The identity order of one rows array: `rank[i]` is the place of `rows[i]`, `byRank[k]` the position of place k. */
interface IdentityRanks {
  rows: readonly SessionRow[];
  rank: Uint32Array;
  byRank: Uint32Array;
}

let ranks: IdentityRanks | null = null;
let lastRows: readonly SessionRow[] = [];

/** Whether both arrays list the same sessions at the same positions (updates keep the source's order). */
function sameIdentities(a: readonly SessionRow[], b: readonly SessionRow[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x.id !== y.id || x.collector !== y.collector || x.core !== y.core)) return false;
  }
  return true;
}

/**
 * The rows' identity ranks, kept across updates while the same sessions are listed at the same positions (every
 * update when only numbers change): the tie-break of a numeric sort then costs nothing (idle sessions all tie at
 * 0 bit/s, 8 000 of the bench's 10 000 on rx). Computed when the membership held still for one update, so a fleet
 * whose sessions come and go every second pays no extra identity sort (its ties are sorted per run, as before).
 */
function identityRanks(rows: readonly SessionRow[]): IdentityRanks | null {
  const prev = lastRows;
  lastRows = rows;
  if (ranks && (ranks.rows === rows || sameIdentities(ranks.rows, rows))) {
    ranks.rows = rows;
    return ranks;
  }
  ranks = null;
  if (rows.length < 2 || rows.length >= 2 ** 26 || !(prev === rows || sameIdentities(prev, rows))) return null;
  const order = Array.from({ length: rows.length }, (_, i) => i).sort((a, b) => compareIdentity(rows[a]!, rows[b]!));
  const rank = new Uint32Array(rows.length);
  const byRank = Uint32Array.from(order);
  for (let k = 0; k < order.length; k++) rank[order[k]!] = k;
  ranks = { rows, rank, byRank };
  return ranks;
}

/**
 * Fills `scratchPacked[0, n)` with the sort values of the indexed rows as integers and returns their minimum; null
 * when they cannot be packed beside `bits` low bits of a float64 (a fraction off every grid, NaN, an infinity, or a
 * range wider than 2^(53 - bits)). A fraction: rates of remote Cores are kbit with 3 decimals × 1024 (multiples of
 * 1/125 bit/s), byte counts may be eighths; scaled onto that grid the values are integers again and keep their order.
 */
function integerValues(rows: readonly SessionRow[], index: Uint32Array, n: number, num: (r: SessionRow) => number, bits: number): number | null {
  const packed = scratchPacked;
  let min = Infinity;
  let max = -Infinity;
  let grid = 1;
  for (let j = 0; j < n; j++) {
    let v = num(rows[index[j]!]!);
    if (grid !== 1) v = Math.round(v * grid);
    else if (v !== Math.floor(v)) {
      grid = gridScale(rows, index, n, num);
      if (grid === 0) return null;
      j = -1; // scaled onto the grid from the start
      min = Infinity;
      max = -Infinity;
      continue;
    }
    packed[j] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n > 0 && !(max - min < 2 ** (53 - bits))) return null;
  return min;
}

/** The fewest low bits that hold every number below `n`. */
function bitsFor(n: number): number {
  let bits = 0;
  while (2 ** bits < n) bits++;
  return bits;
}

/**
 * The indexed rows' sort values (integers, shifted by their minimum) each packed with a low part into one float64,
 * `value * 2^bits + low`, sorted natively (several times faster than `Array#sort` with a comparator on 10 000 rows).
 * The low part is the row's identity rank (`rank`, mirrored when `desc`) or, without ranks, its position `j`. Null
 * when the values cannot be packed exactly (`integerValues`; the caller falls back to a comparator).
 */
function packedSort(
  rows: readonly SessionRow[],
  index: Uint32Array,
  n: number,
  num: (r: SessionRow) => number,
  bits: number,
  rank: Uint32Array | null,
  desc: boolean,
): Float64Array | null {
  const min = integerValues(rows, index, n, num, bits);
  if (min === null) return null;
  const scale = 2 ** bits;
  const packed = scratchPacked.subarray(0, n);
  for (let j = 0; j < n; j++) {
    const low = rank === null ? j : desc ? scale - 1 - rank[index[j]!]! : rank[index[j]!]!;
    packed[j] = (packed[j]! - min) * scale + low;
  }
  return packed.sort();
}

/**
 * Numeric sort packed with the identity rank (ascending rank within a value for both directions), so the native
 * sort alone gives the final order.
 */
function sortNumericRanked(
  rows: readonly SessionRow[],
  index: Uint32Array,
  n: number,
  num: (r: SessionRow) => number,
  dir: 'asc' | 'desc',
  ids: IdentityRanks,
): SessionRow[] | null {
  const bits = bitsFor(rows.length);
  const scale = 2 ** bits;
  const desc = dir === 'desc';
  const packed = packedSort(rows, index, n, num, bits, ids.rank, desc);
  if (!packed) return null;
  const sorted: SessionRow[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const p = packed[desc ? n - 1 - k : k]!;
    const low = p % scale;
    sorted[k] = rows[ids.byRank[desc ? scale - 1 - low : low]!]!;
  }
  return sorted;
}

/** Numeric sort packed with the rows' positions; runs of equal values are then put in identity order. */
function sortNumericPacked(
  rows: readonly SessionRow[],
  index: Uint32Array,
  n: number,
  num: (r: SessionRow) => number,
  dir: 'asc' | 'desc',
): SessionRow[] | null {
  const bits = bitsFor(n);
  const scale = 2 ** bits;
  const packed = packedSort(rows, index, n, num, bits, null, false);
  if (!packed) return null;
  const sorted: SessionRow[] = new Array(n);
  let runStart = 0;
  let runValue = NaN;
  for (let k = 0; k < n; k++) {
    const p = packed[dir === 'asc' ? k : n - 1 - k]!;
    const j = p % scale;
    const value = (p - j) / scale;
    sorted[k] = rows[index[j]!]!;
    if (value !== runValue) {
      if (k - runStart > 1) sortRun(sorted, runStart, k);
      runStart = k;
      runValue = value;
    }
  }
  if (n - runStart > 1) sortRun(sorted, runStart, n);
  return sorted;
}

/** Grids that fractional sort values are on in practice: eighths (bytes), 1/125 (kbit × 1024), thousandths. */
const GRID_SCALES = [8, 125, 1000];

/**
 * The first scale that puts every value within 1e-6 of an integer (float noise of values on that grid), or 0. Two
 * values that round to one grid point tie (broken by identity), as their difference is noise.
 */
function gridScale(rows: readonly SessionRow[], index: Uint32Array, n: number, num: (r: SessionRow) => number): number {
  next: for (const scale of GRID_SCALES) {
    for (let j = 0; j < n; j++) {
      const v = num(rows[index[j]!]!) * scale;
      if (!(Math.abs(v - Math.round(v)) < 1e-6)) continue next;
    }
    return scale;
  }
  return 0;
}

/** Puts `rows[from, to)` (equal sort values) in identity order. */
function sortRun(rows: SessionRow[], from: number, to: number): void {
  const run = rows.slice(from, to).sort(compareIdentity);
  for (let i = 0; i < run.length; i++) rows[from + i] = run[i]!;
}

/**
 * Filters and sorts; ties are broken by the session's identity (core, collector, id) so equal rows never swap places
 * between updates (a stable order is what keeps the table calm while rates change every second).
 */
export function visibleSessions(
  rows: readonly SessionRow[],
  filter: SessionFilter,
  sort: SessionSort,
  coreName: (id: string) => string,
  haystacks: Map<string, string>,
): SessionRow[] {
  // The export's matcher (src/shared/session-filter.ts), with each session's search text cached across updates;
  // the cache is bounded here, where it is filled, so sessions that left do not pile up in it.
  if (haystacks.size > rows.length * 2 + 1000) haystacks.clear();
  const matches = sessionMatcher(filter, coreName, (r) => {
    const key = sessionKey(r);
    let hay = haystacks.get(key);
    if (hay === undefined) haystacks.set(key, (hay = sessionSearchText(r, coreName)));
    return hay;
  });
  ensureScratch(rows.length);
  const index = scratchIndex;
  let n = 0;
  for (let i = 0; i < rows.length; i++) if (matches(rows[i]!)) index[n++] = i;
  const num = NUMERIC[sort.key];
  const ids = identityRanks(rows);
  if (num && ids) {
    const sorted = sortNumericRanked(rows, index, n, num, sort.dir, ids);
    if (sorted) return sorted;
  }
  if (num) {
    const sorted = sortNumericPacked(rows, index, n, num, sort.dir);
    if (sorted) return sorted;
  }
  // Text columns (and numbers that cannot be packed): sort positions by precomputed values, no per-row objects.
  const sign = sort.dir === 'asc' ? 1 : -1;
  const field = sort.key === 'core' ? (r: SessionRow) => coreName(r.core) : (r: SessionRow) => r[sort.key as keyof SessionRow] as string;
  const values: (number | string)[] = new Array(n);
  const order: number[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const r = rows[index[j]!]!;
    values[j] = num ? num(r) : field(r);
    order[j] = j;
  }
  order.sort((a, b) => {
    const va = values[a]!;
    const vb = values[b]!;
    if (va !== vb) return va < vb ? -sign : sign;
    return compareIdentity(rows[index[a]!]!, rows[index[b]!]!);
  });
  const sorted: SessionRow[] = new Array(n);
  for (let j = 0; j < n; j++) sorted[j] = rows[index[order[j]!]!]!;
  return sorted;
}
