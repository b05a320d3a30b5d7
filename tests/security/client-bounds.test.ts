/**
 * What one anonymous client (auth off, the default) can make the local core hold: each bound of the audit in
 * docs/security.md ("What one client can make the server hold") performed against the real headless server over
 * loopback, from 127.0.0.2 (the attacker) while 127.0.0.1 (another client) is still served. Prints the server's RSS
 * before and after each attack.
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../support/headless.ts';
import { Children } from '../support/children.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { invoke, rawRequest } from './support.ts';
import { newSessionId } from '../../src/main/servers/http/hls.ts';
import { MAX_MUTES } from '../../src/main/alerts/state.ts';
import { MAX_REMOTE_CORES } from '../../src/main/remote/fleet.ts';
import { RtmpTestClient } from '../main/servers/rtmp/rtmp-client.ts';
import { chunkHeader, MSG } from '../../src/main/servers/rtmp/chunk.ts';
import { DEFAULT_LIMITS } from '../../src/main/servers/rtmp/connection.ts';
import { DEFAULT_SRT_LIMITS } from '../../src/main/servers/srt/connection.ts';
import { CTRL, encodeDataHeader, HS_TYPE, type Packet } from '../../src/main/servers/srt/packet.ts';
import { conclusion, handshake, testCaller, type TestCaller } from '../main/servers/srt/srt-client.ts';

const ATTACKER = '127.0.0.2';
const SESSIONS_PER_IP = 200;
const MEMFS_MB = 2;
const children = new Children();
let h: Headless;

beforeAll(async () => {
  h = await startHeadless(['--no-persist', '--max-sessions-per-ip', String(SESSIONS_PER_IP), '--memfs-max-mb', String(MEMFS_MB)], { children });
}, 30_000);
afterAll(async () => {
  await children.killAll({ termGraceMs: 5000 });
});

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${h.proc.pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Runs `task(i)` for i in [0, n) with at most `width` at once (below the per-client connection bound). */
async function inWaves<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

const countOf = (statuses: number[], status: number): number => statuses.filter((s) => s === status).length;

