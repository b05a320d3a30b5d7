import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { anonymizeIp, realIp, refererHost } from '../../../../src/main/http/net-util.ts';
import { CidrList } from '../../../../src/shared/cidr.ts';
import { parseMountPath } from '../../../../src/main/servers/http/paths.ts';
import {
  HlsTracker,
  isValidSessionId,
  newSessionId,
  referencedSegments,
  rewritePlaylist,
  SHORTUUID_ALPHABET,
} from '../../../../src/main/servers/http/hls.ts';
import { createMemfs, FILE_OVERHEAD_BYTES, MemfsError } from '../../../../src/main/servers/http/memfs.ts';
import { memoryLogger } from '../../../../src/main/log.ts';
import { FakeCollector } from '../../../support/fake-collector.ts';
import { FakeClock } from '../../../../src/main/engine/clock.ts';
import { Collector } from '../../../../src/main/engine/collector.ts';

const cidrSet = (list: string[]): CidrList => CidrList.parse(list, 'trusted proxies');

const fakeReq = (remote: string, headers: Record<string, string> = {}): IncomingMessage =>
  ({ socket: { remoteAddress: remote }, headers }) as unknown as IncomingMessage;

describe('addresses', () => {
  it('anonymises like Go net.IP.Mask(...).String()', () => {
    expect(anonymizeIp('203.0.113.7')).toBe('203.0.113.0');
    expect(anonymizeIp('::ffff:127.0.0.1')).toBe('127.0.0.0');
    expect(anonymizeIp('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::');
    expect(anonymizeIp('2001:db8::1')).toBe('2001:db8::');
    expect(anonymizeIp('::1')).toBe('::');
    expect(anonymizeIp('2001:0:0:1::5')).toBe('2001:0:0:1::');
    expect(anonymizeIp('fe80::1%eth0')).toBe('fe80::');
    expect(anonymizeIp('nope')).toBe('');
  });

  it('takes the Referer host like Go url.Parse(...).Host', () => {
    expect(refererHost('http://viewer-a.example/')).toBe('viewer-a.example');
    expect(refererHost('https://player.example.org:8443/x?y#z')).toBe('player.example.org:8443');
    expect(refererHost('https://user:pw@h.example/')).toBe('h.example');
    expect(refererHost('http://[2001:db8::1]:80/')).toBe('[2001:db8::1]:80');
    expect(refererHost('')).toBe('');
    expect(refererHost('no-host-here')).toBe('');
    expect(refererHost('http://a.example:port/')).toBe('http://a.example:port/');
    expect(refererHost('http://bad%zz/')).toBe('http://bad%zz/');
    expect(refererHost('a:b/c')).toBe('');
    expect(refererHost('1a:b')).toBe('1a:b');
  });

  it('believes X-Forwarded-For / X-Real-IP only from trusted proxies, walking XFF from the right', () => {
    const none = cidrSet([]);
    const trusted = cidrSet(['10.0.0.0/8', '::1/128']);
    const spoof = { 'x-forwarded-for': '198.51.100.1' };
    expect(realIp(fakeReq('203.0.113.9', spoof), none)).toBe('203.0.113.9');
    expect(realIp(fakeReq('203.0.113.9', spoof), trusted)).toBe('203.0.113.9');
    expect(realIp(fakeReq('10.1.2.3', spoof), trusted)).toBe('198.51.100.1');
    expect(realIp(fakeReq('::ffff:10.1.2.3', { 'x-forwarded-for': '1.1.1.1, 198.51.100.1, 10.9.9.9' }), trusted)).toBe('198.51.100.1');
    expect(realIp(fakeReq('::1', { 'x-real-ip': '[2001:db8::5]' }), trusted)).toBe('2001:db8::5');
    expect(() => cidrSet(['10.0.0.0/33'])).toThrow(/invalid CIDR/);
    expect(() => cidrSet(['banana'])).toThrow(/invalid CIDR/);
  });
});

describe('paths', () => {
  const ok = (u: string): string | number => {
    const p = parseMountPath(u, '/memfs');
    return p.ok ? p.name : p.status;
  };
  it('accepts plain and UTF-8 names', () => {
    expect(ok('/memfs/test.m3u8?session=x')).toBe('/test.m3u8');
    expect(ok('/memfs/a/b%20c.ts')).toBe('/a/b c.ts');
    expect(ok('/memfs/%C3%A9t%C3%A9.ts')).toBe('/été.ts');
  });
  it('refuses traversal, encoded slashes, backslashes, NUL, bad UTF-8 and empty segments', () => {
    for (const u of [
      '/memfs/../x',
      '/memfs/a/../../x',
      '/memfs/%2e%2e/x',
      '/memfs/%2E%2e/x',
      '/memfs/.%2e/x',
      '/memfs/a%2f..%2fx',
      '/memfs/a%2Fb',
      '/memfs/a\\..\\x',
      '/memfs/a%5c..%5cx',
      '/memfs/a%00b',
      '/memfs/%ff.ts',
      '/memfs/%C3',
      '/memfs/a//b',
      '/memfs/./a',
      '/memfs/%zz',
    ]) {
      expect([u, ok(u)]).toEqual([u, 400]);
    }
    expect(ok('/memfs/')).toBe(404);
    expect(ok('/memfsx/a')).toBe(404);
    expect(ok('/memfs/' + 'a'.repeat(5000))).toBe(414);
  });
});

describe('session ids', () => {
  it('are 22 characters of the shortuuid alphabet and distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newSessionId();
      expect(id).toMatch(/^[23456789A-HJ-NP-Za-km-z]{22}$/);
      expect(isValidSessionId(id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
    expect(SHORTUUID_ALPHABET).toHaveLength(57);
    expect(isValidSessionId('abc')).toBe(false);
    expect(isValidSessionId('0'.repeat(22))).toBe(false);
    expect(isValidSessionId('5Bd8qNZ4nxqHUgQhFLcpxE')).toBe(true);
  });
});

describe('playlist rewriting (spec §1.5)', () => {
  const ids = (): (() => string) => {
    let n = 0;
    return () => `NEW${++n}`;
  };
  const media = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\ntest0.ts\n#EXTINF:1.0,\ntest1.ts?x=1\nhttp://cdn.example/abs.ts\n';

  it('a media playlist without a session becomes a one-variant master pointing at itself', () => {
    expect(rewritePlaylist(media, '', '/memfs/test.m3u8', '', ids())).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1024\ntest.m3u8?session=NEW1\n',
    );
    expect(rewritePlaylist(media, '', '/memfs/test.m3u8', 'token=a%20b', ids())).toContain('test.m3u8?session=NEW1&token=a+b\n');
  });

  it('a media playlist with a session gets it on every relative segment; request parameters are carried', () => {
    expect(rewritePlaylist(media, 'S', '/memfs/test.m3u8', 'session=S&token=t', ids())).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\ntest0.ts?session=S&token=t\n#EXTINF:1.0,\n' +
        'test1.ts?session=S&token=t&x=1\nhttp://cdn.example/abs.ts\n',
    );
  });

  it('fMP4: .m4s segments and the EXT-X-MAP init segment are rewritten too (beyond Core)', () => {
    const f = '#EXTM3U\r\n#EXT-X-MAP:URI="init.mp4"\r\n#EXTINF:1.0,\r\nseg1.m4s\r\n';
    expect(rewritePlaylist(f, 'S', '/memfs/f.m3u8', 'session=S', ids())).toBe(
      '#EXTM3U\n#EXT-X-MAP:URI="init.mp4?session=S"\n#EXTINF:1.0,\nseg1.m4s?session=S\n',
    );
  });

  it('a master playlist gives each variant a fresh session; a self reference becomes a comment', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhigh.m3u8?a=1\n#EXT-X-STREAM-INF:BANDWIDTH=3\nmain.m3u8\n';
    expect(rewritePlaylist(master, '', '/memfs/main.m3u8', '', ids())).toBe(
      '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8?session=NEW1\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhigh.m3u8?a=1&session=NEW2\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=3\n# m3u8 is referencing itself: main.m3u8?session=NEW3\n',
    );
  });

  it('finds the referenced segments of an uploaded playlist', () => {
    expect(referencedSegments('#EXT-X-MAP:URI="init.mp4"\na.ts\n../up.ts\n/abs/b.m4s\nx.txt\nhttp://h/c.ts\n', '/memfs/live/p.m3u8')).toEqual([
      '/memfs/live/init.mp4',
      '/memfs/live/a.ts',
      '/memfs/up.ts',
      '/abs/b.m4s',
    ]);
  });
});

