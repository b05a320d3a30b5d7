/**
 * Memory of the headless server (issue 16's budget): RSS with 1 000 live HLS sessions, then during and after API load
 * on `/api/v3/session` and `/api/v3/session/active`, sampled every second from /proc. The server is headless mode in
 * a child process with its defaults (time-series history on) and the settings of the `core-sessions` command's first
 * line: by default the built bundle that command runs (built first), MEMORY_BENCH_ENTRY=source for the TypeScript
 * source as the tests run it. The HLS viewers are real playlist and segment GETs that keep their sessions alive.
 *
 *   npm run bench -- memory   (env MEMORY_BENCH_SESSIONS=1000, MEMORY_BENCH_SECONDS=60, MEMORY_BENCH_CONNECTIONS=10;
 *                              to try a setting: MEMORY_BENCH_ENV='NAME=value …', MEMORY_BENCH_NODE_FLAGS='--flag …')
 *
 * Aim: ≤ 150 MB RSS under that load, no growth under it and once it stops. Reading it: each RSS figure is split by
 * where the memory lives (smaps from outside; V8's heap by space from bench/heap-probe.mjs inside, asked by SIGUSR2).
 * Growth is the trend over the second half of the load, which only a long run tells (MEMORY_BENCH_SECONDS=1200):
 * in a 60 s run the heap is still growing to its working size. Reference (issue 16): this server held 148 MB with the
 * sessions and 342 MB after the load; datarhei Core 46 → 57 MB on the same load.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADLESS, HEADLESS_BUNDLE, startHeadless, type Headless } from '../tests/support/headless.ts';
import { ensureBuilt } from '../tests/main/shell/smoke/harness.ts';
import { loadAverage, procUsage, smapsSplit } from './proc.ts';

const SESSIONS = Number(process.env.MEMORY_BENCH_SESSIONS ?? 1000);
const SECONDS = Number(process.env.MEMORY_BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.MEMORY_BENCH_CONNECTIONS ?? 10);
const AIM_MB = 150;
const SEGMENT_BYTES = 8 * 1024;
/** Extra node flags after the shipped ones, and `NAME=value …` for the server's environment, to try settings. */
const NODE_FLAGS = (process.env.MEMORY_BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const SERVER_ENV = Object.fromEntries(
  (process.env.MEMORY_BENCH_ENV ?? '')
    .split(' ')
    .filter((w) => w.includes('='))
    .map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]),
);
const PROBE_FILE = join(tmpdir(), `memory-bench-probe-${process.pid}.json`);
/**
 * `bundle` (default): out/main/headless.js, built first, which `core-sessions` and `npm run serve` run; `source`:
 * src/main/headless.ts through Node's type stripping, as the tests run it (the stripper costs the server 20-35 MB).
 */
const ENTRY = process.env.MEMORY_BENCH_ENTRY === 'source' ? 'source' : 'bundle';

/** What bench/heap-probe.mjs writes on SIGUSR2 (bytes throughout). */
interface HeapProbe {
  memoryUsage: NodeJS.MemoryUsage;
  heap: { totalPhysical: number; totalCommitted: number; used: number; malloced: number; externalMemory: number };
  spaces: Array<{ name: string; committed: number; physical: number; used: number }>;
}

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ method: string; path: string }>;
}) => Promise<AutocannonResult>;

/** Resident set of a process in MB (10^6 bytes). */
const rssMb = (pid: number): number => procUsage(pid).rssBytes / 1e6;

