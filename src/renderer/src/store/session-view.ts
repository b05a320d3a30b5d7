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
  /** Free text, matched case-insensitively against id, reference, local, remote, extra, collector and core name. */
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
        hay = `${r.id}\n${r.reference}\n${r.local}\n${r.remote}\n${r.extra}\n${r.collector}\n${coreName(r.core)}`.toLowerCase();
        haystacks.set(key, hay);
      }
      if (!hay.includes(text)) continue;
    }
    out.push(r);
  }
  const sign = sort.dir === 'asc' ? 1 : -1;
  const num = NUMERIC[sort.key];
  // Keys are computed once per row, not once per comparison.
  const keys = new Map<SessionRow, string>();
  const k = (r: SessionRow): string => {
    let v = keys.get(r);
    if (v === undefined) keys.set(r, (v = sessionKey(r)));
    return v;
  };
  if (num) {
    out.sort((a, b) => {
      const d = num(a) - num(b);
      if (d !== 0) return sign * d;
      return k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0;
    });
  } else {
    const field = sort.key === 'core' ? (r: SessionRow) => coreName(r.core) : (r: SessionRow) => r[sort.key as keyof SessionRow] as string;
    out.sort((a, b) => {
      const fa = field(a);
      const fb = field(b);
      if (fa !== fb) return sign * (fa < fb ? -1 : 1);
      return k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0;
    });
  }
  return out;
}
