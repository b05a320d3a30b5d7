import { afterEach, describe, expect, it } from 'vitest';
import { AmfEcmaArray, decodeAmf0, encodeAmf0 } from '../../../../src/main/servers/rtmp/amf0.ts';
import { MSG, type RtmpMessage } from '../../../../src/main/servers/rtmp/chunk.ts';
import { RtmpTestClient } from './rtmp-client.ts';
import { startServer, type TestServer } from './support.ts';
import { sleep, waitFor } from '../../../support/wait.ts';
import { FakeCollector } from '../../../support/fake-collector.ts';

const open: RtmpTestClient[] = [];
const servers: TestServer[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.server.close();
});

async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(opts);
  servers.push(s);
  return s;
}
async function client(s: TestServer, discardMedia = false): Promise<RtmpTestClient> {
  const c = await RtmpTestClient.open({ host: '127.0.0.1', port: s.port, discardMedia });
  open.push(c);
  return c;
}

const seqNo = (p: Buffer): number => p.readUInt32BE(5);
const media = {
  metadata: () => encodeAmf0('@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 320, height: 240 })),
  avcHeader: () => Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x0d]),
  aacHeader: () => Buffer.from([0xaf, 0, 0x12, 0x10]),
  key: (n: number, size = 9) => frame(0x17, n, size),
  inter: (n: number, size = 9) => frame(0x27, n, size),
  audio: (n: number) => {
    const b = Buffer.alloc(9);
    b[0] = 0xaf;
    b[1] = 1;
    b.writeUInt32BE(n, 5);
    return b;
  },
};
function frame(b0: number, n: number, size: number): Buffer {
  const b = Buffer.alloc(Math.max(9, size));
  b[0] = b0;
  b[1] = 1;
  b.writeUInt32BE(n, 5);
  return b;
}
const sendVideo = (c: RtmpTestClient, ts: number, p: Buffer): void => c.send(6, MSG.video, 1, ts, p);
const sendAudio = (c: RtmpTestClient, ts: number, p: Buffer): void => c.send(4, MSG.audio, 1, ts, p);
const kinds = (ms: RtmpMessage[]): string[] =>
  ms.map((m) => {
    if (m.typeId === MSG.dataAmf0) return String(decodeAmf0(m.payload)[0]);
    const p = m.payload;
    if (m.typeId === MSG.audio) return p[1] === 0 ? 'aac-header' : `a${seqNo(p)}`;
    if (p[1] === 0) return 'avc-header';
    return (p[0]! >> 4 === 1 ? 'K' : 'P') + seqNo(p);
  });

