import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { MIN_REGION_BYTES, ReadBuffers, READ_MODES, SLAB_BYTES, startReading, READ_BUFFER_BYTES, type ReadMode } from '../../../../src/main/servers/rtmp/reader.ts';
import { ChunkParser, MSG, VIEW_MIN_BYTES, type RtmpMessage } from '../../../../src/main/servers/rtmp/chunk.ts';
import { C0C1_SIZE, HANDSHAKE_SIZE } from '../../../../src/main/servers/rtmp/handshake.ts';
import { FakeCollector } from '../../../support/fake-collector.ts';
import { Children, waitForFfmpeg } from '../../../support/children.ts';
import { waitFor } from '../../../support/wait.ts';
import { ffmpegPublishArgs, startServer, type TestServer } from './support.ts';
import { RtmpTestClient } from './rtmp-client.ts';

const children = new Children();
const servers: Server[] = [];
const rtmpServers: TestServer[] = [];
const clients: RtmpTestClient[] = [];
afterEach(async () => {
  children.killAll();
  for (const c of clients.splice(0)) c.close();
  for (const s of rtmpServers.splice(0)) await s.server.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const listen = (s: Server): Promise<number> =>
  new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
const connections = (s: Server): Promise<number> => new Promise((resolve, reject) => s.getConnections((err, n) => (err ? reject(err) : resolve(n))));

/** A seeded pseudo-random generator, so that a failing split can be reproduced. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('reading into one shared, reused buffer, or into slabs', () => {
  it.each<ReadMode>(READ_MODES)('%s: two clients at once get every byte in order, counted exactly, and still close', async (mode) => {
    const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const got: Buffer[][] = [];
    const sockets: Socket[] = [];
    const modes: ReadMode[] = [];
    let slabs = 0;
    const server = createServer({ pauseOnConnect: true }, (accepted) => {
      const pieces: Buffer[] = [];
      got.push(pieces);
      const buffers = new ReadBuffers(buffer, () => slabs++);
      if (mode === 'slab') buffers.useSlabs(); // as a publisher's connection does once it publishes
      // Kept as they are when they stay valid (slab regions, a stream's buffers); copied from the shared buffer.
      const r = startReading(accepted, buffers, (bytes, stable) => {
        expect(stable).toBe(mode !== 'reused-buffer');
        pieces.push(stable ? bytes : Buffer.from(bytes));
      }, mode);
      modes.push(r.mode);
      sockets.push(r.socket);
    });
    servers.push(server);
    const port = await listen(server);
    const rnd = random(7);
    const sent = [randomBytes(700_000), randomBytes(500_000)];
    const closed: Array<Promise<void>> = [];
    await Promise.all(
      sent.map(async (data) => {
        const c = connect(port, '127.0.0.1');
        await new Promise((r) => c.once('connect', r));
        for (let i = 0; i < data.length; ) {
          const n = 1 + Math.floor(rnd() * 40_000);
          c.write(data.subarray(i, i + n));
          i += n;
          await new Promise((r) => setImmediate(r));
        }
        c.end();
        closed.push(new Promise((r) => c.once('close', () => r())));
      }),
    );
    await Promise.all(closed);
    await waitFor(() => sockets.length === 2 && sockets.every((s) => s.destroyed), 'the server side to close');
    expect(modes).toEqual([mode, mode]);
    // 1.2 MB read into 256 KiB slabs: at least five of them, at most one per read.
    if (mode === 'slab') expect(slabs).toBeGreaterThanOrEqual(Math.ceil(1_200_000 / SLAB_BYTES));
    else expect(slabs).toBe(0);
    // Which accepted connection is which client: match by length.
    const joined = got.map((p) => Buffer.concat(p)).sort((a, b) => b.length - a.length);
    expect(joined[0]!.equals(sent[0]!)).toBe(true);
    expect(joined[1]!.equals(sent[1]!)).toBe(true);
    expect(sockets.map((s) => s.bytesRead).sort((a, b) => b - a)).toEqual([700_000, 500_000]);
    // The replaced accepted socket let go of the server's connection count: close() can finish.
    expect(await connections(server)).toBe(0);
  });
});

describe('slab regions', () => {
  it('hands out regions of at most one read buffer that never overlap what was read before, and a new slab when one is short', () => {
    const shared = Buffer.alloc(READ_BUFFER_BYTES);
    let slabs = 0;
    const buffers = new ReadBuffers(shared, () => slabs++);
    expect(buffers.next()).toBe(shared); // before publishing: the shared buffer, not kept
    expect(buffers.stable).toBe(false);
    buffers.filled(100);
    buffers.useSlabs();
    const rnd = random(3);
    const read: Array<{ ab: ArrayBufferLike; from: number; to: number }> = [];
    for (let i = 0; i < 400; i++) {
      const region = buffers.next();
      expect(buffers.stable).toBe(true);
      expect(region.length).toBeGreaterThanOrEqual(MIN_REGION_BYTES);
      expect(region.length).toBeLessThanOrEqual(READ_BUFFER_BYTES);
      expect(region.buffer).not.toBe(shared.buffer);
      // A read of 1 byte .. the whole region (a full read is followed at once by another).
      const n = rnd() < 0.2 ? region.length : 1 + Math.floor(rnd() * region.length);
      for (const r of read) {
        if (r.ab !== region.buffer) continue;
        expect(region.byteOffset >= r.to || region.byteOffset + n <= r.from).toBe(true);
      }
      read.push({ ab: region.buffer, from: region.byteOffset, to: region.byteOffset + n });
      buffers.filled(n);
      expect(region.buffer.byteLength).toBe(SLAB_BYTES);
    }
    const distinct = new Set(read.map((r) => r.ab));
    expect(slabs).toBe(distinct.size);
    // Each slab was used up to less than a region from its end before the next was taken.
    const used = new Map<ArrayBufferLike, number>();
    for (const r of read) used.set(r.ab, Math.max(used.get(r.ab) ?? 0, r.to));
    const last = read[read.length - 1]!.ab;
    for (const [ab, end] of used) if (ab !== last) expect(ab.byteLength - end).toBeLessThan(MIN_REGION_BYTES);
  });
});

/** Parses a chunk stream, each read copied into one reused buffer that is overwritten right after the push. */
function parseThroughReusedBuffer(stream: Buffer, seed: number, withViews: boolean): RtmpMessage[] {
  const msgs: RtmpMessage[] = [];
  const limits = { maxMessageBytes: 8 << 20, maxPartialBytes: 16 << 20, maxChunkStreams: 64 };
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const parser = new ChunkParser(
    limits,
    (m) => msgs.push(m),
    // The views joined only after the run: what a cached message would hold once the buffer is reused.
    withViews ? (m) => msgs.push({ ...m, get payload() { return Buffer.concat(m.parts, m.length); } }) : undefined,
  );
  if (withViews) parser.viewTypes = new Set([MSG.audio, MSG.video]);
  const rnd = random(seed);
  for (let i = 0; i < stream.length; ) {
    const n = Math.min(stream.length - i, 1 + Math.floor(rnd() * READ_BUFFER_BYTES));
    stream.copy(buffer, 0, i, i + n);
    parser.push(buffer.subarray(0, n));
    buffer.fill(0xee);
    i += n;
  }
  return msgs;
}

const summary = (m: RtmpMessage): string => `${m.csid}/${m.typeId}/${m.streamId}@${m.timestamp}:${m.payload.toString('base64')}`;

describe('a real publisher through the server', () => {
  it('counts every byte ffmpeg sent, and its recorded chunk stream parses the same through a reused buffer, split anywhere', async () => {
    await waitForFfmpeg();
    const collector = new FakeCollector('rtmp');
    const rtmp = await startServer({ collector });
    rtmpServers.push(rtmp);
    expect(rtmp.server.stats().connections).toBe(0);
    // A recording proxy between ffmpeg and the server: what the publisher sent, byte for byte.
    const recorded: Buffer[] = [];
    const proxy = createServer((client) => {
      const upstream = connect(rtmp.port, '127.0.0.1');
      client.on('data', (d: Buffer) => {
        recorded.push(Buffer.from(d));
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => client.write(d));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    servers.push(proxy);
    const port = await listen(proxy);
    const pub = children.spawn('timeout', ['30', 'ffmpeg', ...ffmpegPublishArgs(`rtmp://127.0.0.1:${port}/live/rec`, ['-t', '2', '-b:v', '2M'])]);
    expect(await pub.done).toBe(0);
    await waitFor(() => collector.closed.includes('/live/rec'), 'the publisher connection to close');
    const sent = Buffer.concat(recorded);
    // Core parity: the session's rx bytes are every byte of the connection, handshake included.
    expect(collector.rxBytes('/live/rec')).toBe(sent.length);

    const chunks = sent.subarray(C0C1_SIZE + HANDSHAKE_SIZE);
    const reference = parseThroughReusedBuffer(chunks, 1, false).map(summary);
    // Whole, as one push, with a fresh buffer: the plain reading of the stream.
    const whole: RtmpMessage[] = [];
    new ChunkParser({ maxMessageBytes: 8 << 20, maxPartialBytes: 16 << 20, maxChunkStreams: 64 }, (m) => whole.push(m)).push(Buffer.from(chunks));
    expect(reference).toEqual(whole.map(summary));
    const video = whole.filter((m) => m.typeId === MSG.video);
    expect(video.length).toBeGreaterThan(40);
    expect(video.some((m) => m.payload.length >= VIEW_MIN_BYTES)).toBe(true);
    for (const seed of [2, 3, 4, 5]) expect(parseThroughReusedBuffer(chunks, seed, false).map(summary)).toEqual(reference);
    // Control: views of the reused buffer (what the parser does for stream reads) would not survive its reuse.
    expect(parseThroughReusedBuffer(chunks, 2, true).map(summary)).not.toEqual(reference);
  });

  it.each<ReadMode>(READ_MODES)('%s: a player gets exactly what the publisher sent, and both sessions count every byte', async (mode) => {
    const collector = new FakeCollector('rtmp');
    const s = await startServer({ collector, tickMs: 100, readMode: mode });
    rtmpServers.push(s);
    const pub = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    const player = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(pub, player);
    await pub.publish('live', 'm');
    await player.play('live', 'm');
    const rnd = random(11);
    const frames: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const f = randomBytes(i === 0 ? 30_000 : 200 + Math.floor(rnd() * 20_000));
      f[0] = i === 0 ? 0x17 : 0x27;
      f[1] = 1;
      frames.push(f);
      pub.send(6, MSG.video, 1, i * 33, f);
    }
    const video = (): RtmpMessage[] => player.media.filter((m) => m.typeId === MSG.video);
    await waitFor(() => video().length >= frames.length, 'the player to get every frame');
    expect(video().map((m) => m.payload.toString('base64'))).toEqual(frames.map((f) => f.toString('base64')));
    const playerId = collector.registered[1]!.id;
    const pubRx = (): number => collector.rxBytes('/live/m');
    await waitFor(() => pubRx() === pub.socket.bytesWritten, 'the publisher session to count every byte it sent');
    await waitFor(() => collector.txBytes(playerId) === player.socket.bytesRead, 'the player session to count every byte it got');
    // Only the publisher's reads take slabs, and only in slab mode (a slab holds at most SLAB_BYTES of what it sent).
    if (mode === 'slab') expect(s.server.stats().readSlabs).toBeGreaterThanOrEqual(Math.floor(pub.socket.bytesWritten / SLAB_BYTES));
    else expect(s.server.stats().readSlabs).toBe(0);
  });
});
