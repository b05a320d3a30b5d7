import type { HistoryRow, Snapshot, SessionRow } from '../../../src/shared/types.ts';
import type { SessionSource } from '../../../src/main/source.ts';
import type { HistoryQuery } from '../../../src/shared/ipc.ts';

export function session(over: Partial<SessionRow>): SessionRow {
  return {
    core: 'local', collector: 'hls', id: 'id', reference: 'ref', location: '/memfs/ref.m3u8', peer: 'unknown', extra: '',
    createdAtMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678), rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0, ...over,
  };
}

/** A SessionSource over fixed rows (history filtered by core/collectors as the real one does). */
export function fixedSource(sessions: SessionRow[], history: HistoryRow[] = []): SessionSource {
  const snapshot: Snapshot = { atMs: 0, cores: [], collectors: [], sessions };
  return {
    snapshot: () => snapshot,
    history: (q: HistoryQuery) => history.filter((h) => (!q.core || q.core.includes(h.core)) && (!q.collectors || q.collectors.includes(h.collector))),
    cores: () => [],
    onUpdate: () => () => {},
  };
}
