/**
 * End to end with Debian's ffmpeg (libsrt): one publisher, players, the real srt Collector read through the real
 * `/api/v3/session/active` and `/api/v3/session` routes; packet loss through a lossy relay; bad input before real
 * clients. Bounded: every ffmpeg runs under `timeout` and is killed in afterEach.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../../src/main/engine/collector.ts';
import { createSrtServer, type SrtServer, type SrtServerOptions } from '../../../../src/main/servers/srt/server.ts';
import { lossyProxy } from './lossy-proxy.ts';
import { srtChannelsJson } from '../../../../src/main/servers/channels-api.ts';
import { induction } from './srt-client.ts';
import { ffmpegSrtPublishArgs } from './support.ts';
import { waitFor } from '../../../support/wait.ts';
import { Children, waitForFfmpeg } from '../../../support/children.ts';
import { startCollectorApi } from '../../../support/collector-api.ts';

const run = promisify(execFile);
const children = new Children();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  children.killAll();
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(waitForFfmpeg, 60_000);

interface Rig {
  srt: SrtServer;
  port: number;
  collector: Collector;
  lines: string[];
  api: (path: string) => Promise<unknown>;
  dir: string;
}

async function rig(opts: Partial<SrtServerOptions> = {}): Promise<Rig> {
  const { collector, log, lines, api, close } = await startCollectorApi('srt');
  const srt = createSrtServer({ collector, log, limits: { peerIdleTimeoutMs: 1500 }, ...opts });
  const { port } = await srt.listen('127.0.0.1', 0);
  const dir = mkdtempSync(join(tmpdir(), 'srt-e2e-'));
  cleanups.push(async () => {
    await srt.close();
    await close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { srt, port, collector, lines, api, dir };
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

const playerArgs = (url: string, file: string, seconds = 5): string[] => [
  '-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'mpegts', '-y', file,
];

/** The file holds H.264 only, and it decodes without a single error. */
async function expectDecodableH264(file: string): Promise<void> {
  expect(statSync(file).size).toBeGreaterThan(10_000);
  const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', file], { timeout: 20_000 });
  // (MPEG-TS: the stream is listed under its program as well)
  expect([...new Set(probe.stdout.split('\n').filter((l) => l.trim() !== ''))]).toEqual(['h264,video']);
  const decode = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { timeout: 20_000 });
  expect(decode.stderr).toBe('');
}