describe('what one anonymous client can make the server hold', () => {
  it(`HLS: one client opens at most --max-sessions-per-ip (${SESSIONS_PER_IP}) sessions; 509 beyond; another client still gets one`, async () => {
    const put = await rawRequest(`${h.url}/memfs/live/cam.m3u8`, { method: 'PUT', body: '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n' });
    expect(put.status).toBe(201);
    const rssBefore = rssMiB();
    const attempts = SESSIONS_PER_IP * 5;
    const statuses = await inWaves(attempts, 20, async () => (await rawRequest(`${h.url}/memfs/live/cam.m3u8?session=${newSessionId()}`, { localAddress: ATTACKER })).status);
    console.log(`HLS: ${attempts} new sessions asked by one client: ${countOf(statuses, 200)} admitted, ${countOf(statuses, 509)} refused (509); server RSS ${rssBefore} → ${rssMiB()} MiB`);
    expect(countOf(statuses, 200)).toBe(SESSIONS_PER_IP);
    expect(countOf(statuses, 509)).toBe(attempts - SESSIONS_PER_IP);
    const other = await rawRequest(`${h.url}/memfs/live/cam.m3u8?session=${newSessionId()}`);
    expect(other.status).toBe(200);
    expect(other.body).toContain('seg0.ts?session=');
    await waitFor(() => /too many sessions from one client.*127\.0\.0\.2/.test(h.stderr()), 'the refusal in the log, naming the client', 5_000, 100);
  }, 60_000);

  it(`HLS ingest: one client's playlist uploads open at most ${SESSIONS_PER_IP} upload sessions; a playlist it already uploads goes on`, async () => {
    const playlist = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n';
    const attempts = SESSIONS_PER_IP + 50;
    const statuses = await inWaves(attempts, 20, async (i) => (await rawRequest(`${h.url}/memfs/up/p${i}.m3u8`, { method: 'PUT', body: playlist, localAddress: ATTACKER })).status);
    expect(countOf(statuses, 201)).toBe(SESSIONS_PER_IP);
    expect(countOf(statuses, 509)).toBe(50);
    const again = await rawRequest(`${h.url}/memfs/up/p0.m3u8`, { method: 'PUT', body: playlist, localAddress: ATTACKER });
    expect(again.status).toBe(204);
    expect((await rawRequest(`${h.url}/memfs/up/other.m3u8`, { method: 'PUT', body: playlist })).status).toBe(201);
  }, 60_000);

  it('request bodies: every route that reads one refuses past its limit with 413, and the server stays up', async () => {
    const mib = 1024 * 1024;
    const over = (bytes: number): Buffer => Buffer.alloc(bytes + 1, 0x20);
    const results = {
      // the dashboard bridge's invoke: 1 MiB
      invoke: (await rawRequest(`${h.url}/api/ui/invoke/settings:get`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: over(mib), localAddress: ATTACKER })).status,
      // memfs and the fs API: one file at most the memfs size (--memfs-max-mb)
      memfs: (await rawRequest(`${h.url}/memfs/big.ts`, { method: 'PUT', body: over(MEMFS_MB * mib), localAddress: ATTACKER })).status,
      fsApi: (await rawRequest(`${h.url}/api/v3/fs/mem/big.ts`, { method: 'PUT', body: over(MEMFS_MB * mib), localAddress: ATTACKER })).status,
      // a playlist: 1 MiB
      playlist: (await rawRequest(`${h.url}/memfs/big.m3u8`, { method: 'PUT', body: over(mib), localAddress: ATTACKER })).status,
    };
    expect(results).toEqual({ invoke: 413, memfs: 413, fsApi: 413, playlist: 413 });
    // Core's metrics query: 1 MiB, refused as Core refuses a body it cannot read (400, "Invalid JSON").
    const metrics = await rawRequest(`${h.url}/api/v3/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: over(mib), localAddress: ATTACKER });
    expect([metrics.status, metrics.body]).toEqual([400, expect.stringContaining(`request body exceeds ${mib} bytes`)]);
    // Without a Content-Length (chunked) the cap is counted as the body arrives.
    const chunked = await new Promise<number>((done, fail) => {
      const url = new URL(`${h.url}/memfs/chunked.ts`);
      void import('node:http').then(({ request }) => {
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', localAddress: ATTACKER, agent: false }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        });
        req.on('error', fail);
        for (let i = 0; i <= MEMFS_MB * 4; i++) req.write(Buffer.alloc(256 * 1024));
        req.end();
      });
    });
    expect(chunked).toBe(413);
    expect((await rawRequest(`${h.url}/ping`)).body).toBe('pong');
  }, 60_000);

  it(`memfs: files past --memfs-max-mb (${MEMFS_MB}) push out the oldest; names are bounded (1 KiB)`, async () => {
    const rssBefore = rssMiB();
    const name = (i: number): string => `/memfs/${'n'.repeat(1000)}${i}.ts`;
    const statuses = await inWaves(60, 10, async (i) => (await rawRequest(`${h.url}${name(i)}`, { method: 'PUT', body: Buffer.alloc(100 * 1024, i), localAddress: ATTACKER })).status);
    expect(countOf(statuses, 201)).toBe(60);
    const files = JSON.parse((await rawRequest(`${h.url}/api/v3/fs/mem`)).body) as Array<{ name: string; size_bytes: number }>;
    const held = files.reduce((n, f) => n + f.size_bytes, 0);
    console.log(`memfs: 60 × 100 KiB uploaded by one client; ${files.length} files, ${held} bytes held (bound ${MEMFS_MB} MiB); server RSS ${rssBefore} → ${rssMiB()} MiB`);
    expect(held).toBeLessThanOrEqual(MEMFS_MB * 1024 * 1024);
    expect(files.some((f) => f.name === name(59).slice('/memfs'.length))).toBe(true);
    const tooLong = await rawRequest(`${h.url}/memfs/${'n'.repeat(1100)}.ts`, { method: 'PUT', body: 'x', localAddress: ATTACKER });
    expect(tooLong.status).toBe(414);
  }, 60_000);

  it(`alerts: at most ${MAX_MUTES} mutes; one more is refused and alert-state.json stops growing`, async () => {
    const rssBefore = rssMiB();
    const stream = (i: number): string => `${'s'.repeat(900)}${i}`;
    const answers = await inWaves(MAX_MUTES, 10, async (i) => (await invoke(h.url, 'alerts:mute', [{ core: 'local', stream: stream(i) }, 3_600_000])).json as { ok: boolean });
    expect(answers.every((a) => a.ok)).toBe(true);
    const file = join(h.dataDir, 'alert-state.json');
    const size = statSync(file).size;
    const refused = (await invoke(h.url, 'alerts:mute', [{ core: 'local', stream: 'one-more' }, 3_600_000])).json as { ok: boolean; error?: { message: string } };
    console.log(`alerts: ${MAX_MUTES} mutes of 900-character streams by one client: alert-state.json ${(size / 1024).toFixed(0)} KiB, then refused; server RSS ${rssBefore} → ${rssMiB()} MiB`);
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at most 1000 mutes/) } });
    expect(statSync(file).size).toBe(size);
  }, 120_000);

  it('event streams: one client holds at most --max-conns-per-ip (100) of them, unread; another client is still served', async () => {
    const port = Number(new URL(h.url).port);
    const rssBefore = rssMiB();
    let open = 0;
    const socks = await Promise.all(
      Array.from({ length: 120 }, () => new Promise<net.Socket>((done) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: ATTACKER });
        s.on('error', () => {});
        s.once('data', () => {
          open++; // the stream's head arrived: the server holds it
          s.once('close', () => open--);
          s.pause(); // and never reads again
        });
        s.on('connect', () => {
          s.write(`GET /api/ui/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
          done(s);
        });
      })),
    );
    try {
      await waitFor(() => open === 100, 'the attacker holding 100 event streams (the others refused)', 10_000, 100);
      // Pushes go on meanwhile (one a second); each unread stream skips them past 8 MiB queued.
      await sleep(5_000);
      expect(open).toBe(100);
      const other = (await invoke(h.url, 'app:info', [])).json as { ok: boolean };
      console.log(`event streams: 120 asked by one client, 100 held unread for 5 s; server RSS ${rssBefore} → ${rssMiB()} MiB`);
      expect(other.ok).toBe(true);
    } finally {
      for (const s of socks) s.destroy();
    }
  }, 60_000);

  it(`RTMP: one client's incomplete messages hold at most ${DEFAULT_LIMITS.maxPartialBytesPerClient / 2 ** 20} MiB over all its connections; an announced length holds nothing until it arrives`, async () => {
    const rtmp = new URL(h.rtmpUrl!.replace('rtmp:', 'http:'));
    const open = (localAddress: string): Promise<RtmpTestClient> => RtmpTestClient.open({ host: rtmp.hostname, port: Number(rtmp.port), localAddress, chunkSize: 65_536 });
    const closed = (c: RtmpTestClient): Promise<void> => new Promise((done) => (c.closed ? done() : c.socket.once('close', () => done())));
    const LEN = 8 * 1024 * 1024 - 1024; // below maxMessageBytes; two fill a connection's 16 MiB
    /** Two messages of LEN announced on chunk streams 4 and 5, all of each but its last 64 KiB chunk sent. */
    const fillTwo = (c: RtmpTestClient): void => {
      const chunk = Buffer.alloc(65_536, 7);
      for (const csid of [4, 5]) {
        const parts: Buffer[] = [chunkHeader(0, csid, { time: 0, length: LEN, typeId: MSG.dataAmf0, streamId: 1 })];
        for (let o = 0; o + 65_536 < LEN; o += 65_536) parts.push(...(o > 0 ? [chunkHeader(3, csid, {})] : []), chunk);
        c.socket.write(Buffer.concat(parts));
      }
    };
    const rssBefore = rssMiB();
    const attackers: RtmpTestClient[] = [];
    try {
      // Announced, one byte each (chunk size 1): nothing is allocated at the announced 8 MiB, so nothing is refused.
      for (let i = 0; i < 10; i++) {
        const c = await open(ATTACKER);
        expect(await c.publish('live', `announce${i}`)).toBe('NetStream.Publish.Start');
        const size = Buffer.alloc(4);
        size.writeUInt32BE(1);
        c.send(2, MSG.setChunkSize, 0, 0, size);
        for (const csid of [4, 5, 6, 7]) c.socket.write(Buffer.concat([chunkHeader(0, csid, { time: 0, length: LEN, typeId: MSG.dataAmf0, streamId: 1 }), Buffer.from([1])]));
        attackers.push(c);
      }
      // Filled: 8 connections × 16 MiB asked, 64 MiB held in all (4 connections' worth); the rest are closed.
      const fillers: RtmpTestClient[] = [];
      for (let i = 0; i < 8; i++) {
        const c = await open(ATTACKER);
        expect(await c.publish('live', `fill${i}`)).toBe('NetStream.Publish.Start');
        fillTwo(c);
        await Promise.race([c.sync(10_000), closed(c)]);
        fillers.push(c);
      }
      attackers.push(...fillers);
      const stillOpen = fillers.filter((c) => !c.closed).length;
      await waitFor(() => /incomplete messages are over the server's budget.*127\.0\.0\.2/.test(h.stdout() + h.stderr()), 'the refusal in the log, naming the client', 5_000, 100);
      console.log(`RTMP: 40 × 8 MiB announced on 10 connections, then 8 connections × 2 × 8 MiB sent by one client: ${stillOpen} kept open; server RSS ${rssBefore} → ${rssMiB()} MiB`);
      expect(stillOpen).toBeLessThanOrEqual(DEFAULT_LIMITS.maxPartialBytesPerClient / (2 * LEN));
      expect(stillOpen).toBeGreaterThan(0);
      expect(attackers.slice(0, 10).every((c) => !c.closed)).toBe(true);
      expect((h.stdout() + h.stderr()).match(/incomplete messages are over the server's budget/g)).toHaveLength(1); // throttled
      // Another client still publishes and is served.
      const other = await open('127.0.0.1');
      expect(await other.publish('live', 'cam')).toBe('NetStream.Publish.Start');
      await other.sync();
      other.close();
    } finally {
      for (const c of attackers) c.close();
    }
  }, 60_000);

  it(`RTMP: one client's GOP caches hold at most ${DEFAULT_LIMITS.maxGopBytesPerClient / 2 ** 20} MiB over all its streams; another client's 10 MB GOP is kept whole`, async () => {
    const rtmp = new URL(h.rtmpUrl!.replace('rtmp:', 'http:'));
    const open = (localAddress: string): Promise<RtmpTestClient> => RtmpTestClient.open({ host: rtmp.hostname, port: Number(rtmp.port), localAddress, chunkSize: 65_536 });
    /** An H.264 NAL unit message (not a sequence header) of `bytes`: a keyframe or an inter frame. */
    const frame = (key: boolean, bytes: number): Buffer => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1]), Buffer.alloc(bytes - 2, 9)]);
    /** Publishes one GOP: a keyframe and `frames - 1` inter frames of `bytes` each, 40 ms apart; resolves once the server has read it. */
    const sendGop = async (c: RtmpTestClient, frames: number, bytes: number): Promise<void> => {
      for (let i = 0; i < frames; i++) c.send(6, MSG.video, 1, i * 40, frame(i === 0, bytes));
      await c.sync(20_000);
    };
    /** A player joining `name`: the media of its join burst (the cached GOP), all read once the server answers a ping sent after the play. */
    const joinBurst = async (name: string): Promise<{ messages: number; bytes: number }> => {
      const p = await open('127.0.0.1');
      try {
        expect(await p.play('live', name)).toBe('NetStream.Play.Reset');
        await p.sync(20_000);
        return { messages: p.mediaMessages, bytes: p.mediaBytes };
      } finally {
        p.close();
      }
    };
    const STREAMS = 40;
    const FRAMES = 12;
    const FRAME_BYTES = 512 * 1024; // 6 MiB a GOP, 240 MiB over the 40 streams
    const rssBefore = rssMiB();
    const attackers: RtmpTestClient[] = [];
    try {
      for (let i = 0; i < STREAMS; i++) {
        const c = await open(ATTACKER);
        attackers.push(c);
        expect(await c.publish('live', `gop${i}`)).toBe('NetStream.Publish.Start');
        await sendGop(c, FRAMES, FRAME_BYTES);
      }
      const rssAttack = rssMiB();
      let cached = 0;
      let whole = 0;
      for (let i = 0; i < STREAMS; i++) {
        const b = await joinBurst(`gop${i}`);
        cached += b.bytes;
        if (b.messages === FRAMES) whole++;
      }
      console.log(`RTMP GOP: ${STREAMS} streams × ${(FRAMES * FRAME_BYTES) / 2 ** 20} MiB GOPs from one client: ${whole} cached whole, ${(cached / 2 ** 20).toFixed(0)} MiB cached in all; server RSS ${rssBefore} → ${rssAttack} MiB`);
      expect(cached).toBeLessThanOrEqual(DEFAULT_LIMITS.maxGopBytesPerClient);
      expect(whole).toBeGreaterThan(0);
      expect(attackers.every((c) => !c.closed)).toBe(true); // cut caches, not closed publishers
      await waitFor(() => /GOP cache cut.*127\.0\.0\.2/.test(h.stdout() + h.stderr()), 'the cut in the log, naming the client', 5_000, 100);
      // Another client's 20 Mbit/s stream with a 4 s GOP (10 MB: a 1 MiB keyframe and 79 frames of ~115 KiB) keeps all of it.
      const other = await open('127.0.0.1');
      attackers.push(other);
      expect(await other.publish('live', 'studio')).toBe('NetStream.Publish.Start');
      other.send(6, MSG.video, 1, 0, frame(true, 1024 * 1024));
      for (let i = 1; i < 80; i++) other.send(6, MSG.video, 1, i * 50, frame(false, 115 * 1024));
      await other.sync(20_000);
      const studio = await joinBurst('studio');
      expect(studio.messages).toBe(80);
    } finally {
      for (const c of attackers) c.close();
    }
  }, 120_000);

  it(`SRT: a datagram larger than an SRT packet is not held; one client's receive windows hold at most ${DEFAULT_SRT_LIMITS.maxWindowPacketsPerClient} packets; another client's are still held`, async () => {
    const listeners = ((await invoke(h.url, 'app:info', [])).json as { value: { listeners: Record<string, string> } }).value.listeners;
    const port = Number(/:(\d+)$/.exec(listeners['srt']!)![1]);
    const WINDOW = DEFAULT_SRT_LIMITS.receiveWindowPackets;
    const LATENCY_MS = 30_000; // the peer's wish wins: the gaps stay open (and the packets after them held) for the whole test
    const isAfter = (c: TestCaller, n: number, test: (p: Packet) => boolean) => (p: Packet): boolean => c.received.indexOf(p) >= n && test(p);
    interface Publisher { c: TestCaller; socketId: number; streamId: string }
    const publish = async (localAddress: string, streamId: string): Promise<Publisher> => {
      const c = await testCaller(port, localAddress);
      const hs = await handshake(c, { streamId, latencyMs: LATENCY_MS });
      expect(hs.type).toBe(HS_TYPE.conclusion);
      return { c, socketId: hs.socketId, streamId };
    };
    /** Resolves once the server has read everything `p` sent before: a repeated conclusion is answered in order. */
    const sync = async (p: Publisher): Promise<void> => {
      const n = p.c.received.length;
      p.c.send(conclusion(p.c.socketId, { streamId: p.streamId, cookie: 0, latencyMs: LATENCY_MS }));
      await p.c.next(isAfter(p.c, n, (x) => x.control && x.type === CTRL.handshake), 5_000);
    };
    /** Packets the server holds for `p`, from its first ACK after a sync (window less the available buffer it reports). */
    const held = async (p: Publisher): Promise<number> => {
      await sync(p);
      const n = p.c.received.length;
      const ack = await p.c.next(isAfter(p.c, n, (x) => x.control && x.type === CTRL.ack), 5_000);
      return WINDOW - (ack as { cif: Buffer }).cif.readUInt32BE(12);
    };
    /** Data packets `seqs` (the ISN, 1000, and 1001 never sent: a gap), `bytes` of payload each. */
    const send = (p: Publisher, seqs: number[], bytes: number): void => {
      for (const seq of seqs) p.c.send(Buffer.concat([encodeDataHeader(seq, seq, false, seq * 1000, p.socketId), Buffer.alloc(bytes, 0x47)]));
    };
    const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
    const rssBefore = rssMiB();
    const pubs: Publisher[] = [];
    try {
      // 64 KiB datagrams (loopback carries them): 8191 of them in a window would hold 512 MiB.
      const big = await publish(ATTACKER, 'big,mode:publish');
      pubs.push(big);
      for (let s = 1002; s < 1034; s += 2) {
        send(big, [s, s + 1], 60_000);
        await sync(big);
      }
      const bigHeld = await held(big);
      // Eight publishers each filling its window (8190 packets after a gap), in rounds so none of them idles out.
      const flood: Publisher[] = [];
      for (let i = 0; i < 8; i++) flood.push(await publish(ATTACKER, `flood${i},mode:publish`));
      pubs.push(...flood);
      for (let s = 1002; s < 1000 + WINDOW; s += 128) {
        for (const p of flood) {
          send(p, range(s, Math.min(s + 128, 1000 + WINDOW)), 1316);
          await sync(p);
        }
      }
      const floodHeld = await Promise.all(flood.map(held));
      const sum = floodHeld.reduce((a, b) => a + b, 0);
      // Another client's publisher with a gap: its packets are held.
      const other = await publish('127.0.0.1', 'other,mode:publish');
      pubs.push(other);
      send(other, range(1002, 1102), 1316);
      const otherHeld = await held(other);
      console.log(`SRT: 32 × 60 000-byte datagrams: ${bigHeld} held; 8 windows × ${WINDOW - 2} packets of one client: ${sum} held (${floodHeld.join(', ')}); another client 100 of 100; server RSS ${rssBefore} → ${rssMiB()} MiB`);
      expect(bigHeld).toBe(0);
      expect(sum).toBeLessThanOrEqual(DEFAULT_SRT_LIMITS.maxWindowPacketsPerClient);
      expect(sum).toBeGreaterThan(0);
      expect(otherHeld).toBe(100);
      await waitFor(() => /srt packets dropped.*127\.0\.0\.2/.test(h.stdout() + h.stderr()), 'the drop in the log, naming the client', 5_000, 100);
    } finally {
      for (const p of pubs) p.c.close();
    }
  }, 120_000);

  it('slowloris: a request head dripped a byte a second is cut with 408 (20 s for the head, checked by Node every 30 s)', async () => {
    const port = Number(new URL(h.url).port);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<{ text: string; afterMs: number }>((done) => {
        const s = net.connect({ port, host: '127.0.0.1', localAddress: ATTACKER });
        let text = '';
        s.on('error', () => {});
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.write(`GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
        const drip = setInterval(() => s.write('X'), 1000);
        s.on('close', () => {
          clearInterval(drip);
          done({ text, afterMs: Date.now() - started });
        });
      })),
    );
    console.log(`slowloris: 5 heads dripped a byte a second, cut after ${answers.map((a) => (a.afterMs / 1000).toFixed(1)).join(', ')} s`);
    for (const a of answers) {
      expect(a.text).toMatch(/^HTTP\/1\.1 408/);
      expect(a.afterMs).toBeGreaterThanOrEqual(19_000);
    }
  }, 70_000);

  it('logs: a disconnect that names no session writes no log line (a client cannot fill the log with them)', async () => {
    const before = h.stderr().length;
    const answers = await inWaves(300, 10, async (i) => (await invoke(h.url, 'sessions:disconnect', ['rtmp', `127.0.0.1:${i}`])).json);
    expect(answers.every((a) => JSON.stringify(a) === '{"ok":true,"value":false}')).toBe(true);
    expect(h.stderr().slice(before)).not.toMatch(/session disconnected/);
  }, 60_000);

  it(`remote Cores: at most ${MAX_REMOTE_CORES}; one more is refused with too-many and cores.json stops growing`, async () => {
    const rssBefore = rssMiB();
    // Disabled, so the test does not make the server poll a thousand dead addresses; the bound counts them all.
    const core = (i: number): unknown => ({ name: `c${i}`, url: `http://127.0.0.1:9/core${i}`, enabled: false });
    const answers = await inWaves(MAX_REMOTE_CORES, 10, async (i) => (await invoke(h.url, 'cores:add', [core(i)])).json as { ok: boolean; error?: unknown });
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    const file = join(h.dataDir, 'cores.json');
    const size = statSync(file).size;
    const refused = (await invoke(h.url, 'cores:add', [core(MAX_REMOTE_CORES)])).json;
    console.log(`cores: ${MAX_REMOTE_CORES} remote Cores added by one client: cores.json ${(size / 1024).toFixed(0)} KiB, then refused; server RSS ${rssBefore} → ${rssMiB()} MiB`);
    expect(refused).toMatchObject({ ok: false, error: { code: 'too-many', message: expect.stringMatching(/at most 1000 remote Cores/) } });
    expect(statSync(file).size).toBe(size);
  }, 180_000);
});