/** Least-squares slope of samples taken once a second, in MB per hour. */
function slopeMbPerHour(samples: readonly number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  samples.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return (num / den) * 3600;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The server's RSS split by where it lives: smaps from outside, V8's heap by space from bench/heap-probe.mjs inside
 * (asked by SIGUSR2). "V8 heap" is the heap's resident pages (in the anonymous mappings); "malloc" is glibc's main
 * arena (brk) and its other arenas; "other anonymous" is what is anonymous but neither (V8's off-heap tables, mallocs
 * large enough to get their own mapping, WebAssembly memory).
 */
async function splitText(pid: number): Promise<string> {
  process.kill(pid, 'SIGUSR2');
  await sleep(300);
  const p = JSON.parse(readFileSync(PROBE_FILE, 'utf8')) as HeapProbe;
  const m = smapsSplit(pid);
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  const space = (name: string): number => p.spaces.find((s) => s.name === name)?.physical ?? 0;
  const spaces = `new ${mb(space('new_space'))}, old ${mb(space('old_space'))}, code ${mb(space('code_space'))}, large ${mb(space('large_object_space') + space('new_large_object_space') + space('code_large_object_space'))}, trusted ${mb(space('trusted_space') + space('trusted_large_object_space'))}`;
  return [
    `RSS ${mb(m.rss)} MB = node and libraries (file) ${mb(m.file)}`,
    `V8 heap ${mb(p.heap.totalPhysical)} (${spaces}; used ${mb(p.heap.used)})`,
    `malloc ${mb(m.brk + m.arenas)} (brk ${mb(m.brk)}, arenas ${mb(m.arenas)})`,
    `other anonymous ${mb(m.otherAnon - p.heap.totalPhysical)}`,
    `stacks ${mb(m.stacks)}; Buffers' and ArrayBuffers' stores ${mb(p.memoryUsage.arrayBuffers)}, V8 malloced ${mb(p.heap.malloced)}`,
  ].join(' + ');
}

/** Runs `fn` over `items` with at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Uploads a live playlist with three segments, as an HLS publisher would. */
async function publish(base: string): Promise<void> {
  const segment = Buffer.alloc(SEGMENT_BYTES, 7);
  for (let i = 0; i < 3; i++) await fetch(`${base}/memfs/bench${i}.ts`, { method: 'PUT', body: segment });
  const playlist = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < 3; i++) playlist.push('#EXTINF:2.0,', `bench${i}.ts`);
  const res = await fetch(`${base}/memfs/bench.m3u8`, { method: 'PUT', body: playlist.join('\n') + '\n' });
  if (res.status >= 300) throw new Error(`playlist upload: HTTP ${res.status}`);
}

/** One viewer: a playlist GET without a session (a new session), then the media playlist with its id, as a player does. */
async function newViewer(base: string, i: number): Promise<string> {
  const res = await fetch(`${base}/memfs/bench.m3u8`, { headers: { 'User-Agent': `bench-viewer/${i}` } });
  const body = await res.text();
  const m = /\?session=([A-Za-z0-9]+)/.exec(body);
  if (!m) throw new Error(`viewer ${i}: no session in the playlist (HTTP ${res.status})`);
  // The first answer is a master playlist naming the media playlist with the new session; the player follows it.
  await (await fetch(`${base}/memfs/bench.m3u8?session=${m[1]}`, { headers: { 'User-Agent': `bench-viewer/${i}` } })).text();
  return m[1]!;
}

/** Keeps every viewer's session alive: one segment GET each. */
async function keepAlive(base: string, ids: readonly string[]): Promise<void> {
  await pool(ids, 20, async (id) => {
    await (await fetch(`${base}/memfs/bench0.ts?session=${id}`)).arrayBuffer();
  });
}

async function activeHls(base: string): Promise<number> {
  const body = (await (await fetch(`${base}/api/v3/session/active?collectors=hls`)).json()) as { hls?: unknown[] };
  return body.hls?.length ?? 0;
}

