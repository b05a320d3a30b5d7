/**
 * End to end with Debian's ffmpeg: one publisher, two players, the real rtmp Collector read through the real
 * `/api/v3/session/active` and `/api/v3/session` routes. Bounded: every ffmpeg runs under a time limit and is killed
 * in afterEach.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../../src/main/engine/collector.ts';
import { createRtmpServer, type RtmpServer } from '../../../../src/main/servers/rtmp/server.ts';
import { ffmpegPublishArgs } from './support.ts';
import { sleep, waitFor } from '../../../support/wait.ts';
import { Children, waitForFfmpeg } from '../../../support/children.ts';
import { startCollectorApi } from '../../../support/collector-api.ts';

const children = new Children();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  children.killAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(waitForFfmpeg, 60_000);

interface Rig {
  rtmp: RtmpServer;
  port: number;
  collector: Collector;
  lines: string[];
  api: (path: string) => Promise<unknown>;
}

async function rig(token = ''): Promise<Rig> {
  const { collector, log, lines, api, close } = await startCollectorApi('rtmp');
  const rtmp = createRtmpServer({ collector, log, token });
  const { port } = await rtmp.listen('127.0.0.1', 0);
  cleanups.push(async () => {
    await rtmp.close();
    await close();
  });
  return { rtmp, port, collector, lines, api };
}

interface ApiSession {
  id: string;
  reference: string;
  local: string;
  remote: string;
  extra: string;
  bytes_rx: number;
  bytes_tx: number;
}

describe('RTMP server with ffmpeg', () => {
  it('serves one ffmpeg publisher to two ffmpeg players; the rtmp collector lists three sessions, then the history has them', async () => {
    const r = await rig();
    const url = `rtmp://127.0.0.1:${r.port}/live/test`;
    const pub = children.spawn('timeout', ['60', 'ffmpeg', ...ffmpegPublishArgs(url)]);
    await waitFor(() => r.rtmp.streams().includes('/live/test'), 'the publisher to start', 20_000);
    await sleep(1500); // let a keyframe arrive

    const dir = mkdtempSync(join(tmpdir(), 'rtmp-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'out.flv');
    const nullPlayer = children.spawn('timeout', ['40', 'ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', url, '-c', 'copy', '-f', 'null', '-']);
    const filePlayer = children.spawn('timeout', ['30', 'ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', url, '-t', '5', '-c', 'copy', '-y', file]);

    // three active sessions with Core's fields and growing bytes
    const active = async (): Promise<ApiSession[]> => ((await r.api('/api/v3/session/active?collectors=rtmp')) as { rtmp: ApiSession[] }).rtmp;
    const first = await waitFor(async () => {
      const a = await active();
      return a.length === 3 && a.every((s) => s.bytes_rx > 0 && s.bytes_tx > 0) ? a : null;
    }, 'three active rtmp sessions', 20_000, 200);
    const publisher = first.find((s) => s.local.startsWith('publish:'))!;
    expect(publisher).toMatchObject({ id: '/live/test', reference: '/live/test', local: 'publish:/live/test', extra: '' });
    expect(publisher.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    const players = first.filter((s) => s.local.startsWith('play:'));
    expect(players).toHaveLength(2);
    for (const p of players) {
      expect(p).toMatchObject({ reference: '/live/test', local: 'play:/live/test', extra: '' });
      expect(p.id).toBe(p.remote);
      expect(p.id).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    await waitFor(async () => {
      const a = await active();
      return a.length === 3 && a.every((s) => {
        const before = first.find((f) => f.id === s.id)!;
        return s.local.startsWith('publish:') ? s.bytes_rx > before.bytes_rx : s.bytes_tx > before.bytes_tx;
      });
    }, 'bytes to grow', 10_000, 250);

    // the file player stops after 5 s: H.264 + AAC that decode
    expect(await filePlayer.done).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(10_000);
    // (async: the server runs in this process and must keep serving meanwhile)
    const run = promisify(execFile);
    const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', file], { timeout: 20_000 });
    expect(probe.stdout.trim().split('\n').sort()).toEqual(['aac,audio', 'h264,video']);
    const decode = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { timeout: 20_000 });
    expect(decode.stderr).toBe('');

    // a second publisher is refused with BadName (ffmpeg gives up)
    const second = children.spawn('timeout', ['20', 'ffmpeg', ...ffmpegPublishArgs(url)]);
    expect(await second.done).not.toBe(0);
    expect(r.lines.some((l) => l.includes('rtmp publish refused') && l.includes('already publishing'))).toBe(true);

    // stop everyone; after the session timeout (2 s) the history holds the three sessions
    pub.kill('SIGINT');
    nullPlayer.kill('SIGINT');
    await Promise.all([pub.done, nullPlayer.done]);
    await waitFor(async () => (await active()).length === 0, 'the sessions to time out', 15_000, 250);
    const summary = ((await r.api('/api/v3/session?collectors=rtmp')) as { rtmp: { summary: Record<string, unknown> } }).rtmp.summary;
    const local = summary['local'] as Record<string, { sessions: number }>;
    expect(local['publish:/live/test']?.sessions).toBe(1);
    expect(local['play:/live/test']?.sessions).toBe(2);
    expect((summary['reference'] as Record<string, { sessions: number }>)['/live/test']?.sessions).toBe(3);
  });

  it('refuses an ffmpeg publisher with a wrong token and accepts the right one', async () => {
    const r = await rig('s3cret');
    const bad = children.spawn('timeout', ['20', 'ffmpeg', ...ffmpegPublishArgs(`rtmp://127.0.0.1:${r.port}/live/test?token=wrong`)]);
    expect(await bad.done).not.toBe(0);
    expect(r.lines.some((l) => l.includes('rtmp publish refused') && l.includes('invalid token'))).toBe(true);
    const good = children.spawn('timeout', ['20', 'ffmpeg', ...ffmpegPublishArgs(`rtmp://127.0.0.1:${r.port}/live/test/s3cret`, ['-t', '1'])]);
    await waitFor(() => r.rtmp.streams().includes('/live/test'), 'the publisher with the token to start', 15_000);
    // the token given as the last path element stays out of the session id (spec §7.13, see docs/decisions.md)
    expect(r.collector.isKnownSession('/live/test')).toBe(true);
    expect(r.collector.isKnownSession('/live/test/s3cret')).toBe(false);
    expect(await good.done).toBe(0);
    expect(r.lines.join('\n')).not.toContain('s3cret');
  });
});
