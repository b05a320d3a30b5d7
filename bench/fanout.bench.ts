/**
 * RTMP fan-out of the app itself: the real headless server (its RTMP server, collectors, API and dashboard service,
 * as shipped), a real ffmpeg publisher replaying a recorded ~6 Mbit/s FLV (`-re -stream_loop -1 -c copy`), then 1 and
 * 20 real ffmpeg RTMP players (`-c copy -f null`). The server's CPU is read from /proc (bench/proc.ts) over each
 * window and printed per player beside datarhei Core v16.14.0's figures from issue 16 (no Core binary here).
 *
 *   npm run bench fanout        (FANOUT_SECONDS per window, default 15; FANOUT_PLAYERS, default 20;
 *                                FANOUT_WARMUP_SECONDS, the publisher alone before its window, default 40;
 *                                FANOUT_PLAYER_WARMUP_SECONDS, one player alone before each 1-player window (after the
 *                                first player joined, and after 19 of 20 left), default 30;
 *                                FANOUT_READ_MODES: the RTMP server alone's read modes, compared in alternating windows,
 *                                default `stream,slab` (also `reused-buffer`), 0 skips it; FANOUT_ALONE_PLAYERS, players
 *                                there, default 0; FANOUT_APP=0 skips the app; FANOUT_PUBLISHER_FLAGS, ffmpeg output
 *                                options of the publisher, e.g. `-tcp_nodelay 1`; FANOUT_WRITE_HOLD_MS, players' write
 *                                hold: the app's `--rtmp-write-hold-ms` (its first value), and in the RTMP server alone
 *                                a comma list compared in alternating windows, e.g. `0,50,100`; unset: the default)
 *
 * The server runs with `--trace-gc` so that each window also counts its garbage collections (a figure the machine's
 * load does not move; mark-compacts were most of the publisher's cost), and each window's CPU is split by kind of thread
 * (main, V8's platform workers, libuv's pool, others; user and kernel; wake-ups per thread kind, bench/proc.ts).
 * FANOUT_NODE_FLAGS adds node flags to the server (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it; the
 * profile is written when it stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLK_TCK, loadAverage, mainThreadWakeups, procUsage, threadSplit, threadSplitText, threadUsage, type ThreadSplit } from './proc.ts';
import { recordFlv } from './rtmp.bench.ts';
import { startHeadless, type Headless } from '../tests/support/headless.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ChunkParser, MSG, serializeMessage } from '../src/main/servers/rtmp/chunk.ts';
import { LiveStream } from '../src/main/servers/rtmp/stream-hub.ts';
import { readFlvTags } from '../tests/main/servers/rtmp/rtmp-client.ts';

/** Core v16.14.0, same machine, same publisher (issue 16, "Budgets"): % of one core. */
const CORE_REFERENCE = { onePlayerPct: 0.8, twentyPlayersPct: 2.6 };

let stopping = false;
/** FANOUT_PUBLISHER_FLAGS: output options of the ffmpeg publisher (e.g. `-tcp_nodelay 1`: no Nagle, as librtmp/OBS). */
const publisherFlags = (): string[] => (process.env.FANOUT_PUBLISHER_FLAGS ?? '').split(' ').filter((f) => f !== '');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ffmpeg(args: string[]): ChildProcess {
  const p = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.setEncoding('utf8');
  let err = '';
  p.stderr!.on('data', (d: string) => (err = (err + d).slice(-2000)));
  p.on('exit', (code, signal) => {
    if (!stopping && !p.killed && signal === null && code !== 0) console.log(`  ffmpeg ${args.join(' ').slice(0, 80)}… exited with ${code}: ${err.trim()}`);
  });
  return p;
}

interface Window {
  serverPct: number;
  playersPct: number;
  rssMb: number;
  markCompacts: number;
  scavenges: number;
  /** The server's main thread going to sleep and woken again, per second (load does not move it). */
  wakeupsPerS: number;
  /** The server's CPU by kind of thread (main, V8's platform workers, libuv's pool, others), user and kernel. */
  threads: ThreadSplit;
}

