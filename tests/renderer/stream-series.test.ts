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
    const id = streamId({ core: 'local', key: 'a' });
    const s = model.get(id)!;
    for (const values of [s.atMs, s.hls, s.rtmp, s.srt, s.viewers, s.ingestBitsPerSec]) expect(values).toHaveLength(SAMPLES);
    expect(s.atMs[0]).toBe(6000);
    expect(s.viewers[0]).toBe(6);
    expect(s.ingestBitsPerSec[SAMPLES - 2]).toBe((SAMPLES + 4) * 10);
    expect(s.viewers[SAMPLES - 1]).toBeNull();
    // An old or repeated time adds nothing.
    model.append(3000, [stream('a', 1)]);
    expect(model.get(id)).toEqual(s);
  });

  it('forgets a stream not seen for the whole window', () => {
    const model = new StreamSeriesModel();
    model.append(1000, [stream('a', 1), stream('b', 1)]);
    model.append(1000 + SAMPLES * 1000 + 1, [stream('b', 2)]);
    expect([...model.ids()]).toEqual([streamId({ core: 'local', key: 'b' })]);
    // Back after it was forgotten: a series of its own from then on; the same key on another core is another stream.
    model.append(2000 + SAMPLES * 1000, [stream('b', 3), stream('a', 4), stream('a', 5, { core: 'r1' })]);
    expect(model.get(streamId({ core: 'local', key: 'a' }))?.viewers).toEqual([4]);
    expect(model.get(streamId({ core: 'r1', key: 'a' }))?.viewers).toEqual([5]);
    expect(model.get(streamId({ core: 'local', key: 'b' }))?.viewers).toEqual([1, 2, 3]);
  });

  it('holds, per stream, exactly the samples of the last SAMPLES pushes it was in, also when it skips pushes and the ring wraps', () => {
    const model = new StreamSeriesModel();
    // The plain definition: every push kept, a stream's samples are the last SAMPLES pushes' where it was listed.
    const pushes: { atMs: number; rows: StreamRow[] }[] = [];
    for (let n = 0; n < SAMPLES * 2 + 77; n++) {
      const rows: StreamRow[] = [];
      for (let k = 0; k < 5; k++) {
        if ((n * (k + 1)) % (7 + k) === 3) continue; // skips pushes, each stream its own way
        if (k === 4 && n > 300 && n < 1000) continue; // gone for a while, back after more than the ring holds
        rows.push(stream(`s${k}`, (n * 13 + k) % 50, n % 97 === k ? { staleSinceMs: 1 } : { ingestBitsPerSec: 1_000_000 + n * 1234.5 }));
      }
      const atMs = 1_765_000_000_000 + n * 1000;
      pushes.push({ atMs, rows });
      model.append(atMs, rows);
    }
    const recent = pushes.slice(-SAMPLES);
    for (let k = 0; k < 5; k++) {
      const key = `s${k}`;
      const want = { atMs: [] as number[], hls: [] as (number | null)[], viewers: [] as (number | null)[], ingestBitsPerSec: [] as (number | null)[] };
      for (const p of recent) {
        const r = p.rows.find((x) => x.key === key);
        if (!r) continue;
        const stale = r.staleSinceMs !== undefined;
        want.atMs.push(p.atMs);
        want.hls.push(stale ? null : r.viewers.hls);
        want.viewers.push(stale ? null : r.viewersTotal);
        want.ingestBitsPerSec.push(stale ? null : Math.fround(r.ingestBitsPerSec));
      }
      const got = model.get(streamId({ core: 'local', key }))!;
      expect({ atMs: got.atMs, hls: got.hls, viewers: got.viewers, ingestBitsPerSec: got.ingestBitsPerSec }).toEqual(want);
      expect(got.atMs.length).toBeGreaterThan(200);
      const at = new Float64Array(SAMPLES);
      const viewers = new Float64Array(SAMPLES);
      const n = model.viewersInto(streamId({ core: 'local', key }), at, viewers);
      expect([...at.subarray(0, n)]).toEqual(want.atMs);
      expect([...viewers.subarray(0, n)].map((v) => (Number.isNaN(v) ? null : v))).toEqual(want.viewers);
    }
  });
});