describe('HlsTracker with a fake collector', () => {
  const setup = (o: { maxSessions?: number; maxTxBitsPerSec?: number } = {}) => {
    const hls = new FakeCollector('hls', o);
    const hlsingress = new FakeCollector('hlsingress');
    let now = 0;
    const t = new HlsTracker({ hls, hlsingress, log: memoryLogger(), now: () => now, uploadMemoryMs: 1000, uploadMemoryMax: 3 });
    return { hls, hlsingress, t, tick: (ms: number) => (now += ms) };
  };
  const req = (headers: Record<string, string> = {}) => fakeReq('203.0.113.7', headers);

  it('registers a valid unknown id with reference, location, referer host and anonymised extra', () => {
    const { hls, t } = setup();
    const id = newSessionId();
    expect(t.admitPlaylist(req({ referer: 'http://viewer-a.example/', 'user-agent': 'UA/1' }), '/memfs/test.m3u8', id, '203.0.113.7')).toEqual({ ok: true });
    expect(hls.sessions.get(id)).toMatchObject({ reference: 'test', location: '/memfs/test.m3u8', peer: 'viewer-a.example', extra: '[203.0.113.0] UA/1', active: false });
    expect(t.admitPlaylist(req(), '/memfs/test.m3u8', 'abc', '203.0.113.7')).toMatchObject({ ok: false, status: 403 });
    expect(t.admitPlaylist(req(), '/memfs/test.m3u8', '', '203.0.113.7')).toEqual({ ok: true });
    expect(hls.sessions.size).toBe(1);
  });

  it('509 when sessions are exceeded (active only) or the bitrate would be', () => {
    const a = setup({ maxSessions: 1 });
    a.hls.registerAndActivate('x', '', '', '');
    expect(a.t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '1.2.3.4')).toEqual({
      ok: false,
      status: 509,
      details: ['Number of sessions exceeded'],
      message: 'Bandwith limit exceeded',
    });
    const b = setup({ maxTxBitsPerSec: 1000 });
    b.hlsingress.tops.set('/memfs/t.m3u8', 500);
    expect(b.t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '1.2.3.4')).toMatchObject({ status: 509, details: ['Bitrate limit exceeded'] });
    b.hlsingress.tops.set('/memfs/t.m3u8', 400);
    const id = newSessionId();
    expect(b.t.admitPlaylist(req(), '/memfs/t.m3u8', id, '1.2.3.4')).toEqual({ ok: true });
    expect(b.hls.sessions.get(id)?.topTxBitsPerSec).toBe(800);
  });

  it('hlsingress: segment sizes are counted when a playlist references them, bounded in number and time', () => {
    const { hlsingress, t, tick } = setup();
    t.segmentUploaded('/memfs/p0.ts', 100);
    t.segmentUploaded('/memfs/p1.ts', 200);
    t.playlistUploaded('/memfs/p.m3u8', 50, Buffer.from('#EXTM3U\np0.ts\n'), 'Lavf/59');
    const s = hlsingress.sessions.get('/memfs/p.m3u8')!;
    expect(s).toMatchObject({ reference: 'p', location: '/memfs/p.m3u8', peer: 'unknown', extra: 'Lavf/59', active: true });
    expect(s.rxBytes).toBe(50 + 14 + 100);
    t.playlistUploaded('/memfs/p.m3u8', 50, Buffer.from('#EXTM3U\np0.ts\np1.ts\n'), 'Lavf/59');
    expect(s.rxBytes).toBe(164 + 50 + 20 + 200);
    expect(t.rememberedUploads).toBe(0);
    for (let i = 0; i < 10; i++) t.segmentUploaded(`/memfs/x${i}.ts`, 1);
    expect(t.rememberedUploads).toBe(3);
    tick(2000);
    t.segmentUploaded('/memfs/y.ts', 1);
    expect(t.rememberedUploads).toBe(1);
    t.playlistUploaded('/memfs/empty.m3u8', 50, Buffer.alloc(0), 'x');
    expect(hlsingress.sessions.has('/memfs/empty.m3u8')).toBe(false);
  });

  it('509 for a client over its live-session bound; its ended sessions free room; other clients and known ids pass (audit, stop 38)', () => {
    const hls = new FakeCollector('hls');
    const lines: string[] = [];
    const t = new HlsTracker({ hls, hlsingress: new FakeCollector('hlsingress'), log: memoryLogger(lines), maxSessionsPerClient: 3 });
    const ids = Array.from({ length: 3 }, () => newSessionId());
    // Two addresses of one IPv6 /64 are one client.
    for (const [i, id] of ids.entries()) expect(t.admitPlaylist(req(), '/memfs/t.m3u8', id, i === 0 ? '2001:db8::1' : '2001:db8::2')).toEqual({ ok: true });
    expect(t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '2001:db8::3')).toEqual({
      ok: false,
      status: 509,
      details: ['Number of sessions from this client exceeded'],
      message: 'Bandwith limit exceeded',
    });
    expect(t.refusedPerClient).toBe(1);
    expect(lines.join('\n')).toMatch(/too many sessions from one client.*2001:db8:0:0::\/64/);
    // A session the client already has is not a new one; another client is not held by this one's bound.
    expect(t.admitPlaylist(req(), '/memfs/t.m3u8', ids[1]!, '2001:db8::2')).toEqual({ ok: true });
    expect(t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '203.0.113.7')).toEqual({ ok: true });
    // One of its sessions ends (closed into the history): room for one more, and only one.
    hls.unregister(ids[0]!);
    expect(t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '2001:db8::9')).toEqual({ ok: true });
    expect(t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '2001:db8::9')).toMatchObject({ ok: false, status: 509 });
    // Without a bound (0, the tracker's default) nothing is refused.
    const open = setup();
    for (let i = 0; i < 50; i++) expect(open.t.admitPlaylist(req(), '/memfs/t.m3u8', newSessionId(), '203.0.113.7')).toEqual({ ok: true });
  });

  it('playlist uploads: a new upload session beyond the bound is not admitted; one that continues its session is', () => {
    const hlsingress = new FakeCollector('hlsingress');
    const t = new HlsTracker({ hls: new FakeCollector('hls'), hlsingress, log: memoryLogger(), maxSessionsPerClient: 2 });
    const body = Buffer.from('#EXTM3U\n');
    for (const name of ['a', 'b']) {
      expect(t.admitUpload(`/memfs/${name}.m3u8`, '198.51.100.7')).toBe(true);
      t.playlistUploaded(`/memfs/${name}.m3u8`, 10, body, 'Lavf', '198.51.100.7:5000', '198.51.100.7');
    }
    expect(t.admitUpload('/memfs/c.m3u8', '198.51.100.7')).toBe(false);
    expect(t.admitUpload('/memfs/a.m3u8', '198.51.100.7')).toBe(true); // its next version
    expect(t.admitUpload('/memfs/c.m3u8', '203.0.113.7')).toBe(true); // another client
    hlsingress.unregister('/memfs/b.m3u8'); // timed out
    expect(t.admitUpload('/memfs/c.m3u8', '198.51.100.7')).toBe(true);
    expect(t.refusedPerClient).toBe(1);
  });

  it('forgets clients whose sessions all ended (the per-client sets stay bounded by the live sessions)', () => {
    const hls = new FakeCollector('hls');
    const t = new HlsTracker({ hls, hlsingress: new FakeCollector('hlsingress'), log: memoryLogger(), maxSessionsPerClient: 5 });
    for (let i = 0; i < 2048; i++) {
      const id = newSessionId();
      expect(t.admitPlaylist(req(), '/memfs/t.m3u8', id, `10.0.${i >> 8}.${i & 255}`)).toEqual({ ok: true });
      hls.unregister(id);
    }
    expect(t.trackedClients).toBeLessThanOrEqual(1);
  });

  it("hlsingress: the uploading connection is what the owner hook is asked about; the peer stays Core's `unknown` (issue 16, ownhls)", () => {
    const clock = new FakeClock(0);
    const hlsingress = new Collector('hlsingress', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 30_000 });
    hlsingress.setOwnerOf((peer) => (peer === '127.0.0.1:41000' ? 'ffmpeg:restream' : undefined));
    const t = new HlsTracker({ hls: new FakeCollector('hls'), hlsingress, log: memoryLogger(), now: () => clock.now() });
    t.playlistUploaded('/memfs/cam.m3u8', 50, Buffer.from('#EXTM3U\n'), 'Lavf/60', '127.0.0.1:41000');
    t.playlistUploaded('/memfs/enc.m3u8', 50, Buffer.from('#EXTM3U\n'), 'Lavf/59', '198.51.100.7:5000');
    // A later upload of the same playlist from another connection (FFmpeg's next PUT) keeps the session as it was.
    t.playlistUploaded('/memfs/cam.m3u8', 50, Buffer.from('#EXTM3U\n'), 'Lavf/60', '127.0.0.1:41001');
    expect(hlsingress.active().map((s) => [s.id, s.peer, s.extra])).toEqual([
      ['/memfs/cam.m3u8', 'unknown', 'ffmpeg:restream'],
      ['/memfs/enc.m3u8', 'unknown', 'Lavf/59'],
    ]);
    void hlsingress.stop();
  });
});

