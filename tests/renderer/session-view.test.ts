import { describe, expect, it } from 'vitest';
import type { SessionRow } from '../../src/shared/types.ts';
import { sessionKey, sessionState, visibleSessions, type SessionSort, type SessionSortKey } from '../../src/renderer/src/store/session-view.ts';
import { row } from './fake-api.ts';

const KEYS: SessionSortKey[] = ['collector', 'core', 'id', 'reference', 'location', 'peer', 'extra', 'rxBitsPerSec', 'txBitsPerSec', 'rxBytes', 'txBytes', 'duration'];
const coreName = (id: string): string => ({ local: 'This computer', r1: 'Studio A' })[id] ?? id;

/** The plain definition: compare the column's value, then the session key. */
function reference(rows: readonly SessionRow[], sort: SessionSort): SessionRow[] {
  const value = (r: SessionRow): number | string =>
    sort.key === 'duration' ? -r.createdAtMs : sort.key === 'core' ? coreName(r.core) : (r[sort.key as keyof SessionRow] as number | string);
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) return va < vb ? -sign : sign;
    const ka = sessionKey(a);
    const kb = sessionKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function fleet(n: number, seed: number, big = false): SessionRow[] {
  let s = seed;
  const rand = (m: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % m);
  return Array.from({ length: n }, (_, i) =>
    row({
      id: `s${rand(n * 2)}-${i}`, // unique per core and collector, as in Core
      core: ['local', 'r1', 'zz'][rand(3)]!,
      collector: ['hls', 'rtmp', 'srt'][rand(3)]!,
      reference: `ref-${rand(20)}`,
      // Many ties (idle sessions), fractions now and then, and huge byte counts when `big`.
      rxBitsPerSec: rand(4) === 0 ? 0 : rand(1000),
      txBitsPerSec: rand(5) === 0 ? rand(10) + 0.5 : rand(50),
      rxBytes: big && rand(3) === 0 ? 2 ** 52 - rand(1000) : rand(100),
      txBytes: rand(1_000_000),
      createdAtMs: 1_700_000_000_000 + rand(5000),
    }),
  );
}

describe('visibleSessions', () => {
  it('sorts every column both ways like the plain definition (value, then session key), ties included', () => {
    for (const [n, seed, big] of [[0, 1, false], [1, 2, false], [7, 3, false], [500, 4, false], [3000, 5, true]] as const) {
      const rows = fleet(n, seed, big);
      for (const key of KEYS) {
        for (const dir of ['asc', 'desc'] as const) {
          const got = visibleSessions(rows, { collectors: [], core: [], text: '' }, { key, dir }, coreName, new Map());
          expect(got.map(sessionKey), `${n} ${key} ${dir}`).toEqual(reference(rows, { key, dir }).map(sessionKey));
        }
      }
    }
  });

  it('sorts rates of remote Cores (kbit with 3 decimals × 1024) and other fractions like the plain definition', () => {
    let seed = 9;
    const rand = (m: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % m);
    const remote = fleet(2000, 6).map((r) => ({ ...r, rxBitsPerSec: (rand(5_000_000) / 1000) * 1024, txBitsPerSec: rand(3) === 0 ? 0 : (rand(50) / 1000) * 1024 }));
    const thirds = fleet(300, 7).map((r) => ({ ...r, rxBitsPerSec: rand(100) / 3 }));
    for (const rows of [remote, thirds]) {
      for (const key of ['rxBitsPerSec', 'txBitsPerSec'] as const) {
        for (const dir of ['asc', 'desc'] as const) {
          const got = visibleSessions(rows, { collectors: [], core: [], text: '' }, { key, dir }, coreName, new Map());
          expect(got.map(sessionKey), `${rows.length} ${key} ${dir}`).toEqual(reference(rows, { key, dir }).map(sessionKey));
        }
      }
    }
  });

  it('filters before sorting and returns a new array each time', () => {
    const rows = fleet(400, 9);
    const filter = { collectors: ['hls', 'srt'], core: ['r1'], text: 'REF-1' };
    const got = visibleSessions(rows, filter, { key: 'rxBitsPerSec', dir: 'desc' }, coreName, new Map());
    const want = reference(
      rows.filter((r) => ['hls', 'srt'].includes(r.collector) && r.core === 'r1' && r.reference.includes('ref-1')),
      { key: 'rxBitsPerSec', dir: 'desc' },
    );
    expect(got.map(sessionKey)).toEqual(want.map(sessionKey));
    expect(got.length).toBeGreaterThan(0);
    expect(visibleSessions(rows, filter, { key: 'rxBitsPerSec', dir: 'desc' }, coreName, new Map())).not.toBe(got);
  });
});

describe('sessionState', () => {
  it('a closed connection reads ending even while bytes still show; no traffic reads idle; else live', () => {
    const base = row({ id: 'a', rxBitsPerSec: 0, txBitsPerSec: 0 });
    expect(sessionState(base)).toBe('idle');
    expect(sessionState({ ...base, txBitsPerSec: 8000 })).toBe('live');
    expect(sessionState({ ...base, closedAtMs: 1_000 })).toBe('ending');
    expect(sessionState({ ...base, txBitsPerSec: 8000, closedAtMs: 1_000 })).toBe('ending');
  });
});
