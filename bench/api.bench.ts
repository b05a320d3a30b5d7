/**
 * API: time to build the `/api/v3/session` body for 10k active sessions + 100k history keys with the real engine
 * (cold, after a change, warm: the UTF-8 chunks the route hands to the socket; joining them, which only the gzip and
 * `?pretty` paths do, shown apart), and requests/s of
 * `GET /api/v3/session/active` with 1k active sessions (autocannon, 10 s, 50 connections, server in a child
 * process so the load generator does not share its event loop).
 * Run with `npm run bench api` or alone: `node_modules/.bin/node bench/api.bench.ts`.
 * Reference (datarhei Core v16.14.0, Go): Summary() of 10k active sessions takes 31 ms.
 */
import { fork } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createApi } from '../src/main/api/index.ts';
import { buildSummaryBytes, buildSummaryChunks, SessionCaches } from '../src/main/api/sessions.ts';
import { systemClock } from '../src/main/engine/clock.ts';
import { Collector } from '../src/main/engine/collector.ts';
import type { SessionReader } from '../src/main/engine/types.ts';
import { createLogger } from '../src/main/log.ts';
import { createHttpServer, listen } from '../src/main/http/server.ts';

const self = fileURLToPath(import.meta.url);

// gc() between scenarios, so one scenario's garbage is not collected during the next one's timings.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<AutocannonResult>;

/** A peer like RTMP's `ip:port` (every connection a new key, spec §7.9), scattered so keys arrive unsorted. */
function rtmpPeer(i: number): string {
  const h = Math.imul(i + 1, 2654435761) >>> 0; // a bijection on 32 bits: distinct peers
  return `${h >>> 24}.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}:${1024 + (h % 60000)}`;
}

const STREAMS = 20;
const stream = (i: number): { reference: string; location: string } => ({
  reference: `4186b095-7f0a-4e94-8c3d-${String(i % STREAMS).padStart(12, '0')}`,
  location: `/live/4186b095-7f0a-4e94-8c3d-${String(i % STREAMS).padStart(12, '0')}.stream`,
});

