import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MSG, chunkHeader, serializeMessage } from '../../../../src/main/servers/rtmp/chunk.ts';
import { encodeAmf0 } from '../../../../src/main/servers/rtmp/amf0.ts';
import { RtmpTestClient } from './rtmp-client.ts';
import { startServer, type TestServer } from './support.ts';
import { sleep, waitFor } from '../../../support/wait.ts';

const sockets: Socket[] = [];
const clients: RtmpTestClient[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.server.close();
});

/** Short timeouts so the tests stay quick. */
const FAST = { handshakeTimeoutMs: 300, idleTimeoutMs: 600, midChunkTimeoutMs: 300, lingerMs: 300 };

async function server(limits: Record<string, number> = {}): Promise<TestServer> {
  const s = await startServer({ tickMs: 50, limits: { ...FAST, ...limits } });
  servers.push(s);
  return s;
}

function raw(s: TestServer): Promise<Socket & { closedP: Promise<void> }> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port: s.port });
    sockets.push(sock);
    sock.on('error', () => {});
    sock.on('data', () => {});
    const closedP = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('connect', () => resolve(Object.assign(sock, { closedP })));
  });
}

async function handshaken(s: TestServer): Promise<Socket & { closedP: Promise<void> }> {
  const sock = await raw(s);
  const got = new Promise<void>((resolve) => {
    let n = 0;
    sock.on('data', (d: Buffer) => {
      n += d.length;
      if (n >= 3073) resolve();
    });
  });
  const c0c1 = Buffer.alloc(1537);
  c0c1[0] = 3;
  sock.write(c0c1);
  await got;
  sock.write(Buffer.alloc(1536));
  return sock;
}

const logged = (s: TestServer, text: string): boolean => s.lines.some((l) => l.includes('rtmp connection closed') && l.includes(text));

async function stillServes(s: TestServer): Promise<void> {
  const pub = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
  clients.push(pub);
  expect(await pub.publish('live', `ok${Math.random()}`)).toBe('NetStream.Publish.Start');
  pub.close();
}

