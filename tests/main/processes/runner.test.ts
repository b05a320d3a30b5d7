/**
 * The runner's watchdogs and the session feed with Debian's ffmpeg, without HTTP: a process whose progress stops is
 * killed as stale, one over its memory limit is killed for it, each with the reason in its state and log; the feed
 * registers one ffmpeg session per run and leaves out I/O whose host is in the ignore list, and the bytes of I/O through
 * this core's own servers (`{rtmp…}`, `{srt…}`: those servers count them).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { IpLimiter } from '../../../src/main/engine/ip-limiter.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { ProcessManager } from '../../../src/main/processes/manager.ts';
import { failureHint } from '../../../src/main/processes/runner.ts';
import { createRtmpServer, type RtmpServer } from '../../../src/main/servers/rtmp/server.ts';
import { createSrtServer } from '../../../src/main/servers/srt/server.ts';
import { ffmpegSrtPublishArgs } from '../servers/srt/support.ts';
import { waitFor } from '../../support/wait.ts';
import { Children, waitForFfmpeg } from '../../support/children.ts';

const children = new Children();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  children.killAll();
  for (const c of cleanups.splice(0)) await c();
});

function setup(opts: { ignoreIps?: string[]; rtmpUrl?: string | null; srtHostPort?: string | null; marked?: Collector[] } = {}): { manager: ProcessManager; ffmpeg: Collector; rtmp: Collector; dataDir: string } {
  const limiter = IpLimiter.fromCidrs(opts.ignoreIps ?? []);
  const ffmpeg = new Collector('ffmpeg', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000, limiter });
  const rtmp = new Collector('rtmp', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000, limiter });
  const dataDir = mkdtempSync(join(tmpdir(), 'processes-runner-'));
  const manager = new ProcessManager({
    dataDir,
    ffmpegBinary: 'ffmpeg',
    endpoints: () => ({ memfsUrl: null, diskDir: null, rtmpUrl: opts.rtmpUrl ?? null, rtmpApp: '/', rtmpToken: '', srtHostPort: opts.srtHostPort ?? null, srtToken: '' }),
    clock: systemClock,
    log: memoryLogger(),
    collectors: { ffmpeg, marked: { byPeer: [rtmp, ...(opts.marked ?? [])], byConnection: [] } },
  });
  cleanups.push(async () => {
    await manager.stop();
    await ffmpeg.stop();
    await rtmp.stop();
  });
  return { manager, ffmpeg, rtmp, dataDir };
}

const generator = (over: Record<string, unknown>): Record<string, unknown> => ({
  id: 'gen',
  input: [{ address: 'testsrc=size=160x120:rate=25', options: ['-re', '-f', 'lavfi'] }],
  output: [{ address: '-', options: ['-f', 'null'] }],
  autostart: true,
  ...over,
});

describe('runner watchdogs', { timeout: 40_000 }, () => {
  it('kills a process whose progress stopped moving, and says why', async () => {
    await waitForFfmpeg();
    const { manager, dataDir } = setup();
    // Five frames, then the filter drops every frame: FFmpeg keeps running but its output stands still.
    await manager.init();
    manager.create(generator({ output: [{ address: '-', options: ['-vf', 'select=lt(n\\,5)', '-f', 'null'] }], stale_timeout_seconds: 2 }), 'owner');
    const r = manager.get('gen');
    await waitFor(() => r.exec === 'failed', 'the stale kill', 20_000, 100);
    expect(r.exitReason).toBe('stale: no progress for 2 s');
    expect(r.history.at(-1)?.log.map((l) => l.line)).toContain('[core] killing FFmpeg: stale: no progress for 2 s');
    // The definition was saved atomically in the data dir.
    expect(JSON.parse(readFileSync(join(dataDir, 'processes.json'), 'utf8')).processes[0]).toMatchObject({ id: 'gen', stale_timeout_seconds: 2 });
  });

  it('kills a process over its memory limit, and says why', async () => {
    const { manager } = setup();
    await manager.init();
    manager.create(generator({ limits: { memory_mbytes: 1, waitfor_seconds: 1 } }), 'owner');
    const r = manager.get('gen');
    await waitFor(() => r.exec === 'failed', 'the limit kill', 20_000, 100);
    expect(r.exitReason).toMatch(/^limit exceeded: memory \d+ MB > 1 MB for 1 s$/);
  });
});

describe('ffmpeg collector feed', { timeout: 40_000 }, () => {
  async function withRtmp(): Promise<{ server: RtmpServer; url: string; collector: Collector }> {
    const collector = new Collector('rtmp-server', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000 });
    const server = createRtmpServer({ collector, log: memoryLogger() });
    const { port } = await server.listen('127.0.0.1', 0);
    cleanups.push(async () => {
      await server.close();
      await collector.stop();
    });
    const url = `rtmp://127.0.0.1:${port}`;
    children.spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'flv', `${url}/live/cam`]);
    await waitFor(() => server.streams().includes('/live/cam'), 'the publisher', 20_000, 100);
    return { server, url, collector };
  }

  it("counts a relayed input as ingress of one session per run; an own server's, by placeholder or typed URL, is left to that server (issue 16, edgebytes; totalsb)", async () => {
    const { url, collector } = await withRtmp();
    // Another RTMP server, not this core's (its sessions are never asked about the relays' sockets).
    const other = await withRtmp();
    const { manager, ffmpeg } = setup({ rtmpUrl: url, marked: [collector] });
    await manager.init();
    // The same stream twice through this core's own RTMP server, which counts those bytes itself (as Core's ignore
    // list leaves its own address out): by the placeholder and as its URL typed out (the server saw the relay's
    // socket); and once from the other server, whose bytes cross the edge.
    manager.create({ id: 'pull', reference: 'cam', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    manager.create({ id: 'typed', reference: 'cam', input: [{ address: `${url}/live/cam` }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    manager.create({ id: 'away', reference: 'cam', input: [{ address: `${other.url}/live/cam` }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    const s = await waitFor(() => ffmpeg.active().find((x) => x.id === 'away' && x.rxBytes > 10_000), 'ingress on the ffmpeg session', 20_000, 100);
    expect(s).toMatchObject({ reference: 'cam', location: 'unknown', peer: 'unknown', txBytes: 0 });
    for (const id of ['pull', 'typed']) {
      const r = manager.get(id);
      await waitFor(() => (r.current?.inputs[0]?.bytes ?? 0) > 10_000, `bytes through ${id}'s relay`, 20_000, 100);
    }
    await new Promise((done) => setTimeout(done, 2500)); // two feed ticks after the bytes (a first byte waits one)
    expect(ffmpeg.active().map((x) => x.id)).toEqual(['away']);
    // Both plays on this core's server are the processes'.
    expect(collector.active().filter((x) => x.location === 'play:/live/cam').map((x) => x.extra).sort()).toEqual(['ffmpeg:pull', 'ffmpeg:typed']);
  });

  it("marks the process's RTMP player as its own as it registers: no reader sees it as a viewer first (issue 16, walk2)", async () => {
    const { url, collector } = await withRtmp();
    // What the RTMP session's `extra` is the moment the server registers it (before any update reads the collector).
    const atRegistration: string[] = [];
    const register = collector.registerAndActivate.bind(collector);
    collector.registerAndActivate = (id, reference, location, peer) => {
      register(id, reference, location, peer);
      if (location === 'play:/live/cam') atRegistration.push(collector.active().find((x) => x.id === id)?.extra ?? '(not listed)');
    };
    const { manager } = setup({ rtmpUrl: url, marked: [collector] });
    await manager.init();
    manager.create({ id: 'pull', reference: 'cam', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    await waitFor(() => atRegistration.length > 0, "the process's RTMP play", 20_000, 50);
    expect(atRegistration).toEqual(['ffmpeg:pull']);
    // The publisher (a person's encoder) is nobody's.
    expect(collector.active().find((x) => x.location === 'publish:/live/cam')?.extra).toBe('');
  });

  it("names a refused play in the user's terms, not the relay's port, and says no one publishes the stream (issue 16, procview)", async () => {
    const { url } = await withRtmp();
    const { manager } = setup({ rtmpUrl: url });
    await manager.init();
    manager.create({ id: 'nobody', input: [{ address: '{rtmp,name=nobody}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true, reconnect: false }, 'owner');
    const r = manager.get('nobody');
    await waitFor(() => r.exec === 'failed', 'the refused play', 20_000, 100);
    expect(r.exitReason).toMatch(/^FFmpeg exited with code \d+: .*\{rtmp,name=nobody\}: Operation not permitted \(no one publishes nobody\)$/);
    const lines = r.logTail().map((l) => l.line);
    expect(lines.at(-1)).toBe(`[core] failed: ${r.exitReason}`);
    // No relay port anywhere: every 127.0.0.1 address is the RTMP server's own.
    const serverHostPort = url.slice('rtmp://'.length);
    const loopbacks = lines.join('\n').match(/127\.0\.0\.1:\d+/g) ?? [];
    expect(loopbacks.filter((a) => a !== serverHostPort)).toEqual([]);
    // Core's command names its own server's address, as Core's does.
    expect(r.state().command).toContain(`${url}/live/nobody`);
  });

  it('leaves out I/O whose real host is in the ignore list (the session is never activated)', async () => {
    const { url } = await withRtmp();
    const { manager, ffmpeg } = setup({ rtmpUrl: url, ignoreIps: ['127.0.0.0/8'] });
    await manager.init();
    manager.create({ id: 'pull', reference: 'cam', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    const r = manager.get('pull');
    await waitFor(() => (r.current?.inputs[0]?.bytes ?? 0) > 10_000, 'bytes through the relay', 20_000, 100);
    await new Promise((done) => setTimeout(done, 1500)); // a feed tick after the bytes
    expect(ffmpeg.active()).toEqual([]);
    expect(ffmpeg.rxBytesTotal).toBe(0);
  });

  it('relays an SRT input, leaves its bytes to the SRT server ({srt} is its own) and marks the SRT player of the process as its own', async () => {
    const srtSessions = new Collector('srt', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000 });
    const srt = createSrtServer({ collector: srtSessions, log: memoryLogger() });
    const { port } = await srt.listen('127.0.0.1', 0);
    cleanups.push(async () => {
      await srt.close();
      await srtSessions.stop();
    });
    children.spawn('ffmpeg', ffmpegSrtPublishArgs(`srt://127.0.0.1:${port}?streamid=cam,mode:publish`));
    await waitFor(() => srt.streams().includes('cam'), 'the SRT publisher', 20_000, 100);
    const { manager, ffmpeg } = setup({ srtHostPort: `127.0.0.1:${port}`, marked: [srtSessions] });
    await manager.init();
    manager.create({ id: 'srtpull', reference: 'cam', input: [{ address: '{srt,name=cam,mode=request}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    const r = manager.get('srtpull');
    await waitFor(() => (r.current?.inputs[0]?.bytes ?? 0) > 50_000, 'SRT bytes through the UDP relay', 20_000, 100);
    const player = await waitFor(() => srtSessions.active().find((x) => x.location === 'play:cam' && x.extra === 'ffmpeg:srtpull'), 'the marked SRT player', 10_000, 100);
    expect(r.current?.inputs[0]?.localPeers.has(player.peer)).toBe(true);
    // The SRT server counts the bytes ({srt} is this core's own server): the run's session is never activated.
    await new Promise((done) => setTimeout(done, 1500)); // a feed tick after the bytes
    expect([ffmpeg.active(), ffmpeg.rxBytesTotal]).toEqual([[], 0]);
    console.log('[processes srt] bytes', JSON.stringify({ relayRx: r.current?.inputs[0]?.bytes, srtPlayerTx: player.txBytes }));
  });
});

describe('failure hints', () => {
  const log = (...lines: string[]): { atMs: number; line: string }[] => lines.map((line) => ({ atMs: 0, line }));
  it('says no one publishes a local stream only when the RTMP server said it was not found', () => {
    const refused = '[error] {rtmp,name=cam}: Operation not permitted';
    expect(failureHint(log('[rtmp @ 0x1] [error] Server error: stream not found', refused), refused)).toBe(' (no one publishes cam)');
    expect(failureHint(log('[rtmp @ 0x1] [error] Server error: invalid token', refused), refused)).toBe('');
    expect(failureHint(log('Server error: stream not found'), '[error] rtmp://example.com/app/x: Operation not permitted')).toBe('');
  });
});