describe('memfs', () => {
  it('purges the oldest files over the limit and refuses a single file over it with 413', () => {
    let now = 1000;
    // Bytes and names only (no fixed overhead per file), so 40-byte files fit two to the 100.
    const fs = createMemfs({ maxBytes: 100, fileOverheadBytes: 0, log: memoryLogger(), now: () => now++ });
    fs.put('/a', Buffer.alloc(40));
    fs.put('/b', Buffer.alloc(40));
    fs.put('/a', Buffer.alloc(40)); // rewrite makes /a the newest
    expect(fs.put('/c', Buffer.alloc(40)).purged).toEqual(['/b']);
    expect(fs.list().map((f) => f.name)).toEqual(['/a', '/c']);
    expect(fs.usedBytes()).toBe(80);
    expect(() => fs.put('/big', Buffer.alloc(101))).toThrow(MemfsError);
    expect(fs.has('/a') && fs.has('/c')).toBe(true);
    expect(fs.get('/c')?.contentType).toBe('application/octet-stream');
    expect(fs.put('/x.m3u8', Buffer.alloc(21)).purged).toEqual(['/a']);
    expect(fs.get('/x.m3u8')?.contentType).toBe('application/vnd.apple.mpegurl');
  });

  it('charges each file its name and FILE_OVERHEAD_BYTES against the size limit: tiny files cannot hold memory outside it (audit, stop 38)', () => {
    const name = (i: number): string => `/${'n'.repeat(1000)}${String(i).padStart(3, '0')}`;
    const cost = 1 + 2 * name(0).length + FILE_OVERHEAD_BYTES;
    const fs = createMemfs({ maxBytes: 10 * cost, log: memoryLogger() });
    for (let i = 0; i < 100; i++) fs.put(name(i), Buffer.from('x'));
    expect(fs.fileCount()).toBe(10);
    expect(fs.has(name(99)) && !fs.has(name(89))).toBe(true);
    expect(fs.usedBytes()).toBe(10); // what the files hold: their bytes
    fs.delete(name(99));
    fs.put('/short', Buffer.from('x'));
    expect(fs.fileCount()).toBe(10);
  });

  it('bounds the number of files', () => {
    const fs = createMemfs({ maxBytes: 0, maxFiles: 3, log: memoryLogger() });
    for (let i = 0; i < 5; i++) fs.put(`/f${i}`, Buffer.from('x'));
    expect(fs.list().map((f) => f.name)).toEqual(['/f2', '/f3', '/f4']);
  });
});