/** Lines of the server's `--trace-gc` output of each kind so far. */
function gcCounts(h: Headless): { markCompacts: number; scavenges: number } {
  const out = h.stdout();
  return { markCompacts: out.split(': Mark-Compact ').length - 1, scavenges: out.split(': Scavenge ').length - 1 };
}

/** CPU % of one core of the server (and of the players) over `seconds`, and its garbage collections. */
async function window(h: Headless, players: ChildProcess[], seconds: number): Promise<Window> {
  const pid = h.proc.pid!;
  const ticks = (): number => players.reduce((n, p) => n + procUsage(p.pid!).ticks, 0);
  const s0 = procUsage(pid).ticks;
  const p0 = ticks();
  const g0 = gcCounts(h);
  const w0 = mainThreadWakeups(pid);
  const th0 = threadUsage(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const th1 = threadUsage(pid);
  const s1 = procUsage(pid);
  const p1 = ticks();
  const g1 = gcCounts(h);
  const w1 = mainThreadWakeups(pid);
  const wallS = (performance.now() - t0) / 1000;
  return {
    serverPct: ((s1.ticks - s0) / CLK_TCK / wallS) * 100,
    playersPct: ((p1 - p0) / CLK_TCK / wallS) * 100,
    rssMb: s1.rssBytes / 2 ** 20,
    markCompacts: g1.markCompacts - g0.markCompacts,
    scavenges: g1.scavenges - g0.scavenges,
    wakeupsPerS: (w1 - w0) / wallS,
    threads: threadSplit(pid, th0, th1, wallS),
  };
}

const gcText = (w: Window): string => `GC ${w.markCompacts} mark-compacts, ${w.scavenges} scavenges; ${w.wakeupsPerS.toFixed(1)} wake-ups/s`;
/** The window's CPU by kind of thread, on a line of its own under the window's line. */
const threadsText = (w: Window): string => `                            by thread: ${threadSplitText(w.threads)}`;

/** The rtmp sessions the server's own API reports (players and their tx rate). */
async function rtmpSessions(base: string): Promise<{ players: number; txMbit: number; publishers: number }> {
  const res = await fetch(`${base}/api/v3/session/active?collectors=rtmp`);
  const body = (await res.json()) as { rtmp?: Array<{ local: string; bandwidth_tx_kbit: number }> };
  const list = body.rtmp ?? [];
  // Players that left stay listed without traffic until the session timeout: count those still receiving.
  const players = list.filter((s) => !s.local.startsWith('publish:') && s.bandwidth_tx_kbit > 0);
  return { players: players.length, publishers: list.filter((s) => s.local.startsWith('publish:')).length, txMbit: players.reduce((n, s) => n + s.bandwidth_tx_kbit, 0) / 1000 };
}

/**
 * The ingest path alone, in this process: the recorded FLV as the chunk stream ffmpeg sends (4096-byte chunks),
 * pushed in 20 000-byte reads through the chunk parser into a stream without players: with large media as views (how
 * a connection read as a stream is parsed, the default) and with every body copied (read into the shared buffer; see
 * src/main/servers/rtmp/reader.ts). Prints the time per second of 6 Mbit/s and the buffer bytes allocated.
 */
export function parserMicroBench(flv: string): void {
  const tags = readFlvTags(readFileSync(flv)).filter((t) => t.type === 8 || t.type === 9);
  const chunks = Buffer.concat(tags.map((t) => serializeMessage({ csid: t.type === 8 ? 4 : 6, typeId: t.type, streamId: 1, timestamp: t.timestamp, payload: t.data }, 4096)));
  const reads: Buffer[] = [];
  for (let i = 0; i < chunks.length; i += 20_000) reads.push(Buffer.from(chunks.subarray(i, i + 20_000)));
  const mediaSeconds = (tags[tags.length - 1]!.timestamp + 34) / 1000;
  const limits = { maxMessageBytes: 8 << 20, maxPartialBytes: 16 << 20, maxChunkStreams: 64 };
  const run = (views: boolean): { usPerS: number; allocMbPerS: number } => {
    const rounds = 20;
    let allocated = 0;
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      const stream = new LiveStream('/live/b', 'b', 4096, { maxGopBytes: 16 << 20, maxGopMessages: 10_000 });
      const parser = new ChunkParser(
        limits,
        (m) => {
          allocated += m.payload.length;
          stream.publish(m);
        },
        views ? (m) => stream.publish(m) : undefined,
      );
      parser.viewTypes = new Set([MSG.audio, MSG.video]);
      parser.push(setChunkSize4096);
      for (const read of reads) parser.push(read);
    }
    const ms = performance.now() - t0;
    return { usPerS: (ms * 1000) / (rounds * mediaSeconds), allocMbPerS: allocated / rounds / mediaSeconds / 1e6 };
  };
  const setChunkSize4096 = serializeMessage({ csid: 2, typeId: MSG.setChunkSize, streamId: 0, timestamp: 0, payload: Buffer.from([0, 0, 16, 0]) }, 128);
  run(true); // warm-up
  run(false);
  const v = run(true);
  const c = run(false);
  console.log(`  chunk parser + stream, no player (this process, ${(chunks.length / mediaSeconds / 125_000).toFixed(1)} Mbit/s of chunks in 20 000-byte reads):`);
  console.log(`    large media as views (as served)    ${v.usPerS.toFixed(0).padStart(5)} µs per second of stream, bodies copied ${v.allocMbPerS.toFixed(2)} MB/s`);
  console.log(`    every body copied (one read buffer) ${c.usPerS.toFixed(0).padStart(5)} µs per second of stream, bodies copied ${c.allocMbPerS.toFixed(2)} MB/s`);
}

