/**
 * CSV export of 200 000 rows: time, throughput and memory. Run with `npm run bench` (bench/run.ts) or alone:
 * `node_modules/.bin/node --experimental-strip-types --no-warnings=ExperimentalWarning bench/export.bench.ts`.
 * Memory: the heap is sampled after every chunk; "peak heap growth" is the most the heap grew over its level before
 * the export, against the size of the whole CSV, which is never held at once.
 */
import { historyCsv, sessionsCsv } from '../src/main/export/csv.ts';
import type { HistoryRow, SessionRow } from '../src/shared/types.ts';

const ROWS = 200_000;

function* historyRows(): Generator<HistoryRow> {
  for (let i = 0; i < ROWS; i++) {
    yield { core: 'local', collector: 'hls', group: 'remote', key: `viewer-${i}.example.com`, sessions: i % 97, rxBytes: i * 13, txBytes: i * 1_048_583 };
  }
}

function* sessionRows(): Generator<SessionRow> {
  for (let i = 0; i < ROWS; i++) {
    yield {
      core: i % 4 === 0 ? 'studio' : 'local', collector: 'hls', id: `5Bd8qNZ4nxqHUgQhF${i}`, reference: '4186b095-7f0a-4e94-8c3d-f17459ab252f',
      location: '/memfs/4186b095-7f0a-4e94-8c3d-f17459ab252f.m3u8', peer: i % 10 === 0 ? '=cmd|"/c calc"!A0' : 'www.example.com',
      extra: '[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64) "quoted", ünïcode', createdAtMs: 1_764_000_000_000 + i,
      rxBytes: 0, txBytes: i * 188 * 7, rxBitsPerSec: 0, txBitsPerSec: 2_451_200 + i,
    };
  }
}

async function measure(name: string, chunks: AsyncIterable<string>): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = 0;
  let bytes = 0;
  let maxChunk = 0;
  let n = 0;
  const t0 = performance.now();
  for await (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk, 'utf8');
    maxChunk = Math.max(maxChunk, chunk.length);
    n++;
    peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
  }
  const ms = performance.now() - t0;
  const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);
  console.log(
    `export ${name}: ${ROWS} rows, ${mib(bytes)} MiB CSV in ${n} chunks (max ${maxChunk} chars) in ${ms.toFixed(0)} ms ` +
      `(${((ROWS / ms) * 1000).toFixed(0)} rows/s); peak heap growth ${mib(Math.max(0, peak))} MiB`,
  );
}

export default async function bench(): Promise<void> {
  await measure('history.csv', historyCsv(historyRows()));
  await measure('sessions.csv', sessionsCsv(sessionRows()));
}

if (import.meta.main) await bench();