describe('SRT server with ffmpeg', () => {
  it('serves an ffmpeg publisher to an ffmpeg player; the srt collector lists both sessions, then the history has them', { timeout: 90_000 }, async () => {
    const r = await rig();
    // ffmpeg itself (bounded by -t), not under `timeout`: the test kills it with SIGKILL below
    const pub = children.spawn('ffmpeg', ffmpegSrtPublishArgs(`srt://127.0.0.1:${r.port}?streamid=test,mode:publish`, ['-t', '60']));
    await waitFor(() => r.srt.streams().includes('test'), 'the publisher to start', 20_000);

    const file = join(r.dir, 'out.ts');
    const player = children.spawn('timeout', ['30', 'ffmpeg', ...playerArgs(`srt://127.0.0.1:${r.port}?streamid=test,mode:request`, file)]);

    const active = async (): Promise<ApiSession[]> => ((await r.api('/api/v3/session/active?collectors=srt')) as { srt: ApiSession[] }).srt;
    const first = await waitFor(async () => {
      const a = await active();
      return a.length === 2 && a.every((s) => s.bytes_rx > 0 || s.bytes_tx > 0) ? a : null;
    }, 'two active srt sessions', 20_000, 200);
    const publisher = first.find((s) => s.local.startsWith('publish:'))!;
    expect(publisher).toMatchObject({ id: 'test', reference: 'test', local: 'publish:test', extra: '', bytes_tx: 0 });
    expect(publisher.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    const play = first.find((s) => s.local.startsWith('play:'))!;
    expect(play).toMatchObject({ reference: 'test', local: 'play:test', extra: '', bytes_rx: 0 });
    expect(play.id).toBe(play.remote);
    expect(play.id).toMatch(/^127\.0\.0\.1:\d+$/);
    await waitFor(async () => {
      const a = await active();
      const p = a.find((s) => s.id === publisher.id);
      const q = a.find((s) => s.id === play.id);
      return p && q && p.bytes_rx > publisher.bytes_rx && q.bytes_tx > play.bytes_tx;
    }, 'bytes to grow', 10_000, 250);

    expect(await player.done).toBe(0);
    await expectDecodableH264(file);

    // a second publisher is refused (ffmpeg gives up)
    const second = children.spawn('timeout', ['20', 'ffmpeg', ...ffmpegSrtPublishArgs(`srt://127.0.0.1:${r.port}?streamid=test,mode:publish`, ['-t', '2'])]);
    expect(await second.done).not.toBe(0);
    expect(r.lines.some((l) => l.includes('srt connection refused') && l.includes('already publishing'))).toBe(true);

    // the publisher vanishes without a word: the server's idle timeout ends it, the sessions time out into the history
    pub.kill('SIGKILL');
    await pub.done;
    await waitFor(() => r.srt.stats().connections === 0, 'the idle timeout', 10_000, 100);
    expect(r.lines.some((l) => l.includes('srt publish stop') && l.includes('timeout'))).toBe(true);
    await waitFor(async () => (await active()).length === 0, 'the sessions to time out', 15_000, 250);
    const summary = ((await r.api('/api/v3/session?collectors=srt')) as { srt: { summary: Record<string, unknown> } }).srt.summary;
    const local = summary['local'] as Record<string, { sessions: number }>;
    expect(local['publish:test']?.sessions).toBe(1);
    expect(local['play:test']?.sessions).toBe(1);
    expect((summary['reference'] as Record<string, { sessions: number }>)['test']?.sessions).toBe(2);
  });

  it('recovers lost packets both ways (NAK, retransmission) through a relay that drops 3% of the datagrams', async () => {
    const r = await rig();
    const relay = await lossyProxy(r.port, 0.03, 7);
    cleanups.push(() => relay.close());
    const pub = children.spawn('timeout', ['60', 'ffmpeg', ...ffmpegSrtPublishArgs(`srt://127.0.0.1:${relay.port}?streamid=lossy,mode:publish`, ['-b:v', '1M'])]);
    void pub;
    await waitFor(() => r.srt.streams().includes('lossy'), 'the publisher to start', 20_000);
    const file = join(r.dir, 'lossy.ts');
    const player = children.spawn('timeout', ['30', 'ffmpeg', ...playerArgs(`srt://127.0.0.1:${relay.port}?streamid=lossy`, file)]);
    expect(await player.done).toBe(0);
    await expectDecodableH264(file);
    const s = r.srt.stats();
    expect(relay.dropped).toBeGreaterThan(0);
    expect(s.naksSent).toBeGreaterThan(0);
    expect(s.retransmitted).toBeGreaterThan(0);
  });

  it('/api/v3/srt shows the loss and retransmissions; the collector counts payload + 44 bytes per data packet, as Core', async () => {
    const r = await rig();
    const relay = await lossyProxy(r.port, 0.03, 11);
    cleanups.push(() => relay.close());
    const pub = children.spawn('timeout', ['60', 'ffmpeg', ...ffmpegSrtPublishArgs(`srt://127.0.0.1:${relay.port}?streamid=counted,mode:publish`, ['-b:v', '1M', '-t', '8'])]);
    await waitFor(() => r.srt.streams().includes('counted'), 'the publisher to start', 20_000);
    const file = join(r.dir, 'counted.ts');
    const player = children.spawn('timeout', ['30', 'ffmpeg', ...playerArgs(`srt://127.0.0.1:${relay.port}?streamid=counted`, file, 4)]);
    type Stats = Record<string, number>;
    type Channels = { publisher: Record<string, number>; subscriber: Record<string, number[]>; connections: Record<string, { log: object; stats: Stats }> };
    // While both run: the publisher's connection lost packets and asked for them; the player's got NAKs and resent.
    // The relay's drops are fixed per flow (seed 11: the publisher's 17th data packet, the player's 11th); each side
    // is kept once seen, since the player's connection leaves the list when it ends.
    let pubStats: Stats | undefined;
    let plyStats: Stats | undefined;
    let last = '';
    const ch = await waitFor(
      () => {
        const now = JSON.parse(srtChannelsJson(r.srt)) as Channels;
        const p = now.connections[String(now.publisher['counted'])]?.stats;
        const plyId = now.subscriber['counted']?.[0];
        const q = plyId === undefined ? undefined : now.connections[String(plyId)]?.stats;
        if (p && p.recv_loss_pkt > 0 && p.recv_retran_pkts > 0) pubStats ??= p;
        if (q && q.sent_retrans_pkt > 0) plyStats ??= q;
        last = JSON.stringify({ publisher: p, player: q, relay: { dropped: relay.dropped, up: relay.upData, down: relay.downData } });
        return pubStats && plyStats ? now : undefined;
      },
      () => `loss and retransmissions in /api/v3/srt (last: ${last}; player: ${player.output().slice(-400)})`,
      20_000,
    );
    const seen = { ch, pubStats: pubStats!, plyStats: plyStats! };
    console.log(`publisher: ${JSON.stringify({ recv_pkt: seen.pubStats.recv_pkt, recv_loss_pkt: seen.pubStats.recv_loss_pkt, sent_nak_pkt: seen.pubStats.sent_nak_pkt, recv_retran_pkts: seen.pubStats.recv_retran_pkts, rtt_ms: seen.pubStats.rtt_ms })}; player: ${JSON.stringify({ sent_pkt: seen.plyStats.sent_pkt, recv_nak_pkt: seen.plyStats.recv_nak_pkt, sent_retrans_pkt: seen.plyStats.sent_retrans_pkt })}`);
    expect(seen.pubStats.sent_nak_pkt).toBeGreaterThan(0);
    expect(seen.plyStats.recv_nak_pkt).toBeGreaterThan(0);
    expect(Object.keys(seen.ch)).toEqual(['publisher', 'subscriber', 'connections', 'log']); // SRTChannels' field order
    expect(await player.done).toBe(0);
    expect(await pub.done).toBe(0);
    // Every data datagram the relay delivered to the server: SRT header 16 + payload; Core adds IPv4 20 + UDP 8.
    const expected = relay.upData.bytes + 28 * relay.upData.packets;
    const counted = await waitFor(
      async () => {
        const list = ((await r.api('/api/v3/session/active?collectors=srt')) as { srt: ApiSession[] }).srt;
        const active = list.find((x) => x.local === 'publish:counted');
        return active && active.bytes_rx === expected ? active.bytes_rx : undefined;
      },
      `the publisher's bytes_rx to reach ${expected} (${relay.upData.packets} data packets)`,
      10_000,
    );
    console.log(`srt publisher: ${relay.upData.packets} data packets, ${relay.upData.bytes} datagram bytes through the relay (${relay.dropped} datagrams dropped); collector bytes_rx ${counted} = Σ(payload + 44)`);
    expect(counted).toBe(expected);
  });

  it('still serves ffmpeg after random datagrams, truncated handshakes and an induction flood', async () => {
    const r = await rig({ token: 'tok' });
    const s = createSocket('udp4');
    cleanups.push(() => void s.close());
    await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
    const fire = (b: Buffer): void => s.send(b, r.port, '127.0.0.1');
    for (let i = 0; i < 300; i++) fire(randomBytes(1 + ((i * 53) % 1400)));
    const ind = induction(9);
    for (let n = 1; n < ind.length; n += 4) fire(ind.subarray(0, n));
    for (let i = 0; i < 2000; i++) fire(induction(5000 + i));
    await waitFor(() => r.srt.stats().inductions >= 1900, 'the flood to be answered', 10_000);
    expect(r.srt.stats().connections).toBe(0);

    // a wrong token is refused; the right one (old #!: form) publishes and plays
    const bad = children.spawn('timeout', ['20', 'ffmpeg', ...ffmpegSrtPublishArgs(`srt://127.0.0.1:${r.port}?streamid=x,mode:publish,token:nope`, ['-t', '2'])]);
    expect(await bad.done).not.toBe(0);
    expect(r.lines.some((l) => l.includes('invalid token'))).toBe(true);
    children.spawn('timeout', ['60', 'ffmpeg', ...ffmpegSrtPublishArgs(`srt://127.0.0.1:${r.port}?streamid=${encodeURIComponent('#!:m=publish,r=x,token=tok')}`)]);
    await waitFor(() => r.srt.streams().includes('x'), 'the publisher with the token to start', 20_000);
    const file = join(r.dir, 'after.ts');
    const player = children.spawn('timeout', ['30', 'ffmpeg', ...playerArgs(`srt://127.0.0.1:${r.port}?streamid=x,token:tok`, file, 3)]);
    expect(await player.done).toBe(0);
    await expectDecodableH264(file);
    expect(r.lines.join('\n')).not.toContain('tok"');
  });
});
