/**
 * End to end with Debian's ffmpeg and two real headless instances (issue 13's "must show"):
 * an external ffmpeg publishes RTMP `live/cam` to instance A; a process created over POST /api/v3/process pulls
 * `{rtmp,name=cam}` and writes `{memfs}/cam.m3u8`; an HLS viewer (ffmpeg) plays it; a second process pushes the
 * stream to instance B's RTMP server. The ffmpeg collector counts only what crosses A's edge: the push to B (within 5 %
 * of B's rtmp publisher rx), not the `{rtmp}`/`{memfs}` I/O A's own rtmp and hlsingress count (Core's ignore list leaves
 * its own address out), so the first process has no ffmpeg session; the push's carries its id and reference.
 * Then: kill -9 of a process with reconnect on, quit (no ffmpeg left) and restart (autostart comes back).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownProcessOf } from '../../../src/shared/processes.ts';
import { startHeadless, type Headless } from '../../support/headless.ts';
import { sleep, waitFor } from '../../support/wait.ts';
import { Children, waitForFfmpeg } from '../../support/children.ts';

interface ActiveSession {
  id: string;
  reference: string;
  local: string;
  remote: string;
  extra: string;
  bytes_rx: number;
  bytes_tx: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Core's JSON, read field by field in the assertions
type Json = any;

async function api(h: Headless, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(h.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

async function active(h: Headless, collectors: string): Promise<Record<string, ActiveSession[]>> {
  return (await api(h, 'GET', `/api/v3/session/active?collectors=${collectors}`)).json as Record<string, ActiveSession[]>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const within5 = (a: number, b: number): boolean => Math.abs(a - b) <= 0.05 * Math.max(a, b);

describe('local processes with Debian ffmpeg', { timeout: 90_000 }, () => {
  const children = new Children();
  let a: Headless;
  let b: Headless;

  beforeAll(async () => {
    await waitForFfmpeg();
    [a, b] = await Promise.all([startHeadless(['--srt', 'off']), startHeadless(['--srt', 'off'])]);
  }, 60_000);

  afterAll(async () => {
    children.killAll();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('restreams RTMP to memfs HLS and to another instance, and the ffmpeg sessions count only what crosses the edge', async () => {
    // 30 s of a small H.264 + AAC stream at real time. Long enough that one 1 s segment is under the 5 % bound:
    // hlsingress (as Core, spec §1.5) counts a segment only when a later playlist upload references it, so on a busy
    // machine the last segment can race the final playlist and be left out, while the process's relay counted it.
    const publisher = children.spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', `${a.rtmpUrl}/live/cam`]);
    await waitFor(async () => (await active(a, 'rtmp')).rtmp?.some((s) => s.local === 'publish:/live/cam'), 'the publisher on A', 20_000, 200);

    const hls = await api(a, 'POST', '/api/v3/process', {
      id: 'restream:hls',
      reference: 'cam',
      input: [{ id: 'in', address: '{rtmp,name=cam}', options: [] }],
      output: [{ id: 'hls', address: '{memfs}/cam.m3u8', options: ['-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-method', 'PUT'] }],
      autostart: true,
    });
    expect(hls.status).toBe(200);
    expect(hls.json).toMatchObject({ id: 'restream:hls', reference: 'cam', type: 'ffmpeg' });
    const bRtmp = b.rtmpUrl!;
    const push = await api(a, 'POST', '/api/v3/process', {
      id: 'restream:push',
      reference: 'cam',
      input: [{ id: 'in', address: '{rtmp,name=cam}', options: [] }],
      output: [{ id: 'out', address: `${bRtmp}/live/copy`, options: ['-c', 'copy', '-f', 'flv'] }],
      autostart: true,
    });
    expect(push.status).toBe(200);

    // An HLS viewer plays the playlist the first process writes.
    await waitFor(async () => (await fetch(`${a.url}/memfs/cam.m3u8`)).status === 200, 'the playlist in memfs', 20_000, 200);
    await waitFor(async () => (await active(a, 'hlsingress')).hlsingress?.some((s) => s.id === '/memfs/cam.m3u8'), 'the playlist upload', 20_000, 200);
    const viewer = children.spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `${a.url}/memfs/cam.m3u8`, '-t', '2', '-f', 'null', '-']);
    expect(await viewer.done).toBe(0);

    // While running: the processes' RTMP players on A are marked as the app's own (extra `ffmpeg:<id>`).
    const running = await waitFor(async () => {
      const s = await active(a, 'rtmp,ffmpeg');
      const marked = (s.rtmp ?? []).filter((x) => x.local === 'play:/live/cam' && x.extra.startsWith('ffmpeg:'));
      return marked.length === 2 && (s.ffmpeg ?? []).length === 1 ? s : null;
    }, 'both processes running and marked', 20_000, 250);
    expect(running.rtmp.filter((x) => x.local === 'play:/live/cam').map((x) => ownProcessOf(x.extra)).sort()).toEqual(['restream:hls', 'restream:push']);
    // The external publisher is nobody's process.
    expect(running.rtmp.filter((x) => x.local === 'publish:/live/cam').map((x) => ownProcessOf(x.extra))).toEqual([null]);
    // Only the push has an ffmpeg session: every byte of restream:hls goes through A's own servers (as in Core,
    // whose ignore list leaves its own address out, such a run is never activated).
    expect(running.ffmpeg.map((x) => [x.id, x.reference, x.local, x.remote])).toEqual([['restream:push', 'cam', 'unknown', 'unknown']]);

    // The publisher ends after 30 s; both processes then reach the end of their input and finish.
    expect(await publisher.done).toBe(0);
    for (const id of ['restream:hls', 'restream:push']) {
      await waitFor(async () => (await api(a, 'GET', `/api/v3/process/${encodeURIComponent(id)}/state`)).json.exec === 'finished', `${id} to finish`, 20_000, 250);
    }
    await sleep(2500); // two collector ticks on both sides for the last deltas

    const sa = await active(a, 'ffmpeg,hlsingress,rtmp');
    const sb = await active(b, 'rtmp');
    const ffPush = sa.ffmpeg.find((x) => x.id === 'restream:push')!;
    const ingest = sa.hlsingress.find((x) => x.id === '/memfs/cam.m3u8')!;
    const bPublisher = sb.rtmp.find((x) => x.local === 'publish:/live/copy')!;
    const aPlayers = sa.rtmp.filter((x) => x.local === 'play:/live/cam');
    const figures = {
      ffmpegSessions: sa.ffmpeg.map((x) => x.id),
      hlsingressRx: ingest.bytes_rx,
      pushProcessRxTx: [ffPush.bytes_rx, ffPush.bytes_tx],
      secondInstancePublisherRx: bPublisher.bytes_rx,
      localPlayersTx: aPlayers.reduce((n, x) => n + x.bytes_tx, 0),
    };
    console.log('[processes e2e] bytes', JSON.stringify(figures));
    const why = JSON.stringify(figures);
    // A's own servers count the processes' local I/O (the players on rtmp, the upload on hlsingress)...
    expect(ingest.bytes_rx, why).toBeGreaterThan(100_000);
    expect(figures.localPlayersTx, why).toBeGreaterThan(200_000);
    // ...so the ffmpeg sessions leave it out: only the push to B crosses A's edge, and B counts the same bytes.
    expect(figures.ffmpegSessions, why).toEqual(['restream:push']);
    expect(ffPush.bytes_rx, why).toBe(0);
    expect(ffPush.bytes_tx, why).toBeGreaterThan(100_000);
    expect(within5(ffPush.bytes_tx, bPublisher.bytes_rx), why).toBe(true);
  });

  it('brings a kill -9ed process back by its reconnect policy, and says why', async () => {
    const created = await api(a, 'POST', '/api/v3/process', {
      id: 'looper',
      reference: 'gen',
      input: [{ id: 'in', address: 'testsrc=size=160x120:rate=10', options: ['-re', '-f', 'lavfi'] }],
      output: [{ id: 'out', address: '-', options: ['-f', 'null'] }],
      autostart: true,
      reconnect: true,
      reconnect_delay_seconds: 1,
    });
    expect(created.status).toBe(200);
    const first = await waitFor(async () => {
      const s = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
      return s.exec === 'running' && s.pid > 0 ? s : null;
    }, 'looper running', 15_000, 200);
    process.kill(first.pid, 'SIGKILL');
    const second = await waitFor(async () => {
      const s = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
      return s.exec === 'running' && s.pid > 0 && s.pid !== first.pid ? s : null;
    }, 'looper back after the kill', 15_000, 100);
    expect(second.order).toBe('start');
    const report = (await api(a, 'GET', '/api/v3/process/looper/report')).json;
    const last = report.history.at(-1);
    expect(last.exit_state).toBe('failed');
    expect(last.exit_reason).toBe('FFmpeg was killed by SIGKILL');
    expect(last.log.map((l: [string, string]) => l[1])).toContain('[core] reconnecting in 1 s');
  });

  it('leaves no ffmpeg behind on quit, and autostart processes come back on restart', async () => {
    const state = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
    expect(alive(state.pid)).toBe(true);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(alive(state.pid)).toBe(false);

    a = await startHeadless(['--srt', 'off'], { dataDir: a.dataDir });
    const list = (await api(a, 'GET', '/api/v3/process?filter=config')).json as { id: string }[];
    expect(list.map((p) => p.id).sort()).toEqual(['looper', 'restream:hls', 'restream:push']);
    const back = await waitFor(async () => {
      const s = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
      return s.exec === 'running' && s.pid > 0 ? s : null;
    }, 'looper running after the restart', 20_000, 200);
    expect(back.pid).not.toBe(state.pid);
  });

  it('after a crash of the app (SIGKILL), the next start ends the FFmpeg it left behind', async () => {
    const before = await waitFor(async () => {
      const s = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
      return s.exec === 'running' && s.pid > 0 ? s : null;
    }, 'looper running', 20_000, 200);
    await sleep(1500); // the pid file is written on the next 1 s tick
    await a.stop('SIGKILL');
    expect(alive(before.pid)).toBe(true); // no time to stop anything: FFmpeg runs on
    a = await startHeadless(['--srt', 'off'], { dataDir: a.dataDir });
    await waitFor(() => !alive(before.pid), 'the orphan ended', 10_000, 100);
    const back = await waitFor(async () => {
      const s = (await api(a, 'GET', '/api/v3/process/looper/state')).json;
      return s.exec === 'running' && s.pid > 0 ? s : null;
    }, 'looper running again', 20_000, 200);
    expect(back.pid).not.toBe(before.pid);
  });
});
