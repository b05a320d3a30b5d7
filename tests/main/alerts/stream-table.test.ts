import { describe, expect, it } from 'vitest';
import { AlertStreamTable } from '../../../src/main/alerts/stream-table.ts';
import type { SessionRow, Snapshot } from '../../../src/shared/types.ts';

const row = (core: string, collector: string, id: string, reference: string, location: string, extra = ''): SessionRow => ({
  core, collector, id, reference, location, extra, peer: '198.51.100.1:5000', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 1000, txBitsPerSec: 0,
});
const snap = (atMs: number, sessions: SessionRow[]): Snapshot => ({ atMs, cores: [], collectors: [], sessions });
const counts = (t: AlertStreamTable, core: string) => t.streamsOf(core).map((s) => `${s.key}:${s.publishers}p${s.viewers}v${s.closedPublisher ? 'c' : ''}`);

describe('alert stream table', () => {
  it('groups by the key rule per core, in order of first session, and follows a session whose fields change', () => {
    const t = new AlertStreamTable();
    const pub = row('a', 'rtmp', 'x', '/live/cam', 'publish:/live/cam.stream');
    const relay = row('a', 'rtmp', 'r', '/live/cam', 'play:/live/cam.stream');
    t.update(snap(0, [row('a', 'hls', 'v', 'news_0', '/memfs/news_0.m3u8'), pub, relay, row('b', 'rtmp', 'x', '/live/cam', 'play:/live/cam.stream')]));
    expect(counts(t, 'a')).toEqual(['news:0p1v', 'cam:1p1v']);
    // The same id on core b is its own session (a viewer there).
    expect(counts(t, 'b')).toEqual(['cam:0p1v']);
    // The relay becomes the app's own process (extra set later): no longer a viewer. The publisher closes.
    t.update(snap(1000, [{ ...pub, closedAtMs: 500 }, { ...relay, extra: 'ffmpeg:p1' }]));
    expect(counts(t, 'a')).toEqual(['cam:0p0vc']);
    expect(t.stream('a', 'news')).toBeUndefined();
    expect(counts(t, 'b')).toEqual([]);
    // A stream that left the table comes back as a fresh entry with fresh counts.
    t.update(snap(2000, [row('a', 'hls', 'v', 'news_0', '/memfs/news_0.m3u8'), row('a', 'hls', 'v2', 'news_1', '/memfs/news_1.m3u8')]));
    expect(counts(t, 'a')).toEqual(['news:0p2v']);
  });

  it('forgets ended sessions (bounded) and still counts the live ones right', () => {
    const t = new AlertStreamTable();
    const many = Array.from({ length: 5000 }, (_, i) => row('a', 'hls', `s${i}`, `k${i % 10}`, `/memfs/k${i % 10}.m3u8`));
    t.update(snap(0, many));
    expect(t.streamsOf('a')).toHaveLength(10);
    // Almost everyone left, and a new session took s1's id (another creation time) on another stream.
    t.update(snap(1000, [many[0]!, { ...many[1]!, createdAtMs: 900, reference: 'k7', location: '/memfs/k7.m3u8' }]));
    expect(counts(t, 'a')).toEqual(['k0:0p1v', 'k7:0p1v']);
    t.update(snap(2000, [many[1]!]));
    expect(counts(t, 'a')).toEqual(['k1:0p1v']);
  });
});
