/**
 * The alert evaluator per update, as the alert service runs it once a second: 10 000 live sessions in 500 streams on
 * 4 cores, the default rules plus the stream-health rules (ingest below its median, publisher reconnects) and a
 * sessions rule; publishers come and go and rates change between updates. Median and p95 over 120 updates beside
 * the aim (≤ 5 ms: half a percent of a core), then the stream model and the evaluator on one grouping as the app runs
 * them (≤ 7 ms: the model's aim is 2 ms), with the main thread's mean CPU time per update beside (it leaves out
 * the waits of a loaded machine) and the load average (wall-clock figures swing with it). `npm run bench -- alerts`.
 */
import { loadavg } from 'node:os';
import { createAlertEvaluator } from '../src/main/alerts/evaluate.ts';
import { DEFAULT_ALERT_RULES, type AlertRule } from '../src/main/alerts/rules.ts';
import { StreamGroups } from '../src/shared/stream-groups.ts';
import { StreamModel } from '../src/shared/streams.ts';
import type { SessionRow, Snapshot } from '../src/shared/types.ts';

const SESSIONS = 10_000;
const STREAMS = 500;
const CORES = ['local', 'studio-a', 'studio-b', 'studio-c'];
const COLLECTORS = ['hls', 'hls', 'hls', 'rtmp', 'srt', 'hlsingress', 'ffmpeg', 'http'];

function sessions(step: number): SessionRow[] {
  const out: SessionRow[] = [];
  let x = (step + 1) >>> 0;
  const rnd = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < SESSIONS; i++) {
    const collector = COLLECTORS[i % COLLECTORS.length]!;
    const key = `channel-${i % STREAMS}`;
    const publisher = (collector === 'rtmp' || collector === 'srt') && i % 50 === 0;
    // Every 7th publisher drops out every 10th update and comes back: gone alerts and reconnect counts move.
    if (publisher && (i / 50) % 7 === 0 && step % 10 === 5) continue;
    out.push({
      core: CORES[i % CORES.length]!, collector, id: `s${i}`, reference: collector === 'rtmp' ? `/live/${key}` : key,
      location: collector === 'rtmp' || collector === 'srt' ? `${publisher ? 'publish' : 'play'}:/${key}` : `/memfs/${key}.m3u8`,
      peer: `viewer-${i % 997}.example`, extra: '', createdAtMs: 0, rxBytes: 0, txBytes: i * 1000,
      rxBitsPerSec: publisher ? 4e6 * (0.9 + rnd() * 0.2) * (step > 100 && i % 100 === 0 ? 0.2 : 1) : rnd() * 1e4, txBitsPerSec: rnd() * 4e6,
    });
  }
  return out;
}

/** Median, p95 and mean main-thread CPU time of `step` over 120 updates (after 20 that warm the JIT). */
function timed(cores: Snapshot['cores'], lists: SessionRow[][], step: (snapshot: Snapshot) => void): { median: number; p95: number; cpuMs: number } {
  const times: number[] = [];
  /**
   * The main thread's CPU time in the timed updates (process.threadCpuUsage): what they cost without the waits of a
   * loaded machine. Its clock ticks in 4 ms steps, so only the mean over all timed updates is meaningful.
   */
  let cpuUs = 0;
  for (let i = 0; i < 140; i++) {
    const snapshot: Snapshot = { atMs: 1_765_000_000_000 + i * 1000, cores, collectors: [], sessions: i > 100 ? sessions(i) : lists[i % 10]! };
    const cpu0 = process.threadCpuUsage();
    const t0 = performance.now();
    step(snapshot);
    const ms = performance.now() - t0;
    const cpu = process.threadCpuUsage(cpu0);
    if (i >= 20) {
      // the first updates warm the JIT
      times.push(ms);
      cpuUs += cpu.user + cpu.system;
    }
  }
  times.sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return { median: q(0.5), p95: q(0.95), cpuMs: cpuUs / 1000 / times.length };
}

export default function bench(): void {
  const rules: AlertRule[] = [
    ...DEFAULT_ALERT_RULES,
    { id: 'busy', kind: 'sessions-above', raiseAbove: 5000, clearAtOrBelow: 4000 },
    { id: 'drop', kind: 'ingest-below-median', belowPercent: 50, medianWindowMs: 60_000, raiseAfterMs: 5000 },
    { id: 'flap', kind: 'publisher-reconnects', moreThan: 3, withinMs: 600_000 },
  ];
  const cores = CORES.map((id) => ({ id, name: id, kind: id === 'local' ? ('local' as const) : ('remote' as const), url: '', state: id === 'local' ? ('running' as const) : ('online' as const) }));
  const lists = Array.from({ length: 10 }, (_, i) => sessions(i));
  const evaluator = createAlertEvaluator(rules);
  let raised = 0;
  const alone = timed(cores, lists, (snapshot) => {
    raised += evaluator.update(snapshot).filter((e) => e.type === 'raised').length;
  });
  console.log(
    `  ${SESSIONS} sessions, ${STREAMS} streams × ${CORES.length} cores, ${rules.length} rules: per update median ${alone.median.toFixed(2)} ms, p95 ${alone.p95.toFixed(2)} ms (aim ≤ 5 ms), main-thread CPU mean ${alone.cpuMs.toFixed(2)} ms; ${raised} alerts raised, ${evaluator.active().length} active at the end; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  // As the app runs them: the stream model (Streams view, /api/streams) and the evaluator read one grouping.
  const groups = new StreamGroups();
  const model = new StreamModel(new Map(), groups);
  const shared = createAlertEvaluator(rules, groups);
  const both = timed(cores, lists, (snapshot) => {
    model.update(snapshot);
    shared.update(snapshot);
  });
  console.log(
    `  the same with the stream model on one grouping, as the app runs them: per update median ${both.median.toFixed(2)} ms, p95 ${both.p95.toFixed(2)} ms (aim ≤ 7 ms: 5 + the model's 2), main-thread CPU mean ${both.cpuMs.toFixed(2)} ms; load average ${loadavg()[0]!.toFixed(1)}`,
  );
}
