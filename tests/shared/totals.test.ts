/** The one rule for people and traffic in headline totals (src/shared/totals.ts), the app's own processes included. */
import { describe, expect, it } from 'vitest';
import { addToTotals, isProcessSession, type Totals } from '../../src/shared/totals.ts';

const t = (collector: string, activeSessions: number, processSessions: number, rx = 0, tx = 0, processRx = 0, processTx = 0) => ({
  collector,
  activeSessions,
  processSessions,
  rxBitsPerSec: rx,
  txBitsPerSec: tx,
  processRxBitsPerSec: processRx,
  processTxBitsPerSec: processTx,
});

describe('totals rule', () => {
  it('counts the people collectors less their own-process sessions, and traffic once', () => {
    const sum: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    for (const c of [t('rtmp', 3, 1, 10, 20), t('hlsingress', 1, 0, 5, 0), t('http', 9, 0, 100, 100), t('ffmpeg', 1, 0, 7, 8), t('hls', 2, 0, 0, 4)]) addToTotals(sum, c);
    expect(sum).toEqual({ activeSessions: 3 + 1 + 2 - 1, rxBitsPerSec: 10 + 5 + 7, txBitsPerSec: 20 + 8 + 4 });
  });

  it("leaves out a local restream's hops: the bitrates of the people collectors' own-process sessions", () => {
    // An encoder publishes `cam` at 4 Mbit/s; a process plays it (rtmp tx 4) and uploads it to memfs (hlsingress rx 4);
    // one person watches the HLS (hls tx 4). At the edge: 4 in, 4 out.
    const sum: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    for (const c of [t('rtmp', 2, 1, 4e6, 4e6, 0, 4e6), t('hlsingress', 1, 1, 4e6, 0, 4e6, 0), t('hls', 1, 0, 0, 4e6), t('http', 3, 0, 8e6, 4e6)]) addToTotals(sum, c);
    expect(sum).toEqual({ activeSessions: 2, rxBitsPerSec: 4e6, txBitsPerSec: 4e6 });
  });

  it("never takes a collector's traffic below 0 (its rate and its sessions' rates are read apart)", () => {
    const sum: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    addToTotals(sum, t('rtmp', 1, 1, 100, 50, 120, 60));
    expect(sum).toEqual({ activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 });
  });

  it('names an own-process session only in a people collector, with a process id after the prefix', () => {
    expect(isProcessSession('rtmp', 'ffmpeg:relay')).toBe(true);
    expect(isProcessSession('srt', 'ffmpeg:x')).toBe(true);
    expect(isProcessSession('rtmp', 'ffmpeg:')).toBe(false); // no id
    expect(isProcessSession('rtmp', 'OBS 30.1')).toBe(false);
    expect(isProcessSession('ffmpeg', 'ffmpeg:relay')).toBe(false); // a run, never a person anyway
    expect(isProcessSession('http', 'ffmpeg:relay')).toBe(false);
  });
});
