import { describe, expect, it } from 'vitest';
import { SAMPLES, StreamSeriesModel, streamId } from '../../src/renderer/src/store/stream-series.ts';
import type { StreamRow } from '../../src/shared/streams.ts';

function stream(key: string, viewersTotal: number, p: Partial<StreamRow> = {}): StreamRow {
  return {
    core: 'local', key, state: 'live', sinceMs: 0, ingestProtocol: 'rtmp', ingestBitsPerSec: viewersTotal * 10, publishers: 1,
    viewers: { hls: viewersTotal, rtmp: 0, srt: 0 }, viewersTotal, egressBitsPerSec: 0, processes: 0, peakViewersToday: 0, keys: [key], ...p,
  };
}

describe('stream series', () => {
  it('keeps the last SAMPLES points of each stream, aligned, oldest dropped; a stale sample is a gap', () => {
    const model = new StreamSeriesModel();
    for (let i = 1; i <= SAMPLES + 5; i++) model.append(i * 1000, [stream('a', i, i === SAMPLES + 5 ? { staleSinceMs: 1 } : {})]);
    const s = model.series.get(streamId({ core: 'local', key: 'a' }))!;
    for (const values of [s.atMs, s.hls, s.rtmp, s.srt, s.viewers, s.ingestBitsPerSec]) expect(values).toHaveLength(SAMPLES);
    expect(s.atMs[0]).toBe(6000);
    expect(s.viewers[0]).toBe(6);
    expect(s.ingestBitsPerSec[SAMPLES - 2]).toBe((SAMPLES + 4) * 10);
    expect(s.viewers[SAMPLES - 1]).toBeNull();
    // An old or repeated time adds nothing.
    model.append(3000, [stream('a', 1)]);
    expect(s.atMs).toHaveLength(SAMPLES);
  });

  it('forgets a stream not seen for the whole window', () => {
    const model = new StreamSeriesModel();
    model.append(1000, [stream('a', 1), stream('b', 1)]);
    model.append(1000 + SAMPLES * 1000 + 1, [stream('b', 2)]);
    expect([...model.series.keys()]).toEqual([streamId({ core: 'local', key: 'b' })]);
  });
});