describe('RTMP server: publish and play', () => {
  it('publishes, registers the publisher session like Core, refuses a second publisher with BadName', async () => {
    const collector = new FakeCollector('rtmp');
    const s = await server({ collector });
    const pub = await client(s);
    expect(await pub.publish('live', 'channel1.stream')).toBe('NetStream.Publish.Start');
    expect(s.server.streams()).toEqual(['/live/channel1.stream']);
    const port = pub.socket.address() as { port: number };
    expect(collector.registered).toEqual([
      { id: '/live/channel1.stream', reference: '/live/channel1', location: 'publish:/live/channel1.stream', peer: `127.0.0.1:${port.port}` },
    ]);
    const second = await client(s);
    expect(await second.publish('live', 'channel1.stream')).toBe('NetStream.Publish.BadName');
    await waitFor(() => second.closed, 'the second publisher to be closed');
    expect(s.lines.some((l) => l.includes('rtmp publish refused') && l.includes('already publishing'))).toBe(true);
    expect(pub.closed).toBe(false);
  });

  it('answers a player of a missing stream with StreamNotFound and closes it', async () => {
    const s = await server();
    const p = await client(s);
    expect(await p.play('live', 'nothing')).toBe('NetStream.Play.StreamNotFound');
    await waitFor(() => p.closed, 'the player to be closed');
  });

  it('gives a joining player metadata, sequence headers and the GOP from the last keyframe, then live data', async () => {
    const collector = new FakeCollector('rtmp');
    const s = await server({ collector });
    const pub = await client(s);
    await pub.publish('live', 'test');
    pub.send(5, MSG.dataAmf0, 1, 0, media.metadata());
    sendVideo(pub, 0, media.avcHeader());
    sendAudio(pub, 0, media.aacHeader());
    sendVideo(pub, 0, media.key(1));
    sendVideo(pub, 40, media.inter(2));
    sendVideo(pub, 1000, media.key(3)); // the GOP starts here
    sendAudio(pub, 1010, media.audio(4));
    sendVideo(pub, 1040, media.inter(5));
    await pub.sync();
    const player = await client(s);
    expect(await player.play('live', 'test')).toBe('NetStream.Play.Reset');
    await waitFor(() => player.media.length >= 7, 'the join burst');
    sendVideo(pub, 1080, media.inter(6));
    await waitFor(() => player.media.length >= 8, 'live data');
    expect(kinds(player.media)).toEqual(['|RtmpSampleAccess', 'onMetaData', 'avc-header', 'aac-header', 'K3', 'a4', 'P5', 'P6']);
    // metadata at 0 (no script stream), headers restamped to the GOP start, then original timestamps
    expect(player.media.map((m) => m.timestamp)).toEqual([0, 0, 1000, 1000, 1000, 1010, 1040, 1080]);
    expect(decodeAmf0(player.media[1]!.payload)).toEqual(['onMetaData', new AmfEcmaArray({ width: 320, height: 240 })]);
    expect(player.statuses).toEqual(['NetStream.Play.Reset', 'NetStream.Play.Start']);
    const local = player.socket.address() as { port: number };
    expect(collector.registered[1]).toEqual({
      id: `127.0.0.1:${local.port}`,
      reference: '/live/test',
      location: 'play:/live/test',
      peer: `127.0.0.1:${local.port}`,
    });

    // the publisher leaves: UnpublishNotify, and the player's connection ends
    pub.close();
    await waitFor(() => player.closed, 'the player to be ended');
    expect(player.statuses).toContain('NetStream.Play.UnpublishNotify');
    expect(s.server.streams()).toEqual([]);
  });

  it('makes a player that joins before the first keyframe wait for it', async () => {
    const s = await server();
    const pub = await client(s);
    await pub.publish('live', 'k');
    sendVideo(pub, 0, media.avcHeader());
    sendVideo(pub, 40, media.inter(1));
    await pub.sync();
    const player = await client(s);
    await player.play('live', 'k');
    sendVideo(pub, 80, media.inter(2));
    sendVideo(pub, 120, media.key(3));
    sendVideo(pub, 160, media.inter(4));
    await waitFor(() => player.media.length >= 4, 'media');
    expect(kinds(player.media)).toEqual(['|RtmpSampleAccess', 'avc-header', 'K3', 'P4']);
  });

  it('checks the token (query or last path element), never logs it and keeps it out of session ids', async () => {
    const collector = new FakeCollector('rtmp');
    const s = await server({ collector, token: 's3cret' });
    const bad = await client(s);
    expect(await bad.publish('live', 'test?token=wrong')).toBe('NetStream.Publish.Denied');
    const none = await client(s);
    expect(await none.publish('live', 'test')).toBe('NetStream.Publish.Denied'); // token "test" on path /live
    const good = await client(s);
    expect(await good.publish('live', 'test/s3cret')).toBe('NetStream.Publish.Start');
    expect(s.server.streams()).toEqual(['/live/test']);
    const badPlayer = await client(s);
    expect(await badPlayer.play('live', 'test/nope')).toBe('NetStream.Play.Failed');
    const player = await client(s);
    expect(await player.play('live', 'test?token=s3cret')).toBe('NetStream.Play.Reset');
    expect(collector.registered.map((r) => [r.id, r.location])).toEqual([
      ['/live/test', 'publish:/live/test'],
      [expect.stringMatching(/^127\.0\.0\.1:\d+$/), 'play:/live/test'],
    ]);
    await waitFor(() => bad.closed && none.closed && badPlayer.closed, 'refused clients to be closed');
    const logs = s.lines.join('\n');
    expect(logs).toContain('invalid token');
    expect(logs).not.toContain('s3cret');
    expect(logs).not.toContain('wrong');
  });

  it('checks the app prefix for publishers and strips it from the reference', async () => {
    const collector = new FakeCollector('rtmp');
    const s = await server({ collector, app: '/live' });
    const other = await client(s);
    expect(await other.publish('other', 'x')).toBe('NetStream.Publish.Denied');
    const pub = await client(s);
    expect(await pub.publish('live', 'channel1.stream')).toBe('NetStream.Publish.Start');
    expect(collector.registered[0]).toMatchObject({ id: '/live/channel1.stream', reference: 'channel1' });
  });

  it('formats IPv6 remotes as [ip]:port', async () => {
    const collector = new FakeCollector('rtmp');
    const { createRtmpServer } = await import('../../../../src/main/servers/rtmp/server.ts');
    const { memoryLogger } = await import('../../../../src/main/log.ts');
    const srv = createRtmpServer({ collector, log: memoryLogger() });
    let port: number;
    try {
      port = (await srv.listen('::1', 0)).port;
    } catch {
      return; // no IPv6 loopback in this environment
    }
    servers.push({ server: srv, port, lines: [] });
    const pub = await RtmpTestClient.open({ host: '::1', port });
    open.push(pub);
    expect(await pub.publish('live', 'v6')).toBe('NetStream.Publish.Start');
    const local = pub.socket.address() as { port: number };
    expect(collector.registered[0]!.peer).toBe(`[::1]:${local.port}`);
  });

  it('registers no session for a non-collectable IP, but still serves it', async () => {
    const collector = new FakeCollector('rtmp');
    collector.collectable = () => false;
    const s = await server({ collector });
    const pub = await client(s);
    expect(await pub.publish('live', 'x')).toBe('NetStream.Publish.Start');
    expect(collector.registered).toEqual([]);
  });

  it('feeds 1 s deltas of each connection byte counters to the collector from one server tick', async () => {
    const collector = new FakeCollector('rtmp');
    const s = await server({ collector, tickMs: 100 });
    const pub = await client(s);
    await pub.publish('live', 'x');
    const player = await client(s, true);
    await player.play('live', 'x');
    for (let i = 0; i < 20; i++) sendVideo(pub, i * 40, i % 10 === 0 ? media.key(i, 2000) : media.inter(i, 2000));
    const playerId = collector.registered[1]!.id;
    await waitFor(() => collector.txBytes(playerId) >= 40_000, 'player egress');
    await waitFor(() => collector.rxBytes('/live/x') === (s.server.stats().rxBytes - collector.rxBytes(playerId)), 'publisher ingress to settle');
    const st = s.server.stats();
    // every byte the server read or wrote went to exactly one session
    expect(collector.rxBytes('/live/x') + collector.rxBytes(playerId)).toBe(st.rxBytes);
    await waitFor(() => collector.txBytes('/live/x') + collector.txBytes(playerId) === s.server.stats().txBytes, 'egress to settle');
  });

  it('answers unknown commands with _error and closes after too many', async () => {
    const s = await server({ limits: { maxUnknownCommands: 3 } });
    const c = await client(s);
    await c.connect('live');
    const reply = c.waitFor((v) => v[0] === '_error' && v[1] === 77);
    c.command(0, 'bogusCommand', 77, null);
    expect((await reply)[3]).toMatchObject({ code: 'NetConnection.Call.Failed' });
    for (let i = 0; i < 5; i++) c.command(0, 'bogusCommand', 0, null);
    await waitFor(() => c.closed, 'the connection to be closed');
    expect(s.lines.some((l) => l.includes('more than 3 unknown commands'))).toBe(true);
  });

  it('holds players\' live writes (writeHoldMs) but sends a joiner\'s burst, a leaving player\'s, a reply to a player and the unpublish at once', async () => {
    const s = await server({ limits: { writeHoldMs: 60_000 } }); // the server's tick would let a hold go only after 60 s
    const pub = await client(s);
    await pub.publish('live', 'hold');
    sendVideo(pub, 0, media.avcHeader());
    sendVideo(pub, 0, media.key(1));
    await pub.sync();
    const player = await client(s);
    const leaving = await client(s);
    await player.play('live', 'hold');
    await leaving.play('live', 'hold');
    await waitFor(() => player.media.length >= 3 && leaving.media.length >= 3, 'the join bursts, not held');
    sendVideo(pub, 40, media.inter(2));
    sendVideo(pub, 80, media.inter(3));
    await pub.sync();
    await sleep(300);
    expect(kinds(player.media)).toEqual(['|RtmpSampleAccess', 'avc-header', 'K1']); // P2, P3 held
    // a player that stops playing gets what was held for it, then the answer to its command
    const closed = leaving.waitFor((v) => v[0] === '_result' && v[1] === 7);
    leaving.command(0, 'closeStream', 7, null);
    await closed;
    expect(kinds(leaving.media)).toEqual(['|RtmpSampleAccess', 'avc-header', 'K1', 'P2', 'P3']);
    expect(kinds(player.media)).toHaveLength(3);
    // a held player's ping is answered at once (the hold would last 60 s), right behind what was held for it
    sendVideo(pub, 120, media.inter(4));
    await pub.sync();
    await player.sync();
    expect(kinds(player.media)).toEqual(['|RtmpSampleAccess', 'avc-header', 'K1', 'P2', 'P3', 'P4']);
    // held again from the next read on
    sendVideo(pub, 160, media.inter(5));
    await pub.sync();
    await sleep(300);
    expect(kinds(player.media)).toHaveLength(6);
    // the publisher leaves: the held messages, then UnpublishNotify
    pub.close();
    await waitFor(() => player.closed, 'the player to be ended');
    expect(kinds(player.media)).toEqual(['|RtmpSampleAccess', 'avc-header', 'K1', 'P2', 'P3', 'P4', 'P5']);
    expect(player.statuses).toContain('NetStream.Play.UnpublishNotify');
    expect(s.server.stats().holdFlushes).toBeGreaterThanOrEqual(1);
  });

  it('answers ping requests and acknowledges after the peer window', async () => {
    const s = await server();
    const c = await client(s);
    await c.connect('live');
    const win = Buffer.alloc(4);
    win.writeUInt32BE(1000);
    c.send(2, MSG.windowAckSize, 0, 0, win);
    const ping = Buffer.alloc(6);
    ping.writeUInt16BE(6, 0);
    ping.writeUInt32BE(4242, 2);
    const seen = new Promise<Buffer>((resolve) => {
      c.socket.on('data', (d: Buffer) => {
        const i = d.indexOf(Buffer.from([0x00, 0x07, 0x00, 0x00, 0x10, 0x92]));
        if (i >= 0) resolve(d);
      });
    });
    c.send(2, MSG.userControl, 0, 0, ping);
    await seen; // PingResponse (event 7) with 4242
    const acks: number[] = [];
    c.socket.on('data', (d: Buffer) => {
      // an Acknowledgement on csid 2: type-0 header with type id 3 and length 4
      for (let i = 0; i + 16 <= d.length; i++) if (d[i] === 0x02 && d[i + 6] === 4 && d[i + 7] === 3) acks.push(d.readUInt32BE(i + 12));
    });
    for (let i = 0; i < 3; i++) c.command(0, 'FCSubscribe', 0, null, 'x'.repeat(500));
    await waitFor(() => acks.length > 0, 'an acknowledgement');
    expect(acks[0]).toBeGreaterThanOrEqual(1000);
  });
});