/** A real engine collector: `historyKeys` closed RTMP sessions (distinct peers, 20 locations/references), then `active` open ones. */
function rtmpCollector(active: number, historyKeys: number): Collector {
  const c = new Collector('rtmp', { clock: systemClock, sessionTimeoutMs: 3_600_000, inactiveTimeoutMs: 3_600_000 });
  for (let i = 0; i < historyKeys; i++) {
    const id = `h${i}`;
    const { reference, location } = stream(i);
    c.registerAndActivate(id, reference, location, rtmpPeer(i));
    c.egress(id, 1_000_000 + i * 977);
    if (i % 10 === 0) c.ingress(id, 50_000_000 + i);
    c.unregister(id);
  }
  for (let i = 0; i < active; i++) {
    const id = `a${i}`;
    const { reference, location } = stream(i);
    c.registerAndActivate(id, reference, location, rtmpPeer(historyKeys + i));
    c.setExtra(id, i % 5 === 0 ? 'rtmp publish' : '');
    c.egress(id, 1316 * (i + 1));
  }
  return c;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Timed {
  build: number;
  /** Joining the chunks into one Buffer: only for gzip or `?pretty` (plain bodies are written chunk by chunk). */
  join: number;
  bytes: number;
}

/**
 * One request's work: Collector.summary() + the body's UTF-8 chunks (build: all a plain GET does before the socket),
 * then, with `join`, one Buffer of them (what gzip and `?pretty` also do; 20 MiB of fresh memory per request).
 */
/** The render caches of the API instance the requests go to. */
const caches = new SessionCaches();

function request(reader: SessionReader, join = false): Timed {
  const t0 = performance.now();
  const chunks = buildSummaryChunks(reader, ['rtmp'], caches);
  const t1 = performance.now();
  let bytes = 0;
  for (const c of chunks) bytes += c.length;
  if (join) bytes = Buffer.concat(chunks, bytes).length;
  return { build: t1 - t0, join: join ? performance.now() - t1 : 0, bytes };
}

export function benchBody(): void {
  const fmt = (xs: number[]): string => `${median(xs).toFixed(1).padStart(6)} ms (min ${Math.min(...xs).toFixed(1)})`;
  const line = (label: string, rs: Timed[], core = ''): void =>
    console.log(
      `    ${label.padEnd(44)} build ${fmt(rs.map((r) => r.build))}${core}`,
    );
  const CORE = '   (Core: Summary() alone, no JSON, 31 ms)';
  // Medians and minimums: the spread comes from major GCs (and, on this shared machine, other processes).

  // cold: the first request after the history was built (sorts the 100k keys, renders every member)
  const cold: Timed[] = [];
  let c: Collector | undefined;
  for (let i = 0; i < 3; i++) {
    void c?.stop();
    c = rtmpCollector(10_000, 100_000);
    gc(); // the previous collector, and the garbage of building this one
    const cc = c;
    cold.push(request({ ids: () => ['rtmp'], summary: () => cc.summary(), active: () => cc.active() }, true));
  }
  const col = c!;
  gc(); // the first two collectors of the cold samples
  const reader: SessionReader = { ids: () => ['rtmp'], summary: () => col.summary(), active: () => col.active() };
  for (let i = 0; i < 3; i++) request(reader);
  gc();
  const warm: Timed[] = [];
  const changed: Timed[] = [];
  const changed10: Timed[] = [];
  let n = 0;
  const closeNew = (): void => {
    // an RTMP connection closes: a new peer key; the active count stays 10k
    const id = `x${n}`;
    const { reference, location } = stream(n);
    col.registerAndActivate(id, reference, location, rtmpPeer(1_000_000 + n++));
    col.egress(id, 123_456);
    col.unregister(id);
  };
  for (let i = 0; i < 25; i++) {
    closeNew();
    changed.push(request(reader));
    for (let k = 0; k < 10; k++) closeNew();
    changed10.push(request(reader));
    warm.push(request(reader));
  }
  const mib = (cold[0]!.bytes / 1024 / 1024).toFixed(1);
  console.log(`  GET /api/v3/session body, real engine: 10k active + 100k history keys (RTMP-like ip:port peers, ${STREAMS} locations/references; ${mib} MiB):`);
  line('cold (first request after the history built)', cold, CORE);
  console.log(`      (cold samples: ${cold.map((r) => r.build.toFixed(0)).join(', ')} ms; the first one includes the JIT warming up)`);
  line('after one session closed (new peer)', changed, CORE);
  line('after 10 sessions closed', changed10);
  line('warm (history unchanged)', warm, CORE);
  const joins: Timed[] = [];
  for (let i = 0; i < 9; i++) joins.push(request(reader, true));
  console.log(`    + joining the chunks into one Buffer (gzip and ?pretty only; a plain GET writes the chunks): ${fmt([...cold, ...joins].map((r) => r.join))}`);

  const body = buildSummaryBytes(reader, ['rtmp'], caches);
  const t = performance.now();
  const gz = gzipSync(body, { level: 1 });
  console.log(`    gzip level 1 (thread pool in the server) of that body: ${(performance.now() - t).toFixed(1)} ms → ${(gz.length / 1024 / 1024).toFixed(2)} MiB`);
  void col.stop();
  gc();

  const a = rtmpCollector(10_000, 0);
  const ra: SessionReader = { ids: () => ['rtmp'], summary: () => a.summary(), active: () => a.active() };
  for (let i = 0; i < 3; i++) request(ra);
  const act: Timed[] = [];
  for (let i = 0; i < 15; i++) act.push(request(ra));
  line('10k active sessions, empty history', act, CORE);
  void a.stop();
}

/** Child process: a server with 1k active hls sessions; prints its port, with or without auth. */
async function serve(withAuth: boolean): Promise<void> {
  const c = new Collector('hls', { clock: systemClock, sessionTimeoutMs: 3_600_000, inactiveTimeoutMs: 3_600_000 });
  for (let i = 0; i < 1000; i++) {
    const id = `5Bd8qNZ4nxqHUgQh${String(i).padStart(6, '0')}`;
    c.registerAndActivate(id, '4186b095-7f0a-4e94-8c3d-f17459ab252f', '/memfs/4186b095-7f0a-4e94-8c3d-f17459ab252f.m3u8', `viewer-${i % 50}.example.com`);
    c.setExtra(id, '[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64)');
    c.egress(id, 1_000_000 + i);
  }
  const reader: SessionReader = { ids: () => ['hls'], summary: () => c.summary(), active: (id) => (id === 'hls' ? c.active() : []) };
  const log = createLogger('bench', 'error');
  const mounts = createApi({
    reader,
    log,
    about: { name: 'bench', id: 'bench', startedAtMs: Date.now() },
    auth: withAuth ? { username: 'admin', password: 'datarhei', jwtSecret: 'bench' } : undefined,
  });
  const server = createHttpServer({ mounts, log });
  const { port } = await listen(server, '127.0.0.1', 0);
  process.send?.({ port });
}

async function load(withAuth: boolean): Promise<void> {
  const child = fork(self, ['--serve', withAuth ? 'auth' : 'open'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const headers: Record<string, string> = {};
    if (withAuth) {
      const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":"admin","password":"datarhei"}' });
      headers.authorization = `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
    }
    const probe = await fetch(`${base}/api/v3/session/active?collectors=hls`, { headers });
    const size = (await probe.arrayBuffer()).byteLength;
    const result = await autocannon({ url: `${base}/api/v3/session/active?collectors=hls`, connections: 50, duration: 10, headers });
    const non2xx = result.non2xx;
    console.log(
      `  GET /api/v3/session/active, 1k active sessions (${(size / 1024).toFixed(0)} KiB body, ${withAuth ? 'JWT' : 'no auth'}): ` +
        `${result.requests.average.toFixed(0)} req/s average, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms (Core: no reference figure)` +
        (non2xx ? `, ${non2xx} non-2xx` : '') +
        (result.errors ? `, ${result.errors} errors` : ''),
    );
  } finally {
    child.kill('SIGTERM');
  }
}

export default async function apiBench(): Promise<void> {
  benchBody();
  await load(true);
  await load(false);
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] === 'auth');
} else if (process.argv[1] === self) {
  await apiBench();
}
