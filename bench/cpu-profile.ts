/**
 * Reads a V8 `.cpuprofile` (node `--cpu-prof`) and sums the main thread's self time per function over a time window:
 * the benches' way to show where a process spends its CPU, independent of how loaded the machine is (samples count
 * time on the CPU, not wall time spent waiting for it).
 */
import { readFileSync } from 'node:fs';

/** Where a profile's sample (or an allocation) was: a function and its script. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** A V8 CPU profile (`.cpuprofile`, or the inspector's `Profiler.stop`). */
export interface CpuProfile {
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
 * Calls `each` with every sample's node and weight (the time until the next sample; the last one gets none) taken
 * from `skipUs` after the profile's start, for `forUs`; returns the window's length, µs.
 */
function eachSample(profile: CpuProfile, skipUs: number, forUs: number, each: (node: ProfileNode | undefined, us: number) => void): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = profile.startTime + skipUs;
  let t = profile.startTime;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (t < from) continue;
    if (t >= from + forUs) break;
    windowUs += next;
    each(byId.get(profile.samples[i]!), next);
  }
  return windowUs;
}

/**
 * Sums self time per function over the samples taken from `skipUs` after the profile's start, for `forUs` (default: to
 * its end, which includes the shutdown). `profile`: a `.cpuprofile` file's path, or the profile itself.
 */
export function summarizeCpuProfile(profile: string | CpuProfile, skipUs = 0, forUs = Infinity): ProfileSummary {
  const p = typeof profile === 'string' ? (JSON.parse(readFileSync(profile, 'utf8')) as CpuProfile) : profile;
  const self = new Map<string, number>();
  const windowUs = eachSample(p, skipUs, forUs, (node, us) => {
    if (!node) return;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
  });
  const functions = [...self].map(([name, selfUs]) => ({ name, selfUs })).sort((a, b) => b.selfUs - a.selfUs);
  const idleUs = self.get('(idle)') ?? 0;
  const programUs = self.get('(program)') ?? 0;
  return { windowUs, busyUs: windowUs - idleUs - programUs, programUs, functions };
}

/**
 * Time per part of a program over a whole profile: each sample goes to `partOf` its stack (frames from the root to the
 * sampled one), µs per part, most first; `(idle)` and `(program)` stay apart under their own names.
 */
export function cpuByPart(profile: CpuProfile, partOf: (stack: readonly CallFrame[]) => string): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const stacks = new Map<number, string>();
  const out = new Map<string, number>();
  eachSample(profile, 0, Infinity, (node, us) => {
    if (!node) return;
    let part = stacks.get(node.id);
    if (part === undefined) {
      const stack: CallFrame[] = [];
      for (let n: ProfileNode | undefined = node; n; n = parent.get(n.id)) stack.unshift(n.callFrame);
      stacks.set(node.id, (part = partOf(stack)));
    }
    out.set(part, (out.get(part) ?? 0) + us);
  });
  return new Map([...out].sort((a, b) => b[1] - a[1]));
}
