/** The page's per-second metrics (MetricsModel): the Overview charts' lines, the "All" one counting people as the header. */
import { describe, expect, it } from 'vitest';
import { MetricsModel } from '../../src/renderer/src/store/metrics.ts';
import type { MetricsHistory } from '../../src/shared/ipc.ts';
import type { CollectorTotals, Snapshot } from '../../src/shared/types.ts';
import { addToTotals, type Totals } from '../../src/shared/totals.ts';

const totals = (core: string, collector: string, activeSessions: number, processSessions: number): CollectorTotals => ({
  core, collector, activeSessions, processSessions, rxBitsPerSec: 0, txBitsPerSec: 0, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0,
});
const snap = (atMs: number, collectors: CollectorTotals[]): Snapshot => ({ atMs, cores: [], collectors, sessions: [] });

/** The header's users for one snapshot (App.tsx's Totals). */
function header(s: Snapshot): number {
  const t: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
  for (const c of s.collectors) addToTotals(t, c);
  return t.activeSessions;
}

describe('MetricsModel', () => {
  it('with "All" leaves the app\'s own processes out, from the history (a reload) and from the pushes, as the header', () => {
    // Local: an RTMP publisher, a person's player and a process's player (marked), the process's HLS ingest, its run.
    const history: MetricsHistory = {
      stepMs: 1000,
      atMs: [1000, 2000],
      series: [
        { core: 'local', collector: 'rtmp', rxBitsPerSec: [0, 0], txBitsPerSec: [0, 0], activeSessions: [2, 3], processSessions: [0, 1], processRxBitsPerSec: [0, 0], processTxBitsPerSec: [0, 0] },
        { core: 'local', collector: 'hlsingress', rxBitsPerSec: [null, 0], txBitsPerSec: [null, 0], activeSessions: [null, 1], processSessions: [null, 0], processRxBitsPerSec: [null, 0], processTxBitsPerSec: [null, 0] },
        { core: 'local', collector: 'ffmpeg', rxBitsPerSec: [null, 0], txBitsPerSec: [null, 0], activeSessions: [null, 1], processSessions: [null, 0], processRxBitsPerSec: [null, 0], processTxBitsPerSec: [null, 0] },
        { core: 'remote', collector: 'hls', rxBitsPerSec: [0, 0], txBitsPerSec: [0, 0], activeSessions: [5, 5], processSessions: [0, 0], processRxBitsPerSec: [0, 0], processTxBitsPerSec: [0, 0] },
      ],
    };
    const m = new MetricsModel();
    m.load(history);
    const push = snap(3000, [totals('local', 'rtmp', 3, 1), totals('local', 'hlsingress', 1, 0), totals('local', 'ffmpeg', 1, 0), totals('remote', 'hls', 6, 0)]);
    m.append(push);
    const all = m.sum(null, null);
    expect(all.merged.sessions).toEqual([7, 8, 9]);
    expect(all.merged.sessions[2]).toBe(header(push));
    expect(all.byCore.get('local')!.sessions).toEqual([2, 3, 3]);
    // Chosen collectors count their sessions as they are (the cards' numbers).
    expect(m.sum(new Set(['rtmp']), null).merged.sessions).toEqual([2, 3, 3]);
  });

  it('with "All" leaves out the own processes\' bitrates (a local restream\'s hops) as the header, from the history and the pushes', () => {
    // An encoder publishes at 4 Mbit/s; a process plays it (RTMP tx) and uploads HLS (hlsingress rx); one HLS viewer.
    const rate = (core: string, collector: string, rx: number, tx: number, processRx: number, processTx: number): CollectorTotals => ({
      ...totals(core, collector, 1, processRx + processTx > 0 ? 1 : 0),
      rxBitsPerSec: rx,
      txBitsPerSec: tx,
      processRxBitsPerSec: processRx,
      processTxBitsPerSec: processTx,
    });
    const m = new MetricsModel();
    m.load({
      stepMs: 1000,
      atMs: [1000],
      series: [
        { core: 'local', collector: 'rtmp', rxBitsPerSec: [4e6], txBitsPerSec: [4e6], activeSessions: [2], processSessions: [1], processRxBitsPerSec: [0], processTxBitsPerSec: [4e6] },
        { core: 'local', collector: 'hlsingress', rxBitsPerSec: [4e6], txBitsPerSec: [0], activeSessions: [1], processSessions: [1], processRxBitsPerSec: [4e6], processTxBitsPerSec: [0] },
        { core: 'local', collector: 'hls', rxBitsPerSec: [0], txBitsPerSec: [4e6], activeSessions: [1], processSessions: [0], processRxBitsPerSec: [0], processTxBitsPerSec: [0] },
      ],
    });
    const push = snap(2000, [rate('local', 'rtmp', 5e6, 5e6, 0, 5e6), rate('local', 'hlsingress', 5e6, 0, 5e6, 0), rate('local', 'hls', 0, 5e6, 0, 0)]);
    m.append(push);
    const all = m.sum(null, null);
    expect([all.merged.rx, all.merged.tx]).toEqual([[4e6, 5e6], [4e6, 5e6]]);
    const t: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    for (const c of push.collectors) addToTotals(t, c);
    expect([all.merged.rx[1], all.merged.tx[1]]).toEqual([t.rxBitsPerSec, t.txBitsPerSec]);
    // A chosen collector is its own numbers (its card's).
    expect(m.sum(new Set(['rtmp']), null).merged.tx).toEqual([4e6, 5e6]);
  });

  it('keeps the own-process counts aligned when samples are dropped and series come and go', () => {
    const m = new MetricsModel(2);
    m.append(snap(1000, [totals('local', 'rtmp', 2, 1)]));
    m.append(snap(2000, [totals('local', 'srt', 1, 0)]));
    m.append(snap(3000, [totals('local', 'rtmp', 4, 2), totals('local', 'srt', 1, 1)]));
    expect(m.sum(null, null).merged.sessions).toEqual([1, 2]);
    expect([...m.series.values()].map((s) => [s.collector, s.processes])).toEqual([
      ['rtmp', [null, 2]],
      ['srt', [0, 1]],
    ]);
  });

  it('marks the merged samples that lack a watched Core which answered before (walk3, stop 38)', () => {
    const m = new MetricsModel();
    const local = (n: number): CollectorTotals => totals('local', 'rtmp', n, 0);
    // The remote Core answers, goes away for two samples (its collectors gone from the push), comes back; a third
    // Core is added at the fourth sample; a fourth is removed (not watched) after the first.
    m.append(snap(1000, [local(2), totals('remote', 'hls', 5, 0), totals('old', 'hls', 1, 0)]));
    m.append(snap(2000, [local(2), totals('remote', 'hls', 5, 0)]));
    m.append(snap(3000, [local(2)]));
    m.append(snap(4000, [local(2), totals('new', 'srt', 1, 0)]));
    m.append(snap(5000, [local(2), totals('remote', 'hls', 6, 0), totals('new', 'srt', 1, 0)]));
    const watched = new Set(['local', 'remote', 'new']);
    const all = m.sum(null, null, watched);
    expect(all.merged.sessions).toEqual([8, 7, 2, 3, 9]);
    expect(all.missing).toEqual([false, false, true, true, false]);
    // Only the chosen cores count: the local core alone misses nothing; without `watched` nothing is marked.
    expect(m.sum(null, new Set(['local']), watched).missing).toEqual([false, false, false, false, false]);
    expect(m.sum(null, null).missing).toEqual([false, false, false, false, false]);
    // With only hls chosen, only the remote Core has it: while it is gone the sum is a gap (null), not a mark.
    expect(m.sum(new Set(['hls']), null, watched).missing).toEqual([false, false, false, false, false]);
  });
});
