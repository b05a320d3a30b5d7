/**
 * Collector engine: egress hot path, summary() build and memory. Run with `npm run bench` (bench/run.ts)
 * or alone: `node_modules/.bin/node bench/engine.bench.ts`.
 * Reference (datarhei Core v16.14.0's Go collector on a comparable machine): Egress 305 ns at 1k sessions,
 * 783 ns at 10k; Summary() of 10k active sessions 31 ms.
 */
import { execFileSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { systemClock } from '../src/main/engine/clock.ts';
import { Collector } from '../src/main/engine/collector.ts';

// A precise heap figure needs gc(); expose it without a command-line flag (npm run bench passes none).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);


function activeCollector(n: number): { c: Collector; ids: string[] } {
  const c = new Collector('hls', { clock: systemClock, sessionTimeoutMs: 300_000, inactiveTimeoutMs: 300_000 });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `5Bd8qNZ4nxqHUgQh${String(i).padStart(6, '0')}`;
    ids.push(id);
    c.registerAndActivate(id, '4186b095-7f0a-4e94-8c3d-f17459ab252f', '/memfs/4186b095-7f0a-4e94-8c3d-f17459ab252f.m3u8', `viewer-${i % 500}.example.com`);
  }
  return { c, ids };
}

function egressNs(sessions: number, calls: number): number {
  const { c, ids } = activeCollector(sessions);
  const n = ids.length;
  const run = (count: number): void => {
    for (let i = 0, j = 0; i < count; i++) {
      c.egress(ids[j], 1316);
      if (++j === n) j = 0;
    }
  };
  run(Math.min(calls, 1_000_000)); // warm-up (JIT)
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    run(calls);
    const ns = Number(process.hrtime.bigint() - t0) / calls;
    if (ns < best) best = ns;
  }
  void c.stop();
  return best;
}

/** RTMP-like peer `ip:port`, scattered (a bijection on 32 bits, so 100k distinct peers arrive unsorted). */
function rtmpPeer(i: number): string {
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  return `${h >>> 24}.${(h >>> 16) & 255}.${(h >>> 8) & 255}.${h & 255}:${1024 + (h % 60000)}`;
}

interface SummaryTimes {
  cold: number;
  changed: number;
  warm: number;
  closeNs: number;
}

/** Collector.summary() (no JSON) with 10k active sessions and 100k history keys: first call, after a close, unchanged. */
function summaryMs(): SummaryTimes {
  const { c } = activeCollector(0);
  for (let i = 0; i < 100_000; i++) {
    const id = `h${i}`;
    c.registerAndActivate(id, `ref-${i % 20}`, `/live/stream-${i % 20}.stream`, rtmpPeer(i));
    c.egress(id, 1000 + i);
    c.unregister(id);
  }
  for (let i = 0; i < 10_000; i++) {
    const id = `a${i}`;
    c.registerAndActivate(id, `ref-${i % 20}`, `/live/stream-${i % 20}.stream`, rtmpPeer(200_000 + i));
    c.egress(id, 1316 * (i + 1));
  }
  const t0 = performance.now();
  c.summary();
  const cold = performance.now() - t0;
  const changed: number[] = [];
  const warm: number[] = [];
  for (let r = 0; r < 15; r++) {
    c.registerAndActivate(`x${r}`, 'ref-1', '/live/stream-1.stream', rtmpPeer(300_000 + r));
    c.unregister(`x${r}`);
    const t1 = performance.now();
    c.summary();
    const t2 = performance.now();
    c.summary();
    changed.push(t2 - t1);
    warm.push(performance.now() - t2);
  }
  const t3 = process.hrtime.bigint();
  for (let i = 0; i < 10_000; i++) c.unregister(`a${i}`);
  const closeNs = Number(process.hrtime.bigint() - t3) / 10_000;
  void c.stop();
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return { cold, changed: median(changed), warm: median(warm), closeNs };
}

/** Closes into a history bounded at 10 000 entries where every close is a new key (a Referer flood): folds included. */
function boundedCloseNs(closes: number): { ns: number; entries: number; folded: number } {
  const c = new Collector('hls', { clock: systemClock, sessionTimeoutMs: 300_000, inactiveTimeoutMs: 300_000, historyMaxEntries: 10_000 });
  const run = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const id = `f${i}`;
      c.registerAndActivate(id, 'cam', '/memfs/cam.m3u8', `viewer-${i}.referrer.example`);
      c.egress(id, 1316);
      c.unregister(id);
    }
  };
  run(0, 20_000); // fill to the bound and warm up (JIT)
  const t0 = process.hrtime.bigint();
  run(20_000, 20_000 + closes);
  const ns = Number(process.hrtime.bigint() - t0) / closes;
  const entries = c.historyEntries().length;
  void c.stop();
  return { ns, entries, folded: closes + 20_000 - entries };
}

function rssWith10k(): { rss: number; baseRss: number; heapDelta: number } {
  gc();
  const before = process.memoryUsage();
  const { c, ids } = activeCollector(10_000);
  for (const id of ids) {
    c.egress(id, 1316);
    c.ingress(id, 200);
  }
  gc();
  const after = process.memoryUsage();
  const keep = c.activeSessions;
  void c.stop();
  if (keep !== 10_000) throw new Error('sessions lost');
  return { rss: after.rss, baseRss: before.rss, heapDelta: after.heapUsed - before.heapUsed };
}

/** RSS is measured in a fresh process: in `npm run bench` this process already holds the other benches' heaps. */
function rssInChild(): { rss: number; baseRss: number; heapDelta: number } {
  const out = execFileSync(process.execPath, [import.meta.filename], { env: { ...process.env, ENGINE_BENCH_RSS_CHILD: '1' }, encoding: 'utf8' });
  return JSON.parse(out) as { rss: number; baseRss: number; heapDelta: number };
}

export default async function bench(): Promise<void> {
  const m = rssInChild();
  const e1k = egressNs(1_000, 5_000_000);
  console.log(`engine.egress 1k sessions: ${e1k.toFixed(0)} ns/call (Core: 305 ns)`);
  const e10k = egressNs(10_000, 5_000_000);
  console.log(`engine.egress 10k sessions: ${e10k.toFixed(0)} ns/call (Core: 783 ns)`);
  const s = summaryMs();
  console.log(`engine.summary() 10k active + 100k history keys, no JSON (the API body is in api.bench.ts) (Core: Summary() of 10k active 31 ms):`);
  console.log(`  first call: ${s.cold.toFixed(2)} ms; after a session closed: ${s.changed.toFixed(2)} ms (median); history unchanged: ${s.warm.toFixed(2)} ms (median)`);
  console.log(`engine.unregister into a 100k-key history: ${(s.closeNs / 1000).toFixed(2)} µs/call (10k closes)`);
  const b = boundedCloseNs(200_000);
  console.log(`engine.register+egress+unregister into a 10k-bounded history, each close a new Referer (folds included): ${(b.ns / 1000).toFixed(2)} µs/call (200k closes; ${b.entries} entries kept) (Core: unbounded, no reference figure)`);
  console.log(`engine.rss 10k active sessions: ${mib(m.rss)} MB process RSS in a fresh process (${mib(m.baseRss)} MB before creating them); heap for the sessions: ${mib(m.heapDelta)} MB (Core: no reference figure)`);
}

if (import.meta.main) {
  if (process.env.ENGINE_BENCH_RSS_CHILD === '1') process.stdout.write(JSON.stringify(rssWith10k()));
  else await bench();
}
