/**
 * Child process of history-cardinality.test.ts: N HLS sessions with N distinct Referer hosts closed into the real
 * local core's history, with the v3 API's summary body rendered along the way (as a dashboard polling it would).
 * Prints one JSON line: entry counts, totals, the body size and RSS (after a full GC) at each quarter.
 * Usage: node --expose-gc history-flood.ts MAX_ENTRIES COUNT
 */
import { createLocalCore } from '../../src/main/engine/local-core.ts';
import { buildSummaryBytes, SessionCaches } from '../../src/main/api/sessions.ts';
import { FakeClock } from '../../src/main/engine/clock.ts';

const maxEntries = Number(process.argv[2]);
const count = Number(process.argv[3]);
const clock = new FakeClock(1_700_000_000_000);
const core = createLocalCore({ persist: false, historyMaxEntries: maxEntries }, { dataDir: '/nonexistent', clock });
const hls = core.collectors.hls;
const caches = new SessionCaches(); // the API instance's, as a dashboard polling it would fill them
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const rssMb = (): number => {
  gc();
  const m = process.memoryUsage();
  if (process.env.FLOOD_DEBUG) console.error(`heap ${(m.heapUsed / 1048576).toFixed(1)} MB, external ${(m.external / 1048576).toFixed(1)} MB, arrays ${(m.arrayBuffers / 1048576).toFixed(1)} MB`);
  return Math.round((m.rss / 1048576) * 10) / 10;
};

const samples: Array<{ sessions: number; entries: number; rssMb: number; bodyBytes: number }> = [];
let txBytes = 0;
for (let i = 1; i <= count; i++) {
  const id = `s${i}`;
  hls.register(id, 'cam', '/memfs/cam.m3u8', `viewer-${i}.referrer.example`);
  hls.activate(id);
  const n = 1000 + (i % 977);
  hls.egress(id, n);
  txBytes += n;
  hls.unregister(id);
  if (i % (count / 4) === 0) {
    const body = buildSummaryBytes(core.registry, ['hls'], caches);
    samples.push({ sessions: i, entries: hls.historyEntries().length, rssMb: rssMb(), bodyBytes: body.length });
  }
}
const totals = hls.summary().history.totals;
console.log(JSON.stringify({ maxEntries, count, expectedTxBytes: txBytes, totals, folded: samples, references: hls.summary().history.references.get('cam') }));
await core.stop();
