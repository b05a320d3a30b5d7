/**
 * Real programs on loopback: Debian's ffmpeg publishes HLS into /memfs with HTTP PUT (mpegts, then fMP4) and two
 * ffmpeg players read it at once, each with its own Referer and User-Agent. The collectors are the real local core's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startHarness, type Harness } from './harness.ts';
import { waitFor } from '../../../support/wait.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const children: ChildProcess[] = [];
let h: Harness | undefined;

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.close();
  h = undefined;
});

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  return { child, done };
}

function publisher(base: string, fmp4: boolean): ReturnType<typeof run> {
  const name = fmp4 ? 'fm' : 'test';
  return run([
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-method', 'PUT', '-hls_time', '1', '-hls_list_size', '5',
    ...(fmp4 ? ['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'fm_init.mp4'] : []),
    `${base}/memfs/${name}.m3u8`,
  ]);
}

function player(base: string, name: string, viewer: string): ReturnType<typeof run> {
  return run([
    '-headers', `Referer: http://${viewer}.example/\r\nUser-Agent: peer-${viewer}/1.0\r\n`,
    '-i', `${base}/memfs/${name}.m3u8`, '-t', '6', '-c', 'copy', '-f', 'null', '-',
  ]);
}

/** The bytes the test itself saw leave the server for one session (2xx playlists and segments carrying its id). */
function seenBytes(hh: Harness, id: string): number {
  return hh.seen
    .filter((r) => (r.method === 'GET' || r.method === 'HEAD') && new URL(r.url, 'http://x').searchParams.get('session') === id && r.status >= 200 && r.status < 300)
    .reduce((n, r) => n + r.headerBytes + r.bodyBytes, 0);
}

async function scenario(fmp4: boolean): Promise<void> {
  await waitFor(() => existsSync(FFMPEG), 'ffmpeg to be installed', 300_000, 100);
  h = await startHarness({ settings: { sessionTimeoutSec: 2 } });
  const hh = h;
  const name = fmp4 ? 'fm' : 'test';
  const pub = publisher(hh.base, fmp4);
  const ingress = (): number => hh.core.collectors.hlsingress.active().find((s) => s.id === `/memfs/${name}.m3u8`)?.rxBytes ?? 0;
  await waitFor(() => (hh.memfs.get(`/${name}.m3u8`)?.data.toString().match(/#EXTINF/g)?.length ?? 0) >= 3, 'the publisher’s playlist', 30_000, 100);
  const rx1 = ingress();
  expect(rx1).toBeGreaterThan(0);

  const a = player(hh.base, name, 'viewer-a');
  const b = player(hh.base, name, 'viewer-b');
  const during = await waitFor(() => {
    const act = hh.core.collectors.hls.active();
    return act.length === 2 ? act : null;
  }, 'two active hls sessions', 30_000, 100);
  const byRemote = Object.fromEntries(during.map((s) => [s.peer, s]));
  for (const v of ['viewer-a', 'viewer-b']) {
    const s = byRemote[`${v}.example`]!;
    expect(s.id).toMatch(/^[23456789A-HJ-NP-Za-km-z]{22}$/);
    expect(s).toMatchObject({ reference: name, location: `/memfs/${name}.m3u8`, extra: `[127.0.0.0] peer-${v}/1.0` });
  }
  const [ing] = hh.core.collectors.hlsingress.active();
  expect(ing).toMatchObject({ id: `/memfs/${name}.m3u8`, reference: name, location: `/memfs/${name}.m3u8`, peer: 'unknown' });
  expect(ing!.extra).toMatch(/^Lavf\//);
  await waitFor(() => ingress() > rx1, 'growing hlsingress bytes_rx', 10_000, 100);
  expect(hh.core.collectors.http.active().map((s) => s.id)).toEqual(['HTTP']);
  // The same through Core's API, as a client sees it.
  const api = (await (await fetch(`${hh.base}/api/v3/session/active?collectors=hls,hlsingress,http`)).json()) as Record<string, Array<Record<string, unknown>>>;
  expect(Object.keys(api)).toEqual(['hls', 'hlsingress', 'http']);
  expect(api.hls!.map((s) => [s.reference, s.local, s.remote, s.extra]).sort()).toEqual([
    [name, `/memfs/${name}.m3u8`, 'viewer-a.example', '[127.0.0.0] peer-viewer-a/1.0'],
    [name, `/memfs/${name}.m3u8`, 'viewer-b.example', '[127.0.0.0] peer-viewer-b/1.0'],
  ]);
  expect(api.hlsingress!.map((s) => [s.id, s.reference, s.local, s.remote])).toEqual([[`/memfs/${name}.m3u8`, name, `/memfs/${name}.m3u8`, 'unknown']]);
  expect(api.http!.map((s) => [s.id, s.reference, s.local, s.remote, s.extra])).toEqual([['HTTP', '', 'any', 'any', '']]);

  const [ra, rb] = await Promise.all([a.done, b.done]);
  expect([ra.code, ra.stderr]).toEqual([0, '']);
  expect([rb.code, rb.stderr]).toEqual([0, '']);
  const ids = during.map((s) => s.id);
  // After the players stop and the session timeout passes, the history holds each player with its exact bytes.
  const hist = await waitFor(() => {
    const e = hh.core.collectors.hls.historyEntries();
    return e.length === 2 && ids.every((id) => !hh.core.collectors.hls.isKnownSession(id)) ? Object.fromEntries(e) : null;
  }, 'hls history', 20_000, 100);
  for (const s of during) {
    const key = `/memfs/${name}.m3u8:${s.peer}:${name}`;
    expect(hist[key]).toEqual({ location: `/memfs/${name}.m3u8`, peer: s.peer, reference: name, totalSessions: 1, totalRxBytes: 0, totalTxBytes: seenBytes(hh, s.id) });
    expect(hist[key]!.totalTxBytes).toBeGreaterThan(50_000);
  }
  pub.child.kill('SIGINT');
  await pub.done;
}

describe('ffmpeg publishes HLS into /memfs, two ffmpeg players read it', () => {
  it('mpegts segments', () => scenario(false), 120_000);
  it('fMP4 segments (tracked beyond Core)', () => scenario(true), 120_000);
});
