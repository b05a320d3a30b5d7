/**
 * Segment GETs through the HLS middleware vs the same server's plain static serving of the same memfs file.
 * One listener (createHttpServer + the http collector middleware, as in the app) with two memfs mounts over the
 * same memfs: `/memfs` tracked (every client collectable, 200 registered hls sessions, one per connection), and
 * `/plain` whose collectors find no client collectable, so the HLS middleware steps aside (static serving).
 * Load: autocannon in a worker thread, 200 connections, 1 MiB `.ts`, loopback.
 *
 *   npm run bench hls   (env HLS_BENCH_PAIRS=5 alternating rounds, HLS_BENCH_SECONDS=3 each, HLS_BENCH_CONNECTIONS=200,
 *                        HLS_BENCH_SEGMENT_KB=1024); alone: node_modules/.bin/node bench/hls.bench.ts
 */
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalCore } from '../src/main/engine/local-core.ts';
import { createLogger } from '../src/main/log.ts';
import type { SessionCollector } from '../src/main/engine/types.ts';
import { createHttpServer, listen } from '../src/main/http/server.ts';
import { createMemfs } from '../src/main/servers/http/memfs.ts';
import { createMemfsMount } from '../src/main/servers/http/memfs-mount.ts';
import { createHttpCollectorMiddleware } from '../src/main/servers/http/http-collector.ts';

const self = fileURLToPath(import.meta.url);

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  requests: Array<{ method: string; setupRequest: (req: Record<string, unknown>) => Record<string, unknown> }>;
}) => Promise<AutocannonResult>;

interface Round {
  /** Server CPU time (user + system) per request, µs: far less sensitive to other load on the machine than req/s. */
  cpuUsPerReq: number;
  reqPerSec: number;
  mbPerSec: number;
  errors: number;
  non2xx: number;
}

type Ask = <T>(msg: string) => Promise<T>;

