import { describe, expect, it } from 'vitest';
import { SESSION_BUCKET_MS, SESSION_BUCKETS, SessionSeriesBuffer } from '../../../src/main/ui/session-series.ts';
import { createUiService } from '../../../src/main/ui/service.ts';
import type { SessionRow, Snapshot } from '../../../src/shared/types.ts';
import { FakeSource, snap } from './fake-source.ts';

function session(id: string, rx: number, tx: number): SessionRow {
  return { core: 'local', collector: 'hls', id, reference: 'a', location: '/memfs/a.m3u8', peer: '198.51.100.7', extra: '', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: rx, txBitsPerSec: tx };
}
function at(atMs: number, sessions: SessionRow[]): Snapshot {
  return { atMs, cores: [], collectors: [], sessions };
}

describe('per-session series for the details chart backfill', () => {
  it('averages each 10 s, keeps 10 minutes, oldest first', () => {
    const buf = new SessionSeriesBuffer();
    const t0 = 1_000_000 * SESSION_BUCKET_MS; // a bucket boundary
    // 12 minutes of samples: tx alternates 0 and 2 Mbit/s (the saw-tooth), rx rises by bucket.
    for (let s = 0; s < 720; s++) buf.record(at(t0 + s * 1000, [session('a', Math.floor(s / 10) * 1000, s % 2 === 0 ? 0 : 2e6)]));
    const series = buf.series('local', 'hls', 'a');
    expect(series.bucketMs).toBe(SESSION_BUCKET_MS);
    expect(series.atMs).toHaveLength(SESSION_BUCKETS);
    expect(series.txBitsPerSec.every((v) => v === 1e6)).toBe(true);
    // The last bucket (samples 710..719) averages rx 71 000; the oldest kept is bucket 12 (samples 120..129).
    expect(series.rxBitsPerSec.at(-1)).toBe(71_000);
    expect(series.rxBitsPerSec[0]).toBe(12_000);
    expect(series.atMs.at(-1)).toBe(t0 + 719_000);
    expect(series.atMs[0]).toBe(t0 + 13 * SESSION_BUCKET_MS);
    expect([...series.atMs].sort((x, y) => x - y)).toEqual(series.atMs);
    expect(buf.series('local', 'hls', 'nope').atMs).toEqual([]);
  });

  it('leaves gaps where a session was not seen, drops ended sessions, ignores bad numbers', () => {
    const buf = new SessionSeriesBuffer();
    const t0 = 2_000_000 * SESSION_BUCKET_MS;
    buf.record(at(t0, [session('a', 100, NaN), session('b', 5, 5)]));
    buf.record(at(t0 + 25_000, [session('a', 300, -4)])); // b not seen since t0
    expect(buf.series('local', 'hls', 'a')).toMatchObject({ rxBitsPerSec: [100, 300], txBitsPerSec: [0, 0] });
    buf.record(at(t0 + 45_000, [session('a', 300, 0)]));
    expect(buf.size).toBe(1); // b dropped after 30 s unseen
    expect(buf.series('local', 'hls', 'b').atMs).toEqual([]);
    // A jump longer than the ring clears it all.
    buf.record(at(t0 + 45_000 + 20 * 60_000, [session('a', 7, 7)]));
    expect(buf.series('local', 'hls', 'a').rxBitsPerSec).toEqual([7]);
  });

  it('is served by the UI service as sessions:series, with its arguments checked', async () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: { version: 't', mode: 'headless', listeners: {} } });
    source.emit({ ...snap(1000), sessions: [session('x', 8, 9)] });
    const s = await ui.handlers['sessions:series']('local', 'hls', 'x');
    expect(s.rxBitsPerSec).toEqual([8]);
    await expect(ui.handlers['sessions:series']('local', 'hls', 3 as never)).rejects.toThrow(/expected a core, a collector and a session id/);
    ui.dispose();
  });
});
