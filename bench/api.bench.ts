/**
 * API: time to build the `/api/v3/session` body for 10k active sessions + 100k history keys, and requests/s of
 * `GET /api/v3/session/active` with 1k active sessions (autocannon, 10 s, 50 connections, server in a child
 * process so the load generator does not share its event loop).
 * Run with `npm run bench api` or alone: `node_modules/.bin/node bench/api.bench.ts`.
 * Reference (datarhei Core v16.14.0, Go): Summary() of 10k active sessions takes 31 ms.
 */
import { fork } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createApi } from '../src/main/api/index.ts';
import { buildSummaryBody } from '../src/main/api/sessions.ts';
import { systemClock } from '../src/main/engine/clock.ts';
import { Collector } from '../src/main/engine/collector.ts';
import { History } from '../src/main/engine/history.ts';
import type { CollectorSummary, HistorySummary, SessionReader, SessionSnapshot } from '../src/main/engine/types.ts';
import { createLogger } from '../src/main/log.ts';
import { createHttpServer, listen } from '../src/main/servers/http/server.ts';

const self = fileURLToPath(import.meta.url);

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

function activeList(active: number): SessionSnapshot[] {
  const list: SessionSnapshot[] = [];
  const t0 = 1_764_000_000_000;
  for (let i = 0; i < active; i++) {
    list.push({
      id: `5Bd8qNZ4nxqHUgQh${String(i).padStart(6, '0')}`,
      reference: '4186b095-7f0a-4e94-8c3d-f17459ab252f',
      createdAtMs: t0 + i * 37,
      location: '/memfs/4186b095-7f0a-4e94-8c3d-f17459ab252f.m3u8',
      peer: `viewer-${i % 500}.example.com`,
      extra: `[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64) #${i}`,
      rxBytes: i * 13,
      txBytes: i * 1_048_583,
      rxBitsPerSec: i % 7 === 0 ? 0 : 8000 + i,
      txBitsPerSec: 2_510_028.8 + i * 3.3,
    });
  }
  return list;
}

/** RTMP-like history: the peer carries the ephemeral port, so every connection is a new key (spec §7.9). */
function bigHistory(keys: number): History {
  const h = new History();
  for (let i = 0; i < keys; i++) {
    const peer = `198.51.${(i >> 8) & 255}.${i & 255}:${40000 + (i % 20000)}`;
    h.add(`publish:/live/channel${i % 100}.stream`, peer, `/live/channel${i % 100}`, 1 + (i % 3), i * 7919, i * 104_729);
  }
  return h;
}

function summaryOf(list: SessionSnapshot[], history: HistorySummary): CollectorSummary {
  return {
    active: list,
    activeSessions: list.length,
    rxBitsPerSec: 123_456.7,
    txBitsPerSec: 25_100_288.8,
    maxSessions: 0,
    maxRxBitsPerSec: 0,
    maxTxBitsPerSec: 100 * 1024 * 1024,
    history,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeBody(summary: () => CollectorSummary): { ms: number; bytes: number; encodeMs: number } {
  const s = summary();
  const reader: SessionReader = { ids: () => ['hls'], summary: () => s, active: () => s.active };
  const t = performance.now();
  const body = buildSummaryBody(reader, ['hls']);
  const t1 = performance.now();
  const buf = Buffer.from(body + '\n', 'utf8');
  return { ms: t1 - t, bytes: buf.length, encodeMs: performance.now() - t1 };
}

export function benchBody(): void {
  const list = activeList(10_000);
  const fmt = (xs: number[]): string => `${median(xs).toFixed(1)} ms median (min ${Math.min(...xs).toFixed(1)})`;

  // cold: a history never rendered before (fresh objects, empty caches)
  const cold: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const h = bigHistory(100_000);
    const r = timeBody(() => summaryOf(list, h.summary()));
    cold.push(r.ms);
    bytes = r.bytes;
  }
  const h = bigHistory(100_000);
  timeBody(() => summaryOf(list, h.summary()));
  // warm: history unchanged since the last request, active list rendered anew
  const warm: number[] = [];
  const enc: number[] = [];
  for (let i = 0; i < 15; i++) {
    const r = timeBody(() => summaryOf(list, h.summary()));
    warm.push(r.ms);
    enc.push(r.encodeMs);
  }
  // one session closed since the last request (a new history object; one peer changed)
  const changed: number[] = [];
  for (let i = 0; i < 15; i++) {
    h.add('publish:/live/channel1.stream', `198.51.0.${i}:40000`, '/live/channel1', 1, 1000, 1000);
    changed.push(timeBody(() => summaryOf(list, h.summary())).ms);
  }
  console.log(`  /api/v3/session body, 10k active sessions + 100k history keys (${(bytes / 1024 / 1024).toFixed(1)} MiB):`);
  console.log(`    history unchanged since the last request: ${fmt(warm)}  (Core: Summary() of 10k sessions alone 31 ms)`);
  console.log(`    one session closed since the last request: ${fmt(changed)}`);
  console.log(`    first render of the whole history (cold):  ${fmt(cold)}`);
  console.log(`    UTF-8 encoding of the body for the socket: ${fmt(enc)}`);
  const activeOnly = timeBody(() => summaryOf(list, new History().summary()));
  console.log(`    10k active sessions, empty history:        ${activeOnly.ms.toFixed(1)} ms`);

  const body = Buffer.from(buildSummaryBody({ ids: () => ['hls'], summary: () => summaryOf(list, h.summary()), active: () => list }, ['hls']));
  const t = performance.now();
  const gz = gzipSync(body, { level: 1 });
  console.log(`  gzip (level 1, in the thread pool in the server) of that body: ${(performance.now() - t).toFixed(1)} ms → ${(gz.length / 1024 / 1024).toFixed(2)} MiB`);

  // With the real engine: Collector.summary() of 10k active sessions plus the body
  const c = new Collector('hls', { clock: systemClock, sessionTimeoutMs: 300_000, inactiveTimeoutMs: 300_000 });
  for (let i = 0; i < 10_000; i++) c.registerAndActivate(`s${i}`, 'ref', '/memfs/ref.m3u8', `viewer-${i % 500}.example.com`);
  for (let i = 0; i < 10_000; i++) c.egress(`s${i}`, 1316);
  const real: SessionReader = { ids: () => ['hls'], summary: () => c.summary(), active: () => c.active() };
  for (let i = 0; i < 3; i++) buildSummaryBody(real, ['hls']);
  const t2: number[] = [];
  for (let i = 0; i < 15; i++) {
    const s0 = performance.now();
    buildSummaryBody(real, ['hls']);
    t2.push(performance.now() - s0);
  }
  console.log(`  real Collector.summary() + body, 10k active sessions: ${fmt(t2)}`);
  void c.stop();
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
        `${result.requests.average.toFixed(0)} req/s average, latency p50 ${result.latency.p50} ms p99 ${result.latency.p99} ms` +
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
