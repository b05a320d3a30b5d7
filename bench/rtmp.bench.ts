/**
 * RTMP fan-out: one ~6 Mbit/s publisher to 1 and to 100 players on loopback.
 *
 * The server runs alone in a child process (its CPU is measured there with process.cpuUsage over the interval).
 * The publisher is synthetic: it replays the tags of an FLV recorded once by ffmpeg (720p30 test pattern with noise,
 * libx264 at 6 Mbit/s CBR + AAC) at their timestamps, looping, so the bench does not depend on ffmpeg's encoding
 * speed. Players are minimal RTMP clients in this process: handshake, connect, play, then they only count bytes.
 *
 *   npm run bench rtmp
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encodeAmf0 } from '../src/main/servers/rtmp/amf0.ts';
import { MSG } from '../src/main/servers/rtmp/chunk.ts';
import { RtmpTestClient, readFlvTags, type FlvTag } from '../tests/main/servers/rtmp/rtmp-client.ts';

const WARMUP_MS = 3000;
const MEASURE_MS = 10_000;
const CASES = [1, 100];

const serverModule = pathToFileURL(fileURLToPath(new URL('../src/main/servers/rtmp/server.ts', import.meta.url))).href;

/** The child: only the server (null collector that accepts nothing), answering measurement requests over IPC. */
const CHILD = `
const { createRtmpServer } = await import(${JSON.stringify(serverModule)});
const noop = () => {};
const collector = { id: 'rtmp', maxTxBitsPerSec: 0, register: noop, activate: () => false, registerAndActivate: noop,
  setExtra: noop, ingress: noop, egress: noop, unregister: noop, isKnownSession: () => false, isCollectableIp: () => true,
  isSessionsExceeded: () => false, setTopEgressBitrate: noop, topIngressBitrate: () => 0, companionTopEgressBitrate: () => 0 };
const log = { debug: noop, info: noop, warn: (m, f) => console.error(m, f), error: (m, f) => console.error(m, f), child() { return log; } };
const server = createRtmpServer({ collector, log });
const { port } = await server.listen('127.0.0.1', 0);
let mark = null;
process.on('message', (m) => {
  if (m === 'start') {
    mark = { cpu: process.cpuUsage(), t: performance.now(), s: server.stats() };
    process.send({ ok: true });
  } else if (m === 'stop') {
    const cpu = process.cpuUsage(mark.cpu);
    const ms = performance.now() - mark.t;
    const s = server.stats();
    process.send({ cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100, ms, txBytes: s.txBytes - mark.s.txBytes,
      dropped: s.droppedMessages - mark.s.droppedMessages, rss: process.memoryUsage().rss, players: s.players });
  } else if (m === 'exit') {
    server.close().then(() => process.exit(0));
  }
});
process.send({ port });
`;

function request<T>(child: ChildProcess, msg: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

/** The recorded ~6 Mbit/s FLV (720p30 libx264 CBR + AAC, 10 s), made once with ffmpeg into the temp dir. */
export function recordFlv(): string {
  const dir = join(tmpdir(), 'core-sessions-bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'rtmp-6mbit.flv');
  if (!existsSync(file)) {
    execFileSync('ffmpeg', [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30,noise=alls=20:allf=t',
      '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '5800k', '-maxrate', '5800k', '-bufsize', '3000k',
      '-x264-params', 'nal-hrd=cbr', '-g', '60', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', file,
    ]);
  }
  return file;
}

/** Replays FLV tags in real time, looping; returns a stop function. */
function replay(pub: RtmpTestClient, tags: FlvTag[]): () => void {
  const media = tags.filter((t) => t.type === 8 || t.type === 9);
  const meta = tags.find((t) => t.type === 18);
  if (meta) pub.send(5, MSG.dataAmf0, 1, 0, Buffer.concat([encodeAmf0('@setDataFrame'), meta.data]));
  const loopMs = media[media.length - 1]!.timestamp + 34;
  const start = performance.now();
  let i = 0;
  let loop = 0;
  const timer = setInterval(() => {
    const now = performance.now() - start;
    while (media[i]!.timestamp + loop * loopMs <= now) {
      const t = media[i]!;
      const isHeader = t.data[1] === 0;
      if (!(loop > 0 && isHeader)) pub.send(t.type === 8 ? 4 : 6, t.type, 1, t.timestamp + loop * loopMs, t.data);
      i++;
      if (i === media.length) {
        i = 0;
        loop++;
      }
    }
  }, 5);
  return () => clearInterval(timer);
}

export default async function rtmpBench(): Promise<void> {
  const flv = recordFlv();
  const tags = readFlvTags(readFileSync(flv));
  const durS = (tags[tags.length - 1]!.timestamp + 34) / 1000;
  const bytes = tags.reduce((n, t) => n + t.data.length, 0);
  console.log(`  source: ${flv}, ${((bytes * 8) / durS / 1e6).toFixed(2)} Mbit/s of FLV tag data, replayed in real time`);

  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
    const pub = await RtmpTestClient.open({ host: '127.0.0.1', port, discardMedia: true });
    await pub.publish('live', 'bench');
    const stop = replay(pub, tags);
    const results: Array<{ n: number; cpuPct: number; mbit: number }> = [];
    for (const n of CASES) {
      const players: RtmpTestClient[] = [];
      for (let k = 0; k < n; k++) {
        const p = await RtmpTestClient.open({ host: '127.0.0.1', port, discardMedia: true });
        await p.play('live', 'bench');
        p.countOnly();
        players.push(p);
      }
      await new Promise((r) => setTimeout(r, WARMUP_MS));
      const before = players.reduce((s, p) => s + p.rawBytes, 0);
      await request(child, 'start');
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, MEASURE_MS));
      const m = await request<{ cpuPct: number; ms: number; txBytes: number; dropped: number; rss: number; players: number }>(child, 'stop');
      const got = players.reduce((s, p) => s + p.rawBytes, 0) - before;
      const ms = performance.now() - t0;
      const mbit = (got * 8) / (ms / 1000) / 1e6;
      results.push({ n, cpuPct: m.cpuPct, mbit });
      console.log(
        `  ${String(n).padStart(3)} player(s): delivered ${mbit.toFixed(1)} Mbit/s total (${(mbit / n).toFixed(2)} per player), ` +
          `server CPU ${m.cpuPct.toFixed(1)} % of one core, server tx ${((m.txBytes * 8) / (m.ms / 1000) / 1e6).toFixed(1)} Mbit/s, ` +
          `dropped ${m.dropped} messages, server RSS ${(m.rss / 1048576).toFixed(0)} MiB`,
      );
      for (const p of players) p.close();
      await new Promise((r) => setTimeout(r, 500));
    }
    stop();
    pub.close();
    const [one, many] = [results[0]!, results[results.length - 1]!];
    const perPlayer = (many.cpuPct - one.cpuPct) / (many.n - one.n);
    console.log(`  fan-out cost: ${perPlayer.toFixed(3)} % CPU per extra player (${((perPlayer / (many.mbit / many.n)) * 100).toFixed(2)} % per 100 Mbit/s delivered)`);
  } finally {
    child.send('exit');
    await new Promise((r) => setTimeout(r, 300));
    child.kill();
  }
}
