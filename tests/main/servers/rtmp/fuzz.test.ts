/**
 * Fuzz: ~20 s of random bytes, truncated/mutated handshakes and mutated valid chunk streams from a bounded number of
 * concurrent connections; the server must log and close bad peers, keep its buffers bounded, never hit an internal
 * error, and afterwards still serve a real ffmpeg publisher and player.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AmfEcmaArray, encodeAmf0 } from '../../../../src/main/servers/rtmp/amf0.ts';
import { MSG, chunkHeader, serializeMessage } from '../../../../src/main/servers/rtmp/chunk.ts';
import { ffmpegPublishArgs, startServer, type TestServer } from './support.ts';
import { waitFor } from '../../../support/wait.ts';
import { Children } from '../../../support/children.ts';

const FUZZ_MS = Number(process.env.RTMP_FUZZ_MS ?? 20_000);
const WORKERS = 12;

const children = new Children();
let srv: TestServer | null = null;
afterEach(async () => {
  children.killAll();
  await srv?.server.close();
  srv = null;
});

function handshake(): Buffer {
  const c0c1 = Buffer.alloc(1537);
  c0c1[0] = 3;
  return Buffer.concat([c0c1, Buffer.alloc(1536)]);
}

/** A plausible publishing session after the handshake, at a random chunk size. */
function validSession(name: string): Buffer {
  const size = [1, 64, 128, 4096, 65536][randomInt(5)]!;
  const cs = Buffer.alloc(4);
  cs.writeUInt32BE(size);
  const parts = [serializeMessage({ csid: 2, typeId: MSG.setChunkSize, streamId: 0, timestamp: 0, payload: cs }, 128)];
  const msg = (csid: number, typeId: number, streamId: number, timestamp: number, payload: Buffer): void => {
    parts.push(serializeMessage({ csid, typeId, streamId, timestamp, payload }, size));
  };
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('connect', 1, { app: 'live', tcUrl: 'rtmp://x/live' }));
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('releaseStream', 2, null, name));
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('FCPublish', 3, null, name));
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('createStream', 4, null));
  msg(5, MSG.commandAmf0, 1, 0, encodeAmf0(randomInt(2) ? 'publish' : 'play', 0, null, name, 'live'));
  msg(5, MSG.dataAmf0, 1, 0, encodeAmf0('@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 320, duration: 0 })));
  msg(6, MSG.video, 1, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x0d]));
  msg(4, MSG.audio, 1, 0, Buffer.from([0xaf, 0, 0x12, 0x10]));
  for (let i = 0; i < 30; i++) {
    const f = randomBytes(randomInt(10, 3000));
    f[0] = i % 10 === 0 ? 0x17 : 0x27;
    f[1] = 1;
    msg(6, MSG.video, 1, 0x00fffff0 + i * 40, f); // crosses into extended timestamps
    msg(4, MSG.audio, 1, i * 23, Buffer.concat([Buffer.from([0xaf, 1]), randomBytes(50)]));
  }
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('FCUnpublish', 5, null, name));
  msg(3, MSG.commandAmf0, 0, 0, encodeAmf0('deleteStream', 6, null, 1));
  return Buffer.concat(parts);
}

function mutate(b: Buffer): Buffer {
  const out = Buffer.from(b);
  const flips = randomInt(1, 12);
  for (let i = 0; i < flips; i++) out[randomInt(out.length)] = randomInt(256);
  return out;
}

function randomChunks(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < randomInt(1, 30); i++) {
    const fmt = randomInt(4) as 0 | 1 | 2 | 3;
    const csid = [2, 3, 4, 63, 64, 319, 320, 65599][randomInt(8)]!;
    const len = [0, 1, 4, 127, 128, 129, 5000, 0xffffff][randomInt(8)]!;
    const typeId = randomInt(25);
    parts.push(chunkHeader(fmt, csid, { time: randomInt(2) ? 0xffffff + randomInt(100) : randomInt(1000), length: len, typeId, streamId: randomInt(3), extended3: randomInt(2) === 1 }));
    parts.push(randomBytes(Math.min(len, randomInt(0, 300))));
  }
  return Buffer.concat(parts);
}

