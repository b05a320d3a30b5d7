/**
 * Grouping 10 000 live sessions into streams (src/shared/streams.ts), per update as the UI service does once a
 * second: median and p95 over 60 updates with changing rates, beside the aim (≤ 2 ms, issue 11).
 * `npm run bench -- streams`.
 */
import { StreamModel } from '../src/shared/streams.ts';
import type { SessionRow, Snapshot } from '../src/shared/types.ts';

const SESSIONS = 10_000;
const STREAMS = 500;
const CORES = ['local', 'studio-a', 'studio-b', 'studio-c'];
const COLLECTORS = ['hls', 'hls', 'hls', 'rtmp', 'srt', 'hlsingress', 'ffmpeg', 'http'];

function fleet(seed: number): SessionRow[] {
  const out: SessionRow[] = [];
  let x = seed >>> 0;
  const rnd = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < SESSIONS; i++) {
    const collector = COLLECTORS[i % COLLECTORS.length]!;
    const key = `channel-${i % STREAMS}`;
    const reference = collector === 'rtmp' ? `/live/${key}` : collector === 'hls' && i % 3 === 0 ? `${key}_${i % 3}` : key;
    const local = collector === 'rtmp' || collector === 'srt' ? `${i % 50 === 0 ? 'publish' : 'play'}:/${key}` : `/memfs/${key}.m3u8`;
    out.push({
      core: CORES[i % CORES.length]!, collector, id: `s${i}`, reference, location: local, peer: `viewer-${i % 997}.example`, extra: '[203.0.113.0] Mozilla/5.0',
      createdAtMs: 0, rxBytes: 0, txBytes: i * 1000, rxBitsPerSec: rnd() * 1e6, txBitsPerSec: rnd() * 4e6,
    });
  }
  return out;
}

export default function bench(): void {
  const model = new StreamModel();
  const cores = CORES.map((id) => ({ id, name: id, kind: id === 'local' ? ('local' as const) : ('remote' as const), url: '', state: id === 'local' ? ('running' as const) : ('online' as const) }));
  const snapshots: Snapshot[] = Array.from({ length: 8 }, (_, i) => ({ atMs: 0, cores, collectors: [], sessions: fleet(i + 1) }));
  const times: number[] = [];
  for (let i = 0; i < 70; i++) {
    const s = { ...snapshots[i % snapshots.length]!, atMs: 1_765_000_000_000 + i * 1000 };
    const t0 = performance.now();
    const rows = model.update(s);
    const ms = performance.now() - t0;
    if (i >= 10) times.push(ms); // first updates warm the JIT
    if (rows.length === 0) throw new Error('no streams');
  }
  times.sort((a, b) => a - b);
  const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  console.log(`  ${SESSIONS} sessions → ${model.rows().length} streams on ${CORES.length} cores, per update: median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms (aim ≤ 2 ms)`);
}
