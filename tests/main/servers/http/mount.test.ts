import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startHarness, type Harness } from './harness.ts';
import { sleep, waitFor } from '../../../support/wait.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const AUTH = 'Basic ' + Buffer.from('admin:secret').toString('base64');

/** Sends raw bytes and returns everything the server answers until it closes or `ms` pass. */
function raw(port: number, text: string | Buffer, o: { ms?: number; keepOpen?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => resolve(out));
    s.write(text);
    setTimeout(() => {
      s.destroy();
      resolve(out);
    }, o.ms ?? 3000);
  });
}

describe('memfs over HTTP', () => {
  it('PUT/GET/HEAD/Range/DELETE with Content-Type, Content-Length, Last-Modified', async () => {
    h = await startHarness();
    const p = h.port;
    const created = await request(p, 'PUT', '/memfs/a/hello.txt', { body: 'hello world' });
    expect([created.status, created.headers['content-location'], created.body.toString()]).toEqual([201, '/memfs/a/hello.txt', '']); // as Core's PutFile
    expect((await request(p, 'PUT', '/memfs/a/hello.txt', { body: 'hello memfs' })).status).toBe(204);
    const g = await request(p, 'GET', '/memfs/a/hello.txt');
    expect(g.status).toBe(200);
    expect(g.body.toString()).toBe('hello memfs');
    expect(g.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(g.headers['content-length']).toBe('11');
    expect(Date.parse(g.headers['last-modified']!)).toBeGreaterThan(0);
    const head = await request(p, 'HEAD', '/memfs/a/hello.txt');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('11');
    expect(head.body.length).toBe(0);
    const r = await request(p, 'GET', '/memfs/a/hello.txt', { headers: { Range: 'bytes=6-' } });
    expect([r.status, r.body.toString(), r.headers['content-range']]).toEqual([206, 'memfs', 'bytes 6-10/11']);
    const r2 = await request(p, 'GET', '/memfs/a/hello.txt', { headers: { Range: 'bytes=-3' } });
    expect(r2.body.toString()).toBe('mfs');
    const r3 = await request(p, 'GET', '/memfs/a/hello.txt', { headers: { Range: 'bytes=50-60' } });
    expect([r3.status, r3.headers['content-range']]).toEqual([416, 'bytes */11']);
    const ims = await request(p, 'GET', '/memfs/a/hello.txt', { headers: { 'If-Modified-Since': g.headers['last-modified']! } });
    expect(ims.status).toBe(304);
    expect((await request(p, 'POST', '/memfs/b.ts', { body: Buffer.alloc(10) })).status).toBe(201);
    expect((await request(p, 'GET', '/memfs/b.ts')).headers['content-type']).toBe('video/MP2T');
    const list = JSON.parse((await request(p, 'GET', '/api/v3/fs/mem?sort=name&order=desc')).body.toString());
    expect(list.map((f: { name: string }) => f.name)).toEqual(['/b.ts', '/a/hello.txt']);
    expect(list[1]).toEqual({ name: '/a/hello.txt', size_bytes: 11, last_modified: Math.floor(h.memfs.get('/a/hello.txt')!.lastModified / 1000) });
    expect(JSON.parse((await request(p, 'GET', '/api/v3/fs/mem?glob=/a/*')).body.toString())).toHaveLength(1);
    const del = await request(p, 'DELETE', '/memfs/a/hello.txt');
    expect([del.status, del.body.toString()]).toEqual([200, 'Deleted: /a/hello.txt']); // as Core's DeleteFile
    const gone = await request(p, 'GET', '/memfs/a/hello.txt');
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body.toString())).toEqual({ code: 404, message: 'File not found', details: ['/a/hello.txt'] });
    expect((await request(p, 'PATCH', '/memfs/b.ts')).status).toBe(405);
  });

  it('basic auth guards writes only', async () => {
    h = await startHarness({ mount: { auth: { username: 'admin', password: 'secret' } } });
    const p = h.port;
    const no = await request(p, 'PUT', '/memfs/x.txt', { body: 'x' });
    expect(no.status).toBe(401);
    expect(no.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = 'Basic ' + Buffer.from('admin:nope').toString('base64');
    expect((await request(p, 'PUT', '/memfs/x.txt', { body: 'x', headers: { Authorization: wrong } })).status).toBe(401);
    expect((await request(p, 'PUT', '/memfs/x.txt', { body: 'x', headers: { Authorization: AUTH } })).status).toBe(201);
    expect((await request(p, 'GET', '/memfs/x.txt')).status).toBe(200);
    expect((await request(p, 'DELETE', '/memfs/x.txt')).status).toBe(401);
    expect((await request(p, 'DELETE', '/memfs/x.txt', { headers: { Authorization: AUTH } })).status).toBe(200);
  });

  it('bad names get a clear 400 and harm no file', async () => {
    h = await startHarness();
    const p = h.port;
    await request(p, 'PUT', '/memfs/x', { body: 'keep' });
    await request(p, 'PUT', '/memfs/a/x', { body: 'keep too' });
    for (const path of ['/memfs/../x', '/memfs/a/../x', '/memfs/%2e%2e/x', '/memfs/a%2f..%2fx', '/memfs/a%2Fx', '/memfs/a\\..\\x', '/memfs/a%5cx', '/memfs/x%00', '/memfs/%ff%fe.ts', '/memfs//x', '/memfs/a/./x']) {
      const put = await request(p, 'PUT', path, { body: 'evil' });
      expect([path, put.status]).toEqual([path, 400]);
      const get = await request(p, 'GET', path);
      expect([path, get.status]).toEqual([path, 400]);
      expect(JSON.parse(get.body.toString()).code).toBe(400);
    }
    // Raw non-UTF-8 bytes in the request line.
    const rawReply = await raw(p, Buffer.concat([Buffer.from('GET /memfs/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    expect(rawReply).toMatch(/^HTTP\/1\.1 400/);
    expect(h.memfs.list().map((f) => [f.name, f.data.toString()])).toEqual([
      ['/x', 'keep'],
      ['/a/x', 'keep too'],
    ]);
    expect((await request(p, 'GET', '/memfs/x')).body.toString()).toBe('keep');
  });

  it('size limits: absurd Content-Length, oversized chunked body, endless playlist → 413; old file intact', async () => {
    h = await startHarness({ memfsMaxBytes: 100_000, mount: { maxPlaylistBytes: 10_000 } });
    const p = h.port;
    await request(p, 'PUT', '/memfs/f.bin', { body: 'old' });
    await request(p, 'PUT', '/memfs/p.m3u8', { body: '#EXTM3U\n' });
    const absurd = await raw(p, 'PUT /memfs/f.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\nabc', { ms: 2000 });
    expect(absurd).toMatch(/^HTTP\/1\.1 413/);
    const big = await request(p, 'PUT', '/memfs/f.bin', { body: Buffer.alloc(200_000), keepAlive: false, headers: { 'Transfer-Encoding': 'chunked' } }).catch(() => ({ status: -1 }));
    expect([413, -1]).toContain(big.status); // the server may close while the client still sends
    // A playlist that never ends: chunks keep coming until the cap cuts it off.
    const endless = await new Promise<string>((resolve) => {
      const s = net.connect(p, '127.0.0.1');
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('error', () => {});
      s.on('close', () => resolve(out));
      s.write('PUT /memfs/p.m3u8 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const line = Buffer.from('#EXTINF:1.0,\nsegment-that-goes-on.ts\n');
      const iv = setInterval(() => {
        if (s.destroyed) return clearInterval(iv);
        s.write(line.length.toString(16) + '\r\n' + line.toString() + '\r\n');
      }, 1);
      setTimeout(() => {
        clearInterval(iv);
        s.destroy();
        resolve(out);
      }, 5000);
    });
    expect(endless).toMatch(/^HTTP\/1\.1 413/);
    expect(h.memfs.get('/f.bin')!.data.toString()).toBe('old');
    expect(h.memfs.get('/p.m3u8')!.data.toString()).toBe('#EXTM3U\n');
    expect((await request(p, 'GET', '/memfs/f.bin')).status).toBe(200);
  });

  it('the size limit holds over HTTP (oldest purged first) and unfinished uploads are bounded (503)', async () => {
    h = await startHarness({ memfsMaxBytes: 10_000, mount: { maxInflightBytes: 1000 } }); // raised to the 10 000 file cap
    const p = h.port;
    for (let i = 0; i < 5; i++) expect((await request(p, 'PUT', `/memfs/f${i}.bin`, { body: Buffer.alloc(3000) })).status).toBe(201);
    expect(h.memfs.usedBytes()).toBeLessThanOrEqual(10_000);
    // Each file is charged its 3000 bytes, its name and FILE_OVERHEAD_BYTES: two fit in 10 000.
    expect(h.memfs.list().map((f) => f.name)).toEqual(['/f3.bin', '/f4.bin']);
    expect((await request(p, 'PUT', '/memfs/huge.bin', { body: Buffer.alloc(10_001) })).status).toBe(413);
    expect(h.memfs.list()).toHaveLength(2);
    // One upload holds 9000 bytes in flight; a second that would pass 10 000 is refused, the first still completes.
    const s = net.connect(p, '127.0.0.1');
    let first = '';
    s.on('data', (d) => (first += d.toString()));
    s.write('PUT /memfs/slow.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 9500\r\n\r\n' + 'a'.repeat(9000));
    await waitFor(() => h!.memfs.fileCount() === 2 && sleep(100).then(() => true), 'condition', 5000, 100);
    const second = await request(p, 'PUT', '/memfs/other.bin', { body: Buffer.alloc(2000), keepAlive: false });
    expect(second.status).toBe(503);
    s.write('a'.repeat(500));
    await waitFor(() => /^HTTP\/1\.1 201/.test(first), 'first upload to finish', 5000, 100);
    s.destroy();
    expect(h.memfs.get('/slow.bin')!.size).toBe(9500);
    expect(h.memfs.usedBytes()).toBeLessThanOrEqual(10_000);
  });

  it('a slow upload that stops half-way is discarded (408), an aborted one too; the old file stays', async () => {
    h = await startHarness({ mount: { uploadIdleTimeoutMs: 300 } });
    const p = h.port;
    await request(p, 'PUT', '/memfs/s.ts', { body: 'old' });
    const stalled = await raw(p, 'PUT /memfs/s.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(500), { ms: 3000 });
    expect(stalled).toMatch(/^HTTP\/1\.1 408/);
    await new Promise<void>((resolve) => {
      const s = net.connect(p, '127.0.0.1', () => {
        s.write('PUT /memfs/s.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'y'.repeat(500));
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
    });
    await request(p, 'PUT', '/memfs/new.ts', { body: 'z' });
    await sleep(50);
    expect(h.memfs.get('/s.ts')!.data.toString()).toBe('old');
    expect(h.memfs.fileCount()).toBe(2);
  });

  it('10k tiny files: all stored and listed, the server stays responsive', async () => {
    h = await startHarness({ observe: false });
    const p = h.port;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 10_000) {
        const i = next++;
        const r = await request(p, 'PUT', `/memfs/tiny/${i}.txt`, { body: String(i) });
        if (r.status !== 201) throw new Error(`PUT ${i}: ${r.status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(h.memfs.fileCount()).toBe(10_000);
    const list = JSON.parse((await request(p, 'GET', '/api/v3/fs/mem')).body.toString());
    expect(list).toHaveLength(10_000);
    expect((await request(p, 'GET', '/memfs/tiny/9999.txt')).body.toString()).toBe('9999');
  });

  it('the read-only disk mount serves files, refuses writes and symlinks out of the root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cs-disk-'));
    const outside = mkdtempSync(join(tmpdir(), 'cs-out-'));
    writeFileSync(join(root, 'a.txt'), 'on disk');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    h = await startHarness({ mount: { diskRoot: root } });
    const p = h.port;
    const g = await request(p, 'GET', '/disk/a.txt', { headers: { Range: 'bytes=3-' } });
    expect([g.status, g.body.toString()]).toEqual([206, 'disk']);
    expect((await request(p, 'GET', '/disk/link.txt')).status).toBe(404);
    expect((await request(p, 'GET', '/disk/../' + outside + '/secret.txt')).status).toBe(400);
    const put = await request(p, 'PUT', '/disk/a.txt', { body: 'x' });
    expect([put.status, put.headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('HLS over HTTP (spec §1.5, §6 items 37–41)', () => {
  const playlist = (n: number): string =>
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n' +
    Array.from({ length: n }, (_, i) => `#EXTINF:1.000000,\ntest${i}.ts\n`).join('');

  async function publish(p: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await request(p, 'PUT', `/memfs/test${i}.ts`, { body: Buffer.alloc(1000 + i), headers: { 'User-Agent': 'Lavf/test' } });
    await request(p, 'PUT', '/memfs/test.m3u8', { body: playlist(n), headers: { 'User-Agent': 'Lavf/test' } });
  }

  it('hlsingress counts playlist uploads plus the referenced segment uploads, headers included', async () => {
    h = await startHarness();
    await publish(h.port, 3);
    const [s] = h.core.collectors.hlsingress.active();
    expect(s).toMatchObject({ id: '/memfs/test.m3u8', reference: 'test', location: '/memfs/test.m3u8', peer: 'unknown', extra: 'Lavf/test' });
    // User-Agent + Connection (keep-alive) + Content-Length; Host is left out (Go does too).
    const hdr = (len: number): number => 'User-Agent: Lavf/test\r\n'.length + 'Connection: keep-alive\r\n'.length + `Content-Length: ${len}\r\n`.length;
    const segs = [0, 1, 2].reduce((n, i) => n + 1000 + i + hdr(1000 + i), 0);
    expect(s!.rxBytes).toBe(segs + hdr(playlist(3).length) + playlist(3).length);
  });

  it('like Core: an empty segment upload is not remembered, and upper-case .TS/.M3U8 names are plain files', async () => {
    h = await startHarness();
    await request(h.port, 'PUT', '/memfs/test0.ts', { body: Buffer.alloc(0), headers: { 'User-Agent': 'Lavf/test' } });
    await request(h.port, 'PUT', '/memfs/test.m3u8', { body: playlist(1), headers: { 'User-Agent': 'Lavf/test' } });
    const hdr = (len: number): number => 'User-Agent: Lavf/test\r\n'.length + 'Connection: keep-alive\r\n'.length + `Content-Length: ${len}\r\n`.length;
    // Only the playlist upload counts: the empty segment added nothing.
    expect(h.core.collectors.hlsingress.active()[0]!.rxBytes).toBe(hdr(playlist(1).length) + playlist(1).length);

    await request(h.port, 'PUT', '/memfs/UP.TS', { body: Buffer.alloc(500), headers: { 'User-Agent': 'Lavf/test' } });
    await request(h.port, 'PUT', '/memfs/UP.M3U8', { body: '#EXTM3U\n#EXTINF:1.0,\nUP.TS\n', headers: { 'User-Agent': 'Lavf/test' } });
    expect(h.core.collectors.hlsingress.active().map((x) => x.id)).toEqual(['/memfs/test.m3u8']);
    const served = await request(h.port, 'GET', '/memfs/UP.M3U8');
    expect(served.body.toString()).toBe('#EXTM3U\n#EXTINF:1.0,\nUP.TS\n');
  });

  it('player handshake: master → registered pending → activated by a segment; exact egress; poller stays pending', async () => {
    h = await startHarness({ settings: { sessionTimeoutSec: 1 } });
    const p = h.port;
    await publish(p, 3);
    const hdrs = { Referer: 'http://viewer-a.example/page', 'User-Agent': 'peer-viewer-a/1.0' };
    const master = await request(p, 'GET', '/memfs/test.m3u8', { headers: hdrs });
    expect(master.headers['cache-control']).toBe('private');
    const m = /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1024\ntest\.m3u8\?session=([A-Za-z0-9]{22})\n$/.exec(master.body.toString());
    expect(m).not.toBeNull();
    const id = m![1]!;
    expect(h.core.collectors.hls.isKnownSession(id)).toBe(false); // the master registers nothing
    const media = await request(p, 'GET', `/memfs/test.m3u8?session=${id}`, { headers: hdrs });
    expect(media.body.toString()).toContain(`test0.ts?session=${id}\n`);
    expect(h.core.collectors.hls.isKnownSession(id)).toBe(true);
    expect(h.core.collectors.hls.active()).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await request(p, 'GET', `/memfs/test${i}.ts?session=${id}`, { headers: hdrs })).status).toBe(200);
    const range = await request(p, 'GET', `/memfs/test0.ts?session=${id}`, { headers: { ...hdrs, Range: 'bytes=0-9' } });
    expect(range.status).toBe(206);
    const [s] = h.core.collectors.hls.active();
    expect(s).toMatchObject({ id, reference: 'test', location: '/memfs/test.m3u8', peer: 'viewer-a.example', extra: '[127.0.0.0] peer-viewer-a/1.0' });

    // A poller: only playlists, never a segment.
    const poll = { Referer: 'http://poller.example/', 'User-Agent': 'poller/1' };
    const pm = await request(p, 'GET', '/memfs/test.m3u8', { headers: poll });
    const pid = /session=(\w{22})/.exec(pm.body.toString())![1]!;
    for (let i = 0; i < 3; i++) await request(p, 'GET', `/memfs/test.m3u8?session=${pid}`, { headers: poll });
    expect(h.core.collectors.hls.isKnownSession(pid)).toBe(true);
    expect(h.core.collectors.hls.active().map((x) => x.id)).toEqual([id]);

    const expected = h.seen
      .filter((r) => r.url.includes(`session=${id}`) && r.status >= 200 && r.status < 300)
      .reduce((n, r) => n + r.headerBytes + r.bodyBytes, 0);
    expect(s!.txBytes).toBe(expected);
    // After the session timeout: the player is in the history with exactly those bytes; the poller is not.
    const hist = await waitFor(() => {
      const e = h!.core.collectors.hls.historyEntries();
      return e.length > 0 && !h!.core.collectors.hls.isKnownSession(pid) ? e : null;
    }, 'hls history', 15_000, 100);
    expect(Object.fromEntries(hist)).toEqual({
      '/memfs/test.m3u8:viewer-a.example:test': { location: '/memfs/test.m3u8', peer: 'viewer-a.example', reference: 'test', totalSessions: 1, totalRxBytes: 0, totalTxBytes: expected },
    });
  });

  it('403 for a malformed session id, 509 past max_sessions (Core body), HEAD gets the status only', async () => {
    h = await startHarness({ settings: { maxSessions: 1 } });
    const p = h.port;
    await publish(p, 2);
    const bad = await request(p, 'GET', '/memfs/test.m3u8?session=abc');
    expect([bad.status, bad.body.toString()]).toEqual([403, '{"code":403,"message":"Forbidden","details":["Forbidden"]}\n']);
    const id = /session=(\w{22})/.exec((await request(p, 'GET', '/memfs/test.m3u8')).body.toString())![1]!;
    await request(p, 'GET', `/memfs/test.m3u8?session=${id}`);
    await request(p, 'GET', `/memfs/test0.ts?session=${id}`);
    expect(h.core.collectors.hls.active()).toHaveLength(1);
    const second = await request(p, 'GET', '/memfs/test.m3u8');
    expect(second.status).toBe(509);
    expect(second.body.toString()).toBe('{"code":509,"message":"Bandwith limit exceeded","details":["Number of sessions exceeded"]}\n');
    expect((await request(p, 'HEAD', '/memfs/test.m3u8')).status).toBe(509);
    // The admitted player keeps going.
    expect((await request(p, 'GET', `/memfs/test.m3u8?session=${id}`)).status).toBe(200);
  });

  it('38: max_sessions counts active sessions only: 1 active + 5 pending under a limit of 2 still admits', async () => {
    h = await startHarness({ settings: { maxSessions: 2 } });
    const p = h.port;
    await publish(p, 2);
    const handshake = async (): Promise<string> => {
      const id = /session=(\w{22})/.exec((await request(p, 'GET', '/memfs/test.m3u8')).body.toString())![1]!;
      expect((await request(p, 'GET', `/memfs/test.m3u8?session=${id}`)).status).toBe(200);
      return id;
    };
    await request(p, 'GET', `/memfs/test0.ts?session=${await handshake()}`);
    for (let i = 0; i < 5; i++) await handshake();
    expect([h.core.collectors.hls.activeSessions, h.core.collectors.hls.pendingSessions]).toEqual([1, 5]);
    await request(p, 'GET', `/memfs/test0.ts?session=${await handshake()}`);
    expect(h.core.collectors.hls.activeSessions).toBe(2);
    expect((await request(p, 'GET', '/memfs/test.m3u8')).status).toBe(509);
  });

  it('not collectable → no session, no limits, playlist served as is; proxies believed only when trusted', async () => {
    h = await startHarness({ settings: { ignoreIps: ['127.0.0.1/32'], maxSessions: 1 } });
    const p = h.port;
    await publish(p, 2);
    const plain = await request(p, 'GET', '/memfs/test.m3u8', { headers: { 'X-Forwarded-For': '203.0.113.5' } });
    expect(plain.body.toString()).toBe(playlist(2));
    expect(h.core.collectors.http.active()).toEqual([]);
    await h.close();

    h = await startHarness({ settings: { ignoreIps: ['127.0.0.1/32'] }, mount: { trustedProxies: ['127.0.0.1/32'] } });
    await publish(h.port, 2);
    const xff = { 'X-Forwarded-For': '198.51.100.99, 203.0.113.5', 'User-Agent': 'ua' };
    const id = /session=(\w{22})/.exec((await request(h.port, 'GET', '/memfs/test.m3u8', { headers: xff })).body.toString())![1]!;
    await request(h.port, 'GET', `/memfs/test.m3u8?session=${id}`, { headers: xff });
    await request(h.port, 'GET', `/memfs/test0.ts?session=${id}`, { headers: xff });
    expect(h.core.collectors.hls.active()[0]).toMatchObject({ id, extra: '[203.0.113.0] ua' });
  });

  it('fMP4: init segment and .m4s are rewritten, counted and activate the session (beyond Core)', async () => {
    h = await startHarness();
    const p = h.port;
    await request(p, 'PUT', '/memfs/f/init.mp4', { body: Buffer.alloc(500) });
    await request(p, 'PUT', '/memfs/f/s0.m4s', { body: Buffer.alloc(700) });
    const pl = '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1.0,\ns0.m4s\n';
    await request(p, 'PUT', '/memfs/f/v.m3u8', { body: pl });
    expect(h.core.collectors.hlsingress.active()[0]!.rxBytes).toBeGreaterThan(1200 + pl.length);
    const id = /session=(\w{22})/.exec((await request(p, 'GET', '/memfs/f/v.m3u8')).body.toString())![1]!;
    const media = (await request(p, 'GET', `/memfs/f/v.m3u8?session=${id}`)).body.toString();
    expect(media).toContain(`#EXT-X-MAP:URI="init.mp4?session=${id}"`);
    expect(media).toContain(`s0.m4s?session=${id}`);
    await request(p, 'GET', `/memfs/f/init.mp4?session=${id}`);
    await request(p, 'GET', `/memfs/f/s0.m4s?session=${id}`);
    const [s] = h.core.collectors.hls.active();
    expect(s).toMatchObject({ id, reference: 'v', location: '/memfs/f/v.m3u8' });
    expect(s!.txBytes).toBe(h.seen.filter((r) => r.url.includes(id)).reduce((n, r) => n + r.headerBytes + r.bodyBytes, 0));
  });
});

describe('http collector (spec §1.4 http row, §7.15)', () => {
  it('one aggregate HTTP session counts headers and bodies both ways, including the first request after idle', async () => {
    h = await startHarness({ settings: { sessionTimeoutSec: 1 } });
    const p = h.port;
    const r = await request(p, 'PUT', '/memfs/x.bin', { body: Buffer.alloc(5000), keepAlive: false });
    expect(r.status).toBe(201);
    const [s] = h.core.collectors.http.active();
    expect(s).toMatchObject({ id: 'HTTP', reference: '', location: 'any', peer: 'any', extra: '' });
    expect(s!.rxBytes).toBeGreaterThan(5000);
    const hdrIn = 'Content-Length: 5000\r\n'.length + 'Connection: close\r\n'.length;
    expect(s!.rxBytes).toBe(5000 + hdrIn);
    const out = h.seen.at(-1)!;
    expect(s!.txBytes).toBe(out.headerBytes + out.bodyBytes);
    // Idle past the timeout: the session closes into the history; the next request is counted in full.
    await waitFor(() => h!.core.collectors.http.active().length === 0, 'http session close', 10_000, 100);
    const g = await request(p, 'GET', '/memfs/x.bin', { keepAlive: false });
    expect(g.body.length).toBe(5000);
    const [s2] = h.core.collectors.http.active();
    const last = h.seen.at(-1)!;
    expect(s2!.txBytes).toBe(last.headerBytes + last.bodyBytes);
    expect(s2!.txBytes).toBeGreaterThan(5000);
  });
});
