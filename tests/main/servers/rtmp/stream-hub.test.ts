/** LiveStream: what it caches for joiners, when it serializes, and what its GOP cache is charged. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MSG, serializeMessage, type RtmpMessage, type RtmpMessageParts } from '../../../../src/main/servers/rtmp/chunk.ts';
import { GOP_CHARGE_STEP, LiveStream, OUT, type OutMessage, type PlayerSink, type StreamLimits } from '../../../../src/main/servers/rtmp/stream-hub.ts';
import { HeldBudget } from '../../../../src/main/http/client-limits.ts';

const LIMITS = { maxGopBytes: 1 << 20, maxGopMessages: 1000 };
const CHUNK = 4096;

const avcHeader = (): Buffer => Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]);
const aacHeader = (): Buffer => Buffer.from([0xaf, 0, 0x12, 0x10]);
function frame(key: boolean, n: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, n & 0xff);
  b[0] = key ? 0x17 : 0x27;
  b[1] = 1;
  return b;
}
const msg = (typeId: number, timestamp: number, payload: Buffer): RtmpMessage => ({ csid: typeId === MSG.video ? 6 : 4, typeId, streamId: 1, timestamp, payload });
/** The body split in pieces that view one larger buffer, as the parser delivers large media. */
function asParts(m: RtmpMessage, cut: number): RtmpMessageParts {
  const read = Buffer.concat([Buffer.alloc(100), m.payload, Buffer.alloc(100)]);
  const body = read.subarray(100, 100 + m.payload.length);
  return { csid: m.csid, typeId: m.typeId, streamId: m.streamId, timestamp: m.timestamp, length: m.payload.length, parts: [body.subarray(0, cut), body.subarray(cut)], buffers: [read.buffer] };
}
/** The message as a view of `slab` at `offset` (a publisher's reads go to successive regions of one slab). */
function inSlab(m: RtmpMessage, slab: Buffer, offset: number): RtmpMessageParts {
  m.payload.copy(slab, offset);
  const body = slab.subarray(offset, offset + m.payload.length);
  return { csid: m.csid, typeId: m.typeId, streamId: m.streamId, timestamp: m.timestamp, length: m.payload.length, parts: [body], buffers: [slab.buffer] };
}
/** What a player must receive for a message: one type-0 chunk and type-3 continuations on the server's ids. */
const expectedWire = (typeId: number, timestamp: number, payload: Buffer): Buffer =>
  serializeMessage({ csid: typeId === MSG.video ? OUT.videoCsid : OUT.audioCsid, typeId, streamId: OUT.streamId, timestamp, payload }, CHUNK);

/** A player that records what it is sent, and when its writes would leave (`flushed`: one entry per write). */
function sink(): PlayerSink & { got: OutMessage[]; flushed: OutMessage[][] } {
  const got: OutMessage[] = [];
  const flushed: OutMessage[][] = [];
  let corked = 0;
  let held: OutMessage[] = [];
  return {
    got,
    flushed,
    sendMedia: (m) => {
      got.push(m);
      if (corked > 0) held.push(m);
      else flushed.push([m]);
    },
    unpublished: () => {},
    cork: () => void corked++,
    uncork: () => {
      if (--corked === 0 && held.length > 0) {
        flushed.push(held);
        held = [];
      }
    },
  };
}

