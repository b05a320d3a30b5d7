import { describe, expect, it } from 'vitest';
import {
  ChunkParser,
  MSG,
  RtmpProtocolError,
  chunkHeader,
  chunkViews,
  serializeMessage,
  serializeParts,
  VIEW_MIN_BYTES,
  type ChunkParserLimits,
  type RtmpMessage,
  type RtmpMessageParts,
} from '../../../../src/main/servers/rtmp/chunk.ts';

const LIMITS: ChunkParserLimits = { maxMessageBytes: 1 << 20, maxPartialBytes: 2 << 20, maxChunkStreams: 16 };

function parse(bytes: Buffer, opts: { split?: number; limits?: ChunkParserLimits } = {}): { msgs: RtmpMessage[]; parser: ChunkParser } {
  const msgs: RtmpMessage[] = [];
  const parser = new ChunkParser(opts.limits ?? LIMITS, (m) => msgs.push(m));
  const step = opts.split ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) parser.push(bytes.subarray(i, i + step));
  return { msgs, parser };
}

const payload = (n: number, seed = 1): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

function setChunkSize(size: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(size >>> 0);
  return serializeMessage({ csid: 2, typeId: MSG.setChunkSize, streamId: 0, timestamp: 0, payload: p }, 128);
}

describe('chunk serializer + parser', () => {
  it('round-trips messages of every size at several chunk sizes, fed in any split', () => {
    for (const size of [1, 128, 4096]) {
      for (const len of [0, 1, size - 1, size, size + 1, 3 * size + 7]) {
        if (len < 0) continue;
        const m: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 1234, payload: payload(len) };
        const wire = Buffer.concat([setChunkSize(size), serializeMessage(m, size)]);
        for (const split of [1, 7, wire.length]) {
          const { msgs } = parse(wire, { split });
          expect(msgs.length).toBe(2);
          expect(msgs[1]).toEqual(m);
        }
      }
    }
  });

  it('encodes chunk stream ids in 1, 2 and 3 byte basic headers', () => {
    // every field at its place (RTMP 1.0 §5.3.1), written out by hand
    expect(chunkHeader(0, 6, { time: 0x010203, length: 0x040506, typeId: 9, streamId: 1 })).toEqual(Buffer.from([0x06, 1, 2, 3, 4, 5, 6, 9, 1, 0, 0, 0]));
    expect(chunkHeader(0, 70, { time: 0x01020304, length: 5, typeId: 8, streamId: 0x0a0b0c0d })).toEqual(
      Buffer.from([0x00, 6, 0xff, 0xff, 0xff, 0, 0, 5, 8, 0x0d, 0x0c, 0x0b, 0x0a, 1, 2, 3, 4]),
    );
    expect(chunkHeader(1, 400, { time: 20, length: 0x0102, typeId: 9 })).toEqual(Buffer.from([0x41, 0x50, 1, 0, 0, 20, 0, 1, 2, 9]));
    expect(chunkHeader(2, 4, { time: 0xffffff })).toEqual(Buffer.from([0x84, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0xff]));
    expect(chunkHeader(3, 6, { time: 0x01020304, extended3: true })).toEqual(Buffer.from([0xc6, 1, 2, 3, 4]));
    expect(chunkHeader(3, 6, { time: 0x01020304 })).toEqual(Buffer.from([0xc6]));
    expect(chunkHeader(3, 63, {})).toEqual(Buffer.from([0xc0 | 63]));
    expect(chunkHeader(3, 64, {})).toEqual(Buffer.from([0xc0, 0]));
    expect(chunkHeader(3, 319, {})).toEqual(Buffer.from([0xc0, 255]));
    expect(chunkHeader(3, 320, {})).toEqual(Buffer.from([0xc1, 0, 1]));
    expect(chunkHeader(3, 65599, {})).toEqual(Buffer.from([0xc1, 255, 255]));
    for (const csid of [2, 63, 64, 319, 320, 65599]) {
      const m: RtmpMessage = { csid, typeId: MSG.audio, streamId: 1, timestamp: 5, payload: payload(300) };
      const { msgs } = parse(serializeMessage(m, 128), { limits: { ...LIMITS } });
      expect(msgs).toEqual([m]);
    }
  });

  it('applies type 1, 2 and 3 headers: deltas, inherited length/type/stream id', () => {
    const a = payload(10, 1);
    const b = payload(10, 2);
    const c = payload(20, 3);
    const d = payload(20, 4);
    const e = payload(20, 5);
    const wire = Buffer.concat([
      chunkHeader(0, 4, { time: 1000, length: 10, typeId: MSG.audio, streamId: 1 }),
      a,
      chunkHeader(2, 4, { time: 20 }), // same length/type, delta 20
      b,
      chunkHeader(1, 4, { time: 30, length: 20, typeId: MSG.video }), // new length and type, delta 30
      c,
      chunkHeader(3, 4, {}), // new message: repeats delta 30
      d,
      chunkHeader(3, 4, {}),
      e,
    ]);
    const { msgs } = parse(wire, { split: 3 });
    expect(msgs.map((m) => [m.timestamp, m.typeId, m.streamId, m.payload.length])).toEqual([
      [1000, MSG.audio, 1, 10],
      [1020, MSG.audio, 1, 10],
      [1050, MSG.video, 1, 20],
      [1080, MSG.video, 1, 20],
      [1110, MSG.video, 1, 20],
    ]);
    expect(msgs[3]!.payload).toEqual(d);
  });

  it('a type-3 chunk starting a message after a type-0 header keeps the timestamp (delta 0)', () => {
    const wire = Buffer.concat([
      chunkHeader(0, 5, { time: 500, length: 2, typeId: MSG.dataAmf0, streamId: 1 }),
      Buffer.from('ab'),
      chunkHeader(3, 5, {}),
      Buffer.from('cd'),
    ]);
    expect(parse(wire).msgs.map((m) => m.timestamp)).toEqual([500, 500]);
  });

  it('reads extended timestamps on type 0 and 1, and repeats them on type-3 chunks (continuation and new message)', () => {
    const big = 0x01000000 + 5;
    const m: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: big, payload: payload(300) };
    const wire = serializeMessage(m, 128);
    // type-0 header: 1 + 11 + 4; two type-3 continuation headers of 1 + 4 bytes
    expect(wire.length).toBe(16 + 300 + 2 * 5);
    expect(wire.readUIntBE(1, 3)).toBe(0xffffff);
    expect(wire.readUInt32BE(12)).toBe(big);
    expect(wire.readUInt32BE(16 + 128 + 1)).toBe(big);
    expect(parse(wire, { split: 5 }).msgs).toEqual([m]);

    // type 1 with an extended delta, followed by a type-3 new message that repeats the extended field
    const wire2 = Buffer.concat([
      chunkHeader(0, 4, { time: 10, length: 1, typeId: MSG.audio, streamId: 1 }),
      Buffer.from([1]),
      chunkHeader(1, 4, { time: 0xffffff + 1, length: 1, typeId: MSG.audio }),
      Buffer.from([2]),
      chunkHeader(3, 4, { time: 0xffffff + 1, extended3: true }),
      Buffer.from([3]),
    ]);
    expect(parse(wire2, { split: 1 }).msgs.map((x) => x.timestamp)).toEqual([10, 10 + 0x1000000, 10 + 2 * 0x1000000]);
  });

  it('interleaves chunks of different chunk streams', () => {
    const v: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40, payload: payload(300, 9) };
    const a: RtmpMessage = { csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 41, payload: payload(50, 8) };
    const vw = serializeMessage(v, 128); // 12 + 128 | 1 + 128 | 1 + 44
    const aw = serializeMessage(a, 128);
    const wire = Buffer.concat([vw.subarray(0, 140), aw, vw.subarray(140)]);
    expect(parse(wire, { split: 2 }).msgs).toEqual([a, v]);
  });

  it('changes the chunk size mid-stream, and handles the largest legal size', () => {
    const m1: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 1, payload: payload(1000) };
    const wire = Buffer.concat([serializeMessage(m1, 128), setChunkSize(0x7fffffff), serializeMessage(m1, 0x7fffffff)]);
    const { msgs, parser } = parse(wire, { split: 100 });
    expect(parser.chunkSize).toBe(0x7fffffff);
    expect(msgs.filter((m) => m.typeId === MSG.video)).toEqual([m1, m1]);
  });

  it('drops a partial message on Abort', () => {
    const m: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 1, payload: payload(300) };
    const first = serializeMessage(m, 128).subarray(0, 12 + 128);
    const abort = Buffer.alloc(4);
    abort.writeUInt32BE(6);
    const wire = Buffer.concat([
      first,
      serializeMessage({ csid: 2, typeId: MSG.abort, streamId: 0, timestamp: 0, payload: abort }, 128),
      serializeMessage({ ...m, payload: payload(10) }, 128),
    ]);
    const { msgs, parser } = parse(wire);
    expect(msgs.map((x) => [x.typeId, x.payload.length])).toEqual([
      [MSG.abort, 4],
      [MSG.video, 10],
    ]);
    expect(parser.bufferedBytes()).toBe(0);
  });

  it('rejects chunk size 0 and 2^31', () => {
    expect(() => parse(setChunkSize(0))).toThrow(/invalid chunk size 0/);
    expect(() => parse(setChunkSize(2 ** 31))).toThrow(/invalid chunk size 2147483648/);
  });

  it('rejects a 16 MB message before buffering any of it', () => {
    const h = chunkHeader(0, 6, { time: 0, length: 0xffffff, typeId: MSG.video, streamId: 1 });
    expect(() => parse(h)).toThrow(RtmpProtocolError);
  });

  it('caps the bytes of incomplete messages and the number of chunk streams', () => {
    const limits = { maxMessageBytes: 1000, maxPartialBytes: 1500, maxChunkStreams: 4 };
    // A message's body is allocated as its bytes arrive, never at its announced length: that is what the cap counts.
    const started = (csid: number, length: number): Buffer[] => [chunkHeader(0, csid, { time: 0, length, typeId: MSG.video, streamId: 1 }), payload(128)];
    // four 1000-byte messages announced (4000 > 1500), 128 bytes of each received: held at most what arrived
    const four = Buffer.concat([3, 4, 5, 6].flatMap((c) => started(c, 1000)));
    const held = parse(four, { limits }).parser.bufferedBytes();
    expect(held).toBeGreaterThanOrEqual(4 * 128);
    expect(held).toBeLessThanOrEqual(four.length);
    // a header alone allocates nothing
    expect(parse(chunkHeader(0, 5, { time: 0, length: 1000, typeId: MSG.video, streamId: 1 }), { limits }).parser.bufferedBytes()).toBe(0);
    // bytes that do arrive past the cap are refused: seven full chunks (896 bytes) of one 1000-byte message fit,
    // of two (1792 > 1500) do not
    const sevenChunks = (csid: number): Buffer => {
      const wire = serializeMessage({ csid, typeId: MSG.video, streamId: 1, timestamp: 0, payload: payload(1000) }, 128);
      return wire.subarray(0, 12 + 7 * 128 + 6); // the type-0 header, 7 chunks, 6 type-3 headers between them
    };
    expect(parse(sevenChunks(3), { limits }).parser.bufferedBytes()).toBeLessThanOrEqual(1000);
    expect(() => parse(Buffer.concat([sevenChunks(3), sevenChunks(4)]), { limits })).toThrow(/incomplete messages/);
    // completed messages give their bytes back: five 700-byte messages one after the other on one chunk stream
    const one = serializeMessage({ csid: 3, typeId: MSG.video, streamId: 1, timestamp: 0, payload: payload(700) }, 128);
    const { msgs, parser } = parse(Buffer.concat([one, one, one, one, one]), { limits });
    expect(msgs).toHaveLength(5);
    expect(parser.bufferedBytes()).toBe(0);
    const many: Buffer[] = [];
    for (let csid = 3; csid < 10; csid++) many.push(chunkHeader(0, csid, { time: 0, length: 1, typeId: MSG.audio, streamId: 1 }), Buffer.from([0]));
    expect(() => parse(Buffer.concat(many), { limits })).toThrow(/too many chunk streams/);
  });

  it('rejects a type 1/2/3 chunk on a chunk stream that never had a type-0 header', () => {
    expect(() => parse(Buffer.concat([chunkHeader(3, 9, {}), Buffer.from([1])]))).toThrow(/without a previous header/);
  });

  it('keeps only an incomplete header between pushes and reports mid-chunk state', () => {
    const m: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 1, payload: payload(100) };
    const wire = serializeMessage(m, 128);
    const { parser, msgs } = parse(wire.subarray(0, 5));
    expect(parser.midChunk()).toBe(true);
    expect(parser.bufferedBytes()).toBe(5);
    parser.push(wire.subarray(5, 50));
    expect(parser.bufferedBytes()).toBe(38); // the 38 body bytes that arrived, not the message's 100
    parser.push(wire.subarray(50));
    expect(parser.midChunk()).toBe(false);
    expect(msgs).toEqual([m]);
  });
});

