/**
 * The history charts' hint (walk3, stop 38): the amber stretches of an all-cores chart name the Cores that were not
 * answering, and the bucket width reads in days over a year.
 */
import { describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { historyLines, missingCoresNote, stepText } from '../../src/renderer/src/components/HistoryCharts.tsx';

const names: Record<string, string> = { r1: 'Studio Remote', r2: 'Edge 2', r3: 'Edge 3', r4: 'Edge 4' };
const nameOf = (id: string): string => names[id] ?? id;

describe('history charts hint', () => {
  it('names each missing Core once, with the state of its longest stretch', () => {
    expect(missingCoresNote([], nameOf)).toBe('');
    expect(
      missingCoresNote(
        [
          { fromMs: 0, toMs: 10, core: 'r1', state: 'stale' },
          { fromMs: 10, toMs: 100, core: 'r1', state: 'unreachable' },
        ],
        nameOf,
      ),
    ).toBe('amber: Studio Remote (unreachable) not answering, its viewers and traffic are not in the sums there');
    const many = ['r1', 'r2', 'r3', 'r4', 'gone'].map((core, i) => ({ fromMs: i, toMs: i + 5, core, state: 'unreachable' }));
    expect(missingCoresNote(many, nameOf)).toBe(
      'amber: Studio Remote (unreachable), Edge 2 (unreachable), Edge 3 (unreachable) and 2 more not answering, their viewers and traffic are not in the sums there',
    );
  });

  it('says a bucket width in the largest whole unit', () => {
    expect([stepText(10), stepText(120), stepText(3600), stepText(21_600), stepText(86_400), stepText(604_800), stepText(90_000)]).toEqual(['10 s', '2 min', '1 h', '6 h', '1 d', '7 d', '25 h']);
  });
});

describe('history lines', () => {
  const result = (viewers: (number | null)[], peak: (number | null)[]): TimeseriesResult => ({
    core: 'x', stream: '*', protocol: '*', fromMs: 0, toMs: 20_000, stepSec: 10, tierSec: 10, atMs: [0, 10_000],
    viewers, viewersPeak: peak, publishers: [1, 1], rxBytes: [100, null], txBytes: [1000, null], observedSec: [10, 0], gaps: [], missingCores: [],
  });

  it('one series: average and peak viewers, egress and ingress in bit/s', () => {
    const l = historyLines([{ name: '', result: result([2, null], [3, null]) }]);
    expect(l.viewers.map((x) => [x.label, x.dashed ?? false])).toEqual([['viewers (average)', false], ['viewers (peak)', true]]);
    expect(l.traffic.map((x) => [x.label, x.values])).toEqual([['egress', [800, null]], ['ingress', [80, null]]]);
    expect([l.peak, l.points]).toEqual([3, 1]);
  });

  it('per core: a line each, named, in its own colour; the peak is the highest of any core', () => {
    const l = historyLines([{ name: 'This computer', result: result([2, null], [3, null]) }, { name: 'Studio Remote', result: result([7, 8], [9, 12]) }]);
    expect(l.viewers.map((x) => x.label)).toEqual(['This computer viewers', 'Studio Remote viewers']);
    expect(l.traffic.map((x) => [x.label, x.dashed ?? false])).toEqual([['This computer egress', false], ['This computer ingress', true], ['Studio Remote egress', false], ['Studio Remote ingress', true]]);
    expect(new Set(l.viewers.map((x) => x.color)).size).toBe(2);
    expect(l.peak).toBe(12);
  });
});
