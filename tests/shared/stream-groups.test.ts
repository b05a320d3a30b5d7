import { describe, expect, it } from 'vitest';
import { StreamGroups } from '../../src/shared/stream-groups.ts';
import type { SessionRow, Snapshot } from '../../src/shared/types.ts';

const row = (core: string, collector: string, id: string, reference: string, location: string, extra = ''): SessionRow => ({
  core, collector, id, reference, location, extra, peer: '198.51.100.1:5000', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 1000, txBitsPerSec: 0,
});
const snap = (atMs: number, sessions: SessionRow[]): Snapshot => ({ atMs, cores: [], collectors: [], sessions });
const counts = (t: StreamGroups, core: string): string[] => t.withPeople(core).map((s) => `${s.key}:${s.publishers}p${s.viewersTotal}v${s.closedPublisher ? 'c' : ''}`);

describe('stream groups', () => {
  it('groups by the key rule per core, in order of first session, and follows a session whose fields change', () => {
    const t = new StreamGroups();
    const pub = row('a', 'rtmp', 'x', '/live/cam', 'publish:/live/cam.stream');
    const relay = row('a', 'rtmp', 'r', '/live/cam', 'play:/live/cam.stream');
    t.update(snap(0, [row('a', 'hls', 'v', 'news_0', '/memfs/news_0.m3u8'), pub, relay, row('b', 'rtmp', 'x', '/live/cam', 'play:/live/cam.stream')]));
    expect(counts(t, 'a')).toEqual(['news:0p1v', 'cam:1p1v']);
    // The same id on core b is its own session (a viewer there).
    expect(counts(t, 'b')).toEqual(['cam:0p1v']);
    // The relay becomes the app's own process (extra set later): no longer a viewer. The publisher closes.
    t.update(snap(1000, [{ ...pub, closedAtMs: 500 }, { ...relay, extra: 'ffmpeg:p1' }]));
    expect(counts(t, 'a')).toEqual(['cam:0p0vc']);
    expect(t.stream('a', 'cam')).toMatchObject({ processes: 1, publishers: 0, ingestProtocol: null });
    expect(t.stream('a', 'news')).toBeUndefined();
    expect(counts(t, 'b')).toEqual([]);
    // A stream that left the grouping comes back as a fresh entry with fresh counts.
    t.update(snap(2000, [row('a', 'hls', 'v', 'news_0', '/memfs/news_0.m3u8'), row('a', 'hls', 'v2', 'news_1', '/memfs/news_1.m3u8')]));
    expect(counts(t, 'a')).toEqual(['news:0p2v']);
  });

  it('counts what the stream model needs: viewers per protocol, egress, processes, the first open publisher', () => {
    const t = new StreamGroups();
    const sessions = [
      { ...row('a', 'ffmpeg', 'f', 'cam', 'unknown'), txBitsPerSec: 7 },
      { ...row('a', 'hls', 'h', 'cam_0', '/memfs/cam_0.m3u8'), txBitsPerSec: 10 },
      { ...row('a', 'srt', 'sp', 'cam', 'publish:cam'), rxBitsPerSec: 300 },
      { ...row('a', 'rtmp', 'rp', '/live/cam', 'publish:/live/cam.stream'), rxBitsPerSec: 500 },
      { ...row('a', 'rtmp', 'rv', '/live/cam', 'play:/live/cam.stream'), txBitsPerSec: 20 },
      { ...row('a', 'srt', 'sv', 'cam', 'play:cam'), txBitsPerSec: 40 },
      { ...row('a', 'hls', 'gone', 'cam', '/memfs/cam.m3u8'), txBitsPerSec: 80, closedAtMs: 1 },
      row('a', 'rtmp', 'relay', '/live/cam', 'play:/live/cam.stream', 'ffmpeg:p1'),
      row('a', 'http', 'HTTP', '', 'any'),
      row('a', 'ffmpeg', 'only', 'proc', 'unknown'),
    ];
    t.update(snap(0, sessions));
    expect(t.all().map((s) => s.key)).toEqual(['cam', 'proc']);
    expect(t.stream('a', 'cam')).toMatchObject({
      publishers: 2, ingestBitsPerSec: 800, ingestProtocol: 'srt', ingestIndex: 2, viewersHls: 1, viewersRtmp: 1, viewersSrt: 1, viewersTotal: 3,
      egressBitsPerSec: 70, processes: 2, people: true,
    });
    // An ffmpeg run and the app's own relay are processes; a stream of processes only is no stream for the rules.
    expect(t.stream('a', 'proc')).toMatchObject({ processes: 1, people: false, viewersTotal: 0 });
    // The stream rules see streams with people only; their order is that of their first such session.
    expect(t.withPeople('a').map((s) => s.key)).toEqual(['cam']);
  });

  it('a second reader of the same snapshot finds it grouped; a new snapshot is grouped again', () => {
    const t = new StreamGroups();
    const s = snap(0, [row('a', 'hls', 'v', 'news', '/memfs/news.m3u8')]);
    t.update(s);
    const first = t.stream('a', 'news')!;
    expect(first.viewersTotal).toBe(1);
    t.update(s);
    expect(t.stream('a', 'news')!.viewersTotal).toBe(1);
    t.update({ ...s, atMs: 1000 });
    expect(t.stream('a', 'news')).toBe(first);
    expect(first.viewersTotal).toBe(1);
  });

  it('forgets ended sessions (bounded) and still counts the live ones right', () => {
    const t = new StreamGroups();
    const many = Array.from({ length: 5000 }, (_, i) => row('a', 'hls', `s${i}`, `k${i % 10}`, `/memfs/k${i % 10}.m3u8`));
    t.update(snap(0, many));
    expect(t.withPeople('a')).toHaveLength(10);
    // Almost everyone left, and a new session took s1's id (another creation time) on another stream.
    t.update(snap(1000, [many[0]!, { ...many[1]!, createdAtMs: 900, reference: 'k7', location: '/memfs/k7.m3u8' }]));
    expect(counts(t, 'a')).toEqual(['k0:0p1v', 'k7:0p1v']);
    t.update(snap(2000, [many[1]!]));
    expect(counts(t, 'a')).toEqual(['k1:0p1v']);
  });
});
