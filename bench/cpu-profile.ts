/**
 * Reads a V8 `.cpuprofile` (node `--cpu-prof`) and sums the main thread's self time per function over a time window:
 * the benches' way to show where a process spends its CPU, independent of how loaded the machine is (samples count
 * time on the CPU, not wall time spent waiting for it).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function (or V8 pseudo-frame such as `(garbage collector)`), µs. */
export interface SelfTime {
  name: string;
  selfUs: number;
}

export interface ProfileSummary {
  /** Length of the window that was summed, µs. */
  windowUs: number;
  /** Time in JS, GC and native frames (everything but `(idle)` and `(program)`), µs. */
  busyUs: number;
  /** `(program)`: native work V8 could not attribute (libuv, the kernel calls around it), µs. */
  programUs: number;
  /** Per function, most first. */
  functions: SelfTime[];
}

/** A short, stable name: `fn file.ts:line` with the path cut to its last two parts. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return file === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/**
 * Sums self time per function over the samples taken from `skipUs` after the profile's start, for `forUs` (default: to
 * its end, which includes the shutdown).
 */
export function summarizeCpuProfile(path: string, skipUs = 0, forUs = Infinity): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const from = profile.startTime + skipUs;
  let t = profile.startTime;
  let windowUs = 0;
  // A sample's weight is the time until the next sample (the last one gets none).
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (t < from) continue;
    if (t >= from + forUs) break;
    windowUs += next;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + next);
  }
  const functions = [...self].map(([name, selfUs]) => ({ name, selfUs })).sort((a, b) => b.selfUs - a.selfUs);
  const idleUs = self.get('(idle)') ?? 0;
  const programUs = self.get('(program)') ?? 0;
  return { windowUs, busyUs: windowUs - idleUs - programUs, programUs, functions };
}