/** FANOUT_WRITE_HOLD_MS as a list: the players' write holds to compare ('' for the server's default). */
const writeHolds = (): string[] => (process.env.FANOUT_WRITE_HOLD_MS ?? '').split(',');

const serverModule = pathToFileURL(fileURLToPath(new URL('../src/main/servers/rtmp/server.ts', import.meta.url))).href;

/**
 * A child running only the RTMP server (a collector that takes nothing), reading its connections in `argv[1]`'s mode,
 * players' writes held `argv[2]` ms ('' for the default); it counts the sockets' handle writes (`_write`, `_writev`).
 */
const READ_MODE_CHILD = `
const { createRtmpServer } = await import(${JSON.stringify(serverModule)});
const net = await import('node:net');
const writes = { write: 0, writev: 0, buffers: 0 };
const w1 = net.Socket.prototype._write;
const wv = net.Socket.prototype._writev;
net.Socket.prototype._write = function (...a) { writes.write++; writes.buffers++; return w1.apply(this, a); };
net.Socket.prototype._writev = function (chunks, cb) { writes.writev++; writes.buffers += chunks.length; return wv.call(this, chunks, cb); };
const noop = () => {};
const collector = { id: 'rtmp', maxTxBitsPerSec: 0, register: noop, activate: () => false, registerAndActivate: noop, markClosed: noop,
  setExtra: noop, ingress: noop, egress: noop, unregister: noop, isKnownSession: () => false, isCollectableIp: () => false,
  isSessionsExceeded: () => false, setTopEgressBitrate: noop, topIngressBitrate: () => 0, companionTopEgressBitrate: () => 0 };
const log = { debug: noop, info: noop, warn: noop, error: (m, f) => console.error(m, f), child() { return log; } };
const hold = process.argv[2] === '' || process.argv[2] === undefined ? {} : { writeHoldMs: Number(process.argv[2]) };
const server = createRtmpServer({ collector, log, readMode: process.argv[1], limits: hold });
const { port } = await server.listen('127.0.0.1', 0);
const { PerformanceObserver, constants } = await import('node:perf_hooks');
const gc = { major: 0, minor: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
    else if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
  }
}).observe({ entryTypes: ['gc'] });
process.on('message', (m) => {
  if (m === 'exit') return void server.close().then(() => process.exit(0));
  const st = server.stats();
  process.send({ cpu: process.cpuUsage(), reads: st.reads, writes: { ...writes }, holdFlushes: st.holdFlushes, holdTickFlushes: st.holdTickFlushes, rxBytes: st.rxBytes, slabs: st.readSlabs, gc: { ...gc }, rssBytes: process.memoryUsage().rss, arrayBuffersBytes: process.memoryUsage().arrayBuffers });
});
process.send({ port });
`;

