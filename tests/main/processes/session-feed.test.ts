/**
 * The session feed's marks of the local core's own sessions (src/main/processes/session-feed.ts): the once-a-second
 * pass walks only the collectors whose session's peer can be a relay's socket (RTMP, SRT), not the HLS uploads
 * (peer `unknown` as Core's, marked as they register by the connection they came in on), and the marks are the same
 * as when it walked them all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import type { IoCount, RunView } from '../../../src/main/processes/runner.ts';
import { countedByOwnServer, SessionFeed, type MarkedCollectors } from '../../../src/main/processes/session-feed.ts';

const collectors: Collector[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.stop();
});

function collector(id: string): Collector & { activeCalls: number } {
  const c = Object.assign(new Collector(id, { clock: systemClock, sessionTimeoutMs: 30_000 }), { activeCalls: 0 });
  const active = c.active.bind(c);
  c.active = () => {
    c.activeCalls++;
    return active();
  };
  collectors.push(c);
  return c;
}

function io(localPeers: ReadonlySet<string>): IoCount {
  return { id: 'io', address: 'x', counted: true, bytes: 0, localPeers, remoteIp: '127.0.0.1' };
}

/** The marks the feed leaves on one RTMP and one HLS-upload collector's sessions, and how often the tick listed each. */
/** A running process reading `inputs` and writing `outputs` for `cam`, past its first progress block. */
function runOf(processId: string, inputs: IoCount[], outputs: IoCount[] = []): RunView {
  return { processId, reference: 'cam', inputs, outputs, progressBlocks: 1, ended: false, settled: false };
}

function marks(split: (rtmp: Collector, hls: Collector) => MarkedCollectors): { extras: Record<string, string>; rtmpLists: number; hlsLists: number } {
  const rtmp = collector('rtmp');
  const hls = collector('hlsingress');
  const ffmpeg = collector('ffmpeg');
  // An RTMP player that registered before the process's relay knew its socket: only the tick can mark it.
  rtmp.registerAndActivate('early', '/live/cam', 'play:/live/cam', '127.0.0.1:5000');
  rtmp.registerAndActivate('person', '/live/cam', 'play:/live/cam', '127.0.0.1:6000');
  const relayPeers = new Set<string>();
  const run = runOf('p', [io(new Set())], [io(relayPeers)]);
  const feed = new SessionFeed(ffmpeg, split(rtmp, hls));
  feed.add(run);
  relayPeers.add('127.0.0.1:5000').add('127.0.0.1:5001');
  // HLS uploads: the process's came in on the relay's socket (marked as it registers), a person's did not.
  hls.registerAndActivate('/memfs/cam.m3u8', 'cam', '/memfs/cam.m3u8', 'unknown', 'Lavf/61', '127.0.0.1:5001');
  hls.registerAndActivate('/memfs/other.m3u8', 'other', '/memfs/other.m3u8', 'unknown', 'OBS', '127.0.0.1:7000');
  rtmp.activeCalls = 0;
  hls.activeCalls = 0;
  feed.tick();
  const extras: Record<string, string> = {};
  for (const c of [rtmp, hls]) for (const s of c.active()) extras[`${c.id} ${s.id}`] = s.extra;
  return { extras, rtmpLists: rtmp.activeCalls - 1, hlsLists: hls.activeCalls - 1 };
}

describe('the session feed marks own sessions', () => {
  it('the tick walks RTMP/SRT only; the HLS uploads keep the marks they got as they registered, the same as before', () => {
    const before = marks((rtmp, hls) => ({ byPeer: [rtmp, hls], byConnection: [] }));
    const now = marks((rtmp, hls) => ({ byPeer: [rtmp], byConnection: [hls] }));
    expect(now.extras).toEqual({
      'rtmp early': 'ffmpeg:p',
      'rtmp person': '',
      'hlsingress /memfs/cam.m3u8': 'ffmpeg:p',
      'hlsingress /memfs/other.m3u8': 'OBS',
    });
    expect(now.extras).toEqual(before.extras);
    expect([before.rtmpLists, before.hlsLists]).toEqual([1, 1]);
    expect([now.rtmpLists, now.hlsLists]).toEqual([1, 0]);
  });
});

