/** The key rule (stream-key.ts) on recorded and Restreamer-style references, and the stream model (streams.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifySession } from '../../src/shared/stream-key.ts';
import { GONE_KEEP_MS, StreamModel } from '../../src/shared/streams.ts';
import { countsSessions, countsTraffic } from '../../src/shared/totals.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../src/shared/types.ts';
import { FIXTURES_DIR } from '../support/test-core.ts';

describe('the key rule', () => {
  it('maps every session of a recorded Core to its stream and role', () => {
    const active = JSON.parse(readFileSync(join(FIXTURES_DIR, 'during/snap-01/session-active.json'), 'utf8')) as Record<string, Array<{ reference: string; local: string }>>;
    const got = Object.entries(active).flatMap(([collector, list]) => list.map((s) => [collector, classifySession(collector, s.reference, s.local)]));
    expect(got).toEqual([
      ['ffmpeg', { key: 'peerhls', protocol: 'ffmpeg', role: 'process' }],
      ['ffmpeg', { key: 'peerrtmp2hls', protocol: 'ffmpeg', role: 'process' }],
      ['hls', { key: 'peer-hls', protocol: 'hls', role: 'viewer' }],
      ['hls', { key: 'peer-hls', protocol: 'hls', role: 'viewer' }],
      ['hls', { key: 'peer-hls', protocol: 'hls', role: 'viewer' }],
      ['hls', { key: 'peer-ingress', protocol: 'hls', role: 'viewer' }],
      ['hlsingress', { key: 'peer-hls', protocol: 'hlsingress', role: 'publisher' }],
      ['hlsingress', { key: 'peer-ingress', protocol: 'hlsingress', role: 'publisher' }],
      ['hlsingress', { key: 'peer-rtmp2hls', protocol: 'hlsingress', role: 'publisher' }],
      ['http', null],
      ['rtmp', { key: 'peer-rtmp', protocol: 'rtmp', role: 'publisher' }],
      ['rtmp', { key: 'peer-rtmp', protocol: 'rtmp', role: 'viewer' }],
      ['rtmp', { key: 'peer-rtmp', protocol: 'rtmp', role: 'viewer' }],
      ['srt', { key: 'peer-srt', protocol: 'srt', role: 'publisher' }],
      ['srt', { key: 'peer-srt', protocol: 'srt', role: 'viewer' }],
    ]);
  });

  it('lands every Restreamer spelling of one channel id in one stream', () => {
    const id = '4186b095-7f0a-4e94-8c3d-f17459ab252f';
    const spellings: Array<[string, string, string]> = [
      ['rtmp', `/${id}`, `publish:/${id}.stream`], // RTMP /<id>.stream (Core strips the extension)
      ['rtmp', `/live/${id}`, `play:/live/${id}.stream`], // RTMP /live/<id>
      ['hls', id, `/memfs/${id}.m3u8`], // HLS main playlist
      ['hls', `${id}_0`, `/memfs/${id}_0.m3u8`], // variant playlists
      ['hlsingress', `${id}_1`, `/memfs/${id}_1.m3u8`],
      ['srt', id, `publish:${id}`], // SRT stream id <id>
      ['srt', `${id}.stream`, `play:${id}.stream`], // or <id>.stream
      ['ffmpeg', id, 'unknown'], // process reference
    ];
    for (const [c, ref, local] of spellings) expect(classifySession(c, ref, local)?.key, `${c} ${ref}`).toBe(id);
    expect(classifySession('https', '', 'any')).toBeNull();
    expect(classifySession('hls', '', '/memfs/.m3u8')).toBeNull();
  });

  it('the totals rule: people are hls, hlsingress, rtmp, srt; traffic adds ffmpeg; http is neither', () => {
    expect(['hls', 'hlsingress', 'rtmp', 'srt', 'ffmpeg', 'http', 'https'].map((c) => [c, countsSessions(c), countsTraffic(c)])).toEqual([
      ['hls', true, true],
      ['hlsingress', true, true],
      ['rtmp', true, true],
      ['srt', true, true],
      ['ffmpeg', false, true],
      ['http', false, false],
      ['https', false, false],
    ]);
  });
});

function session(core: string, collector: string, reference: string, local: string, id: string, tx = 1000, rx = 0): SessionRow {
  return { core, collector, id, reference, location: local, peer: 'r', extra: '', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: rx, txBitsPerSec: tx };
}

function snap(atMs: number, sessions: SessionRow[], cores: Array<Pick<CoreInfo, 'id' | 'state'>> = [{ id: 'local', state: 'running' }]): Snapshot {
  return { atMs, sessions, collectors: [], cores: cores.map((c) => ({ ...c, name: c.id, kind: c.id === 'local' ? 'local' : 'remote', url: '' })) };
}

describe('the stream model', () => {
  const t0 = Date.parse('2026-12-05T12:00:00');
  const live = [
    session('local', 'rtmp', '/live/cam', 'publish:/live/cam.stream', 'p', 0, 4_000_000),
    session('local', 'hls', 'cam', '/memfs/cam.m3u8', 'v1', 2_000_000),
    session('local', 'hls', 'cam_0', '/memfs/cam_0.m3u8', 'v2', 1_000_000),
    session('local', 'rtmp', '/live/cam', 'play:/live/cam.stream', 'v3', 3_000_000),
    session('local', 'http', '', 'any', 'HTTP', 9_000_000),
    session('local', 'srt', 'srtcam', 'publish:srtcam', 'p2', 0, 500_000),
  ];

  it('groups per core and key: state, ingest, viewers per protocol, egress, peak; http belongs to no stream', () => {
    const m = new StreamModel();
    const rows = m.update(snap(t0, live));
    expect(rows.map((r) => [r.key, r.state, r.ingestProtocol, r.ingestBitsPerSec, r.viewersTotal, r.viewers, r.egressBitsPerSec, r.peakViewersToday])).toEqual([
      ['cam', 'live', 'rtmp', 4_000_000, 3, { hls: 2, rtmp: 1, srt: 0 }, 6_000_000, 3],
      ['srtcam', 'live', 'srt', 500_000, 0, { hls: 0, rtmp: 0, srt: 0 }, 0, 0],
    ]);
    expect(rows[0]!.keys).toEqual(['cam']);
  });

  it('keeps since-when, the day peak, and a stream without sessions as gone for a while', () => {
    const m = new StreamModel();
    m.update(snap(t0, live));
    let cam = m.update(snap(t0 + 1000, live.filter((s) => s.id !== 'p'))).find((r) => r.key === 'cam')!;
    expect([cam.state, cam.sinceMs]).toEqual(['idle', t0 + 1000]);
    cam = m.update(snap(t0 + 2000, [live[1]!])).find((r) => r.key === 'cam')!;
    expect([cam.viewersTotal, cam.peakViewersToday, cam.sinceMs]).toEqual([1, 3, t0 + 1000]);
    cam = m.update(snap(t0 + 3000, [])).find((r) => r.key === 'cam')!;
    expect([cam.state, cam.viewersTotal, cam.peakViewersToday]).toEqual(['gone', 0, 3]);
    expect(m.update(snap(t0 + 3000 + GONE_KEEP_MS + 1000, [])).length).toBe(0);
  });

  it('a publisher or player whose connection closed counts no more: the stream is idle at the close, not at the timeout', () => {
    const m = new StreamModel();
    m.update(snap(t0, live));
    const closed = live.map((s) => (s.collector === 'rtmp' ? { ...s, closedAtMs: t0 + 500 } : s));
    const cam = m.update(snap(t0 + 1000, closed)).find((r) => r.key === 'cam')!;
    expect([cam.state, cam.sinceMs, cam.publishers, cam.viewers, cam.keys]).toEqual(['idle', t0 + 1000, 0, { hls: 2, rtmp: 0, srt: 0 }, ['cam']]);
  });

  it('a Core that stops answering keeps its last streams, marked stale since then, not zero', () => {
    const m = new StreamModel();
    const remote = [session('a', 'hls', 'news', '/memfs/news.m3u8', 'x'), session('a', 'hlsingress', 'news', '/memfs/news.m3u8', 'y', 0, 100)];
    m.update(snap(t0, remote, [{ id: 'local', state: 'running' }, { id: 'a', state: 'online' }]));
    // Stale: the fleet may still hand over the last answer, then none at all.
    let rows = m.update(snap(t0 + 3000, remote, [{ id: 'local', state: 'running' }, { id: 'a', state: 'stale' }]));
    expect(rows[0]).toMatchObject({ key: 'news', viewersTotal: 1, state: 'live', staleSinceMs: t0 + 3000 });
    rows = m.update(snap(t0 + 9000, [], [{ id: 'local', state: 'running' }, { id: 'a', state: 'unreachable' }]));
    expect(rows[0]).toMatchObject({ key: 'news', viewersTotal: 1, staleSinceMs: t0 + 3000 });
    rows = m.update(snap(t0 + 10_000, remote, [{ id: 'local', state: 'running' }, { id: 'a', state: 'online' }]));
    expect(rows[0]!.staleSinceMs).toBeUndefined();
  });

  it("starts the day peak at the history's seed (a restart), keeps the higher one, and drops a seed of another day", () => {
    const m = new StreamModel(new Map([['cam_backup', 'cam']]));
    m.seedPeaks(t0 - 3_600_000, [
      { core: 'local', stream: 'cam', peakViewers: 7 },
      { core: 'local', stream: 'cam_backup', peakViewers: 9 },
      { core: 'remote', stream: 'cam', peakViewers: 4 },
      { core: 'local', stream: 'srtcam', peakViewers: Number.NaN },
    ]);
    const rows = m.update(snap(t0, live));
    expect(rows.map((r) => [r.core, r.key, r.viewersTotal, r.peakViewersToday])).toEqual([
      ['local', 'cam', 3, 9],
      ['local', 'srtcam', 0, 0],
    ]);
    // A seed that comes after the first updates (a remote history answers late) raises a stream already shown.
    m.seedPeaks(t0, [{ core: 'local', stream: 'srtcam', peakViewers: 2 }]);
    expect(m.update(snap(t0 + 1000, live)).map((r) => r.peakViewersToday)).toEqual([9, 2]);
    // The next day starts at 0 again; yesterday's seed does not come back.
    const tomorrow = t0 + 86_400_000;
    expect(m.update(snap(tomorrow, live)).map((r) => r.peakViewersToday)).toEqual([3, 0]);
    const fresh = new StreamModel();
    fresh.seedPeaks(t0, [{ core: 'local', stream: 'cam', peakViewers: 5 }]);
    expect(fresh.update(snap(tomorrow, live))[0]!.peakViewersToday).toBe(3);
  });

  it('aliases rename and merge keys', () => {
    const m = new StreamModel(new Map([['cam_backup', 'cam']]));
    const rows = m.update(snap(t0, [session('local', 'hls', 'cam', '/memfs/cam.m3u8', 'a'), session('local', 'hls', 'cam_backup', '/memfs/cam_backup.m3u8', 'b')]));
    expect(rows.map((r) => [r.key, r.viewersTotal, r.keys])).toEqual([['cam', 2, ['cam', 'cam_backup']]]);
  });

  it("a new row shares the last row's viewers and keys only while they hold the same values; the last row stays as it was", () => {
    const m = new StreamModel(new Map([['cam_backup', 'cam']]));
    const a = session('local', 'hls', 'cam', '/memfs/cam.m3u8', 'a');
    const b = session('local', 'rtmp', '/live/cam_backup', 'play:/live/cam_backup', 'b');
    const first = m.update(snap(t0, [a, b]))[0]!;
    const kept = structuredClone(first);
    // Rates change, the viewers and keys do not: the same objects.
    const second = m.update(snap(t0 + 1000, [{ ...a, txBitsPerSec: 7 }, b]))[0]!;
    expect(second).not.toBe(first);
    expect(second.viewers).toBe(first.viewers);
    expect(second.keys).toBe(first.keys);
    // One viewer fewer, one key fewer: new objects with the new values, the last row untouched.
    const third = m.update(snap(t0 + 2000, [a]))[0]!;
    expect([third.viewers, third.keys]).toEqual([{ hls: 1, rtmp: 0, srt: 0 }, ['cam']]);
    expect(first).toEqual(kept);
    expect(second).toEqual({ ...kept, egressBitsPerSec: 1007 });
  });
});
