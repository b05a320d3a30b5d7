/**
 * The scheduler sampler of `bench/sched.ts` (run as its own process, so that its reads do not wait behind the
 * bench's event loop): every `intervalMs` it reads each thread's /proc schedstat (ns on a CPU, ns waiting on a run
 * queue) of the process tree under `rootPid`, and the machine's busy time from /proc/stat, stamped with the
 * monotonic clock (Chromium's trace clock on Linux). On SIGTERM it writes what it read to `outFile` and exits.
 * Args: rootPid intervalMs outFile.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';

const [rootPid, intervalMs, outFile] = [Number(process.argv[2]), Number(process.argv[3] ?? 2), process.argv[4]!];

/**
 * A sampled thread: who it is, its open schedstat, and its reads that changed: at sample `at[k]` it had run `runUs[k]`
 * and waited `waitUs[k]` µs since its previous entry (or since sample `from`). An idle thread is read every
 * IDLE_EVERY samples only (the sampler's own cost is in its figures): it has few entries.
 */
interface Sampled {
  pid: number;
  tid: number;
  comm: string;
  cmdline: string;
  fd: number;
  lastRunNs: number;
  lastWaitNs: number;
  from: number;
  /** The sample index of its last read that changed (for the idle skip). */
  lastChange: number;
  at: number[];
  runUs: number[];
  waitUs: number[];
}

/** A thread that did not run for this many samples is read only every IDLE_EVERY samples. */
const IDLE_AFTER = 200;
const IDLE_EVERY = 20;

const threads = new Map<number, Sampled>();
const sampleUs: number[] = [];
const machineBusyTicks: number[] = [];
const buf = Buffer.alloc(256);
const pair = [0, 0];
const statBuf = Buffer.alloc(4096);
const statFd = openSync('/proc/stat', 'r');

function readText(fd: number, into: Buffer): string {
  const n = readSync(fd, into, 0, into.length, 0);
  return into.toString('latin1', 0, n);
}

/** The first two numbers of a schedstat read into `buf` (ns on a CPU, ns waiting), without building strings. */
function readSchedstat(fd: number, into: number[]): void {
  const n = readSync(fd, buf, 0, buf.length, 0);
  let v = 0;
  let k = 0;
  for (let i = 0; i < n && k < 2; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) v = v * 10 + (c - 48);
    else {
      into[k++] = v;
      v = 0;
    }
  }
}

/** Busy jiffies of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat's first line. */
function busyTicks(): number {
  const f = readText(statFd, statBuf).slice(0, statBuf.indexOf(10)).split(/\s+/).slice(1).map(Number);
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
}

/** Pids of the tree under rootPid (their ppid chains reach it), the root among them. */
function tree(): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; p = parent.get(p) ?? 0, hops++) if (p === rootPid) return true;
    return false;
  };
  return [...parent.keys()].filter(inTree);
}

/** Opens the schedstat of threads not seen yet. */
function discover(): void {
  for (const pid of tree()) {
    let tids: string[];
    let cmdline: string;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    for (const t of tids) {
      const tid = Number(t);
      if (threads.has(tid)) continue;
      try {
        const fd = openSync(`/proc/${pid}/task/${tid}/schedstat`, 'r');
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim();
        readSchedstat(fd, pair);
        const from = sampleUs.length - 1;
        threads.set(tid, { pid, tid, comm, cmdline, fd, lastRunNs: pair[0]!, lastWaitNs: pair[1]!, from, lastChange: from, at: [], runUs: [], waitUs: [] });
      } catch {
        // ended meanwhile
      }
    }
  }
}

function sample(): void {
  const i = sampleUs.length;
  sampleUs.push(Number(process.hrtime.bigint() / 1000n));
  machineBusyTicks.push(busyTicks());
  for (const t of threads.values()) {
    if (t.fd < 0 || (i - t.lastChange > IDLE_AFTER && i % IDLE_EVERY !== 0)) continue;
    try {
      readSchedstat(t.fd, pair);
    } catch {
      closeSync(t.fd);
      t.fd = -1;
      continue;
    }
    if (pair[0] === t.lastRunNs && pair[1] === t.lastWaitNs) continue;
    t.at.push(i);
    t.runUs.push(Math.round((pair[0]! - t.lastRunNs) / 1000));
    t.waitUs.push(Math.round((pair[1]! - t.lastWaitNs) / 1000));
    t.lastRunNs = pair[0]!;
    t.lastWaitNs = pair[1]!;
    t.lastChange = i;
  }
}

sampleUs.push(Number(process.hrtime.bigint() / 1000n));
machineBusyTicks.push(busyTicks());
discover();
let n = 0;
const timer = setInterval(() => {
  sample();
  // New threads (Chromium's pools start and end them) every quarter second.
  if (++n % Math.max(1, Math.round(250 / intervalMs)) === 0) discover();
}, intervalMs);

// The bench gone (its end of stdin closed) without stopping the sampler: nothing to write for.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

process.on('SIGTERM', () => {
  clearInterval(timer);
  const list = [...threads.values()].filter((t) => t.runUs.some((v) => v > 0));
  writeFileSync(
    outFile,
    JSON.stringify({
      sampleUs,
      machineBusyTicks,
      threads: list.map(({ pid, tid, comm, cmdline, from, at, runUs, waitUs }) => ({ pid, tid, comm, cmdline, from, at, runUs, waitUs })),
    }),
  );
  process.exit(0);
});