async function round(ask: Ask, url: string, paths: string[], seconds: number, connections: number): Promise<Round> {
  let i = 0;
  const before = await ask<number>('cpu');
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
  });
  const after = await ask<number>('cpu');
  return {
    cpuUsPerReq: (after - before) / Math.max(1, result.requests.total),
    reqPerSec: result.requests.average,
    mbPerSec: result.throughput.average / (1024 * 1024),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The server side, in a child process so the load generator does not share its event loop. */
async function serve(connections: number, segmentBytes: number): Promise<void> {
  const log = createLogger('bench', 'error');
  const core = createLocalCore({ persist: false, ignoreIps: [], sessionTimeoutSec: 30 }, { dataDir: mkdtempSync(join(tmpdir(), 'cs-bench-')), log });
  const memfs = createMemfs({ maxBytes: 256 * 1024 * 1024, log });
  memfs.put('/seg.ts', Buffer.alloc(segmentBytes, 0x47));
  memfs.put('/live.m3u8', Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg.ts\n'));
  const blind: SessionCollector = Object.assign(Object.create(core.collectors.hls) as SessionCollector, { isCollectableIp: () => false });
  const tracked = createMemfsMount({ memfs, prefix: '/memfs', collectors: { hls: core.collectors.hls, hlsingress: core.collectors.hlsingress }, log });
  const plain = createMemfsMount({ memfs, prefix: '/plain', collectors: { hls: blind, hlsingress: core.collectors.hlsingress }, log });
  const server = createHttpServer({
    mounts: [...tracked, ...plain],
    middleware: [createHttpCollectorMiddleware({ collector: core.collectors.http, log })],
    log,
  });
  const { port } = await listen(server, '127.0.0.1', 0);
  const base = `http://127.0.0.1:${port}`;
  // One registered session per connection: master → media playlist with the id (the first segment GET activates it).
  const ids: string[] = [];
  for (let c = 0; c < connections; c++) {
    const master = await (await fetch(`${base}/memfs/live.m3u8`)).text();
    const id = /session=(\w{22})/.exec(master)![1]!;
    await (await fetch(`${base}/memfs/live.m3u8?session=${id}`)).text();
    ids.push(id);
  }
  process.on('message', (m) => {
    if (m === 'stats') process.send?.({ active: core.collectors.hls.active().length });
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.(u.user + u.system);
    }
    if (m === 'exit') process.exit(0);
  });
  process.send?.({ port, ids });
}

export default async function hlsBench(): Promise<void> {
  const seconds = Number(process.env.HLS_BENCH_SECONDS ?? 3);
  const pairs = Number(process.env.HLS_BENCH_PAIRS ?? 5);
  const connections = Number(process.env.HLS_BENCH_CONNECTIONS ?? 200);
  const segmentBytes = Number(process.env.HLS_BENCH_SEGMENT_KB ?? 1024) * 1024;
  const child = fork(self, ['--serve', String(connections), String(segmentBytes)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<{ port: number; ids: string[] }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { port: number; ids: string[] }));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${ready.port}`;
    const ask: Ask = (msg) =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as never));
        child.send(msg);
      });
    const trackedPaths = ready.ids.map((id) => `/memfs/seg.ts?session=${id}`);
    const plainPaths = ['/plain/seg.ts'];
    await round(ask, base, plainPaths, 1, connections); // warm-up
    await round(ask, base, trackedPaths, 1, connections);
    // Alternating pairs, so load from other processes on the machine hits both sides alike; the median pair counts.
    const plainRounds: Round[] = [];
    const hlsRounds: Round[] = [];
    for (let k = 0; k < pairs; k++) {
      plainRounds.push(await round(ask, base, plainPaths, seconds, connections));
      hlsRounds.push(await round(ask, base, trackedPaths, seconds, connections));
    }
    const sum = (rs: Round[]): Round => ({
      cpuUsPerReq: rs.reduce((n, r) => n + r.cpuUsPerReq, 0) / rs.length,
      reqPerSec: rs.reduce((n, r) => n + r.reqPerSec, 0) / rs.length,
      mbPerSec: rs.reduce((n, r) => n + r.mbPerSec, 0) / rs.length,
      errors: rs.reduce((n, r) => n + r.errors, 0),
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    });
    const plainR = sum(plainRounds);
    const hlsR = sum(hlsRounds);
    const ratios = hlsRounds.map((r, k) => r.reqPerSec / plainRounds[k]!.reqPerSec).sort((a, b) => a - b);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    const stats = await ask<{ active: number }>('stats');
    const fmt = (r: Round): string =>
      `${r.cpuUsPerReq.toFixed(0).padStart(5)} µs CPU/req ${r.reqPerSec.toFixed(0).padStart(6)} req/s ${r.mbPerSec.toFixed(1).padStart(8)} MB/s  errors ${r.errors}, non-2xx ${r.non2xx}`;
    console.log(`  segment GETs, ${segmentBytes / 1024} KiB .ts, ${connections} connections, ${pairs} × ${seconds} s each (alternating), loopback`);
    console.log(`  plain static   ${fmt(plainR)}`);
    console.log(`  HLS middleware ${fmt(hlsR)}  (${stats.active} active hls sessions)`);
    console.log(`  ratio HLS/plain: ${(hlsR.reqPerSec / plainR.reqPerSec).toFixed(3)} overall (req/s; MB/s ${(hlsR.mbPerSec / plainR.mbPerSec).toFixed(3)}), median pair ${median.toFixed(3)}, pairs ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`  server CPU per request, plain/HLS: ${(plainR.cpuUsPerReq / hlsR.cpuUsPerReq).toFixed(3)} (the middleware's cost with the machine's other load factored out)`);
  } finally {
    child.send('exit');
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

if (process.argv[2] === '--serve') {
  await serve(Number(process.argv[3]), Number(process.argv[4]));
} else if (process.argv[1] === self) {
  await hlsBench();
}
