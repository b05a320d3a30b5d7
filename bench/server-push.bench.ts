/**
 * The headless server's own cost with 10 000 sessions in 2 000 streams on 4 remote test Cores (the renderer bench's
 * headless setup: `wireFleet`, every rate and byte count changing each second) and one page's event stream open (a
 * plain reader of /api/ui/events: the server builds and sends the push as for a page, no Chromium beside it). Prints
 * per second, over a window after a warm-up, from /proc: the main thread's CPU and V8's helper threads' (the GC's
 * parallel and concurrent work); from `--trace-gc`: the GC pauses on the main thread and the bytes allocated (each
 * GC's heap before, minus the heap after the previous one).
 *
 *   npm run bench -- server-push   (BENCH_SECONDS, default 60; BENCH_WARMUP_SECONDS, default 20; BENCH_PROFILE=1 also
 *                                   profiles the window through the inspector: main-thread CPU and allocation by part
 *                                   of the server, and the top functions; the profilers' own cost is then in the
 *                                   /proc figures; BENCH_PROFILE_OUT=dir keeps that CPU profile there; BENCH_NODE_FLAGS
 *                                   adds node flags to the server's)
 *
 * Aim (issue 16, stop 29): half of the main thread's CPU per second this bench measured before the cuts (about
 * 100 ms/s at 4589044), i.e. ≤ 50 ms/s.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startHeadless } from '../tests/support/headless.ts';
import { startTestCore, summaryOfLists } from '../tests/support/test-core.ts';
import { cpuByPart, summarizeCpuProfile, type CallFrame, type CpuProfile } from './cpu-profile.ts';
import { threadSplit, threadUsage } from './proc.ts';
import { wireFleet } from './renderer.bench.ts';

const CORES = 4;
const STREAMS = 2000;
const HLS_VIEWERS = 3;
const AIM_MAIN_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The part of the server a stack is in: the first frame from the root that belongs to one (the fleet's update
 * timer and the UI service only hand the snapshot on: their own frames count as theirs only when nothing under
 * them is in a part).
 */
