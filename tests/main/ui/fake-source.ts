import type { HistoryQuery } from '../../../src/shared/ipc.ts';
import type { CoreInfo, HistoryRow, Snapshot } from '../../../src/shared/types.ts';
import type { SessionSource } from '../../../src/main/source.ts';

/** A SessionSource whose updates are played by the test (`emit`). */
export class FakeSource implements SessionSource {
  current: Snapshot;
  rows: HistoryRow[] = [];
  queries: HistoryQuery[] = [];
  readonly #listeners = new Set<(s: Snapshot) => void>();

  constructor(initial: Snapshot) {
    this.current = initial;
  }
  snapshot(): Snapshot {
    return this.current;
  }
  history(query: HistoryQuery): HistoryRow[] {
    this.queries.push(query);
    return this.rows;
  }
  cores(): CoreInfo[] {
    return this.current.cores;
  }
  onUpdate(callback: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }
  emit(snapshot: Snapshot): void {
    this.current = snapshot;
    for (const cb of [...this.#listeners]) cb(snapshot);
  }
  get listenerCount(): number {
    return this.#listeners.size;
  }
}

export function snap(atMs: number, sessions = 0): Snapshot {
  return {
    atMs,
    cores: [{ id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:1', state: 'running' }],
    collectors: [{ core: 'local', collector: 'hls', activeSessions: sessions, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: sessions * 1000, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 }],
    sessions: Array.from({ length: sessions }, (_, i) => ({
      core: 'local',
      collector: 'hls',
      id: `s${i}`,
      reference: 'ref',
      location: '/memfs/ref.m3u8',
      peer: 'unknown',
      extra: '',
      createdAtMs: atMs - 1000,
      rxBytes: 0,
      txBytes: 100,
      rxBitsPerSec: 0,
      txBitsPerSec: 1000,
    })),
  };
}
