/** The one rule for people and traffic in headline totals (src/shared/totals.ts), the app's own processes included. */
import { describe, expect, it } from 'vitest';
import { addToTotals, isProcessSession, type Totals } from '../../src/shared/totals.ts';

const t = (collector: string, activeSessions: number, processSessions: number, rx = 0, tx = 0) => ({ collector, activeSessions, processSessions, rxBitsPerSec: rx, txBitsPerSec: tx });

describe('totals rule', () => {
  it('counts the people collectors less their own-process sessions, and traffic once', () => {
    const sum: Totals = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    for (const c of [t('rtmp', 3, 1, 10, 20), t('hlsingress', 1, 0, 5, 0), t('http', 9, 0, 100, 100), t('ffmpeg', 1, 0, 7, 8), t('hls', 2, 0, 0, 4)]) addToTotals(sum, c);
    expect(sum).toEqual({ activeSessions: 3 + 1 + 2 - 1, rxBitsPerSec: 10 + 5 + 7, txBitsPerSec: 20 + 8 + 4 });
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
