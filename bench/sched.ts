/**
 * BENCH_SCHED=MS (renderer bench, with BENCH_TRACE=1): what runs on the cores during the page's update frames, by
 * process and thread, including what Chromium's trace does not show (the headless server, the bench's own process
 * with the test Cores, the burner, the rest of the machine). A sampler process (sched-sampler.ts) reads every
 * thread's /proc schedstat of the bench's process tree every MS ms; its monotonic timestamps are the trace's clock
 * (both CLOCK_MONOTONIC on Linux), so each traced frame gets, per thread, the CPU it ran and the time it waited for a
 * core meanwhile (the samples prorated to the frame).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLK_TCK, threadKind } from './proc.ts';

/** What the sampler read (sched-sampler.ts): the samples' times (µs, monotonic) and the machine's busy ticks at each. */
export interface SchedData {
  sampleUs: number[];
  machineBusyTicks: number[];
  /** Per thread, its reads that changed: at sample at[k], runUs[k] and waitUs[k] µs since its previous entry (or `from`). */
  threads: { pid: number; tid: number; comm: string; cmdline: string; from: number; at: number[]; runUs: number[]; waitUs: number[] }[];
}

/** A frame (or any window) in the trace's clock, µs. */
export interface Window {
  startUs: number;
  endUs: number;
}

