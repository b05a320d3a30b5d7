import { describe, expect, it } from 'vitest';
import { StreamGroups, streamRoles } from '../../src/shared/stream-groups.ts';
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

  it("a process's own ingest is the stream's only while no person publishes to it, and never a person (issue 16, ownhls)", () => {
    const t = new StreamGroups();
    // RTMP `cam` restreamed to HLS `cam` by process p1 (its RTMP play and its memfs upload marked), a person watching
    // the HLS; a URL pulled to HLS `pull` by process p2 (its upload only), nobody watching.
    const camPublisher = { ...row('a', 'rtmp', 'enc', '/live/cam', 'publish:/live/cam.stream'), rxBitsPerSec: 4000 };
    const camPlay = row('a', 'rtmp', 'relay', '/live/cam', 'play:/live/cam.stream', 'ffmpeg:p1');
    const camUpload = { ...row('a', 'hlsingress', '/memfs/cam.m3u8', 'cam', '/memfs/cam.m3u8', 'ffmpeg:p1'), rxBitsPerSec: 3900 };
    const camViewer = { ...row('a', 'hls', 'h', 'cam', '/memfs/cam.m3u8'), txBitsPerSec: 3900 };
    const pullUpload = { ...row('a', 'hlsingress', '/memfs/pull.m3u8', 'pull', '/memfs/pull.m3u8', 'ffmpeg:p2'), rxBitsPerSec: 2000 };
    t.update(snap(0, [camUpload, camPlay, camPublisher, camViewer, pullUpload]));
    // `cam`: one publisher, the encoder (its rate and protocol, not the upload's); the two process sessions.
    expect(t.stream('a', 'cam')).toMatchObject({ publishers: 1, ingestBitsPerSec: 4000, ingestProtocol: 'rtmp', ingestIndex: 2, viewersTotal: 1, processes: 2, people: true });
    // `pull`: live by its process's upload, at its rate; a stream the rules judge (it has a publisher).
    expect(t.stream('a', 'pull')).toMatchObject({ publishers: 1, ingestBitsPerSec: 2000, ingestProtocol: 'hlsingress', ingestIndex: 4, viewersTotal: 0, processes: 1, people: true });
    expect(t.withPeople('a').map((s) => s.key)).toEqual(['cam', 'pull']);
    // The encoder leaves (its connection closed): the process's upload is `cam`'s ingest now.
    t.update(snap(1000, [camUpload, camPlay, { ...camPublisher, closedAtMs: 900 }, camViewer]));
    expect(t.stream('a', 'cam')).toMatchObject({ publishers: 1, ingestBitsPerSec: 3900, ingestProtocol: 'hlsingress', closedPublisher: true, processes: 2 });
    // A person's upload (unmarked) to `pull`: the person is its publisher, the process's upload is not.
    t.update(snap(2000, [pullUpload, { ...row('a', 'hlsingress', '/memfs/pull_0.m3u8', 'pull_0', '/memfs/pull_0.m3u8', 'Lavf/60'), rxBitsPerSec: 100 }]));
    expect(t.stream('a', 'pull')).toMatchObject({ publishers: 1, ingestBitsPerSec: 100, ingestProtocol: 'hlsingress', ingestIndex: 1, processes: 1 });
  });

  it("the stream page's roles follow the same rule", () => {
    const enc = row('a', 'rtmp', 'enc', '/live/cam', 'publish:/live/cam.stream');
    const play = row('a', 'rtmp', 'relay', '/live/cam', 'play:/live/cam.stream', 'ffmpeg:p1');
    const upload = row('a', 'hlsingress', '/memfs/cam.m3u8', 'cam', '/memfs/cam.m3u8', 'ffmpeg:p1');
    const viewer = row('a', 'hls', 'h', 'cam', '/memfs/cam.m3u8');
    const run = row('a', 'ffmpeg', 'p1', 'cam', 'unknown');
    expect(streamRoles([upload, play, enc, viewer, run])).toEqual(['process', 'process', 'publisher', 'viewer', 'process']);
    expect(streamRoles([upload, play, { ...enc, closedAtMs: 1 }, viewer, run])).toEqual(['publisher', 'process', 'publisher', 'viewer', 'process']);
    expect(streamRoles([upload, run])).toEqual(['publisher', 'process']);
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
