/**
 * More of Core's API around the local core (issue 14), against the real headless server with auth on: /ping, the
 * filesystem API, the RTMP and SRT channel lists, the metrics API and the log, each compared with the shapes of
 * Core's handlers (`http/handler/api/*.go`, `http/api/*.go`), plus CORS and the playlist type on /memfs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../support/headless.ts';
import { get, login } from './support.ts';
import { waitFor } from '../../support/wait.ts';
import { Children, waitForFfmpeg } from '../../support/children.ts';

let h: Headless;
let auth: Record<string, string>;
let disk: string;
const children = new Children();

beforeAll(async () => {
  await waitForFfmpeg();
  disk = mkdtempSync(join(tmpdir(), 'core-endpoints-disk-'));
  mkdirSync(join(disk, 'sub'));
  writeFileSync(join(disk, 'a.txt'), 'alpha');
  writeFileSync(join(disk, 'sub', 'b.m3u8'), '#EXTM3U\n');
  h = await startHeadless(['--no-persist', '--auth', 'admin:datarhei', '--disk-dir', disk]);
  auth = { authorization: `Bearer ${(await login(h.url)).access_token}` };
}, 60_000);

afterAll(async () => {
  children.killAll();
  await h?.stop();
  rmSync(disk, { recursive: true, force: true });
});

describe('GET /ping', () => {
  it('answers pong without auth, as Core', async () => {
    const r = await get(`${h.url}/ping`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(r.body).toBe('pong');
  });
});

describe('/api/v3/fs', () => {
  it('needs the token; lists the filesystems as FilesystemInfo', async () => {
    expect((await get(`${h.url}/api/v3/fs`)).status).toBe(401);
    const r = await get(`${h.url}/api/v3/fs`, auth);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual([
      { name: 'mem', type: 'mem', mount: '/memfs' },
      { name: 'disk', type: 'disk', mount: '/disk' },
    ]);
  });

  it('memfs: PUT creates (201, Content-Location) or replaces (204), GET/HEAD read, the listing sorts and globs, DELETE answers as Core', async () => {
    const put1 = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth, 'PUT', 'one');
    expect(put1.status).toBe(201);
    expect(put1.body).toBe('');
    expect(put1.headers['content-location']).toBe('/api/v3/fs/mem/live/x.txt');
    const put2 = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth, 'PUT', 'second');
    expect(put2.status).toBe(204);
    await get(`${h.url}/api/v3/fs/mem/y.txt`, auth, 'PUT', 'yy');
    const read = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth);
    expect(read.status).toBe(200);
    expect(read.body).toBe('second');
    expect(read.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(read.headers['content-security-policy']).toBe('sandbox');
    const head = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth, 'HEAD');
    expect(head.headers['content-length']).toBe('6');
    const list = JSON.parse((await get(`${h.url}/api/v3/fs/mem?sort=size&order=desc`, auth)).body) as Array<{ name: string; size_bytes: number; last_modified: number }>;
    expect(list.map((f) => [f.name, f.size_bytes])).toEqual([['/live/x.txt', 6], ['/y.txt', 2]]);
    expect(Number.isInteger(list[0]!.last_modified) && list[0]!.last_modified > 1_600_000_000).toBe(true);
    expect(JSON.parse((await get(`${h.url}/api/v3/fs/mem?glob=/live/*`, auth)).body)).toHaveLength(1);
    const del = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth, 'DELETE' as 'GET');
    expect(del.status).toBe(200);
    expect(del.body).toBe('Deleted: /live/x.txt');
    const again = await get(`${h.url}/api/v3/fs/mem/live/x.txt`, auth, 'DELETE' as 'GET');
    expect(again.status).toBe(404);
    expect(JSON.parse(again.body)).toEqual({ code: 404, message: 'File not found', details: ['/live/x.txt'] });
    // The same file through /memfs: one filesystem.
    expect((await get(`${h.url}/memfs/y.txt`)).body).toBe('yy');
  });

  it('disk: listed and read, read-only here; unknown filesystems and traversal refused', async () => {
    const list = JSON.parse((await get(`${h.url}/api/v3/fs/disk?sort=name`, auth)).body) as Array<{ name: string }>;
    expect(list.map((f) => f.name)).toEqual(['/a.txt', '/sub/b.m3u8']);
    expect((await get(`${h.url}/api/v3/fs/disk/a.txt`, auth)).body).toBe('alpha');
    expect((await get(`${h.url}/api/v3/fs/disk/a.txt`, auth, 'PUT', 'x')).status).toBe(405);
    const unknown = await get(`${h.url}/api/v3/fs/nope`, auth);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toEqual({ code: 404, message: 'File not found', details: ['unknown filesystem: nope'] });
    const out = await get(`${h.url}/api/v3/fs/disk/%2e%2e/etc/passwd`, auth);
    expect([400, 404]).toContain(out.status); // refused by the name check (or normalised by the client): never served
    expect(out.body).not.toContain('root:');
  });
});

describe('/memfs for players on other sites (CORS as Core) and the playlist type', () => {
  it('a preflight is 204, a GET with an Origin gets Access-Control-Allow-Origin: *, Vary: Origin; playlists are application/vnd.apple.mpegurl', async () => {
    await get(`${h.url}/api/v3/fs/mem/cors.m3u8`, auth, 'PUT', '#EXTM3U\n#EXT-X-ENDLIST\n');
    const pre = await get(`${h.url}/memfs/cors.m3u8`, { origin: 'http://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' }, 'OPTIONS' as 'GET');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
    expect(pre.headers['access-control-allow-headers']).toBe('range');
    const r = await get(`${h.url}/memfs/cors.m3u8`, { origin: 'http://player.example' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['vary']).toContain('Origin');
    expect(r.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    const noOrigin = await get(`${h.url}/memfs/cors.m3u8`);
    expect(noOrigin.headers['access-control-allow-origin']).toBeUndefined();
    // The API keeps its own rule: no CORS header for another origin.
    expect((await get(`${h.url}/api/v3/fs`, { ...auth, origin: 'http://player.example' })).headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('/api/v3/rtmp, /api/v3/srt', () => {
  it('list the live channels as Core (RTMPChannel; SRTChannels with statistics)', async () => {
    expect(JSON.parse((await get(`${h.url}/api/v3/rtmp`, auth)).body)).toEqual([]);
    const srtEmpty = JSON.parse((await get(`${h.url}/api/v3/srt`, auth)).body) as Record<string, unknown>;
    expect(srtEmpty).toEqual({ publisher: {}, subscriber: {}, connections: {}, log: {} });
    const pub = children.spawn('timeout', ['30', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-t', '20', '-f', 'flv', `${h.rtmpUrl}/live/cam.stream`]);
    void pub;
    const list = await waitFor(async () => {
      const l = JSON.parse((await get(`${h.url}/api/v3/rtmp`, auth)).body) as Array<{ name: string }>;
      return l.length > 0 ? l : undefined;
    }, 'the RTMP channel', 20_000);
    expect(list).toEqual([{ name: '/live/cam.stream' }]);
    children.killAll();
  });
});

describe('/api/v3/metrics', () => {
  it('describes the nine session metrics sorted by name, each labelled by collector', async () => {
    const list = JSON.parse((await get(`${h.url}/api/v3/metrics`, auth)).body) as Array<{ name: string; description: string; labels: string[] }>;
    expect(list.map((m) => m.name)).toEqual(['session_active', 'session_limit', 'session_maxrxbitrate', 'session_maxtxbitrate', 'session_rxbitrate', 'session_rxbytes', 'session_total', 'session_txbitrate', 'session_txbytes']);
    expect(list.every((m) => m.description !== '' && m.labels.length === 1 && m.labels[0] === 'collector')).toBe(true);
  });

  it('answers a query now and over its history; label values are regular expressions; a bad query is 400', async () => {
    const post = (body: unknown) => get(`${h.url}/api/v3/metrics`, { ...auth, 'content-type': 'application/json' }, 'POST', JSON.stringify(body));
    const now = JSON.parse((await post({ timerange_sec: 0, metrics: [{ name: 'session_active', labels: { collector: '^(hls|rtmp)$' } }] })).body) as {
      timerange_sec: number;
      interval_sec: number;
      metrics: Array<{ name: string; labels: Record<string, string>; values: Array<[number, number]> }>;
    };
    expect(now.timerange_sec).toBe(300);
    expect(now.interval_sec).toBe(2);
    expect(now.metrics.map((m) => m.labels['collector']).sort()).toEqual(['hls', 'rtmp']);
    expect(now.metrics[0]!.values).toHaveLength(1);
    expect(now.metrics[0]!.values[0]![0]).toBeGreaterThan(1_600_000_000);
    await waitFor(async () => {
      const hist = JSON.parse((await post({ timerange_sec: 300, interval_sec: 2, metrics: [{ name: 'session_total' }] })).body) as typeof now;
      return hist.metrics.length === 7 && hist.metrics.every((m) => m.values.length >= 2);
    }, 'two samples of history per collector', 10_000, 250);
    const bad = await post({ timerange_sec: 'x' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 400, message: 'Invalid JSON' });
    expect((await get(`${h.url}/api/v3/metrics`, { ...auth, 'content-type': 'application/json' }, 'POST', '{not json')).status).toBe(400);
  });
});

describe('/api/v3/log', () => {
  it('the recent log lines (console) and events (raw), bounded, behind the token', async () => {
    expect((await get(`${h.url}/api/v3/log`)).status).toBe(401);
    await get(`${h.url}/api/login`, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ username: 'admin', password: 'wrong' }));
    const lines = JSON.parse((await get(`${h.url}/api/v3/log`, auth)).body) as string[];
    expect(lines.some((l) => l.includes('WARN') && l.includes('login failed'))).toBe(true);
    const raw = JSON.parse((await get(`${h.url}/api/v3/log?format=raw`, auth)).body) as Array<Record<string, unknown>>;
    const e = raw.find((x) => String(x['message']).includes('login failed'))!;
    expect(e).toMatchObject({ level: 'WARN', component: 'core-sessions.api' });
    expect(Object.keys(e)).toEqual([...Object.keys(e)].sort());
    expect(Date.parse(String(e['ts']))).toBeGreaterThan(0);
  }, 20_000);
});
