/** The SRT server against a scripted caller (no ffmpeg): handshake, refusals, data path, timeouts, bad input. */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../../src/main/log.ts';
import {
  CTRL,
  decodeHandshake,
  decodeHsBlock,
  decodeLossList,
  encodeControl,
  encodeDataHeader,
  encodeLossList,
  encodeSwappedString,
  EXT,
  HS_TYPE,
  REJECT_BASE,
  SRT_MAGIC,
  type DataPacket,
  type Packet,
} from '../../../../src/main/servers/srt/packet.ts';
import { createSrtServer, type SrtServer, type SrtServerOptions } from '../../../../src/main/servers/srt/server.ts';
import { conclusion, handshake, induction, testCaller, type TestCaller } from './srt-client.ts';
import { sleep, waitFor } from '../../../support/wait.ts';
import { FakeCollector } from '../../../support/fake-collector.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(opts: Partial<SrtServerOptions> = {}): Promise<{ srt: SrtServer; port: number; collector: FakeCollector; lines: string[] }> {
  const log = memoryLogger();
  const collector = new FakeCollector('srt');
  const srt = createSrtServer({ collector, log, ...opts });
  const { port } = await srt.listen('127.0.0.1', 0);
  cleanups.push(() => srt.close());
  return { srt, port, collector, lines: log.lines };
}

async function caller(port: number): Promise<TestCaller> {
  const c = await testCaller(port);
  cleanups.push(() => c.close());
  return c;
}

const isData = (p: Packet): p is DataPacket => !p.control;

