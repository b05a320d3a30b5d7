/**
 * Processes: 20 FFmpeg copy processes (no transcode) at once, each pulling the same RTMP stream from the local RTMP
 * server through its counting relay: the runner's own CPU and memory beside FFmpeg's.
 * Baseline first: the same 20 FFmpeg commands spawned directly (no runner, no relay), so the bench process's CPU then
 * is the RTMP server's alone; the difference is what the runner, its relays and the ffmpeg collector feed cost.
 * Run with `npm run bench processes` or alone: `node_modules/.bin/node bench/processes.bench.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/main/engine/clock.ts';
import { Collector } from '../src/main/engine/collector.ts';
import { createLogger } from '../src/main/log.ts';
import { ProcessManager } from '../src/main/processes/manager.ts';
import { createRtmpServer } from '../src/main/servers/rtmp/server.ts';
import { CLK_TCK, procUsage } from './proc.ts';

const PROCESSES = 20;
const WARMUP_MS = 4000;
const MEASURE_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


/** CPU percent of one core of this process and of `pids` over `ms`, and their RSS at the end. */
async function measure(pids: () => number[], ms: number): Promise<{ selfCpu: number; selfRssMb: number; ffCpu: number; ffRssMb: number }> {
  const before = process.cpuUsage();
  const ffBefore = new Map(pids().map((p) => [p, procUsage(p).ticks]));
  const t0 = performance.now();
  await sleep(ms);
  const sec = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(before);
  let ffTicks = 0;
  let ffRss = 0;
  for (const [p, t] of ffBefore) {
    const u = procUsage(p);
    ffTicks += u.ticks - t;
    ffRss += u.rssBytes;
  }
  return {
    selfCpu: ((self.user + self.system) / 1e6 / sec) * 100,
    selfRssMb: process.memoryUsage().rss / 1024 / 1024,
    ffCpu: (ffTicks / CLK_TCK / sec) * 100,
    ffRssMb: ffRss / 1024 / 1024,
  };
}

const fmt = (n: number, d = 1): string => n.toFixed(d);

export default async function bench(): Promise<void> {
  const log = createLogger('bench', 'error');
  const rtmpCollector = new Collector('rtmp', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000 });
  const ffmpegCollector = new Collector('ffmpeg', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000 });
  const rtmp = createRtmpServer({ collector: rtmpCollector, log });
  const { port } = await rtmp.listen('127.0.0.1', 0);
  const base = `rtmp://127.0.0.1:${port}`;
  const publisher = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-b:v', '1500k', '-g', '50', '-c:a', 'aac', '-f', 'flv', `${base}/live/cam`], { stdio: 'ignore' });
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-processes-'));
  try {
    await sleep(2000);

    // Baseline: 20 plain FFmpeg players, no runner.
    const plain: ChildProcess[] = [];
    for (let i = 0; i < PROCESSES; i++) plain.push(spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', `${base}/live/cam`, '-c', 'copy', '-f', 'null', '-'], { stdio: 'ignore' }));
    await sleep(WARMUP_MS);
    const baseline = await measure(() => plain.map((p) => p.pid ?? 0), MEASURE_MS);
    for (const p of plain) p.kill('SIGKILL');
    await sleep(1500);

    // The runner: 20 processes with relays and the ffmpeg collector feed.
    const manager = new ProcessManager({
      dataDir,
      ffmpegBinary: 'ffmpeg',
      endpoints: () => ({ memfsUrl: null, diskDir: null, rtmpUrl: base, rtmpApp: '/', rtmpToken: '', srtHostPort: null, srtToken: '' }),
      clock: systemClock,
      log,
      collectors: { ffmpeg: ffmpegCollector, marked: { byPeer: [rtmpCollector], byConnection: [] } },
    });
    await manager.init();
    for (let i = 0; i < PROCESSES; i++) {
      manager.create({ id: `copy${i}`, reference: 'cam', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '-', options: ['-c', 'copy', '-f', 'null'] }], autostart: true }, 'owner');
    }
    await sleep(WARMUP_MS);
    const running = manager.list().filter((r) => r.exec === 'running').length;
    const withRunner = await measure(() => manager.list().map((r) => r.pid), MEASURE_MS);
    const states = manager.list().map((r) => r.state());
    const rxBytes = ffmpegCollector.active().reduce((n, s) => n + s.rxBytes, 0);
    const marked = rtmpCollector.active().filter((s) => s.extra.startsWith('ffmpeg:')).length;
    // kill -9 of a process with reconnect on (delay 1 s): time until FFmpeg runs again.
    manager.create({ id: 'reconnector', input: [{ address: 'testsrc=size=160x120:rate=10', options: ['-re', '-f', 'lavfi'] }], output: [{ address: '-', options: ['-f', 'null'] }], autostart: true, reconnect: true, reconnect_delay_seconds: 1 }, 'owner');
    const rc = manager.get('reconnector');
    while (rc.exec !== 'running') await sleep(20);
    const killedPid = rc.pid;
    const tKill = performance.now();
    process.kill(killedPid, 'SIGKILL');
    while (!(rc.exec === 'running' && rc.pid !== killedPid)) await sleep(10);
    const backMs = performance.now() - tKill;

    const t0 = performance.now();
    await manager.stop();
    const stopMs = performance.now() - t0;
    const left = states.filter((s) => s.pid > 0 && procUsage(s.pid).ticks > 0).length;

    const runnerCpu = withRunner.selfCpu - baseline.selfCpu;
    console.log(`  ${PROCESSES} copy processes pulling one 1.5 Mbit/s RTMP stream; ${running} running after warm-up; ${fmt(MEASURE_MS / 1000, 0)} s measured`);
    console.log(`  baseline (plain ffmpeg, no runner): app process ${fmt(baseline.selfCpu)} % CPU (RTMP server), ${fmt(baseline.selfRssMb)} MB RSS; ffmpeg ${fmt(baseline.ffCpu)} % CPU, ${fmt(baseline.ffRssMb)} MB RSS`);
    console.log(`  with the runner: app process ${fmt(withRunner.selfCpu)} % CPU, ${fmt(withRunner.selfRssMb)} MB RSS; ffmpeg ${fmt(withRunner.ffCpu)} % CPU, ${fmt(withRunner.ffRssMb)} MB RSS`);
    console.log(`  runner + relays + collector feed: ${fmt(runnerCpu)} % CPU (aim ≤ 25 % of one core for 20 processes), ${fmt(runnerCpu / PROCESSES, 2)} % per process`);
    console.log(`  ffmpeg collector: ${ffmpegCollector.active().length} sessions, ${fmt(rxBytes / 1024 / 1024)} MiB ingress counted; ${marked} RTMP players marked as own`);
    console.log(`  kill -9 with reconnect_delay_seconds=1: running again after ${fmt(backMs, 0)} ms (aim < 2000 ms: the delay plus FFmpeg's start)`);
    console.log(`  stop of all ${PROCESSES}: ${fmt(stopMs, 0)} ms (aim < 3500 ms: SIGTERM, SIGKILL after 3 s), ffmpeg left running: ${left} (aim 0)`);
  } finally {
    publisher.kill('SIGKILL');
    await rtmp.close();
    await rtmpCollector.stop();
    await ffmpegCollector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bench();