interface ReadModeWindow {
  /** Players' write hold in ms ('' for the server's default). */
  hold: string;
  /** Handle writes (`write` and `writev` calls) and the buffers they carried, per second, over all connections. */
  writesPerS: number;
  buffersPerS: number;
  holdFlushesPerS: number;
  holdTickFlushesPerS: number;
  userPct: number;
  systemPct: number;
  readsPerS: number;
  wakeupsPerS: number;
  mbitPerS: number;
  slabsPerS: number;
  markCompacts: number;
  scavenges: number;
  rssMb: number;
  arrayBuffersMb: number;
}

/**
 * The RTMP server alone (no app around it), the publisher and `players` ffmpeg players, in each read mode in
 * alternating windows: the receive path's own cost, beside figures the machine's load does not move (reads and
 * wake-ups per second, collections).
 */
async function readModeComparison(flv: string, seconds: number, players: number): Promise<void> {
  const rows: Array<{ mode: string; w: ReadModeWindow }> = [];
  const modes = (process.env.FANOUT_READ_MODES ?? 'stream,slab').split(',').filter((m) => m !== '');
  const holds = writeHolds();
  const variants = modes.flatMap((mode) => holds.map((hold) => ({ mode, hold })));
  for (const { mode, hold } of [...variants, ...variants]) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', READ_MODE_CHILD, mode, hold], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let publisher: ChildProcess | undefined;
    const playing: ChildProcess[] = [];
    try {
      const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
      publisher = ffmpeg(['-re', '-stream_loop', '-1', '-i', flv, '-c', 'copy', ...publisherFlags(), '-f', 'flv', `rtmp://127.0.0.1:${port}/live/modes`]);
      await sleep(2000);
      while (playing.length < players) playing.push(ffmpeg(['-i', `rtmp://127.0.0.1:${port}/live/modes`, '-c', 'copy', '-f', 'null', '-']));
      await sleep(players > 0 ? 4000 : 2000);
      type Mark = { cpu: NodeJS.CpuUsage; reads: number; writes: { write: number; writev: number; buffers: number }; holdFlushes: number; holdTickFlushes: number; rxBytes: number; slabs: number; gc: { major: number; minor: number }; rssBytes: number; arrayBuffersBytes: number };
      const ask = (): Promise<Mark> => new Promise((resolve) => { child.once('message', (m) => resolve(m as Mark)); child.send('mark'); });
      const a = await ask();
      const w0 = mainThreadWakeups(child.pid!);
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const b = await ask();
      const w1 = mainThreadWakeups(child.pid!);
      const wallS = (performance.now() - t0) / 1000;
      rows.push({
        mode,
        w: {
          hold,
          writesPerS: (b.writes.write + b.writes.writev - a.writes.write - a.writes.writev) / wallS,
          buffersPerS: (b.writes.buffers - a.writes.buffers) / wallS,
          holdFlushesPerS: (b.holdFlushes - a.holdFlushes) / wallS,
          holdTickFlushesPerS: (b.holdTickFlushes - a.holdTickFlushes) / wallS,
          userPct: (b.cpu.user - a.cpu.user) / 1e4 / wallS,
          systemPct: (b.cpu.system - a.cpu.system) / 1e4 / wallS,
          readsPerS: (b.reads - a.reads) / wallS,
          wakeupsPerS: (w1 - w0) / wallS,
          mbitPerS: ((b.rxBytes - a.rxBytes) * 8) / 1e6 / wallS,
          slabsPerS: (b.slabs - a.slabs) / wallS,
          markCompacts: b.gc.major - a.gc.major,
          scavenges: b.gc.minor - a.gc.minor,
          rssMb: b.rssBytes / 2 ** 20,
          arrayBuffersMb: b.arrayBuffersBytes / 2 ** 20,
        },
      });
    } finally {
      for (const p of playing) p.kill('SIGTERM');
      publisher?.kill('SIGTERM');
      child.send('exit');
      await new Promise((r) => child.once('exit', r));
    }
  }
  console.log(`  the RTMP server alone, ${players === 0 ? 'publisher only' : `publisher and ${players} ffmpeg player(s)`}, ${seconds} s windows alternating, load average ${loadAverage()}:`);
  const label: Record<string, string> = { stream: 'as a stream    ', 'reused-buffer': 'into one buffer', slab: 'into slabs     ' };
  for (const { mode, w } of rows) {
    console.log(
      `    read ${label[mode] ?? mode}${w.hold === '' ? '' : `, hold ${w.hold.padStart(3)} ms`}  CPU ${(w.userPct + w.systemPct).toFixed(2).padStart(5)} % (user ${w.userPct.toFixed(2)}, system ${w.systemPct.toFixed(2)}); ` +
        `${w.readsPerS.toFixed(1)} reads/s, ${w.wakeupsPerS.toFixed(1)} wake-ups/s, ${w.mbitPerS.toFixed(2)} Mbit/s in; ` +
        `${w.writesPerS.toFixed(1)} writes/s (${w.buffersPerS.toFixed(0)} buffers), ${w.holdFlushesPerS.toFixed(1)} hold flushes/s, ${w.holdTickFlushesPerS.toFixed(1)} by the tick; ` +
        `GC ${w.markCompacts} mark-compacts, ${w.scavenges} scavenges; ${w.slabsPerS.toFixed(1)} slabs/s; RSS ${w.rssMb.toFixed(0)} MiB, array buffers ${w.arrayBuffersMb.toFixed(1)} MiB`,
    );
  }
}