describe('SRT server handshake', () => {
  it('answers an induction statelessly with the SRT magic and a cookie', async () => {
    const { srt, port } = await start();
    const c = await caller(port);
    c.send(induction(c.socketId));
    const p = await c.next((x) => x.control && x.type === CTRL.handshake);
    expect(p.destSocketId).toBe(c.socketId);
    const hs = decodeHandshake((p as { cif: Buffer }).cif)!;
    expect(hs).toMatchObject({ version: 5, extension: SRT_MAGIC, type: HS_TYPE.induction, isn: 1000 });
    expect(hs.cookie).not.toBe(0);
    expect(srt.stats()).toMatchObject({ connections: 0, inductions: 1 });
  });

  it('accepts a publisher: HSRSP with TSBPD and the larger latency, a session per spec §1.4; a repeated conclusion gets the same answer', async () => {
    const { srt, port, collector } = await start();
    const c = await caller(port);
    const hs = await handshake(c, { streamId: 'channel1,mode:publish,token:abc', latencyMs: 200 });
    expect(hs.type).toBe(HS_TYPE.conclusion);
    expect(hs.socketId).not.toBe(0);
    const rsp = decodeHsBlock(hs.extensions.find((e) => e.type === EXT.hsrsp)!.data)!;
    expect(rsp.flags & 0x03).toBe(0x03); // TSBPDSND | TSBPDRCV
    expect(rsp.rcvLatencyMs).toBe(200);
    expect(rsp.sndLatencyMs).toBe(200);
    expect(srt.streams()).toEqual(['channel1']);
    expect(collector.registered).toEqual([{ id: 'channel1', reference: 'channel1', location: 'publish:channel1', peer: `127.0.0.1:${c.socket.address().port}` }]);
    c.send(conclusion(c.socketId, { streamId: 'channel1,mode:publish', cookie: hs.cookie }));
    await waitFor(() => c.received.filter((p) => p.control && p.type === CTRL.handshake).length === 3, 'the repeated answer');
    expect(srt.stats().connections).toBe(1);
  });

  it('registers no session for an IP the collector does not collect', async () => {
    const { srt, port, collector } = await start();
    collector.collectable = () => false;
    const c = await caller(port);
    expect((await handshake(c, { streamId: 'x,mode:publish' })).type).toBe(HS_TYPE.conclusion);
    expect(srt.streams()).toEqual(['x']);
    expect(collector.registered).toEqual([]);
  });

  it.each([
    ['no publisher for the resource', 'nothing', 1404, 'no publisher'],
    ['an empty resource', ',mode:publish', 1400, 'resource not provided'],
    ['an unknown mode', 'x,mode:play', 1400, 'invalid mode'],
  ])('refuses %s', async (_what, streamId, code, reason) => {
    const { port, lines } = await start();
    const c = await caller(port);
    const hs = await handshake(c, { streamId });
    expect(hs.type).toBe(REJECT_BASE + code);
    expect(lines.some((l) => l.includes('srt connection refused') && l.includes(reason))).toBe(true);
  });

  it('refuses a client over its connection bound (--max-conns-per-ip) and says why', async () => {
    const { srt, port, lines } = await start({ limits: { maxConnectionsPerClient: 2 } });
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: 'a' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: 'a' })).type).toBe(REJECT_BASE + 5);
    expect(lines.some((l) => l.includes('srt connection refused') && l.includes('too many connections from this client'))).toBe(true);
    expect(srt.stats().connections).toBe(2);
  });

  it('refuses a second publisher of a resource (conflict) and serves players of it', async () => {
    const { srt, port, lines } = await start();
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: '#!:m=publish,r=a' })).type).toBe(REJECT_BASE + 1409);
    expect(lines.some((l) => l.includes('already publishing'))).toBe(true);
    expect((await handshake(await caller(port), { streamId: 'a' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: 'a,mode:request' })).type).toBe(HS_TYPE.conclusion);
    expect(srt.stats()).toMatchObject({ publishers: 1, players: 2, rejected: 1 });
  });

  it('checks the token in both stream id forms and keeps it out of the logs', async () => {
    const { port, lines } = await start({ token: 's3cret' });
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish,token:wrong' })).type).toBe(REJECT_BASE + 1401);
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish' })).type).toBe(REJECT_BASE + 1401);
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish,token:s3cret' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: '#!:r=a,token=s3cret' })).type).toBe(HS_TYPE.conclusion);
    expect(lines.some((l) => l.includes('invalid token'))).toBe(true);
  });

  it('refuses encryption, old handshakes, missing HSREQ, other congestion controllers and filters, with reasons', async () => {
    const { port, lines } = await start();
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', encryption: 2 })).type).toBe(REJECT_BASE + 11);
    expect(lines.some((l) => l.includes('encryption is not supported'))).toBe(true);
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', extraExtensions: [{ type: EXT.kmreq, data: Buffer.alloc(8) }] })).type).toBe(REJECT_BASE + 11);
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', version: 4 })).type).toBe(REJECT_BASE + 8);
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', hsreq: false })).type).toBe(REJECT_BASE + 4);
    const file = [{ type: EXT.congestion, data: encodeSwappedString('file') }];
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', extraExtensions: file })).type).toBe(REJECT_BASE + 13);
    const filter = [{ type: EXT.filter, data: encodeSwappedString('fec') }];
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', extraExtensions: filter })).type).toBe(REJECT_BASE + 14);
    const live = [{ type: EXT.congestion, data: encodeSwappedString('live') }];
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish', extraExtensions: live })).type).toBe(HS_TYPE.conclusion);
  });

  it('does not start with a passphrase (encryption is not supported)', () => {
    expect(() => createSrtServer({ collector: new FakeCollector('srt'), log: memoryLogger(), passphrase: 'x'.repeat(10) })).toThrow(/not supported/);
  });

  it('ignores a conclusion with a cookie it did not issue', async () => {
    const { srt, port } = await start();
    const c = await caller(port);
    c.send(conclusion(c.socketId, { streamId: 'a,mode:publish', cookie: 12345 }));
    await waitFor(() => srt.stats().badCookies === 1, 'the bad cookie to be counted');
    await sleep(100);
    expect(c.received).toEqual([]);
    expect(srt.stats().connections).toBe(0);
  });

  it('refuses connections beyond maxConnections', async () => {
    const { port } = await start({ limits: { maxConnections: 1 } });
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish' })).type).toBe(HS_TYPE.conclusion);
    expect((await handshake(await caller(port), { streamId: 'b,mode:publish' })).type).toBe(REJECT_BASE + 5);
  });
});

