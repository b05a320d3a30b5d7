/**
 * What an anonymous caller can make FFmpeg do, against the real headless server over loopback. With API auth off
 * (the loopback default) every program and account on the machine reaches `/api/v3/process` and the headless page's
 * `processes:create`/`processes:update`; FFmpeg runs with this user's rights. Each attack below was accepted before
 * stop 38 (the drawtext read was proved end to end: an anonymous POST rendered a file outside the disk folder into
 * `/memfs/leak.png`, and psnr wrote `x.log` into the server's working folder; docs/security.md). Now each is refused
 * from the API, from the page and as an update, nothing is started and nothing is written; an owner (the API login)
 * keeps what is meant for one; the number of processes is bounded; FFmpeg's working folder is the app's own. Stop 39:
 * an anonymous output into the disk folder (a recording, HLS, an image a frame) is refused too; nothing bounded what
 * FFmpeg wrote there (it was accepted and ran before); an owner still records there.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../support/headless.ts';
import { waitFor } from '../support/wait.ts';
import { invoke, rawRequest } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'process-access-'));
const secret = join(root, 'secret.txt');
const anonCwd = join(root, 'anon-cwd');
const ownerCwd = join(root, 'owner-cwd');
const disk = join(root, 'disk');
let anon: Headless;
let owner: Headless;
let ownerAuth: Record<string, string>;

const lavfi = (id: string, graph: string, outputOptions: string[], address = '-'): Record<string, unknown> => ({ id, input: [{ id: 'in', address: graph, options: ['-f', 'lavfi'] }], output: [{ id: 'out', address, options: outputOptions }] });
const VALID = lavfi('valid', 'testsrc=size=64x64:rate=5', ['-f', 'null']);

/** [what, configuration]: each was accepted anonymously before stop 38. */
const ATTACKS: Array<[string, Record<string, unknown>]> = [
  ['drawtext reading a file into a stream', lavfi('a1', 'color=size=400x60', ['-vf', `drawtext=textfile=${secret}`, '-frames:v', '1', '-method', 'PUT'], '{memfs}/leak.png')],
  ['drawtext fontfile', lavfi('a2', 'color', ['-vf', `drawtext=text=x:fontfile=${secret}`, '-f', 'null'])],
  ['ladspa loading a shared object', lavfi('a3', 'sine', ['-af', 'ladspa=file=/tmp/evil.so', '-f', 'null'])],
  ['psnr writing stats into the working folder', lavfi('a4', 'testsrc=d=1', ['-filter_complex', 'split[a][b];[a][b]psnr=stats_file=x.log', '-f', 'null'])],
  ['ametadata writing a file', lavfi('a5', 'sine=d=1', ['-af', 'ametadata=mode=print:file=meta.txt', '-f', 'null'])],
  ['vidstabdetect writing its result', lavfi('a6', 'testsrc=d=1', ['-vf', 'vidstabdetect=result=t.trf', '-f', 'null'])],
  ['-pass 1 writing ffmpeg2pass-0.log', lavfi('a7', 'testsrc=d=1', ['-pass', '1', '-c:v', 'libx264', '-f', 'null'])],
  ['-x264-params stats', lavfi('a8', 'testsrc=d=1', ['-c:v', 'libx264', '-x264-params', 'pass=1:stats=x264.log', '-f', 'null'])],
  ['a relative -hls_segment_filename', lavfi('a9', 'testsrc=d=1', ['-f', 'hls', '-hls_segment_filename', 'seg%d.ts'], '{memfs}/a.m3u8')],
  ['concat -safe 0 from a URL', { id: 'a10', input: [{ address: 'http://127.0.0.1:9/list.txt', options: ['-f', 'concat', '-safe', '0'] }], output: [{ address: '-', options: ['-f', 'null'] }] }],
  ['a bare name FFmpeg takes for an output file', lavfi('a11', 'testsrc=d=1', ['-f', 'mp4', 'out.mp4', '-f', 'null'])],
  ['a movie source reading a file', lavfi('a12', `movie=${secret}`, ['-f', 'null'])],
];