export default async function fanoutBench(): Promise<void> {
  const seconds = Number(process.env.FANOUT_SECONDS ?? 15);
  // The first ~20 s of a publisher cost the app almost twice its steady state (V8 compiling the receive path on its
  // workers, the heap growing under concurrent marking; docs/decisions.md, "The first player and the base under a
  // publisher"): a window taken then measures the warm-up, not the fan-out.
  const warmupS = Number(process.env.FANOUT_WARMUP_SECONDS ?? 40);
  const playerWarmupS = Number(process.env.FANOUT_PLAYER_WARMUP_SECONDS ?? 30);
  const many = Number(process.env.FANOUT_PLAYERS ?? 20);
  const flv = recordFlv();
  parserMicroBench(flv);
  if (process.env.FANOUT_READ_MODES !== '0') await readModeComparison(flv, seconds, Number(process.env.FANOUT_ALONE_PLAYERS ?? 0));
  if (process.env.FANOUT_APP === '0') return;
  const nodeFlags = ['--trace-gc', ...(process.env.FANOUT_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')];
  const hold = writeHolds()[0]!;
  const h = await startHeadless(['--no-persist', ...(hold === '' ? [] : ['--rtmp-write-hold-ms', hold])], { nodeFlags });
  const url = `${h.rtmpUrl!}/live/fanout`;
  const players: ChildProcess[] = [];
  let publisher: ChildProcess | undefined;
  try {
    // The server's own background (collectors' ticks, the dashboard's snapshot, time series) before any traffic.
    await sleep(3000);
    const noTraffic = await window(h, [], seconds);
    publisher = ffmpeg(['-re', '-stream_loop', '-1', '-i', flv, '-c', 'copy', ...publisherFlags(), '-f', 'flv', url]);
    await sleep(warmupS * 1000);
    const idle = await window(h, [], seconds);
    // 1 and N players twice, alternating, so that a burst of load from other processes on a shared machine shows
    // as two different figures for the same case rather than as a fan-out cost.
    const rows: Array<{ n: number; w: Window; api: Awaited<ReturnType<typeof rtmpSessions>> }> = [];
    for (const n of [1, many, 1, many]) {
      while (players.length < n) players.push(ffmpeg(['-i', url, '-c', 'copy', '-f', 'null', '-']));
      while (players.length > n) players.pop()!.kill('SIGTERM');
      // The first player's path is still being compiled by V8 for tens of seconds after it joins (~73 calls a second
      // reach TurboFan slowly; docs/decisions.md, "The first RTMP player's cost after the write hold"): its first
      // window waits for the worst of it, as the publisher's does. The second 1-player window waits as long after 19
      // of 20 players left: in the first ~30 s the 19 closed connections' buffers and the sessions' records are
      // collected (V8's concurrent marking, in the app and in the RTMP server alone alike), up to ~0.25 % of a core
      // that is the leaving's, not one player's (docs/decisions.md, "The first RTMP player in the app against the
      // RTMP server alone").
      await sleep(n === 1 ? playerWarmupS * 1000 : 4000);
      const w = await window(h, players, seconds);
      rows.push({ n, w, api: await rtmpSessions(h.url) });
    }
    console.log(`  app: headless server (node ${process.versions.node}, ${nodeFlags.join(' ')}${hold === '' ? '' : `, --rtmp-write-hold-ms ${hold}`}), ${seconds} s windows after ${warmupS} s of publisher alone (the 1-player ones after ${playerWarmupS} s), load average ${loadAverage()}; publisher: ffmpeg -re -c copy of ${flv}`);
    console.log(`  no traffic                server CPU ${noTraffic.serverPct.toFixed(2).padStart(5)} % of one core; ${gcText(noTraffic)}`);
    console.log(threadsText(noTraffic));
    console.log(
      `   0 player(s)              server CPU ${idle.serverPct.toFixed(2).padStart(5)} % (Core v16.14.0: ≤ ${CORE_REFERENCE.onePlayerPct} %, its 1-player figure), publisher only; RSS ${idle.rssMb.toFixed(0)} MiB; ${gcText(idle)}`,
    );
    console.log(threadsText(idle));
    for (const { n, w, api } of rows) {
      const ref = n === 1 ? CORE_REFERENCE.onePlayerPct : n === 20 ? CORE_REFERENCE.twentyPlayersPct : NaN;
      console.log(
        `  ${String(n).padStart(2)} player(s)              server CPU ${w.serverPct.toFixed(2).padStart(5)} % (Core v16.14.0: ${Number.isNaN(ref) ? 'n/a' : `${ref} %`}), ` +
          `API: ${api.players} players, ${api.publishers} publisher, ${api.txMbit.toFixed(1)} Mbit/s out; RSS ${w.rssMb.toFixed(0)} MiB; ${gcText(w)}; the ffmpeg players ${w.playersPct.toFixed(1)} %`,
      );
      console.log(threadsText(w));
    }
    const mean = (n: number): number => rows.filter((r) => r.n === n).reduce((a, r, _, l) => a + r.w.serverPct / l.length, 0);
    const perExtra = (mean(many) - mean(1)) / (many - 1);
    const corePerExtra = (CORE_REFERENCE.twentyPlayersPct - CORE_REFERENCE.onePlayerPct) / 19;
    console.log(`  mean of the two windows   1 player ${mean(1).toFixed(2)} %, ${many} players ${mean(many).toFixed(2)} %; per extra player ${perExtra.toFixed(3)} % of one core (Core v16.14.0: ${corePerExtra.toFixed(3)} %); first player ${(mean(1) - idle.serverPct).toFixed(2)} % over publisher-only`);
    console.log(`  aim: at or below Core. Core's figures are issue 16's (same publisher, measured beside this server); there is no Core binary on this machine to run it here.`);
  } finally {
    stopping = true;
    for (const p of [...players, publisher]) p?.kill('SIGTERM');
    await h.stop();
  }
}
