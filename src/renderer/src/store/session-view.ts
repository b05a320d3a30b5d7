import type { SessionRow } from '../../../shared/types.ts';

/** Columns of the sessions table that can be sorted. */
export type SessionSortKey =
  | 'collector'
  | 'core'
  | 'id'
  | 'reference'
  | 'local'
  | 'remote'
  | 'extra'
  | 'rxBitsPerSec'
  | 'txBitsPerSec'
  | 'bytesRx'
  | 'bytesTx'
  | 'duration';

export interface SessionSort {
  key: SessionSortKey;
  dir: 'asc' | 'desc';
}

export interface SessionFilter {
  /** Collectors to show; empty shows all. */
  collectors: string[];
  /** A core id; '' shows all cores. */
  core: string;
  /**
   * Free text, matched case-insensitively against id, reference, local, remote, extra, collector and the core's name
   * and id: the same fields as the CSV export's filter (src/main/export/csv.ts matchesSessionFilter).
   */
  text: string;
}

/** Identity of a session across updates: unique per core and collector. */
export function sessionKey(row: Pick<SessionRow, 'core' | 'collector' | 'id'>): string {
  return `${row.core}\u0001${row.collector}\u0001${row.id}`;
}

const NUMERIC: Partial<Record<SessionSortKey, (r: SessionRow) => number>> = {
  rxBitsPerSec: (r) => r.rxBitsPerSec,
  txBitsPerSec: (r) => r.txBitsPerSec,
  bytesRx: (r) => r.bytesRx,
  bytesTx: (r) => r.bytesTx,
  // Longest-running first when descending: a duration is "now - createdAt", so sort by -createdAt.
  duration: (r) => -r.createdAtMs,
};

/**
 * Filters and sorts; ties are broken by the session key so equal rows never swap places between updates (a
 * stable order is what keeps the table calm while rates change every second).
 */
export function visibleSessions(
  rows: readonly SessionRow[],
  filter: SessionFilter,
  sort: SessionSort,
  coreName: (id: string) => string,
  haystacks: Map<string, string>,
): SessionRow[] {
  const wanted = filter.collectors.length > 0 ? new Set(filter.collectors) : null;
  const text = filter.text.trim().toLowerCase();
  const out: SessionRow[] = [];
  for (const r of rows) {
    if (wanted && !wanted.has(r.collector)) continue;
    if (filter.core !== '' && r.core !== filter.core) continue;
    if (text !== '') {
      const key = sessionKey(r);
      let hay = haystacks.get(key);
      if (hay === undefined) {
        hay = `${r.id}\n${r.reference}\n${r.local}\n${r.remote}\n${r.extra}\n${r.collector}\n${coreName(r.core)}\n${r.core}`.toLowerCase();
        haystacks.set(key, hay);
      }
      if (!hay.includes(text)) continue;
    }
    out.push(r);
  }
  const sign = sort.dir === 'asc' ? 1 : -1;
  const num = NUMERIC[sort.key];
  const field = sort.key === 'core' ? (r: SessionRow) => coreName(r.core) : (r: SessionRow) => r[sort.key as keyof SessionRow] as string;
  // Sort positions by precomputed values (tie-break keys computed lazily, once per row): no per-comparison work and
  // no per-row objects, which matters at 10 000 rows a second (garbage collection lands in frames).
  const n = out.length;
  const values: (number | string)[] = new Array(n);
  const keys: (string | undefined)[] = new Array(n);
  const order: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = out[i]!;
    values[i] = num ? num(r) : field(r);
    order[i] = i;
  }
  const key = (i: number): string => (keys[i] ??= sessionKey(out[i]!));
  order.sort((a, b) => {
    const va = values[a]!;
    const vb = values[b]!;
    if (va !== vb) return va < vb ? -sign : sign;
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const sorted: SessionRow[] = new Array(n);
  for (let i = 0; i < n; i++) sorted[i] = out[order[i]!]!;
  return sorted;
}