/** Where the tests cut a 12 305-byte body into pieces (none, a 1-byte first piece, around and across chunk ends). */
const PIECES = [[], [1], [4095, 4097], [100, 5000, 8192, 12_000]];
/** `body` cut at `cuts` into consecutive views. */
function cutAt(body: Buffer, cuts: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, body.length]) {
    pieces.push(body.subarray(at, c));
    at = c;
  }
  return pieces;
}

describe('chunk parser: large media messages as views', () => {
  function parseViews(bytes: Buffer, split: number, limits = LIMITS): { msgs: RtmpMessage[]; parts: RtmpMessageParts[]; parser: ChunkParser } {
    const msgs: RtmpMessage[] = [];
    const parts: RtmpMessageParts[] = [];
    const parser = new ChunkParser(limits, (m) => msgs.push(m), (m) => parts.push(m));
    parser.viewTypes = new Set([MSG.audio, MSG.video]);
    // Each push is its own exactly sized buffer, as a socket's reads are.
    for (let i = 0; i < bytes.length; i += split) parser.push(Buffer.from(bytes.subarray(i, i + split)));
    return { msgs, parts, parser };
  }

  it('delivers a large video message as views of the pushed buffers (no copy), whole when joined, and copies everything else', () => {
    const video: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40, payload: payload(3 * 4096 + 100, 3) };
    const audio: RtmpMessage = { csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 41, payload: payload(VIEW_MIN_BYTES - 1, 5) };
    const data: RtmpMessage = { csid: 5, typeId: MSG.dataAmf0, streamId: 1, timestamp: 42, payload: payload(VIEW_MIN_BYTES + 1, 7) };
    const wire = Buffer.concat([setChunkSize(4096), serializeMessage(video, 4096), serializeMessage(audio, 4096), serializeMessage(data, 4096)]);
    for (const split of [wire.length, 5000, 777]) {
      const { msgs, parts, parser } = parseViews(wire, split);
      expect(parts).toHaveLength(1);
      const v = parts[0]!;
      expect({ csid: v.csid, typeId: v.typeId, streamId: v.streamId, timestamp: v.timestamp, length: v.length }).toEqual({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40, length: video.payload.length });
      expect(Buffer.concat(v.parts)).toEqual(video.payload);
      // held: every distinct buffer the views keep alive, each once
      const buffers = new Set(v.parts.map((x) => x.buffer));
      expect(v.buffers).toHaveLength(buffers.size);
      expect(new Set(v.buffers)).toEqual(buffers);
      expect(v.buffers.reduce((n, b) => n + b.byteLength, 0)).toBeGreaterThanOrEqual(v.length);
      // small media and non-media come copied, in one piece, as before
      expect(msgs.map((m) => m.typeId)).toEqual([MSG.setChunkSize, MSG.audio, MSG.dataAmf0]);
      expect(msgs[1]).toEqual(audio);
      expect(msgs[2]).toEqual(data);
      expect(parser.bufferedBytes()).toBe(0);
    }
  });

  it('keeps no view of a push that is not stable, and copies a message begun as views once its bytes come from one', () => {
    const video: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40, payload: payload(3 * 4096 + 100, 3) };
    const wire = Buffer.concat([serializeMessage(video, 4096), serializeMessage({ ...video, timestamp: 80 }, 4096)]);
    const msgs: RtmpMessage[] = [];
    const parts: RtmpMessageParts[] = [];
    const parser = new ChunkParser(LIMITS, (m) => msgs.push(m), (m) => parts.push(m));
    parser.viewTypes = new Set([MSG.video]);
    parser.push(setChunkSize(4096));
    const reused = Buffer.alloc(wire.length);
    // The first message: 5000 bytes as a stable push (views), the rest through a reused buffer (copied).
    const first = Buffer.from(wire.subarray(0, 5000));
    parser.push(first, true);
    expect(parser.bufferedBytes()).toBe(first.buffer.byteLength); // a view, charged at its buffer
    wire.copy(reused, 0, 5000);
    parser.push(reused.subarray(0, wire.length - 5000), false);
    reused.fill(0xee); // overwritten by the next read
    first.fill(0xdd); // and the stable push's buffer is let go of: nothing may still view it either
    expect(parts).toHaveLength(0);
    expect(msgs.slice(1)).toEqual([video, { ...video, timestamp: 80 }]);
    expect(parser.bufferedBytes()).toBe(0);
  });

  it('copies what it keeps when there is no parts handler or the type is not a view type', () => {
    const video: RtmpMessage = { csid: 6, typeId: MSG.video, streamId: 1, timestamp: 1, payload: payload(10_000) };
    const input = Buffer.concat([setChunkSize(4096), serializeMessage(video, 4096)]);
    const { msgs } = parse(input);
    input.fill(0); // the parser's result must not alias the pushed bytes
    expect(msgs[1]).toEqual(video);
  });

  it('serializes views exactly as the joined body (any piece boundaries, extended timestamps)', () => {
    const body = payload(3 * 4096 + 17, 9);
    for (const timestamp of [0, 1234, 0xffffff, 0xfffffffe]) {
      const h = { csid: 6, typeId: MSG.video, streamId: 1, timestamp };
      const expected = serializeMessage({ ...h, payload: body }, 4096);
      for (const pieces of PIECES.map((cuts) => cutAt(body, cuts))) {
        expect(serializeParts(h, pieces, body.length, 4096)).toEqual(expected);
      }
    }
    // The same bytes as headers built one by one with chunkHeader (1-, 2- and 3-byte chunk stream ids).
    for (const csid of [6, 70, 400]) {
      for (const timestamp of [7, 0xffffff]) {
        const h = { csid, typeId: MSG.video, streamId: 1, timestamp };
        const ext = timestamp >= 0xffffff;
        const pieces = [chunkHeader(0, csid, { time: timestamp, length: body.length, typeId: MSG.video, streamId: 1 })];
        for (let at = 0; at < body.length; at += 4096) {
          if (at > 0) pieces.push(chunkHeader(3, csid, { time: timestamp, extended3: ext }));
          pieces.push(body.subarray(at, at + 4096));
        }
        expect(serializeParts(h, [body.subarray(0, 5000), body.subarray(5000)], body.length, 4096)).toEqual(Buffer.concat(pieces));
      }
    }
    expect(serializeParts({ csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 5 }, [], 0, 4096)).toEqual(
      serializeMessage({ csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 5, payload: Buffer.alloc(0) }, 4096),
    );
  });

  it('lists the chunks of views without copying them: the same bytes as serializeParts, the pieces themselves in the list', () => {
    const body = Buffer.alloc(3 * 4096 + 17); // a buffer of its own (alloc never takes Node's pool, where headers are)
    payload(body.length, 5).copy(body);
    for (const chunkSize of [1, 4096, 5000, 65_536]) {
      for (const timestamp of [0, 1234, 0xffffff, 0xfffffffe]) {
        for (const csid of [6, 70, 400]) {
          const h = { csid, typeId: MSG.video, streamId: 1, timestamp };
          for (const pieces of PIECES.map((cuts) => cutAt(body, cuts))) {
            const list = chunkViews(h, pieces, body.length, chunkSize);
            expect(Buffer.concat(list)).toEqual(serializeParts(h, pieces, body.length, chunkSize));
            // Every body byte in the list is a view of the body, not a copy.
            expect(list.filter((b) => b.buffer === body.buffer).reduce((n, b) => n + b.length, 0)).toBe(body.length);
          }
        }
      }
    }
    // With a chunk size above the message: one header and the pieces as they are (the players' case).
    const pieces = [body.subarray(0, 4096), body.subarray(4096)];
    const list = chunkViews({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40 }, pieces, body.length, 65_536);
    expect(list).toHaveLength(3);
    expect(list[0]).toEqual(chunkHeader(0, 6, { time: 40, length: body.length, typeId: MSG.video, streamId: 1 }));
    expect(list[1]).toBe(pieces[0]);
    expect(list[2]).toBe(pieces[1]);
    expect(chunkViews({ csid: 4, typeId: MSG.audio, streamId: 1, timestamp: 5 }, [], 0, 4096)).toEqual([chunkHeader(0, 4, { time: 5, length: 0, typeId: MSG.audio, streamId: 1 })]);
    expect(() => chunkViews({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 0 }, [], 0x1000000, 4096)).toThrow(RangeError);
  });

  it('charges incomplete views at the size of the buffers they keep alive, and gives it back on Abort', () => {
    const limits = { maxMessageBytes: 1 << 20, maxPartialBytes: 65_000, maxChunkStreams: 8 };
    const parser = new ChunkParser(limits, () => {}, () => {});
    parser.viewTypes = new Set([MSG.video]);
    parser.push(setChunkSize(10)); // a chunk of the video message ends after 10 bytes
    // One read: the first 10 bytes of a 60 000-byte video message, then a complete 20 000-byte data message
    // (~22 000 bytes in all; two of them plus the data message being read fit in 65 000, a third view does not).
    // In a buffer of exactly its size, as a socket's read (Buffer.concat may hand out a larger ArrayBuffer).
    const read = (csid: number): Buffer => {
      const bytes = Buffer.concat([
        chunkHeader(0, csid, { time: 0, length: 60_000, typeId: MSG.video, streamId: 1 }),
        payload(10),
        serializeMessage({ csid: 3, typeId: MSG.dataAmf0, streamId: 1, timestamp: 0, payload: payload(20_000) }, 10),
      ]);
      const exact = Buffer.from(new ArrayBuffer(bytes.length));
      bytes.copy(exact);
      return exact;
    };
    const r6 = read(6);
    parser.push(r6);
    expect(parser.bufferedBytes()).toBe(r6.length); // the whole read stays alive for those 10 bytes
    parser.push(read(7));
    expect(parser.bufferedBytes()).toBe(2 * r6.length);
    expect(() => parser.push(read(8))).toThrow(/incomplete messages/);
    const abort = (csid: number): Buffer => {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(csid);
      return serializeMessage({ csid: 2, typeId: MSG.abort, streamId: 0, timestamp: 0, payload: p }, 10);
    };
    const again = new ChunkParser(limits, () => {}, () => {});
    again.viewTypes = new Set([MSG.video]);
    again.push(setChunkSize(10));
    again.push(read(6));
    again.push(read(7));
    again.push(Buffer.concat([abort(6), abort(7)]));
    expect(again.bufferedBytes()).toBe(0);
  });
});
