import type { CoreInfo, HistoryRow, Snapshot } from '../shared/types.ts';
import type { HistoryQuery } from '../shared/ipc.ts';

/**
 * Where the UI, the tray, exports and alerts read live data from: the local core alone, or the fleet of the local
 * core plus remote Cores (src/main/remote/fleet.ts implements the same interface).
 */
export interface SessionSource {
  /** Everything live now. */
  snapshot(): Snapshot;
  /** Finished-session summary rows (spec §3.2), per core and collector. */
  history(query: HistoryQuery): HistoryRow[];
  cores(): CoreInfo[];
  /** Called once a second with a fresh snapshot; returns the unsubscribe function. */
  onUpdate(callback: (snapshot: Snapshot) => void): () => void;
}