export default async function bench(): Promise<void> {
  let h: Headless | undefined;
  try {
    if (ENTRY === 'bundle') await ensureBuilt();
    // Every viewer comes from this one address: the per-client session bound (default 1000) is off for the bench.
    h = await startHeadless(['--max-sessions-per-ip', '0'], {
      entry: ENTRY === 'bundle' ? HEADLESS_BUNDLE : HEADLESS,
      nodeFlags: ['--import', join(import.meta.dirname, 'heap-probe.mjs'), ...NODE_FLAGS],
      env: { ...SERVER_ENV, HEAP_PROBE_FILE: PROBE_FILE },
    });
    const pid = h.proc.pid!;
    const base = h.url;
    await sleep(1000);
    const idleMb = rssMb(pid);
    await publish(base);
    const ids: string[] = [];
    await pool(
      Array.from({ length: SESSIONS }, (_, i) => i),
      20,
      async (i) => void ids.push(await newViewer(base, i)),
    );
    await keepAlive(base, ids);
    const active = await activeHls(base);
    await sleep(2000);
    const withSessionsMb = rssMb(pid);
    const withSessionsSplit = await splitText(pid);

    // The load, with the viewers kept alive every 10 s and RSS sampled every second.
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(pid)), 1000);
    const keeper = setInterval(() => void keepAlive(base, ids).catch(() => undefined), 10_000);
    // The split near the end of the load, where the plateau is.
    let loadSplit = '';
    const splitter = setTimeout(() => void splitText(pid).then((t) => (loadSplit = t)), Math.max(SECONDS - 5, 1) * 1000);
    const load = await autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        { method: 'GET', path: '/api/v3/session' },
        { method: 'GET', path: '/api/v3/session/active' },
      ],
    });
    clearInterval(sampler);
    clearTimeout(splitter);
    const endOfLoadMb = rssMb(pid);
    await sleep(15_000);
    clearInterval(keeper);
    const settledMb = rssMb(pid);
    const settledSplit = await splitText(pid);

    const f = (mb: number): string => `${mb.toFixed(0)} MB`;
    const maxMb = Math.max(...samples, endOfLoadMb);
    const verdict = maxMb <= AIM_MB ? 'within the aim' : 'OVER the aim';
    const settings = [...Object.entries(SERVER_ENV).map(([k, v]) => `${k}=${v}`), ...NODE_FLAGS].join(' ');
    console.log(`  headless server (${ENTRY === 'bundle' ? 'the built bundle, as core-sessions runs it' : 'the TypeScript source'}), ${active} active HLS sessions (${SESSIONS} viewers), load average ${loadAverage()}${settings ? `; tried: ${settings}` : ''}`);
    console.log(`  RSS idle ${f(idleMb)}; with the sessions ${f(withSessionsMb)} (issue's figure before: 148 MB)`);
    console.log(`    ${withSessionsSplit}`);
    console.log(
      `  ${SECONDS} s of API load (${CONNECTIONS} connections, /api/v3/session + /active): ${Math.round(load.requests.average)} req/s, ${load.non2xx} non-2xx, ${load.errors} errors`,
    );
    const quarters = [1, 2, 3, 4].map((q) => f(samples[Math.min(samples.length - 1, Math.floor((samples.length * q) / 4) - 1)] ?? 0)).join(' / ');
    console.log(`  RSS during the load: max ${f(maxMb)}, at the end ${f(endOfLoadMb)}; after each quarter ${quarters}; aim ≤ ${AIM_MB} MB: ${verdict} (before: 342 MB; Core 46 → 57 MB)`);
    if (loadSplit) console.log(`    5 s before the end: ${loadSplit}`);
    console.log(`  RSS 15 s after the load: ${f(settledMb)}`);
    console.log(`    ${settledSplit}`);
    // Growth: the trend over the second half of the load. The heap grows to its working size in the first minutes, so
    // only a long run's second half tells growth: a 60 s run's trend is that warming up.
    const late = samples.slice(Math.floor(samples.length / 2));
    const reading = SECONDS >= 600 ? 'aim: no growth' : 'warming up, not growth: MEMORY_BENCH_SECONDS=1200 tells growth';
    console.log(
      `  RSS trend over the last ${late.length} s of the load: ${slopeMbPerHour(late).toFixed(1)} MB/h (min ${f(Math.min(...late))}, max ${f(Math.max(...late))}); ${reading}`,
    );
  } finally {
    await h?.stop();
    rmSync(PROBE_FILE, { force: true });
  }
}

if (import.meta.main) await bench();
