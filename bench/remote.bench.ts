/**
 * Remote Cores: 100 test Cores (this process, loopback, recorded responses, real JWT auth) polled every second by
 * the fleet in a child process (so its CPU and RSS are measured alone), as the headless server runs it: systemClock,
 * one `onUpdate` subscriber building the snapshot each second, and the merged reader rendered each second.
 *
 * `npm run bench remote` (≈ 65 s). REMOTE_BENCH_SECONDS shortens it (default 60), REMOTE_BENCH_CORES sets the count.
 * Prints: fleet CPU % (of one core), RSS MB (start of window / end / max), polls/s achieved vs. expected, and the
 * HTTP requests/s the fleet sent.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface ChildResult {
  windowSec: number;
  cpuPct: number;
  rssStartMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  heapEndMb: number;
  /** Heap after a full GC at the window's start and end: the "no growing memory" figure. */
  heapGcStartMb: number;
  heapGcEndMb: number;
  heapTotalEndMb: number;
  externalEndMb: number;
  okPolls: number;
  /** HTTP requests the fleet sent per second (polls, logins, refreshes): a figure load does not move. */
  requestsPerSec: number;
  failedPolls: number;
  skippedTicks: number;
  pollsPerSec: number;
  states: Record<string, number>;
  mergedSessions: number;
}

async function child(): Promise<void> {
  const { systemClock } = await import('../src/main/engine/clock.ts');
  const { createLogger } = await import('../src/main/log.ts');
  const { createFleet } = await import('../src/main/remote/fleet.ts');
  const { zeroSummary } = await import('../src/main/engine/registry.ts');
  const { buildSummaryChunks, SessionCaches } = await import('../src/main/api/sessions.ts');
  const urls = JSON.parse(process.env.REMOTE_BENCH_URLS ?? '[]') as string[];
  const seconds = Number(process.env.REMOTE_BENCH_SECONDS ?? 60);
  const warmupSec = Math.min(5, Math.max(1, Math.floor(seconds / 6)));
  const fleet = createFleet({
    local: { id: 'local', name: 'bench', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } },
    clock: systemClock,
    log: createLogger('bench', 'warn'),
  });
  urls.forEach((url, i) => fleet.addCore({ id: `core-${i}`, url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 1000 }));
  const reader = fleet.reader();
  const caches = new SessionCaches();
  const names = ['hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt', 'ffmpeg'];
  let mergedSessions = 0;
  let rssMax = 0;
  const unsubscribe = fleet.onUpdate((snap) => {
    mergedSessions = snap.sessions.length;
    buildSummaryChunks(reader, names, caches, 'all'); // what GET /api/v3/session of the merged view costs each second
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  });
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const okPolls = (): { ok: number; failed: number; skipped: number; requests: number } => {
    let ok = 0;
    let failed = 0;
    let skipped = 0;
    let requests = 0;
    for (const s of Object.values(fleet.stats())) {
      ok += s.okPolls;
      failed += s.failedPolls;
      skipped += s.skippedTicks;
      requests += s.client.requests;
    }
    return { ok, failed, skipped, requests };
  };
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  const heapAfterGc = (): number => {
    gc();
    return process.memoryUsage().heapUsed / 2 ** 20;
  };
  await sleep(warmupSec * 1000);
  const heapGcStartMb = heapAfterGc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const p0 = okPolls();
  const rssStart = process.memoryUsage().rss;
  rssMax = rssStart;
  await sleep((seconds - warmupSec) * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const heapGcEndMb = heapAfterGc();
  const p1 = okPolls();
  const states: Record<string, number> = {};
  for (const c of fleet.cores()) states[c.state] = (states[c.state] ?? 0) + 1;
  const mem = process.memoryUsage();
  const result: ChildResult = {
    windowSec: wallMs / 1000,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    rssStartMb: rssStart / 2 ** 20,
    rssEndMb: mem.rss / 2 ** 20,
    rssMaxMb: Math.max(rssMax, mem.rss) / 2 ** 20,
    heapEndMb: mem.heapUsed / 2 ** 20,
    heapGcStartMb,
    heapGcEndMb,
    heapTotalEndMb: mem.heapTotal / 2 ** 20,
    externalEndMb: (mem.external + mem.arrayBuffers) / 2 ** 20,
    okPolls: p1.ok - p0.ok,
    requestsPerSec: ((p1.requests - p0.requests) / wallMs) * 1000,
    failedPolls: p1.failed - p0.failed,
    skippedTicks: p1.skipped - p0.skipped,
    pollsPerSec: ((p1.ok - p0.ok) / wallMs) * 1000,
    states,
    mergedSessions,
  };
  unsubscribe();
  await fleet.stop();
  process.stdout.write(JSON.stringify(result) + '\n');
}

export default async function bench(): Promise<void> {
  const { startTestCore } = await import('../tests/support/test-core.ts');
  // The fleet child runs with headless mode's node flags and environment, as `core-sessions` and `npm run serve` do.
  const { HEADLESS_ENV, HEADLESS_NODE_FLAGS } = await import('../tests/support/headless.ts');
  const count = Number(process.env.REMOTE_BENCH_CORES ?? 100);
  const seconds = Math.max(3, Number(process.env.REMOTE_BENCH_SECONDS ?? 60));
  // Pinned to a recorded snapshot with traffic, so every poll parses ~20 sessions per Core.
  const cores = await Promise.all(Array.from({ length: count }, (_, i) => startTestCore({ phase: 'snap-02', coreId: `bench-${i}` })));
  const parentCpu0 = process.cpuUsage();
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [...HEADLESS_NODE_FLAGS, '--experimental-strip-types', '--no-warnings=ExperimentalWarning', '--expose-gc', fileURLToPath(import.meta.url)], {
        env: { ...process.env, ...HEADLESS_ENV, REMOTE_BENCH_CHILD: '1', REMOTE_BENCH_URLS: JSON.stringify(cores.map((c) => c.url)), REMOTE_BENCH_SECONDS: String(seconds) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`bench child exited with ${code}`))));
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as ChildResult;
    const parentCpu = process.cpuUsage(parentCpu0);
    const f = (n: number, d = 1): string => n.toFixed(d);
    console.log(`  remote fleet: ${count} test Cores (loopback, auth on, recorded snap-02), interval 1 s, ${seconds} s run, window ${f(r.windowSec)} s after warm-up`);
    console.log(`  fleet process CPU      ${f(r.cpuPct)} % of one core`);
    console.log(`  fleet process RSS      ${f(r.rssStartMb)} MB at window start, ${f(r.rssEndMb)} MB at end, ${f(r.rssMaxMb)} MB max (heap ${f(r.heapEndMb)} MB)`);
    console.log(`  heap after full GC     ${f(r.heapGcStartMb)} MB at window start, ${f(r.heapGcEndMb)} MB at end (heap committed ${f(r.heapTotalEndMb)} MB, external+buffers ${f(r.externalEndMb)} MB)`);
    console.log(`  polls/s achieved       ${f(r.pollsPerSec)} (expected ${count}; ok ${r.okPolls}, failed ${r.failedPolls}, skipped ticks ${r.skippedTicks}); HTTP requests/s ${f(r.requestsPerSec)}`);
    console.log(`  core states at end     ${JSON.stringify(r.states)}; merged snapshot rows ${r.mergedSessions}`);
    console.log(`  (test Cores' own process CPU ${f(((parentCpu.user + parentCpu.system) / 1000 / (seconds * 1000)) * 100)} %)`);
  } finally {
    await Promise.all(cores.map((c) => c.close()));
  }
}

if (process.env.REMOTE_BENCH_CHILD === '1') await child();