/** [what, configuration]: writes into the disk folder, unbounded (stop 39: anonymous outputs go to memfs or the network). */
const DISK_WRITES: Array<[string, Record<string, unknown>]> = [
  ['a recording into the disk folder', lavfi('d1', 'testsrc=size=64x64:rate=5', ['-f', 'mp4'], '{diskfs}/rec.mp4')],
  ['HLS segments into the disk folder', lavfi('d2', 'testsrc=size=64x64:rate=5', ['-f', 'hls'], '{diskfs}/live.m3u8')],
  ['a file a frame (image2, chosen by the name)', lavfi('d3', 'testsrc=size=64x64:rate=25', [], '{diskfs}/img%05d.png')],
  ['a file: URL into the disk folder', lavfi('d4', 'testsrc=size=64x64:rate=5', ['-f', 'matroska'], `file:${join(disk, 'rec.mkv')}`)],
];

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function post(base: string, path: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: { details?: string[] } & Record<string, unknown> }> {
  const r = await rawRequest(`${base}${path}`, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: r.status, json: JSON.parse(r.body) as { details?: string[] } };
}

beforeAll(async () => {
  for (const d of [anonCwd, ownerCwd, disk]) mkdirSync(d);
  writeFileSync(secret, 'SECRET\n');
  writeFileSync(join(disk, 'title.txt'), 'LIVE\n');
  [anon, owner] = await Promise.all([
    startHeadless(['--no-persist', '--disk-dir', disk, '--max-processes', '3'], { cwd: anonCwd }),
    startHeadless(['--no-persist', '--disk-dir', disk, '--auth', 'admin:correct-horse'], { cwd: ownerCwd }),
  ]);
  const login = await post(owner.url, '/api/login', 'POST', { username: 'admin', password: 'correct-horse' });
  ownerAuth = { Authorization: `Bearer ${login.json.access_token as string}` };
}, 40_000);

afterAll(async () => {
  await Promise.all([anon?.stop(), owner?.stop()]);
});

describe('an anonymous caller (API auth off)', { timeout: 60_000 }, () => {
  it('is refused each attack on the API, on the headless page and as an update, with the way to full FFmpeg; nothing starts, nothing is written', async () => {
    expect((await post(anon.url, '/api/v3/process', 'POST', VALID)).status).toBe(200);
    const before = (await rawRequest(`${anon.url}/api/v3/process/valid/config`)).body;
    for (const [what, config] of [...ATTACKS, ...DISK_WRITES]) {
      const api = await post(anon.url, '/api/v3/process', 'POST', { ...config, autostart: true });
      expect({ what, status: api.status }).toEqual({ what, status: 400 });
      expect(api.json.details?.[0], what).toMatch(/--auth/);
      const page = await invoke(anon.url, 'processes:create', [JSON.stringify({ ...config, autostart: true })]);
      expect({ what, page: page.json }).toMatchObject({ what, page: { ok: false, error: { code: 'invalid', message: api.json.details?.[0] } } });
      const update = await post(anon.url, '/api/v3/process/valid', 'PUT', { ...config, id: 'valid' });
      expect({ what, status: update.status }).toEqual({ what, status: 400 });
      const pageUpdate = await invoke(anon.url, 'processes:update', ['valid', JSON.stringify({ ...config, id: 'valid' })]);
      expect({ what, ok: (pageUpdate.json as { ok: boolean }).ok }).toEqual({ what, ok: false });
    }
    // The message says which filter, why and how.
    const drawtext = await post(anon.url, '/api/v3/process', 'POST', ATTACKS[0][1]);
    expect(drawtext.json.details?.[0]).toMatch(/filter "drawtext", which is not in the restreaming profile: .*start the app with --auth and log in, or use the desktop app/);
    const recording = await post(anon.url, '/api/v3/process', 'POST', DISK_WRITES[0][1]);
    expect(recording.json.details?.[0]).toMatch(/^output\[0\]\.address ".*rec\.mp4" writes into the disk folder, which nothing bounds; write to \{memfs\} \(at most --memfs-max-mb\) or a network URL: .*--auth/);
    // Nothing was created, changed or started; FFmpeg wrote nothing anywhere.
    const list = JSON.parse((await rawRequest(`${anon.url}/api/v3/process?filter=state`)).body) as { id: string; state: { exec: string } }[];
    expect(list.map((p) => [p.id, p.state.exec])).toEqual([['valid', 'finished']]);
    expect((await rawRequest(`${anon.url}/api/v3/process/valid/config`)).body).toBe(before);
    expect(files(anonCwd)).toEqual([]);
    expect(files(join(anon.dataDir, 'ffmpeg-work'))).toEqual([]);
    expect(files(disk).sort()).toEqual(['title.txt']);
    expect(JSON.parse((await rawRequest(`${anon.url}/api/v3/fs/mem`)).body)).toEqual([]);
  });

  it('may start, stop and delete what exists; FFmpeg runs in the private working folder, not the server\'s', async () => {
    const r = await rawRequest(`${anon.url}/api/v3/process/valid/command`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ command: 'start' }) });
    expect(r.status).toBe(200);
    const pid = await waitFor(async () => {
      const s = JSON.parse((await rawRequest(`${anon.url}/api/v3/process/valid/state`)).body) as { pid: number; exec: string };
      return s.exec === 'running' && s.pid > 0 ? s.pid : undefined;
    }, 'the started process to run');
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(join(anon.dataDir, 'ffmpeg-work'));
    const stop = await rawRequest(`${anon.url}/api/v3/process/valid/command`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ command: 'stop' }) });
    expect(stop.status).toBe(200);
  });

  it('may keep at most --max-processes processes: the next create is refused and says why', async () => {
    const ids = JSON.parse((await rawRequest(`${anon.url}/api/v3/process`)).body) as unknown[];
    for (let i = ids.length; i < 3; i++) expect((await post(anon.url, '/api/v3/process', 'POST', { ...VALID, id: `more${i}` })).status).toBe(200);
    const over = await post(anon.url, '/api/v3/process', 'POST', { ...VALID, id: 'one-too-many' });
    expect(over.status).toBe(400);
    expect(over.json.details?.[0]).toMatch(/there are already 3 processes, the most this app keeps \(--max-processes 3\)/);
    const page = await invoke(anon.url, 'processes:create', [JSON.stringify({ ...VALID, id: 'one-too-many' })]);
    expect(page.json).toMatchObject({ ok: false, error: { code: 'invalid' } });
    expect((JSON.parse((await rawRequest(`${anon.url}/api/v3/process`)).body) as unknown[]).length).toBe(3);
  });
});