function payload(n: number): Buffer {
  switch (n % 7) {
    case 0:
      return randomBytes(randomInt(1, 5000)); // random bytes instead of a handshake
    case 1:
      return Buffer.concat([Buffer.from([3]), randomBytes(randomInt(0, 1537))]); // cut handshake
    case 2:
      return mutate(handshake()).subarray(0, randomInt(1, 3073)); // truncated/mutated handshake
    case 3:
      return Buffer.concat([handshake(), randomChunks()]);
    case 4: {
      const s = Buffer.concat([handshake(), validSession(`f${n % 5}`)]);
      return Buffer.concat([s.subarray(0, 3073), mutate(s.subarray(3073))]);
    }
    case 5: {
      const s = Buffer.concat([handshake(), validSession(`f${n % 5}`)]);
      return s.subarray(0, randomInt(3073, s.length)); // truncated valid stream
    }
    default:
      return Buffer.concat([handshake(), validSession(`g${n}`)]); // valid
  }
}

function oneConnection(port: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.on('error', () => {});
    sock.on('data', () => {});
    const done = (): void => {
      sock.destroy();
      resolve();
    };
    sock.on('close', done);
    sock.on('connect', () => {
      const data = payload(n);
      // in a few pieces, so chunk boundaries fall anywhere
      let pos = 0;
      const step = (): void => {
        if (sock.destroyed) return;
        const end = Math.min(data.length, pos + randomInt(1, 4000));
        sock.write(data.subarray(pos, end));
        pos = end;
        if (pos < data.length) setTimeout(step, randomInt(0, 5));
        else setTimeout(done, randomInt(0, 400));
      };
      step();
    });
  });
}

describe('RTMP server fuzz', () => {
  it(`survives ${FUZZ_MS / 1000} s of hostile input and still serves ffmpeg`, async () => {
    srv = await startServer({ limits: { handshakeTimeoutMs: 1000, idleTimeoutMs: 2000, midChunkTimeoutMs: 1000, lingerMs: 500 } });
    const port = srv.port;
    const end = Date.now() + FUZZ_MS;
    let n = 0;
    let maxBuffered = 0;
    let maxConnections = 0;
    const sampler = setInterval(() => {
      const st = srv!.server.stats();
      maxBuffered = Math.max(maxBuffered, st.bufferedBytes);
      maxConnections = Math.max(maxConnections, st.connections);
    }, 100);
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (Date.now() < end) await oneConnection(port, n++);
      }),
    );
    clearInterval(sampler);
    const st = srv.server.stats();
    expect(n).toBeGreaterThan(200);
    expect(st.protocolErrors).toBeGreaterThan(10);
    expect(srv.lines.filter((l) => l.includes('internal error'))).toEqual([]);
    expect(maxConnections).toBeLessThanOrEqual(WORKERS + 50);
    expect(maxBuffered).toBeLessThan(64 * 1024 * 1024);
    await waitFor(() => srv!.server.stats().connections === 0, 'fuzz connections to be gone', 10_000);

    // a real ffmpeg publisher and player still work
    const url = `rtmp://127.0.0.1:${port}/live/after-fuzz`;
    children.spawn('timeout', ['40', 'ffmpeg', ...ffmpegPublishArgs(url)]);
    await waitFor(() => srv!.server.streams().includes('/live/after-fuzz'), 'the publisher', 20_000);
    // (async: the server runs in this process, a blocking exec would starve it)
    const player = children.spawn('timeout', ['20', 'ffmpeg', '-hide_banner', '-nostdin', '-i', url, '-t', '2', '-c', 'copy', '-f', 'null', '-']);
    expect(await player.done).toBe(0);
    expect(player.output()).toMatch(/Stream #0:\d+: Video: h264/);
    console.log(`fuzz: ${n} connections, ${st.protocolErrors} protocol errors, max ${maxConnections} connections, max buffered ${maxBuffered} B`);
  }, 90_000);
});
