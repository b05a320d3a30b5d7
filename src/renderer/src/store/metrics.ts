import type { MetricsHistory } from '../../../shared/ipc.ts';
import type { Snapshot } from '../../../shared/types.ts';
import { countsSessions, countsTraffic } from '../../../shared/totals.ts';

/** One chartable line: a value per sample time (null: no sample). */
export interface MetricLine {
  rx: (number | null)[];
  tx: (number | null)[];
  sessions: (number | null)[];
}

/**
 * The page's copy of main's metrics history: filled once from `metrics:history`, then extended by every pushed
 * snapshot. Mutable on purpose (600 samples × many series, every second); the store bumps a version number so
 * charts know when to redraw.
 */
export class MetricsModel {
  readonly capacity: number;
  atMs: number[] = [];
  /**
   * Keyed by `core\u0001collector`; `processes`: of `sessions`, the app's own FFmpeg processes' (not people);
   * `processRx`/`processTx`: of `rx`/`tx`, those sessions' (a local hop, no edge traffic).
   */
  series = new Map<string, { core: string; collector: string; processes: (number | null)[]; processRx: (number | null)[]; processTx: (number | null)[] } & MetricLine>();

  constructor(capacity = 600) {
    this.capacity = capacity;
  }

  load(history: MetricsHistory): void {
    this.atMs = history.atMs.slice(-this.capacity);
    const drop = history.atMs.length - this.atMs.length;
    this.series.clear();
    for (const s of history.series) {
      this.series.set(`${s.core}\u0001${s.collector}`, {
        core: s.core,
        collector: s.collector,
        rx: s.rxBitsPerSec.slice(drop),
        tx: s.txBitsPerSec.slice(drop),
        sessions: s.activeSessions.slice(drop),
        processes: s.processSessions.slice(drop),
        processRx: s.processRxBitsPerSec.slice(drop),
        processTx: s.processTxBitsPerSec.slice(drop),
      });
    }
  }

  /** Appends one snapshot as one sample; older or equal times are ignored (a push that raced the history load). */
  append(snapshot: Snapshot): boolean {
    const last = this.atMs[this.atMs.length - 1];
    if (last !== undefined && snapshot.atMs <= last) return false;
    const n = this.atMs.length;
    this.atMs.push(snapshot.atMs);
    const seen = new Set<string>();
    for (const c of snapshot.collectors) {
      const key = `${c.core}\u0001${c.collector}`;
      let s = this.series.get(key);
      if (!s) {
        const empty = (): (number | null)[] => new Array<number | null>(n).fill(null);
        s = { core: c.core, collector: c.collector, rx: empty(), tx: empty(), sessions: empty(), processes: empty(), processRx: empty(), processTx: empty() };
        this.series.set(key, s);
      }
      s.rx.push(c.rxBitsPerSec);
      s.tx.push(c.txBitsPerSec);
      s.sessions.push(c.activeSessions);
      s.processes.push(c.processSessions);
      s.processRx.push(c.processRxBitsPerSec);
      s.processTx.push(c.processTxBitsPerSec);
      seen.add(key);
    }
    for (const [key, s] of this.series) {
      if (seen.has(key)) continue;
      s.rx.push(null);
      s.tx.push(null);
      s.sessions.push(null);
      s.processes.push(null);
      s.processRx.push(null);
      s.processTx.push(null);
    }
    if (this.atMs.length > this.capacity) {
      const extra = this.atMs.length - this.capacity;
      this.atMs.splice(0, extra);
      for (const [key, s] of this.series) {
        s.rx.splice(0, extra);
        s.tx.splice(0, extra);
        s.sessions.splice(0, extra);
        s.processes.splice(0, extra);
        s.processRx.splice(0, extra);
        s.processTx.splice(0, extra);
        if (s.sessions.every((v) => v === null)) this.series.delete(key);
      }
    }
    return true;
  }

  /**
   * Sums the chosen collectors per sample, per core (`byCore`) and over all cores (`merged`). A sample where no
   * chosen series had a value stays null (a gap in the chart), so an unreachable Core shows as a gap, not a zero.
   * No choice (`null`, "All") sums by the totals rule (src/shared/totals.ts): people and traffic counted once, the
   * app's own FFmpeg processes' sessions and their bitrates left out as the header leaves them out.
   * `missing[i]`: the merged sample `i` lacks a Core of `watched` that had a value earlier in the window (it stopped
   * answering): the sum drops there without anyone leaving. A Core not in `watched` (removed, paused) is not missing.
   */
  sum(
    collectors: ReadonlySet<string> | null,
    cores: ReadonlySet<string> | null,
    watched: ReadonlySet<string> | null = null,
  ): { merged: MetricLine; byCore: Map<string, MetricLine>; missing: boolean[] } {
    const n = this.atMs.length;
    const blank = (): MetricLine => ({ rx: new Array(n).fill(null), tx: new Array(n).fill(null), sessions: new Array(n).fill(null) });
    const merged = blank();
    const byCore = new Map<string, MetricLine>();
    for (const s of this.series.values()) {
      if (collectors && !collectors.has(s.collector)) continue;
      if (cores && !cores.has(s.core)) continue;
      let line = byCore.get(s.core);
      if (!line) byCore.set(s.core, (line = blank()));
      const traffic = collectors !== null || countsTraffic(s.collector);
      const people = collectors !== null || countsSessions(s.collector);
      for (let i = 0; i < n; i++) {
        if (traffic) {
          add(line.rx, merged.rx, i, collectors === null ? edgeOf(s.rx[i], s.processRx[i]) : s.rx[i]);
          add(line.tx, merged.tx, i, collectors === null ? edgeOf(s.tx[i], s.processTx[i]) : s.tx[i]);
        }
        if (people) add(line.sessions, merged.sessions, i, collectors === null ? peopleOf(s.sessions[i], s.processes[i]) : s.sessions[i]);
      }
    }
    const missing = new Array<boolean>(n).fill(false);
    if (watched) {
      // A Core is there in a sample when any of its collectors is (a collector of its own may come and go).
      const present = new Map<string, boolean[]>();
      for (const s of this.series.values()) {
        if (!watched.has(s.core) || (cores && !cores.has(s.core))) continue;
        let p = present.get(s.core);
        if (!p) present.set(s.core, (p = new Array<boolean>(n).fill(false)));
        for (let i = 0; i < n; i++) if (s.sessions[i] !== null && s.sessions[i] !== undefined) p[i] = true;
      }
      for (const p of present.values()) {
        const first = p.indexOf(true);
        if (first < 0) continue;
        for (let i = first + 1; i < n; i++) if (!p[i] && (merged.sessions[i] !== null || merged.rx[i] !== null)) missing[i] = true;
      }
    }
    return { merged, byCore, missing };
  }
}

/** A people collector's sample by the totals rule: its sessions less its own-process sessions (none when unknown). */
function peopleOf(sessions: number | null | undefined, processes: number | null | undefined): number | null | undefined {
  return sessions === null || sessions === undefined ? sessions : sessions - (processes ?? 0);
}

/** A traffic collector's sample by the totals rule: its bitrate less its own processes' (as addToTotals, never below 0). */
function edgeOf(bitsPerSec: number | null | undefined, processes: number | null | undefined): number | null | undefined {
  return bitsPerSec === null || bitsPerSec === undefined ? bitsPerSec : Math.max(0, bitsPerSec - (processes ?? 0));
}

function add(a: (number | null)[], b: (number | null)[], i: number, v: number | null | undefined): void {
  if (v === null || v === undefined) return;
  a[i] = (a[i] ?? 0) + v;
  b[i] = (b[i] ?? 0) + v;
}