/** Starts the sampler on the tree under `rootPid`; `stop()` ends it and returns what it read. */
export function startSched(rootPid: number, intervalMs: number): { stop: () => Promise<SchedData> } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sched-'));
  const out = join(dir, 'sched.json');
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings=ExperimentalWarning', join(import.meta.dirname, 'sched-sampler.ts'), String(rootPid), String(intervalMs), out], {
    // Its stdin open while the bench lives: it ends with the bench.
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      try {
        return JSON.parse(readFileSync(out, 'utf8')) as SchedData;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The group a thread is counted in: its process (the page's renderer, other Chromium processes by --type, the headless
 * server, the bench's own process with the test Cores, the burner, the sampler) and its kind within it.
 */
function groupOf(t: SchedData['threads'][number], rootPid: number, page: { pid: number; mainTid: number; workerTid: number }): string {
  const node = (): string => ({ main: 'main', v8: 'V8 helpers', libuv: 'libuv pool', other: 'other' })[threadKind(t.pid, { tid: t.tid, name: t.comm })];
  if (t.pid === rootPid) return `bench+test Cores:${node()}`;
  if (t.cmdline.includes('headless.ts')) return `server:${node()}`;
  if (t.cmdline.includes('for (;;)')) return 'burner';
  if (t.cmdline.includes('sched-sampler')) return 'sampler';
  const comm = t.comm.replace(/\d+$/, '');
  if (t.pid === page.pid) {
    if (t.tid === page.mainTid) return 'page:main';
    if (t.tid === page.workerTid) return 'page:sessions worker';
    return `page:${comm}`;
  }
  const type = /--type=([a-z-]+)/.exec(t.cmdline)?.[1] ?? 'browser';
  return `chromium ${type}:${comm}`;
}

/** Per group, the µs it ran and waited in each window (samples prorated by their overlap with the window). */
function perWindow(data: SchedData, windows: readonly Window[], group: (t: SchedData['threads'][number]) => string): { run: Map<string, number>; wait: Map<string, number> }[] {
  const s = data.sampleUs;
  const firstAfter = (us: number): number => {
    let [lo, hi] = [0, s.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= us) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = windows.map(() => ({ run: new Map<string, number>(), wait: new Map<string, number>() }));
  const tracked = new Array<number>(windows.length).fill(0);
  const add = (m: Map<string, number>, k: string, v: number): void => void m.set(k, (m.get(k) ?? 0) + v);
  // The machine's busy time over each window (10 ms ticks, prorated: right on average over many frames).
  const machine = windows.map((w) => {
    let busy = 0;
    for (let i = Math.max(1, firstAfter(w.startUs)); i < s.length && s[i - 1]! < w.endUs; i++) {
      const overlap = Math.min(s[i]!, w.endUs) - Math.max(s[i - 1]!, w.startUs);
      if (overlap > 0) busy += ((data.machineBusyTicks[i]! - data.machineBusyTicks[i - 1]!) * (1e6 / CLK_TCK) * overlap) / (s[i]! - s[i - 1]!);
    }
    return busy;
  });
  for (const t of data.threads) {
    const g = group(t);
    const ends = t.at.map((i) => s[i]!);
    const start = (k: number): number => s[k > 0 ? t.at[k - 1]! : t.from]!;
    windows.forEach((w, wi) => {
      // The first entry ending after the window's start, then on while entries start before its end.
      let [lo, hi] = [0, ends.length];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ends[mid]! <= w.startUs) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < ends.length && start(k) < w.endUs; k++) {
        const overlap = Math.min(ends[k]!, w.endUs) - Math.max(start(k), w.startUs);
        if (overlap <= 0) continue;
        const f = overlap / Math.max(1, ends[k]! - start(k));
        const run = t.runUs[k]! * f;
        add(out[wi]!.run, g, run);
        add(out[wi]!.wait, g, t.waitUs[k]! * f);
        tracked[wi]! += run;
      }
    });
  }
  out.forEach((o, wi) => o.run.set('rest of the machine', Math.max(0, machine[wi]! - tracked[wi]!)));
  return out;
}

/**
 * Prints, for the frames given (the page's frames that ran its rAF, slowest first sorted by wall), what ran beside the
 * slowest tenth against the faster half: CPU ms per group and the ms its threads waited for a core, the page's main
 * thread's wait apart; then the same for the `beforeMs` before each frame (the push's arrival and the worker's
 * answer); and each group's share of the whole phase. One bench line each.
 */
export function schedLines(data: SchedData, frames: readonly (Window & { wallMs: number })[], rootPid: number, page: { pid: number; mainTid: number; workerTid: number }, beforeMs = 50): void {
  const pad = ''.padEnd(30);
  if (data.sampleUs.length < 2 || frames.length < 10) {
    console.log(`  ${pad} sched: too few samples or frames`);
    return;
  }
  const group = (t: SchedData['threads'][number]): string => groupOf(t, rootPid, page);
  const order = [...frames].sort((x, y) => x.wallMs - y.wallMs);
  const slow = order.slice(Math.floor(order.length * 0.9));
  const fast = order.slice(0, Math.floor(order.length / 2));
  const intervals = data.sampleUs.slice(1).map((t, i) => t - data.sampleUs[i]!).sort((x, y) => x - y);
  console.log(
    `  ${pad} sched (/proc schedstat of the bench's process tree every ${(intervals[intervals.length >> 1]! / 1000).toFixed(1)} ms, p95 ${(intervals[Math.floor(intervals.length * 0.95)]! / 1000).toFixed(1)} ms; ` +
      `${data.threads.length} threads ran): CPU ms [waiting for a core ms] per frame, by process:thread`,
  );
  const show = (label: string, list: readonly (Window & { wallMs: number })[], shift: (w: Window) => Window): void => {
    const per = perWindow(data, list.map(shift), group);
    const run = new Map<string, number>();
    const wait = new Map<string, number>();
    for (const p of per) {
      for (const [k, v] of p.run) run.set(k, (run.get(k) ?? 0) + v / 1000 / list.length);
      for (const [k, v] of p.wait) wait.set(k, (wait.get(k) ?? 0) + v / 1000 / list.length);
    }
    const total = [...run.values()].reduce((a, v) => a + v, 0);
    const wallMs = list.reduce((a, f) => a + (shift(f).endUs - shift(f).startUs) / 1000, 0) / list.length;
    const top = [...run].filter(([, v]) => v >= 0.1).sort((x, y) => y[1] - x[1]);
    console.log(
      `  ${pad}   ${label} (${list.length}): wall ${wallMs.toFixed(1)} ms, both cores ran ${total.toFixed(1)} ms of ${(2 * wallMs).toFixed(1)}; page:main waited ${(wait.get('page:main') ?? 0).toFixed(1)}; ` +
        top.map(([k, v]) => `${k} ${v.toFixed(1)}${(wait.get(k) ?? 0) >= 0.1 ? ` [${wait.get(k)!.toFixed(1)}]` : ''}`).join(', '),
    );
  };
  show('slowest tenth', slow, (w) => w);
  show('faster half', fast, (w) => w);
  show(`slowest tenth, the ${beforeMs} ms before`, slow, (w) => ({ startUs: w.startUs - beforeMs * 1000, endUs: w.startUs }));
  show(`faster half, the ${beforeMs} ms before`, fast, (w) => ({ startUs: w.startUs - beforeMs * 1000, endUs: w.startUs }));
  // A timeline: CPU per group in 10 ms bins from 100 ms before the frame's start to 30 ms after it.
  const bins = Array.from({ length: 13 }, (_, b) => (b - 10) * 10);
  for (const [label, list] of [['slowest tenth', slow], ['faster half', fast]] as const) {
    const rows = new Map<string, number[]>();
    bins.forEach((fromMs, b) => {
      for (const p of perWindow(data, list.map((w) => ({ startUs: w.startUs + fromMs * 1000, endUs: w.startUs + (fromMs + 10) * 1000 })), group)) {
        for (const [k, v] of p.run) {
          const row = rows.get(k) ?? new Array<number>(bins.length).fill(0);
          row[b]! += v / 1000 / list.length;
          rows.set(k, row);
        }
      }
    });
    const top = [...rows].sort((x, y) => y[1].reduce((a, v) => a + v, 0) - x[1].reduce((a, v) => a + v, 0)).slice(0, 8);
    console.log(`  ${pad}   ${label}, CPU ms per 10 ms from ${bins[0]} ms to +${bins[bins.length - 1]! + 10} ms around the frame's start: ${top.map(([k, row]) => `${k} ${row.map((v) => v.toFixed(1)).join(' ')}`).join(' | ')}`);
  }
  const [phase] = perWindow(data, [{ startUs: data.sampleUs[0]!, endUs: data.sampleUs[data.sampleUs.length - 1]! }], group);
  const seconds = (data.sampleUs[data.sampleUs.length - 1]! - data.sampleUs[0]!) / 1e6;
  console.log(
    `  ${pad}   whole phase, % of one core: ${[...phase!.run].filter(([, v]) => v / seconds / 1e4 >= 0.5).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / seconds / 1e4).toFixed(1)}`).join(', ')}`,
  );
}
