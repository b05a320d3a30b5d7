/** A stream's history over the keys an alias merges (walk3, stop 38): the keys' series added bucket by bucket. */
import { describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { sumSeries } from '../../src/renderer/src/timeseries/sum.ts';

function part(stream: string, viewers: (number | null)[], extra: Partial<TimeseriesResult> = {}): TimeseriesResult {
  return {
    core: 'local',
    stream,
    protocol: '*',
    fromMs: 0,
    toMs: 30_000,
    stepSec: 10,
    tierSec: 10,
    atMs: [0, 10_000, 20_000],
    viewers,
    viewersPeak: viewers.map((v) => (v === null ? null : v + 1)),
    publishers: viewers.map((v) => (v === null ? null : 1)),
    rxBytes: viewers.map((v) => (v === null ? null : 100)),
    txBytes: viewers.map((v) => (v === null ? null : v * 1000)),
    observedSec: [10, 10, 0],
    gaps: [{ fromMs: 20_000, toMs: 30_000, state: 'no-data' }],
    missingCores: [],
    ...extra,
  };
}

describe('sumSeries', () => {
  it('adds the keys bucket by bucket; null only where every key is; the core\'s gaps kept', () => {
    const cam = part('cam', [2, 3, null]);
    const backup = part('cam_backup', [1, null, null]);
    const s = sumSeries([cam, backup]);
    expect(s.viewers).toEqual([3, 3, null]);
    expect(s.viewersPeak).toEqual([5, 4, null]);
    expect(s.publishers).toEqual([2, 1, null]);
    expect(s.txBytes).toEqual([3000, 3000, null]);
    expect(s.rxBytes).toEqual([200, 100, null]);
    expect([s.stream, s.observedSec, s.gaps]).toEqual(['cam,cam_backup', cam.observedSec, cam.gaps]);
  });

  it('one key is answered as it is; a part of another shape is left out', () => {
    const cam = part('cam', [2, 3, null]);
    expect(sumSeries([cam])).toBe(cam);
    expect(sumSeries([cam, part('other', [9, 9, 9], { stepSec: 60 })]).viewers).toEqual([2, 3, null]);
  });
});