describe('LiveStream', () => {
  it('serializes nothing while nobody plays; a joiner gets the headers and the GOP as the exact chunks', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, LIMITS);
    s.publish(msg(MSG.video, 0, avcHeader()));
    s.publish(msg(MSG.audio, 0, aacHeader()));
    const key = frame(true, 1, 10_000);
    const p1 = frame(false, 2, 9_000);
    s.publish(asParts(msg(MSG.video, 40, key), 1)); // a 1-byte first piece: the tag header spans two pieces
    s.publish(msg(MSG.audio, 45, Buffer.from([0xaf, 1, 9, 9])));
    s.publish(asParts(msg(MSG.video, 80, p1), 4096));
    expect(s.gop.map((m) => [m.kind, m.keyframe])).toEqual([['video', true], ['audio', false], ['video', false]]);
    expect([s.videoHeader, s.audioHeader, ...s.gop].some((m) => m!.serialized)).toBe(false);

    const burst = s.joinBurst();
    expect(burst.map((m) => Buffer.concat(m.wire))).toEqual([
      expectedWire(MSG.video, 40, avcHeader()), // re-stamped to the GOP's start
      expectedWire(MSG.audio, 40, aacHeader()),
      expectedWire(MSG.video, 40, key),
      expectedWire(MSG.audio, 45, Buffer.from([0xaf, 1, 9, 9])),
      expectedWire(MSG.video, 80, p1),
    ]);
    // once serialized, a small media message lets its body go (its chunks are a copy); a large one keeps its views,
    // which its chunks are; the sequence headers keep theirs (re-stamping needs them)
    expect(() => s.gop[1]!.payload).toThrow(/released/);
    expect(s.gop[0]!.payload).toEqual(key);
    expect(s.videoHeader!.payload).toEqual(avcHeader());
  });

  it('fans each message out once to every player, serialized once and shared', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, LIMITS);
    const a = sink();
    const b = sink();
    s.players.add(a);
    s.players.add(b);
    const f = frame(true, 3, 20_000);
    s.publish(asParts(msg(MSG.video, 7, f), 5000));
    expect(a.got).toHaveLength(1);
    expect(a.got[0]).toBe(b.got[0]);
    expect(a.got[0]!.wire).toBe(b.got[0]!.wire);
    expect(Buffer.concat(a.got[0]!.wire)).toEqual(expectedWire(MSG.video, 7, f));
  });

  it('keeps a sequence header that arrived as views as its own copy (not the publisher\'s read buffer)', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, LIMITS);
    const big = Buffer.concat([avcHeader(), Buffer.alloc(5000, 7)]);
    const parts = asParts(msg(MSG.video, 0, big), 3);
    s.publish(parts);
    for (const piece of parts.parts) piece.fill(0); // the read buffer is reused or gone
    expect(s.videoHeader!.payload).toEqual(big);
  });

  it('charges the GOP cache with what its messages keep alive: each viewed buffer once, plus what they hold of their own', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, { maxGopBytes: 100_000, maxGopMessages: 1000 });
    const slab = Buffer.alloc(40_000); // a buffer of its own (alloc never takes Node's pool)
    const key = inSlab(msg(MSG.video, 0, frame(true, 1, 5000)), slab, 0);
    s.publish(key);
    expect(s.gopBytes).toBe(40_000); // its chunks are views of the slab: nothing of its own
    s.publish(key);
    expect(s.gopBytes).toBe(40_000); // a keyframe starts a new GOP
    // Another view of the same slab: nothing more.
    s.publish(inSlab(msg(MSG.video, 40, frame(false, 2, 5000)), slab, 5000));
    expect(s.gopBytes).toBe(40_000);
    // A copied body (audio under the view size): its body and its chunks.
    s.publish(msg(MSG.audio, 50, Buffer.from([0xaf, 1, 1, 2])));
    expect(s.gopBytes).toBe(40_008);
    // A large copied body (written as views of its own copy): the body.
    s.publish(msg(MSG.video, 60, frame(false, 3, 5000)));
    expect(s.gopBytes).toBe(45_008);
    s.publish(inSlab(msg(MSG.video, 80, frame(false, 4, 5000)), Buffer.alloc(40_000), 0));
    expect(s.gop).toHaveLength(5);
    expect(s.gopBytes).toBe(85_008);
    s.publish(inSlab(msg(MSG.video, 120, frame(false, 5, 5000)), Buffer.alloc(40_000), 0)); // 125 008 > 100 000: empties until the next keyframe
    expect(s.gop).toHaveLength(0);
    expect(s.gopBytes).toBe(0);
    s.publish(inSlab(msg(MSG.video, 160, frame(true, 6, 5000)), slab, 10_000));
    expect(s.gopBytes).toBe(40_000); // the slab is charged again: the new GOP keeps it too
  });

  it('charges the server\'s GOP budget in steps; a refused step cuts the cache until the next keyframe; keyframes and the end give it back', () => {
    const budget = new HeldBudget(0, 3 * GOP_CHARGE_STEP);
    const limits = { maxGopBytes: 16 * GOP_CHARGE_STEP, maxGopMessages: 1000 };
    const a = new LiveStream('/live/a', 'a', CHUNK, limits);
    const b = new LiveStream('/live/b', 'b', CHUNK, limits);
    const cuts: number[] = [];
    a.gopAccount = budget.account('10.0.0.1');
    b.gopAccount = budget.account('10.0.0.1');
    b.onGopCut = (bytes) => cuts.push(bytes);
    const big = (key: boolean, n: number): RtmpMessage => msg(MSG.video, n * 40, frame(key, n, 700_000)); // copied: 700 000 bytes each
    a.publish(big(true, 0));
    a.publish(big(false, 1));
    expect(a.gopBytes).toBe(1_400_000);
    expect(budget.heldBy('10.0.0.1')).toBe(2 * GOP_CHARGE_STEP);
    b.publish(big(true, 0));
    expect(budget.heldBy('10.0.0.1')).toBe(3 * GOP_CHARGE_STEP);
    b.publish(big(false, 1)); // 1.4 MB needs a second step: the client's share is spent
    expect(cuts).toEqual([700_000]);
    expect(b.gop).toHaveLength(0);
    expect(budget.heldBy('10.0.0.1')).toBe(2 * GOP_CHARGE_STEP);
    b.publish(big(false, 2));
    expect(b.gop).toHaveLength(0); // until the next keyframe
    b.publish(big(true, 3));
    expect(b.gop).toHaveLength(1);
    a.publish(big(true, 2)); // a new GOP gives back the old one's charge first
    expect(budget.heldBy('10.0.0.1')).toBe(2 * GOP_CHARGE_STEP);
    a.end();
    b.end();
    expect(budget.heldBy('10.0.0.1')).toBe(0);
    expect(budget.total).toBe(0);
  });

  it('writes a large message as views of the publisher\'s buffers, not copied; a small one as one buffer, which lets its views go', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, LIMITS);
    const slab = Buffer.alloc(40_000);
    const a = sink();
    s.players.add(a);
    s.publish(inSlab(msg(MSG.video, 0, frame(true, 1, 5000)), slab, 0));
    const wire = a.got[0]!.wire; // what a playing connection's sendMedia writes
    expect(Buffer.concat(wire)).toEqual(expectedWire(MSG.video, 0, frame(true, 1, 5000)));
    // the header, the first 4096 bytes, a type-3 header, the rest: the body's pieces are the slab's bytes
    expect(wire.map((b) => b.length)).toEqual([12, 4096, 1, 904]);
    expect(wire[1]!.buffer).toBe(slab.buffer);
    expect(wire[3]!.buffer).toBe(slab.buffer);
    expect(s.gop[0]!.held).toEqual([slab.buffer]); // kept (and charged) while cached
    expect(a.got[0]!.wire).toBe(wire); // made once
    // Under VIEW_MIN_BYTES (a view only in this test; the parser copies such a message): one buffer, a copy.
    const small = Buffer.alloc(1000, 3);
    small[0] = 0x27;
    s.publish({ csid: 6, typeId: MSG.video, streamId: 1, timestamp: 40, length: 1000, parts: [slab.subarray(8000, 9000).fill(small)], buffers: [slab.buffer] });
    const one = a.got[1]!.wire;
    expect(one).toHaveLength(1);
    expect(one[0]).toEqual(expectedWire(MSG.video, 40, small));
    expect(one[0]!.buffer).not.toBe(slab.buffer);
    expect(s.gop[1]!.held).toEqual([]);
  });

  it('sends the messages of one read of the publisher to each player in one write', () => {
    const s = new LiveStream('/live/x', 'x', CHUNK, LIMITS);
    const a = sink();
    s.players.add(a);
    s.publish(msg(MSG.video, 0, frame(true, 1, 100)));
    s.batch(() => {
      s.publish(msg(MSG.audio, 10, Buffer.from([0xaf, 1, 1])));
      s.publish(msg(MSG.video, 40, frame(false, 2, 100)));
    });
    s.batch(() => {}); // a read with no complete message: nothing to write
    expect(a.flushed.map((w) => w.map((m) => m.timestamp))).toEqual([[0], [10, 40]]);
    // without players the read is parsed all the same
    const lonely = new LiveStream('/live/y', 'y', CHUNK, LIMITS);
    let ran = false;
    lonely.batch(() => (ran = true));
    expect(ran).toBe(true);
  });
});