describe('SRT server data path', () => {
  it('ACKs and NAKs a publisher, delivers in order to players with their own sequence numbers, retransmits on NAK, reports bytes', async () => {
    const { srt, port, collector } = await start({ tickMs: 100 });
    const pub = await caller(port);
    const phs = await handshake(pub, { streamId: 's,mode:publish' });
    const ply = await caller(port);
    const yhs = await handshake(ply, { streamId: 's' });
    const sendData = (seq: number, ts: number): void =>
      pub.send(Buffer.concat([encodeDataHeader(seq, seq - 999, false, ts, phs.socketId), Buffer.from(`p${seq}`.padEnd(188, '.'))]));
    sendData(1000, 10_000);
    // Later than its timestamp says: the server learns the publisher's clock from the least-delayed packet (this
    // first one), so the following packets keep exactly their timestamp spacing at the player.
    await sleep(100);
    sendData(1001, 20_000);
    sendData(1003, 40_000); // 1002 is missing
    const nak = await pub.next((p) => p.control && p.type === CTRL.nak);
    expect(decodeLossList((nak as { cif: Buffer }).cif)).toEqual([[1002, 1002]]);
    await pub.next((p) => p.control && p.type === CTRL.ack && (p as { cif: Buffer }).cif.readUInt32BE(0) === 1002);
    sendData(1002, 30_000);
    await pub.next((p) => p.control && p.type === CTRL.ack && (p as { cif: Buffer }).cif.readUInt32BE(0) === 1004);

    const got = await waitFor(() => {
      const d = ply.received.filter(isData);
      return d.length === 4 ? d : null;
    }, 'four data packets at the player');
    expect(got.map((d) => d.payload.subarray(0, 5).toString())).toEqual(['p1000', 'p1001', 'p1002', 'p1003']);
    expect(got.map((d) => d.seq)).toEqual([1000, 1001, 1002, 1003]); // the player's own ISN
    expect(got.every((d) => d.destSocketId === ply.socketId && d.position === 3 && !d.retransmitted)).toBe(true);
    // the publisher's timing is kept: 10 ms apart
    expect(got[1]!.timestamp - got[0]!.timestamp).toBe(10_000);
    expect(got[3]!.timestamp - got[0]!.timestamp).toBe(30_000);

    // the player NAKs 1001: retransmitted with the R flag; its full ACK is answered with an ACKACK
    ply.send(encodeControl(CTRL.nak, 0, 0, yhs.socketId, encodeLossList([[1001, 1001]])));
    const re = (await ply.next((p) => isData(p) && p.retransmitted)) as DataPacket;
    expect(re.seq).toBe(1001);
    expect(re.payload.subarray(0, 5).toString()).toBe('p1001');
    ply.send(encodeControl(CTRL.ack, 7, 0, yhs.socketId, Buffer.alloc(28)));
    const ackack = await ply.next((p) => p.control && p.type === CTRL.ackack);
    expect((ackack as { info: number }).info).toBe(7);
    expect(srt.stats().retransmitted).toBe(1);

    // bytes: data packets only, as Core counts them: payload + SRT header 16 + UDP 8 + IPv4 20, per second
    await waitFor(() => collector.rxBytes('s') === 4 * (44 + 188), 'publisher bytes');
    await waitFor(() => collector.txBytes(`127.0.0.1:${ply.socket.address().port}`) === 5 * (44 + 188), 'player bytes');
    expect(collector.txBytes('s')).toBe(0);
  });

  it('ticks only while it has connections: none while idle, from the first connection until the last one is gone', async () => {
    const { srt, port } = await start({ tickMs: 100, limits: { peerIdleTimeoutMs: 300 } });
    expect(srt.stats().ticking).toBe(false);
    const pub = await caller(port);
    await handshake(pub, { streamId: 's,mode:publish' });
    expect(srt.stats()).toMatchObject({ connections: 1, ticking: true });
    // The idle timeout (which the tick runs) still ends the connection; the next tick finds nothing left to time.
    await pub.next((p) => p.control && p.type === CTRL.shutdown, 3000);
    await waitFor(() => !srt.stats().ticking, 'the ticks to stop');
    expect(srt.stats().connections).toBe(0);
    // A new connection arms them again and is served.
    const again = await caller(port);
    expect((await handshake(again, { streamId: 't,mode:publish' })).type).toBe(HS_TYPE.conclusion);
    expect(srt.stats().ticking).toBe(true);
  });

  it('gives up on a packet the publisher never resends, after the latency', async () => {
    const { srt, port } = await start({ limits: { latencyMs: 50 } });
    const pub = await caller(port);
    const phs = await handshake(pub, { streamId: 's,mode:publish', latencyMs: 50 });
    const ply = await caller(port);
    await handshake(ply, { streamId: 's', latencyMs: 50 });
    for (const seq of [1000, 1002]) pub.send(Buffer.concat([encodeDataHeader(seq, 1, false, seq, phs.socketId), Buffer.alloc(100)]));
    await waitFor(() => ply.received.filter(isData).length === 2, 'both packets at the player');
    expect(srt.stats().lostPackets).toBe(1);
  });

  it('closes an idle connection after the peer idle timeout, sends shutdown, and ends the players of a publisher', async () => {
    const { srt, port, lines, collector } = await start({ limits: { peerIdleTimeoutMs: 300 } });
    const pub = await caller(port);
    await handshake(pub, { streamId: 's,mode:publish' });
    const ply = await caller(port);
    const yhs = await handshake(ply, { streamId: 's' });
    const keep = setInterval(() => ply.send(encodeControl(CTRL.keepalive, 0, 0, yhs.socketId)), 50);
    cleanups.push(() => clearInterval(keep));
    await pub.next((p) => p.control && p.type === CTRL.shutdown, 3000);
    await ply.next((p) => p.control && p.type === CTRL.shutdown, 3000);
    expect(srt.stats()).toMatchObject({ connections: 0, streams: 0 });
    expect(lines.some((l) => l.includes('srt publish stop') && l.includes('timeout'))).toBe(true);
    expect(lines.some((l) => l.includes('srt play stop') && l.includes('publisher left'))).toBe(true);
    // Both sessions are marked closed at once (alerts need not wait for the session timeout), the publisher first.
    expect(collector.closed[0]).toBe('s');
    expect(collector.closed).toHaveLength(2);
  });

  it('ends a publisher on its shutdown; the resource can be published again', async () => {
    const { srt, port } = await start();
    const pub = await caller(port);
    const phs = await handshake(pub, { streamId: 's,mode:publish' });
    pub.send(encodeControl(CTRL.shutdown, 0, 0, phs.socketId));
    await waitFor(() => srt.streams().length === 0, 'the stream to end');
    expect((await handshake(await caller(port), { streamId: 's,mode:publish' })).type).toBe(HS_TYPE.conclusion);
  });
});