describe("the session feed counts only what the core's own servers do not (traffic crosses the edge once)", () => {
  function counted(address: string, remoteIp: string): IoCount & { bytes: number } {
    return { id: address, address, counted: true, bytes: 0, localPeers: new Set(), remoteIp };
  }

  it("leaves out {rtmp}, {srt} and {memfs} I/O and feeds a remote output; a run that only relays local streams is never activated (Core's ignore list)", () => {
    const ffmpeg = collector('ffmpeg');
    const feed = new SessionFeed(ffmpeg, { byPeer: [], byConnection: [] });
    const rtmpIn = counted('{rtmp,name=cam}', '127.0.0.1');
    const srtIn = counted('{srt,name=cam,mode=request}', '127.0.0.1');
    const hlsOut = counted('{memfs}/cam.m3u8', '127.0.0.1');
    const remoteOut = counted('rtmp://example.net/live/copy', '192.0.2.7');
    const restream = runOf('restream', [rtmpIn, srtIn], [hlsOut, remoteOut]);
    const hlsIn = counted('{rtmp,name=cam}', '127.0.0.1');
    const hlsOnly = counted('{memfs}/only.m3u8', '127.0.0.1');
    const local = runOf('local', [hlsIn], [hlsOnly]);
    feed.add(restream);
    feed.add(local);
    rtmpIn.bytes = 1000;
    srtIn.bytes = 300;
    hlsOut.bytes = 900;
    remoteOut.bytes = 800;
    hlsIn.bytes = 500;
    hlsOnly.bytes = 450;
    feed.tick();
    remoteOut.bytes = 1700;
    rtmpIn.bytes = 2000;
    feed.tick();
    expect(ffmpeg.active().map((s) => [s.id, s.rxBytes, s.txBytes])).toEqual([['restream', 0, 1700]]);
    expect([ffmpeg.rxBytesTotal, ffmpeg.txBytesTotal]).toEqual([0, 1700]);
  });

  it("leaves out a typed URL of the local server once the server saw its relay's socket; its first bytes wait a tick for that (totalsb, stop 39)", () => {
    const rtmp = collector('rtmp');
    const ffmpeg = collector('ffmpeg');
    const feed = new SessionFeed(ffmpeg, { byPeer: [rtmp], byConnection: [] });
    // Both read the local RTMP server's stream by its URL typed out; `typed`'s play registers after its first bytes
    // (the handshake), between two ticks; `remote`'s target is another server, which this core never sees.
    const typedIn = { ...counted('rtmp://127.0.0.1:1935/live/cam', '127.0.0.1'), localPeers: new Set(['127.0.0.1:5000']) };
    const remoteIn = { ...counted('rtmp://127.0.0.1:2935/live/cam', '127.0.0.1'), localPeers: new Set(['127.0.0.1:5001']) };
    const typed = runOf('typed', [typedIn]);
    const remote = runOf('remote', [remoteIn]);
    feed.add(typed);
    feed.add(remote);
    typedIn.bytes = 3073;
    remoteIn.bytes = 3073;
    feed.tick();
    expect(ffmpeg.active()).toEqual([]); // held a tick
    rtmp.registerAndActivate('play', '/live/cam', 'play:/live/cam', '127.0.0.1:5000');
    typedIn.bytes = 50_000;
    remoteIn.bytes = 50_000;
    feed.tick();
    typedIn.bytes = 90_000;
    remoteIn.bytes = 90_000;
    feed.tick();
    expect(rtmp.active().map((x) => x.extra)).toEqual(['ffmpeg:typed']);
    expect(ffmpeg.active().map((x) => [x.id, x.rxBytes])).toEqual([['remote', 90_000]]);
  });

  it('tells an own server by the address as configured, placeholders only', () => {
    expect(['{rtmp,name=cam}', '{srt,name=cam,mode=publish}', '{memfs}/cam.m3u8', ' {memfs}/x.m3u8'].map(countedByOwnServer)).toEqual([true, true, true, true]);
    expect(['rtmp://example.net/live/cam', '{diskfs}/a.mp4', '{rtmpx}', 'srt://h:1', '-', ''].map(countedByOwnServer)).toEqual([false, false, false, false, false, false]);
  });
});