describe('LiveStream: players\' writes held across reads (writeHoldMs)', () => {
  const HOLD = { ...LIMITS, writeHoldMs: 100 };
  const counters = (): { holdFlushes: number; holdTickFlushes: number } => ({ holdFlushes: 0, holdTickFlushes: 0 });
  const stamps = (p: { flushed: OutMessage[][] }): number[][] => p.flushed.map((w) => w.map((m) => m.timestamp));
  /** The fake clock (Date.now) moved on to `ms`. */
  const at = (ms: number): void => void vi.advanceTimersByTime(ms - Date.now());
  /** One read of the publisher at `atMs` that completes an audio message stamped `ts`. */
  const read = (s: LiveStream, atMs: number, ts: number): void => {
    at(atMs);
    s.batch(() => s.publish(msg(MSG.audio, ts, Buffer.from([0xaf, 1, ts & 0xff]))));
  };
  /** A stream with players whose reads have been coming (the last at -10 ms): the next read begins a hold. */
  function flowing(limits: StreamLimits = HOLD, c?: ReturnType<typeof counters>): { s: LiveStream; a: ReturnType<typeof sink>; b: ReturnType<typeof sink> } {
    const s = new LiveStream('/live/x', 'x', CHUNK, limits, c);
    at(-10);
    s.batch(() => {});
    const a = sink();
    const b = sink();
    s.players.add(a);
    s.players.add(b);
    return { s, a, b };
  }
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(-1000);
  });
  afterEach(() => void vi.useRealTimers());

  it('holds the writes until a read ends with the oldest held message at least writeHoldMs old, then writes them at once', () => {
    const c = counters();
    const { s, a, b } = flowing(HOLD, c);
    for (const t of [0, 30, 60, 90]) read(s, t, t);
    expect(a.flushed).toEqual([]); // 90 ms: still held
    read(s, 100, 100); // the oldest (0) is 100 ms old: this read's end lets all five go, one write
    expect(stamps(a)).toEqual([[0, 30, 60, 90, 100]]);
    expect(stamps(b)).toEqual(stamps(a));
    read(s, 120, 120); // a new hold begins with this read
    read(s, 219, 219);
    expect(stamps(a)).toHaveLength(1);
    read(s, 220, 220);
    expect(stamps(a)).toEqual([[0, 30, 60, 90, 100], [120, 219, 220]]);
    expect(c).toEqual({ holdFlushes: 2, holdTickFlushes: 0 });
    expect(vi.getTimerCount()).toBe(0); // no timer of its own
  });

  it('writes a read at once when it comes writeHoldMs or more after the previous one (a stream slower than the hold)', () => {
    const { s, a } = flowing();
    read(s, 200, 1); // 210 ms after the last read
    expect(stamps(a)).toEqual([[1]]);
    read(s, 299, 2); // 99 ms: held
    expect(stamps(a)).toEqual([[1]]);
    read(s, 399, 3); // 100 ms after: written at once, with the held one (now 100 ms old too)
    expect(stamps(a)).toEqual([[1], [2, 3]]);
  });

  it('begins no hold on a read with nothing to write, and writes each read at once with writeHoldMs 0', () => {
    const { s, a } = flowing();
    s.batch(() => {}); // a partial message: nothing held, the players are let go
    read(s, 50, 50);
    read(s, 120, 120);
    expect(a.flushed).toEqual([]); // the hold began at 50, not at the empty read
    const today = new LiveStream('/live/y', 'y', CHUNK, { ...LIMITS, writeHoldMs: 0 });
    const p = sink();
    today.players.add(p);
    read(today, 121, 0);
    read(today, 122, 1);
    expect(stamps(p)).toEqual([[0], [1]]);
  });

  it('lets the server\'s tick write a hold writeHoldMs old when the reads stop, and nothing younger', () => {
    const c = counters();
    const { s, a } = flowing(HOLD, c);
    read(s, 0, 0);
    read(s, 40, 40);
    s.tick(99);
    expect(a.flushed).toEqual([]);
    s.tick(100);
    expect(stamps(a)).toEqual([[0, 40]]);
    expect(c).toEqual({ holdFlushes: 1, holdTickFlushes: 1 });
    s.tick(5000); // nothing held
    expect(c.holdTickFlushes).toBe(1);
  });

  it('lets the hold go at the end of a read once the held bodies pass writeHoldMaxBytes', () => {
    const { s, a } = flowing({ ...HOLD, writeHoldMaxBytes: 10_000 });
    at(0);
    s.batch(() => s.publish(msg(MSG.video, 0, frame(true, 1, 6_000))));
    expect(a.flushed).toEqual([]);
    at(10);
    s.batch(() => s.publish(msg(MSG.video, 40, frame(false, 2, 6_000))));
    expect(stamps(a)).toEqual([[0, 40]]);
  });

  it('corks a player that joins during a hold from the next read, and writes its held messages with the others\'', () => {
    const { s, a } = flowing();
    read(s, 0, 0);
    const joiner = sink(); // its join burst was written by its connection, not held (connection.ts onPlay)
    s.players.add(joiner);
    read(s, 50, 50);
    read(s, 100, 100);
    expect(stamps(a)).toEqual([[0, 50, 100]]);
    expect(stamps(joiner)).toEqual([[50, 100]]);
  });

  it('lets a leaving player\'s held writes go at once, and every player\'s before the unpublish notice', () => {
    const { s, a: leaving, b: staying } = flowing();
    const order: string[] = [];
    staying.unpublished = () => void order.push(`unpublished after ${stamps(staying).flat().join(',')}`);
    read(s, 0, 0);
    read(s, 20, 20);
    s.removePlayer(leaving);
    expect(stamps(leaving)).toEqual([[0, 20]]);
    expect(staying.flushed).toEqual([]);
    read(s, 40, 40);
    s.end();
    expect(order).toEqual(['unpublished after 0,20,40']);
  });

  it('ends the hold when its last player leaves: a new player\'s hold begins with its own first message', () => {
    const c = counters();
    const { s, a, b } = flowing(HOLD, c);
    read(s, 0, 0);
    s.removePlayer(a);
    s.removePlayer(b);
    for (const t of [100, 200, 300, 400, 500]) read(s, t, t); // reads go on without players
    s.tick(500); // nothing held: nothing to let go
    const late = sink();
    s.players.add(late);
    read(s, 510, 510);
    expect(late.flushed).toEqual([]); // not taken for a hold begun at 0
    read(s, 610, 610);
    expect(stamps(late)).toEqual([[510, 610]]);
    expect(c).toEqual({ holdFlushes: 1, holdTickFlushes: 0 }); // the first hold ended with its players, unwritten to anyone
  });

  it('ends a hold when the publisher unpublishes in the middle of a read', () => {
    const { s, a } = flowing();
    let written: number[] = [];
    a.unpublished = () => void (written = stamps(a).flat());
    read(s, 0, 0);
    at(10);
    s.batch(() => {
      s.publish(msg(MSG.audio, 10, Buffer.from([0xaf, 1, 2])));
      s.end(); // FCUnpublish / deleteStream in the same read
    });
    expect(written).toEqual([0, 10]);
  });
});