describe('an owner (the API login)', { timeout: 60_000 }, () => {
  it('keeps full FFmpeg where it is meant to: drawtext with text or a file in the disk folder, options outside the profile', async () => {
    const configs = [
      lavfi('o1', 'color=size=400x60', ['-vf', "drawtext=text='LIVE':fontsize=30", '-f', 'null']),
      lavfi('o2', 'color=size=400x60', ['-vf', `drawtext=textfile=${join(disk, 'title.txt')}`, '-f', 'null']),
      lavfi('o3', 'testsrc', ['-c:v', 'libx264', '-x264-params', 'keyint=50:scenecut=0', '-f', 'null']),
    ];
    for (const c of configs) expect((await post(owner.url, '/api/v3/process', 'POST', c, ownerAuth)).status, c.id as string).toBe(200);
  });

  it('may record into the disk folder (Core\'s semantics)', async () => {
    const rec = lavfi('o4', 'testsrc=size=64x64:rate=5:d=1', ['-f', 'mp4'], '{diskfs}/owner-rec.mp4');
    expect((await post(owner.url, '/api/v3/process', 'POST', { ...rec, autostart: true }, ownerAuth)).status).toBe(200);
    await waitFor(async () => {
      const s = JSON.parse((await rawRequest(`${owner.url}/api/v3/process/o4/state`, { headers: ownerAuth })).body) as { exec: string };
      return s.exec === 'finished' && existsSync(join(disk, 'owner-rec.mp4')) ? true : undefined;
    }, 'the owner\'s recording to finish in the disk folder');
  });

  it('is refused the code-loading and file-writing holes too, and they need the login at all', async () => {
    for (const i of [1, 2, 3, 4, 6, 7, 8, 9, 11]) {
      const [what, config] = ATTACKS[i];
      const r = await post(owner.url, '/api/v3/process', 'POST', config, ownerAuth);
      expect({ what, status: r.status }).toEqual({ what, status: 400 });
      expect({ what, status: (await post(owner.url, '/api/v3/process', 'POST', config)).status }).toEqual({ what, status: 401 });
    }
    expect(files(ownerCwd)).toEqual([]);
    expect(files(join(owner.dataDir, 'ffmpeg-work'))).toEqual([]);
  });
});