describe('SRT server bad input', () => {
  it('survives random datagrams, truncated handshakes, packets for unknown sockets and an induction flood without keeping state', async () => {
    const { srt, port } = await start();
    const s = createSocket('udp4');
    cleanups.push(() => s.close());
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const fire = (b: Buffer): void => s.send(b, port, '127.0.0.1');
    for (let i = 0; i < 500; i++) fire(randomBytes(i % 64 === 0 ? 0 : 1 + ((i * 37) % 1500)));
    const ind = induction(42);
    for (let n = 16; n < ind.length; n += 3) fire(ind.subarray(0, n)); // truncated handshakes
    const con = conclusion(42, { streamId: 'a,mode:publish', cookie: 1 });
    for (let n = 16; n < con.length; n += 5) fire(con.subarray(0, n));
    fire(encodeControl(CTRL.ack, 1, 0, 123456, Buffer.alloc(28))); // unknown socket
    fire(Buffer.concat([encodeDataHeader(1, 1, false, 1, 0), Buffer.alloc(100)])); // data to socket 0
    for (let i = 0; i < 3000; i++) fire(induction(1000 + i));
    await waitFor(() => srt.stats().inductions >= 2900, 'the induction flood to be answered', 10_000);
    expect(srt.stats()).toMatchObject({ connections: 0, streams: 0 });
    expect(srt.stats().malformed + srt.stats().strays).toBeGreaterThan(0);
    // still serves a real handshake
    expect((await handshake(await caller(port), { streamId: 'a,mode:publish' })).type).toBe(HS_TYPE.conclusion);
  });
});
