/** The server's last 10 minutes of per-second totals (the Overview charts' back-fill after a reload). */
import { describe, expect, it } from 'vitest';
import { MetricsHistoryBuffer } from '../../../src/main/ui/metrics-history.ts';
import type { CollectorTotals, Snapshot } from '../../../src/shared/types.ts';

const totals = (collector: string, activeSessions: number, processSessions: number): CollectorTotals => ({
  core: 'local', collector, activeSessions, processSessions, rxBitsPerSec: 1, txBitsPerSec: 2, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0,
});
const snap = (atMs: number, collectors: CollectorTotals[]): Snapshot => ({ atMs, cores: [], collectors, sessions: [] });

describe('MetricsHistoryBuffer', () => {
  it('keeps each sample\'s own-process sessions beside the sessions (what the header subtracts), null where none was', () => {
    const b = new MetricsHistoryBuffer(3);
    b.record(snap(1000, [totals('rtmp', 2, 0)]));
    b.record(snap(2000, [totals('rtmp', 3, 1), totals('hlsingress', 1, 0)]));
    b.record(snap(3000, [totals('rtmp', 3, 1), totals('hlsingress', 1, 0)]));
    b.record(snap(4000, [totals('rtmp', 2, 1)]));
    const h = b.toJSON();
    expect(h.atMs).toEqual([2000, 3000, 4000]);
    const rtmp = h.series.find((s) => s.collector === 'rtmp')!;
    const ingest = h.series.find((s) => s.collector === 'hlsingress')!;
    expect([rtmp.activeSessions, rtmp.processSessions]).toEqual([[3, 3, 2], [1, 1, 1]]);
    expect([ingest.activeSessions, ingest.processSessions]).toEqual([[1, 1, null], [0, 0, null]]);
  });

  it("keeps each sample's own-process bitrates beside the collector's (the restream's hops the header leaves out)", () => {
    const b = new MetricsHistoryBuffer(2);
    b.record(snap(1000, [{ ...totals('rtmp', 3, 1), rxBitsPerSec: 5e6, txBitsPerSec: 8e6, processRxBitsPerSec: 1e3, processTxBitsPerSec: 4e6 }]));
    b.record(snap(2000, [totals('hlsingress', 1, 1)]));
    const h = b.toJSON();
    const rtmp = h.series.find((s) => s.collector === 'rtmp')!;
    expect([rtmp.rxBitsPerSec, rtmp.processRxBitsPerSec, rtmp.txBitsPerSec, rtmp.processTxBitsPerSec]).toEqual([[5e6, null], [1e3, null], [8e6, null], [4e6, null]]);
  });
});
