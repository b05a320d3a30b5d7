/** What /proc says about a process: the benches' one way to read another process's CPU time and memory (Linux). */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/** utime and stime ticks of a /proc `stat` line (a process's or a thread's). */
function statTicks(stat: string): { userTicks: number; systemTicks: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { userTicks: Number(f[11]), systemTicks: Number(f[12]) };
}

/** `voluntary_ctxt_switches` of a /proc `status` text: times it went to sleep and was woken again. */
function voluntarySwitches(status: string): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
}

/** utime+stime ticks and RSS bytes of a pid from /proc (0 when gone). */
export function procUsage(pid: number): { ticks: number; rssBytes: number } {
  try {
    const { userTicks, systemTicks } = statTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
    return { ticks: userTicks + systemTicks, rssBytes: Number(statm.split(' ')[1]) * 4096 };
  } catch {
    return { ticks: 0, rssBytes: 0 };
  }
}

/** The 1-minute load average, for printing beside timings taken on a shared machine. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
}

/**
 * Times the main thread of a pid went to sleep and was woken again (`voluntary_ctxt_switches`; 0 when gone): a count
 * of event-loop wake-ups, which the machine's load does not change.
 */
export function mainThreadWakeups(pid: number): number {
  try {
    return voluntarySwitches(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** One thread of a process: its name (`comm`), CPU ticks in user and kernel mode, and voluntary sleeps. */
export interface ThreadUsage {
  tid: number;
  name: string;
  userTicks: number;
  systemTicks: number;
  /** `voluntary_ctxt_switches`: the thread went to sleep and was woken again. */
  wakeups: number;
  /** Time on a CPU in ns (/proc's schedstat: finer than the 10 ms ticks, user and kernel together). */
  runNs: number;
}

/** Every thread of a pid from /proc/PID/task (empty when gone; a thread that ends between the reads is left out). */
export function threadUsage(pid: number): ThreadUsage[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadUsage[] = [];
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const wakeups = voluntarySwitches(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
      const runNs = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.push({ tid: Number(tid), name, ...statTicks(stat), wakeups, runNs });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

/**
 * The kind of a Node thread by its name: the main thread (the pid's own), V8's platform workers (GC helpers,
 * concurrent marking and compilation), libuv's thread pool, and the rest (inspector's signal thread, delayed tasks).
 */
export function threadKind(pid: number, t: Pick<ThreadUsage, 'tid' | 'name'>): 'main' | 'v8' | 'libuv' | 'other' {
  if (t.tid === pid) return 'main';
  if (t.name.startsWith('V8Worker') || t.name.startsWith('V8 DefaultWorke')) return 'v8';
  if (t.name.startsWith('libuv-worker')) return 'libuv';
  return 'other';
}

/**
 * Per kind of thread, between two threadUsage reads: % of one core (schedstat's ns), of it in user and kernel mode
 * (the 10 ms ticks, so coarse over a short window), and wake-ups per second.
 */
export type ThreadSplit = Record<'main' | 'v8' | 'libuv' | 'other', { pct: number; userPct: number; systemPct: number; wakeupsPerS: number }>;

export function threadSplit(pid: number, before: ThreadUsage[], after: ThreadUsage[], wallS: number): ThreadSplit {
  const split: ThreadSplit = {
    main: { pct: 0, userPct: 0, systemPct: 0, wakeupsPerS: 0 },
    v8: { pct: 0, userPct: 0, systemPct: 0, wakeupsPerS: 0 },
    libuv: { pct: 0, userPct: 0, systemPct: 0, wakeupsPerS: 0 },
    other: { pct: 0, userPct: 0, systemPct: 0, wakeupsPerS: 0 },
  };
  const was = new Map(before.map((t) => [t.tid, t]));
  for (const t of after) {
    const b = was.get(t.tid) ?? { userTicks: 0, systemTicks: 0, wakeups: 0, runNs: 0 };
    const s = split[threadKind(pid, t)];
    s.pct += ((t.runNs - b.runNs) / 1e9 / wallS) * 100;
    s.userPct += ((t.userTicks - b.userTicks) / CLK_TCK / wallS) * 100;
    s.systemPct += ((t.systemTicks - b.systemTicks) / CLK_TCK / wallS) * 100;
    s.wakeupsPerS += (t.wakeups - b.wakeups) / wallS;
  }
  return split;
}

/** A ThreadSplit as one line: `main 0.83 % (u 0.52 s 0.31) 36/s, v8 …` (% of a core, user and system, wake-ups/s). */
export function threadSplitText(s: ThreadSplit): string {
  return (Object.keys(s) as Array<keyof ThreadSplit>)
    .map((k) => `${k} ${s[k].pct.toFixed(2)} % (u ${s[k].userPct.toFixed(2)} s ${s[k].systemPct.toFixed(2)}) ${s[k].wakeupsPerS.toFixed(0)}/s`)
    .join(', ');
}

/**
 * A process's resident memory by kind of mapping, from /proc/PID/smaps (bytes): `file` is the program and its
 * libraries (code and read-only data, clean pages shared with the page cache), `brk` glibc's main malloc arena
 * (`[heap]`), `arenas` glibc's other malloc arenas (anonymous read-write mappings that start on a 64 MiB boundary,
 * HEAP_MAX_SIZE on 64-bit), `stacks` the main thread's stack and the threads' (`[stack]`, and the anonymous
 * mappings just after a one-page guard), `otherAnon` every other anonymous mapping (V8's heap pages and code, large
 * mallocs that glibc maps on their own). `rss` is their sum.
 */
export interface SmapsSplit {
  rss: number;
  file: number;
  brk: number;
  arenas: number;
  stacks: number;
  otherAnon: number;
}

export function smapsSplit(pid: number): SmapsSplit {
  const split: SmapsSplit = { rss: 0, file: 0, brk: 0, arenas: 0, stacks: 0, otherAnon: 0 };
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return split;
  }
  const ARENA = 64 * 1024 * 1024;
  let kind: keyof SmapsSplit = 'otherAnon';
  let prevGuardEnd = -1;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const start = parseInt(head[1]!, 16);
      const end = parseInt(head[2]!, 16);
      const perms = head[3]!;
      const name = head[4]!;
      if (name === '[heap]') kind = 'brk';
      else if (name === '[stack]') kind = 'stacks';
      else if (name !== '' && !name.startsWith('[')) kind = 'file';
      else if (perms === 'rw-p' && start % ARENA === 0 && end - start <= ARENA) kind = 'arenas';
      else if (perms === 'rw-p' && start === prevGuardEnd) kind = 'stacks';
      else kind = 'otherAnon'; // also [vdso], [vvar] and anonymous mappings the kernel names [anon:…]
      prevGuardEnd = perms === '---p' && end - start === 4096 ? end : -1;
      continue;
    }
    if (line.startsWith('Rss:')) {
      const bytes = Number(/(\d+)/.exec(line)![1]) * 1024;
      split[kind] += bytes;
      split.rss += bytes;
    }
  }
  return split;
}