function partOf(stack: readonly CallFrame[]): string {
  let fallback = '';
  for (const f of stack) {
    const u = f.url;
    if (u === '') {
      if (/^\((garbage collector|idle|program)\)$/.test(f.functionName)) return f.functionName;
      continue;
    }
    if (/src\/main\/remote\/fleet\.ts$/.test(u)) {
      if (f.functionName === 'snapshot') return 'fleet snapshot';
      fallback ||= 'fleet update (other)';
      continue;
    }
    if (/src\/main\/ui\/service\.ts$/.test(u)) {
      fallback = 'ui service (other)';
      continue;
    }
    if (/src\/main\/remote\/|undici/.test(u)) return 'poll (HTTP, JSON, parse)';
    if (/src\/main\/prometheus\//.test(u)) return 'Prometheus series';
    if (/src\/main\/ui\/session-series\.ts$/.test(u)) return 'session series';
    if (/src\/main\/ui\/metrics-history\.ts$/.test(u)) return 'metrics history';
    if (/src\/shared\/(streams|stream-groups|stream-key)\.ts$/.test(u)) return 'stream model';
    if (/src\/shared\/sessions-wire\.ts$/.test(u)) return 'push encode';
    if (/src\/main\/ui\/web-bridge\.ts$/.test(u)) return 'push send (JSON, write)';
    if (/src\/main\/alerts\//.test(u)) return 'alerts';
    if (/src\/main\/timeseries\//.test(u)) return 'time series';
    if (/src\/main\/(api|http)\//.test(u)) return 'HTTP API';
  }
  return fallback || 'other';
}

/** A sampling heap profile's node (HeapProfiler.stopSampling). */
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per part (partOf each allocation's stack) and per allocating function (`fn file:line`). */
function bytesByPart(node: HeapNode, stack: CallFrame[], out: { parts: Map<string, number>; sites: Map<string, number> }): typeof out {
  stack.push(node.callFrame);
  if (node.selfSize > 0) {
    const part = partOf(stack);
    out.parts.set(part, (out.parts.get(part) ?? 0) + node.selfSize);
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    out.sites.set(site, (out.sites.get(site) ?? 0) + node.selfSize);
  }
  for (const c of node.children) bytesByPart(c, stack, out);
  stack.pop();
  return out;
}

/** A client of the server's inspector (`--inspect=127.0.0.1:0`): one method call at a time is all this bench needs. */
async function inspector(url: string): Promise<{ call: <T>(method: string, params?: object) => Promise<T>; close: () => void }> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot connect to the inspector at ${url}`));
  });
  let id = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const w = m.id === undefined ? undefined : waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id!);
    if (m.error) w.reject(new Error(m.error.message));
    else w.resolve(m.result);
  };
  return {
    call: <T>(method: string, params: object = {}): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        waiting.set(++id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The GCs `--trace-gc` printed: main-thread pause (with incremental marking steps) and bytes allocated before each. */
function gcFigures(text: string): { scavenges: number; markCompacts: number; pauseMs: number; allocatedMb: number } {
  const out = { scavenges: 0, markCompacts: 0, pauseMs: 0, allocatedMb: 0 };
  let lastAfter: number | undefined;
  for (const m of text.matchAll(/ms: (Scavenge|Mark-Compact|Minor Mark-Sweep)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in)?/g)) {
    const [, kind, before, after, pause, steps] = m;
    if (kind === 'Mark-Compact') out.markCompacts++;
    else out.scavenges++;
    out.pauseMs += Number(pause) + Number(steps ?? 0);
    if (lastAfter !== undefined) out.allocatedMb += Math.max(0, Number(before) - lastAfter);
    lastAfter = Number(after);
  }
  return out;
}

export default async function bench(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 60);
  const warmupS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
  const profile = process.env.BENCH_PROFILE === '1';
  // BENCH_NODE_FLAGS='--max-semi-space-size=8': node flags after the shipped ones (which they override), to try one.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const cores = await Promise.all(Array.from({ length: CORES }, (_, i) => startTestCore({ phase: 'snap-02', coreId: `bench-${i}`, coreName: `Studio ${i + 1}` })));
  const fleets = cores.map((_, i) => wireFleet(i, STREAMS / CORES, HLS_VIEWERS));
  const feed = (): void => cores.forEach((c, i) => c.setSessionBodies({ summary: summaryOfLists(fleets[i]!()) }));
  feed();
  const feeder = setInterval(feed, 1000);
  const h = await startHeadless(['--no-persist', ...cores.flatMap((c) => ['--core', c.urlWithCredentials])], {
    timeoutMs: 60_000,
    nodeFlags: ['--trace-gc', ...(profile ? ['--inspect=127.0.0.1:0'] : []), ...nodeFlags],
  });
  const events = new AbortController();
  try {
    // One page's event stream: the server encodes and sends every push.
    const res = await fetch(`${h.url}/api/ui/events`, { headers: { Accept: 'text/event-stream' }, signal: events.signal });
    const reader = res.body!.getReader();
    let bytes = 0;
    let pushes = 0;
    const reading = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        bytes += value.byteLength;
        const text = decoder.decode(value, { stream: true });
        for (let i = text.indexOf('event: sessions:update'); i !== -1; i = text.indexOf('event: sessions:update', i + 1)) pushes++;
      }
    })().catch(() => undefined);
    await sleep(warmupS * 1000);
    const pid = h.proc.pid!;
    const inspect = profile ? await inspector(/ws:\/\/\S+/.exec(h.stderr())![0]) : undefined;
    if (inspect) {
      await inspect.call('Profiler.enable');
      await inspect.call('Profiler.start');
      await inspect.call('HeapProfiler.enable');
      await inspect.call('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    }
    const load0 = loadavg()[0]!.toFixed(2);
    const [threads0, out0, bytes0, pushes0, t0] = [threadUsage(pid), h.stdout().length, bytes, pushes, performance.now()];
    await sleep(seconds * 1000);
    const [threads1, out1, bytes1, pushes1, wallS] = [threadUsage(pid), h.stdout().length, bytes, pushes, (performance.now() - t0) / 1000];
    const cpu = profile ? (await inspect!.call<{ profile: CpuProfile }>('Profiler.stop')).profile : undefined;
    const heap = profile ? (await inspect!.call<{ profile: { head: HeapNode } }>('HeapProfiler.stopSampling')).profile : undefined;
    inspect?.close();
    // BENCH_PROFILE_OUT=dir: the window's CPU profile kept as a .cpuprofile (for a look by line, or in DevTools).
    if (cpu && process.env.BENCH_PROFILE_OUT) writeFileSync(join(process.env.BENCH_PROFILE_OUT, `server-push-${Date.now()}.cpuprofile`), JSON.stringify(cpu));
    const split = threadSplit(pid, threads0, threads1, wallS);
    const gc = gcFigures(h.stdout().slice(out0, out1));
    const perS = (v: number): string => (v / wallS).toFixed(1);
    const msPerS = (pct: number): string => (pct * 10).toFixed(1);
    const verdict = split.main.pct * 10 <= AIM_MAIN_MS ? 'within the aim' : 'OVER the aim';
    console.log(
      `server-push: ${CORES * (STREAMS / CORES) * (2 + HLS_VIEWERS)} sessions in ${STREAMS} streams on ${CORES} remote test Cores, every rate changing each second, one event-stream client; ` +
        `${wallS.toFixed(0)} s after ${warmupS} s of warm-up${nodeFlags.length ? ` (node flags ${nodeFlags.join(' ')})` : ''}; load average ${load0} → ${loadavg()[0]!.toFixed(2)}${profile ? ' (profiled: the figures include the profilers)' : ''}`,
    );
    console.log(
      `  server CPU, ms per second: main thread ${msPerS(split.main.pct)} (aim ≤ ${AIM_MAIN_MS}: ${verdict}), V8 helper threads ${msPerS(split.v8.pct)}, libuv pool ${msPerS(split.libuv.pct)}, ` +
        `other ${msPerS(split.other.pct)}; whole process ${msPerS(split.main.pct + split.v8.pct + split.libuv.pct + split.other.pct)}`,
    );
    console.log(
      `  GC (--trace-gc): main-thread pauses ${perS(gc.pauseMs)} ms/s (incl. incremental marking steps), ${perS(gc.scavenges)} scavenges/s, ${gc.markCompacts} mark-compacts; ` +
        `allocated ${perS(gc.allocatedMb)} MB/s; pushes ${perS(pushes1 - pushes0)}/s, ${((bytes1 - bytes0) / wallS / 1024).toFixed(0)} KiB/s`,
    );
    if (cpu && heap) {
      const parts = cpuByPart(cpu, partOf);
      const windowUs = [...parts.values()].reduce((a, b) => a + b, 0);
      const ms = (us: number): string => ((us / windowUs) * 1000).toFixed(1);
      console.log(`  main thread by part (CPU profile), ms/s: ${[...parts].filter(([k]) => k !== '(idle)').map(([k, v]) => `${k} ${ms(v)}`).join(', ')}`);
      const alloc = bytesByPart(heap.head, [], { parts: new Map(), sites: new Map() });
      const mbs = (m: Map<string, number>, n: number): string =>
        [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${k} ${(v / 1e6 / wallS).toFixed(2)}`).join(', ');
      console.log(`  allocated by part (sampling heap profiler, incl. what GC took back), MB/s: ${mbs(alloc.parts, 20)}`);
      console.log(`  allocated by function, MB/s: ${mbs(alloc.sites, 15)}`);
      const top = summarizeCpuProfile(cpu).functions.filter((f) => !/^\((idle|program)\)$/.test(f.name)).slice(0, 15);
      console.log(`  top self time, ms/s: ${top.map((f) => `${f.name} ${ms(f.selfUs)}`).join(', ')}`);
    }
    events.abort();
    await reading;
  } finally {
    events.abort();
    clearInterval(feeder);
    await h.stop();
    await Promise.all(cores.map((c) => c.close()));
  }
}