describe('RTMP server: bad input', () => {
  it('closes random bytes instead of a handshake with a log line', async () => {
    const s = await server();
    const sock = await raw(s);
    sock.write(Buffer.concat([Buffer.from([0x47]), randomBytes(3000)]));
    await sock.closedP;
    expect(logged(s, 'not an RTMP handshake')).toBe(true);
    await stillServes(s);
  });

  it('closes a handshake cut short after the handshake timeout', async () => {
    const s = await server();
    const sock = await raw(s);
    sock.write(Buffer.concat([Buffer.from([3]), randomBytes(700)]));
    await sock.closedP;
    expect(logged(s, 'handshake timeout')).toBe(true);
    const sock2 = await handshaken(s);
    sock2.end(); // C2 sent, then gone: fine
    await stillServes(s);
  });

  it('closes a client that stalls in the middle of a chunk', async () => {
    const s = await server();
    const sock = await handshaken(s);
    const m = serializeMessage({ csid: 3, typeId: MSG.commandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('connect', 1, { app: 'live' }) }, 128);
    sock.write(m.subarray(0, 20));
    await sock.closedP;
    expect(logged(s, 'stalled in the middle of a chunk')).toBe(true);
  });

  it('closes an idle connection that never sends a command', async () => {
    const s = await server();
    const sock = await handshaken(s);
    await sock.closedP;
    expect(logged(s, 'idle timeout')).toBe(true);
  });

  for (const size of [0, 2 ** 31]) {
    it(`closes a peer that sets chunk size ${size}`, async () => {
      const s = await server();
      const sock = await handshaken(s);
      const p = Buffer.alloc(4);
      p.writeUInt32BE(size >>> 0);
      sock.write(serializeMessage({ csid: 2, typeId: MSG.setChunkSize, streamId: 0, timestamp: 0, payload: p }, 128));
      await sock.closedP;
      expect(logged(s, `invalid chunk size ${size}`)).toBe(true);
      await stillServes(s);
    });
  }

  it('refuses a 16 MB message from a connection that does not publish, and from a publisher', async () => {
    const s = await server();
    const sock = await handshaken(s);
    sock.write(chunkHeader(0, 3, { time: 0, length: 0xffffff, typeId: MSG.commandAmf0, streamId: 0 }));
    await sock.closedP;
    expect(logged(s, 'message length 16777215 exceeds the limit of 65536')).toBe(true);
    const pub = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(pub);
    await pub.publish('live', 'big');
    pub.socket.write(chunkHeader(0, 6, { time: 0, length: 0xffffff, typeId: MSG.video, streamId: 1 }));
    await waitFor(() => pub.closed, 'the publisher to be closed');
    expect(logged(s, 'message length 16777215 exceeds the limit of 8388608')).toBe(true);
    await stillServes(s);
  });

  it('closes a malformed command (bad AMF0), a play before connect, and a second connect', async () => {
    const s = await server();
    const a = await handshaken(s);
    a.write(serializeMessage({ csid: 3, typeId: MSG.commandAmf0, streamId: 0, timestamp: 0, payload: Buffer.from([0x02, 0x00, 0x09, 0x41]) }, 128));
    await a.closedP;
    expect(logged(s, 'truncated AMF0')).toBe(true);
    const b = await handshaken(s);
    b.write(serializeMessage({ csid: 3, typeId: MSG.commandAmf0, streamId: 0, timestamp: 0, payload: encodeAmf0('play', 0, null, 'x') }, 128));
    await b.closedP;
    expect(logged(s, 'before connect')).toBe(true);
    const c = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(c);
    await c.connect('live');
    c.command(0, 'connect', 2, { app: 'live' });
    await waitFor(() => c.closed, 'the client to be closed');
    expect(logged(s, 'second connect')).toBe(true);
  });

  it('survives 500 connections opened and dropped (some mid-handshake), then serves normally', async () => {
    const s = await server();
    const batch: Array<Promise<void>> = [];
    for (let i = 0; i < 500; i++) {
      batch.push(
        raw(s).then((sock) => {
          if (i % 3 === 0) sock.write(Buffer.from([3]));
          if (i % 3 === 1) sock.write(Buffer.concat([Buffer.from([3]), randomBytes(1000)]));
          sock.destroy();
        }),
      );
    }
    await Promise.all(batch);
    await waitFor(() => s.server.stats().connections === 0, 'every connection to be gone');
    await stillServes(s);
  });

  it('refuses connections beyond maxConnections with a log line', async () => {
    const s = await server({ maxConnections: 3 });
    const socks = await Promise.all([raw(s), raw(s), raw(s)]);
    const extra = await raw(s);
    await extra.closedP;
    await waitFor(() => s.lines.some((l) => l.includes('connections refused')), 'the refusal log line');
    for (const x of socks) x.destroy();
  });

  it('handles a ~100 Mbit/s publisher with bounded buffering; a slow player drops to keyframes, another stream goes on', async () => {
    const s = await server({ playerDropBytes: 512 * 1024, playerResumeBytes: 128 * 1024, playerMaxBufferedBytes: 64 * 1024 * 1024, playerStallMs: 60_000 });
    const pub = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(pub);
    await pub.publish('live', 'fast');
    const fastPlayer = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port, discardMedia: true });
    clients.push(fastPlayer);
    await fastPlayer.play('live', 'fast');
    // the slow player reads nothing for a while
    const slow = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(slow);
    await slow.play('live', 'fast');
    slow.socket.pause();
    // a second, unrelated stream
    const pub2 = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(pub2);
    await pub2.publish('live', 'other');
    const p2 = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port, discardMedia: true });
    clients.push(p2);
    await p2.play('live', 'other');

    // 2 s at 12.5 MB/s: 100 frames of 125 kB per second, a keyframe every 25
    const frame = Buffer.alloc(125_000, 0x11);
    let maxBuffered = 0;
    for (let i = 0; i < 200; i++) {
      const f = Buffer.from(frame);
      f[0] = i % 25 === 0 ? 0x17 : 0x27;
      f[1] = 1;
      f.writeUInt32BE(i, 5);
      pub.send(6, MSG.video, 1, i * 10, f);
      if (i % 10 === 0) {
        pub2.send(6, MSG.video, 1, i * 10, Buffer.from([0x17, 1, 0, 0, 0, 0, 0, 0, i]));
        await pub.sync();
        maxBuffered = Math.max(maxBuffered, s.server.stats().bufferedBytes);
        await sleep(100);
      }
    }
    await pub.sync();
    const st = s.server.stats();
    expect(st.rxBytes).toBeGreaterThan(25_000_000);
    expect(st.droppedMessages).toBeGreaterThan(0);
    // bounded: the slow player's backlog stays near the drop limit (+ one keyframe + kernel-side slack)
    expect(maxBuffered).toBeLessThan(512 * 1024 + 4 * 125_000 + 2 * 1024 * 1024);
    await waitFor(() => fastPlayer.mediaMessages >= 200, 'the fast player to get every frame');
    await waitFor(() => p2.mediaMessages >= 20, 'the other stream to flow');

    // the slow player resumes and continues at a keyframe after each gap
    slow.socket.resume();
    // keyframes until one gets through (the player resumes once its backlog is below the resume mark)
    let n = 1000;
    await waitFor(() => {
      const k = Buffer.alloc(9);
      k[0] = 0x17;
      k[1] = 1;
      k.writeUInt32BE(n, 5);
      pub.send(6, MSG.video, 1, 5000 + n, k);
      n++;
      return slow.media.some((m) => m.payload.readUInt32BE(5) >= 1000);
    }, 'the slow player to catch up', 10_000, 100);
    const seq = slow.media.filter((m) => m.typeId === MSG.video).map((m) => ({ n: m.payload.readUInt32BE(5), key: m.payload[0] === 0x17 }));
    expect(seq.length).toBeLessThan(201);
    for (let i = 1; i < seq.length; i++) {
      if (seq[i]!.n !== seq[i - 1]!.n + 1) expect(seq[i]!.key).toBe(true);
    }
  });

  it('closes a hopeless player that stays backed up', async () => {
    const s = await server({ playerDropBytes: 64 * 1024, playerResumeBytes: 16 * 1024, playerStallMs: 300 });
    const pub = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(pub);
    await pub.publish('live', 'x');
    const slow = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port });
    clients.push(slow);
    await slow.play('live', 'x');
    slow.socket.pause();
    for (let i = 0; i < 400 && !slow.closed; i++) {
      const f = Buffer.alloc(100_000);
      f[0] = 0x17;
      f[1] = 1;
      pub.send(6, MSG.video, 1, i, f);
      if (i % 20 === 0) {
        await pub.sync();
        await sleep(50);
      }
      if (s.lines.some((l) => l.includes('player too slow'))) break;
    }
    await waitFor(() => s.lines.some((l) => l.includes('player too slow')), 'the slow player to be closed');
    expect(s.server.stats().slowPlayersClosed).toBe(1);
  });
});
