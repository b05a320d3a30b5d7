import { describe, expect, it } from 'vitest';
import { createAppStore, type AppStore } from '../../src/renderer/src/store/store.ts';
import { sessionKey } from '../../src/renderer/src/store/session-view.ts';
import type { SessionRow } from '../../src/shared/types.ts';
import { row, snapshot } from './fake-api.ts';

/** Rows whose rates and membership change with `step` (a scripted sequence: joins, leaves, reorders). */
function rowsAt(step: number): SessionRow[] {
  const out: SessionRow[] = [];
  for (let i = 0; i < 60; i++) {
    if ((i + step) % 7 === 0) continue; // leaves and comes back
    out.push(row({ id: `s${i}`, collector: i % 3 === 0 ? 'rtmp' : 'hls', core: i % 4 === 0 ? 'r1' : 'local', rxBitsPerSec: ((i * 7919 + step * 104729) % 5000) * 8, createdAtMs: i * 10 }));
  }
  return out;
}

const ids = (store: AppStore): string[] => store.getState().visible.map(sessionKey);

describe('lazyVisible store', () => {
  it('skips the filter and sort outside the Sessions view and shows the same rows as an eager store once it opens', () => {
    const eager = createAppStore();
    const lazy = createAppStore({ lazyVisible: true });
    const both = (f: (s: AppStore) => void): void => [eager, lazy].forEach(f);
    both((s) => s.getState().sortBy('rxBitsPerSec'));
    for (let step = 0; step < 30; step++) {
      // The user switches views now and then and changes the filter and sort while the Sessions view is open.
      const view = step % 10 < 4 ? 'sessions' : step % 10 < 7 ? 'streams' : 'overview';
      both((s) => s.getState().setView(view));
      if (step === 2) both((s) => s.getState().toggleCollector('hls'));
      if (step === 13) both((s) => s.getState().setText('s1'));
      if (step === 22) both((s) => s.getState().sortBy('id'));
      const before = lazy.getState().visible;
      both((s) => s.getState().applySnapshots([snapshot(1000 + step * 1000, rowsAt(step))]));
      if (view === 'sessions') {
        expect(lazy.getState().visibleStale).toBe(false);
        expect(ids(lazy)).toEqual(ids(eager));
      } else {
        expect(lazy.getState().visibleStale).toBe(true);
        expect(lazy.getState().visible).toBe(before); // not recomputed
      }
    }
    both((s) => s.getState().setView('sessions'));
    expect(lazy.getState().visibleStale).toBe(false);
    expect(ids(lazy)).toEqual(ids(eager));
    expect(ids(eager).length).toBeGreaterThan(0);
  });
});
