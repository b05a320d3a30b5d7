/**
 * A writer child for the kill -9 test (crash.test.ts): samples a fake fleet of 20 streams as fast as it can on a
 * fake clock starting at argv[3] (ms), printing `committed <round end ms>` after each round is in the database, until
 * it is killed. Upkeep (roll-ups, expiry) runs between rounds as in the app, so kills land in every kind of write.
 */
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { createLogger } from '../../../src/main/log.ts';
import { createTimeseriesService } from '../../../src/main/timeseries/service.ts';
import type { Snapshot } from '../../../src/shared/types.ts';

const dataDir = process.argv[2];
const startMs = Number(process.argv[3]);
const clock = new FakeClock(startMs);
let n = 0;
const snapshot = (): Snapshot => {
  n++;
  const sessions = Array.from({ length: 40 }, (_, i) => ({
    core: 'local', collector: i % 2 === 0 ? 'hls' : 'rtmp', id: `s${i}-${Math.floor(n / 50)}`, reference: `cam${i % 20}`, location: i % 2 === 0 ? '' : 'play:x', peer: '192.0.2.1:1',
    extra: `[192.0.2.0] ua${i}`, createdAtMs: clock.now(), rxBytes: n * 1000, txBytes: n * 5000, rxBitsPerSec: 0, txBitsPerSec: 0,
  }));
  return { atMs: clock.now(), cores: [{ id: 'local', name: 'local', kind: 'local', url: '', state: 'running' }], collectors: [], sessions };
};
const svc = createTimeseriesService({
  settings: { enabled: true, intervalSec: 1, rawRetentionHours: 0.5, minuteRetentionDays: 1, hourRetentionDays: 2, maxMb: 64 },
  dataDir,
  snapshot,
  clock,
  log: createLogger('writer', 'warn'),
  dayOf: (ms) => new Date(ms).toISOString().slice(0, 10),
  defer: (fn) => fn(),
});
svc.start();
let printed = svc.store.lastRoundEndMs();
for (;;) {
  clock.advance(1000);
  // Printed only once the round's transaction has committed (read back from the database).
  const end = svc.store.lastRoundEndMs();
  if (end !== printed) process.stdout.write(`committed ${end}\n`);
  printed = end;
}
