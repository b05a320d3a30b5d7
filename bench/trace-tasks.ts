/**
 * What the page's main thread runs outside its frames, by task (stop 32, pushpath): reads a raw trace of the renderer
 * bench (`BENCH_TRACE=1 BENCH_TRACE_DIR=DIR`) and sums the thread time of the tasks the bench counts as "other tasks"
 * (neither a frame that drew nor the probe's alone) by what they ran: their first few child events (a timer, a
 * function, a message from the worker) or none (tasks without a traced child: the fetch stream's chunks among them),
 * and the bursts those childless tasks come in (one a push: ~20 tasks over ~100 ms).
 *   node --experimental-strip-types bench/trace-tasks.ts DIR/sessions-updates.json
 */
import { readFileSync } from 'node:fs';

interface TraceEvent {
  name: string;
  ph?: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { functionName?: string; url?: string; lineNumber?: number; timerId?: number } };
}

const raw = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TraceEvent[] | { traceEvents: TraceEvent[] };
const events = Array.isArray(raw) ? raw : raw.traceEvents;
// The page's main thread: the renderer main thread with the most events (the bench's page; about:blank has few).
const perThread = new Map<string, number>();
for (const e of events) perThread.set(`${e.pid}/${e.tid}`, (perThread.get(`${e.pid}/${e.tid}`) ?? 0) + 1);
const main = events
  .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
  .sort((a, b) => (perThread.get(`${b.pid}/${b.tid}`) ?? 0) - (perThread.get(`${a.pid}/${a.tid}`) ?? 0))[0];
if (!main) throw new Error('no renderer main thread in the trace');
const tasks = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X').sort((a, b) => a.ts - b.ts);
const probe = new Set(['loop', 'pageFrame', 'ch.port1.onmessage']);
const kinds = new Map<string, { n: number; cpuMs: number }>();
const childless: TraceEvent[] = [];
let otherMs = 0;
for (let i = 0; i < tasks.length; i++) {
  const t = tasks[i]!;
  if (t.name !== 'RunTask') continue;
  const end = t.ts + (t.dur ?? 0);
  const kids: TraceEvent[] = [];
  for (let j = i + 1; j < tasks.length && tasks[j]!.ts < end; j++) kids.push(tasks[j]!);
  const drew = kids.some((e) => e.name === 'Layout' || e.name === 'Paint');
  const calls = kids.filter((e) => e.name === 'FunctionCall');
  const probeCalls = calls.filter((e) => probe.has(e.args?.data?.functionName ?? '')).length;
  // As renderer.bench.ts counts them: frames that drew, and tasks of the probe alone, are not "other tasks".
  if (drew || (kids.some((e) => e.name === 'FireAnimationFrame') && calls.length > probeCalls)) continue;
  if (probeCalls > 0 && probeCalls === calls.length) continue;
  const cpuMs = (t.tdur ?? 0) / 1000;
  otherMs += cpuMs;
  if (kids.length === 0) childless.push(t);
  const label =
    kids
      .filter((e) => !e.name.startsWith('V8.'))
      .slice(0, 3)
      .map((e) => (e.name === 'FunctionCall' ? `${e.args?.data?.functionName || '(anonymous)'}@${(e.args?.data?.url ?? '').split('/').pop()}:${e.args?.data?.lineNumber}` : e.name === 'TimerFire' ? `TimerFire(${e.args?.data?.timerId})` : e.name))
      .join(' > ') || '(no traced child)';
  const k = kinds.get(label) ?? { n: 0, cpuMs: 0 };
  k.n++;
  k.cpuMs += cpuMs;
  kinds.set(label, k);
}
const seconds = (tasks[tasks.length - 1]!.ts - tasks[0]!.ts) / 1e6;
console.log(`other tasks: ${otherMs.toFixed(1)} ms of thread time in ${seconds.toFixed(0)} s (${(otherMs / seconds).toFixed(2)} ms/s)`);
for (const [label, k] of [...kinds].sort((a, b) => b[1].cpuMs - a[1].cpuMs).slice(0, 12)) {
  console.log(`  ${(k.cpuMs / seconds).toFixed(2).padStart(6)} ms/s  ${String(k.n).padStart(5)} tasks  ${label}`);
}
// Childless tasks in bursts (a gap of 100 ms or more starts the next).
const bursts: { n: number; cpuMs: number; spanMs: number }[] = [];
let last = -Infinity;
for (const t of childless) {
  if (t.ts - last >= 100_000) bursts.push({ n: 0, cpuMs: 0, spanMs: 0 });
  const b = bursts[bursts.length - 1]!;
  if (b.n > 0) b.spanMs += (t.ts - last) / 1000;
  b.n++;
  b.cpuMs += (t.tdur ?? 0) / 1000;
  last = t.ts;
}
const big = bursts.filter((b) => b.n >= 10);
const avg = (f: (b: (typeof big)[number]) => number): string => (big.reduce((a, b) => a + f(b), 0) / Math.max(1, big.length)).toFixed(1);
console.log(`tasks without a traced child: ${childless.length}; bursts of 10 or more: ${big.length}, on average ${avg((b) => b.n)} tasks, ${avg((b) => b.cpuMs)} ms over ${avg((b) => b.spanMs)} ms`);
