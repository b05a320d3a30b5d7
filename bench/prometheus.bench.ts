/**
 * The fleet on /metrics (src/main/prometheus/fleet-metrics.ts), `npm run bench -- prometheus`:
 * - rendering for 100 Cores × 50 streams (4 sessions each: an RTMP publisher, two HLS viewers, an RTMP viewer):
 *   size of the text and time per scrape, and the per-update cost, beside their aims;
 * - the cardinality cap at 100 000 distinct stream names (20 updates of 5 000 new names on one core): stream
 *   series kept and heap growth, beside the bound (cap + 1 streams × protocols).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FleetMetrics, DEFAULT_MAX_STREAMS_PER_CORE } from '../src/main/prometheus/fleet-metrics.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../src/shared/types.ts';
import { isProcessSession } from '../src/shared/totals.ts';

const T0 = 1_780_000_000_000;

function row(core: string, collector: string, id: string, reference: string, location: string, i: number): SessionRow {
  return { core, collector, id, reference, location, peer: `198.51.100.${i % 250}:4000`, extra: '', createdAtMs: T0, rxBytes: i * 100, txBytes: i * 1000, rxBitsPerSec: 1e5 + i, txBitsPerSec: 2e6 + i };
}

function streamSessions(core: string, key: string, n: number): SessionRow[] {
  return [
    row(core, 'rtmp', `${key}-p`, `/live/${key}`, `publish:/live/${key}`, n),
    row(core, 'hls', `${key}-h1`, key, `/memfs/${key}.m3u8`, n + 1),
    row(core, 'hls', `${key}-h2`, key, `/memfs/${key}.m3u8`, n + 2),
    row(core, 'rtmp', `${key}-r`, `/live/${key}`, `play:/live/${key}`, n + 3),
  ];
}

function snapshotOf(atMs: number, cores: CoreInfo[], sessions: SessionRow[]): Snapshot {
  const collectors = new Map<string, Snapshot['collectors'][number]>();
  for (const s of sessions) {
    const k = `${s.core}\u0000${s.collector}`;
    const c = collectors.get(k) ?? { core: s.core, collector: s.collector, activeSessions: 0, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 };
    c.activeSessions++;
    if (isProcessSession(s.collector, s.extra)) {
      c.processSessions++;
      c.processRxBitsPerSec += s.rxBitsPerSec;
      c.processTxBitsPerSec += s.txBitsPerSec;
    }
    c.rxBitsPerSec += s.rxBitsPerSec;
    c.txBitsPerSec += s.txBitsPerSec;
    collectors.set(k, c);
  }
  return { atMs, cores, collectors: [...collectors.values()], sessions };
}

function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

function fleetRender(): void {
  const cores: CoreInfo[] = Array.from({ length: 100 }, (_, i) => ({ id: `core-${i}.example:8080`, name: `Core ${i}`, kind: 'remote', url: `http://core-${i}.example:8080`, state: 'online', rttMs: 20 + i }));
  const sessions: SessionRow[] = [];
  for (const c of cores) for (let s = 0; s < 50; s++) sessions.push(...streamSessions(c.id, `channel-${s}`, s));
  const m = new FleetMetrics({ maxStreamsPerCore: DEFAULT_MAX_STREAMS_PER_CORE, localExportId: 'me' });
  const updates: number[] = [];
  for (let i = 0; i < 15; i++) {
    for (const s of sessions) s.txBytes += 1000;
    const snap = snapshotOf(T0 + i * 1000, cores, sessions);
    const t0 = performance.now();
    m.update(snap);
    if (i >= 5) updates.push(performance.now() - t0);
  }
  const renders: number[] = [];
  let text = '';
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    text = m.render();
    if (i >= 5) renders.push(performance.now() - t0);
  }
  const bytes = Buffer.byteLength(text);
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  console.log(`  100 cores × 50 streams (${sessions.length} sessions): /metrics fleet part ${(bytes / 1e6).toFixed(2)} MB, ${lines} series (aim ≤ 8 MB)`);
  console.log(`  render per scrape: median ${quantile(renders, 0.5).toFixed(1)} ms, p95 ${quantile(renders, 0.95).toFixed(1)} ms (aim ≤ 100 ms)`);
  console.log(`  update per fleet push (1/s): median ${quantile(updates, 0.5).toFixed(1)} ms, p95 ${quantile(updates, 0.95).toFixed(1)} ms (aim ≤ 50 ms)`);
}

function cap(): void {
  const cores: CoreInfo[] = [{ id: 'big.example:8080', name: 'big', kind: 'remote', url: '', state: 'online' }];
  const m = new FleetMetrics({ maxStreamsPerCore: DEFAULT_MAX_STREAMS_PER_CORE, localExportId: 'me' });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let names = 0;
  let maxSeries = 0;
  let text = '';
  for (let round = 0; round < 20; round++) {
    const sessions: SessionRow[] = [];
    for (let i = 0; i < 5000; i++) sessions.push(...streamSessions(cores[0]!.id, `event-${round}-${i}`, i).slice(0, 2));
    names += 5000;
    m.update(snapshotOf(T0 + round * 1000, cores, sessions));
    maxSeries = Math.max(maxSeries, m.streamSeriesCount());
    text = m.render();
  }
  gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1e6;
  const streamLines = text.split('\n').filter((l) => l.startsWith('core_sessions_stream_viewers{')).length;
  const bound = (DEFAULT_MAX_STREAMS_PER_CORE + 1) * 2;
  console.log(`  ${names} distinct stream names on one core: at most ${maxSeries} stream series kept, ${streamLines} viewer lines on /metrics (bound ${bound}: (cap ${DEFAULT_MAX_STREAMS_PER_CORE} + "(other)") × 2 protocols)`);
  console.log(`  heap growth after them: ${heapMb.toFixed(1)} MB${gc ? '' : ' (without --expose-gc: an upper bound)'} (aim ≤ 20 MB, i.e. not growing with the names)`);
  if (maxSeries > bound) throw new Error(`the cap did not hold: ${maxSeries} > ${bound}`);
}

export default function bench(): void {
  fleetRender();
  cap();
}
