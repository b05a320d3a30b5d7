/** What /proc says about a process: the benches' one way to read another process's CPU time and memory (Linux). */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/** utime+stime ticks and RSS bytes of a pid from /proc (0 when gone). */
export function procUsage(pid: number): { ticks: number; rssBytes: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
    return { ticks: Number(f[11]) + Number(f[12]), rssBytes: Number(statm.split(' ')[1]) * 4096 };
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
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
