import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE, ROOT } from '../../support/headless.ts';
import { killMidway } from '../../support/children.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { TimeseriesStore } from '../../../src/main/timeseries/store.ts';
import { TIMESERIES_FILE } from '../../../src/main/timeseries/service.ts';
import { tiersOf } from '../../../src/main/timeseries/settings.ts';

const WRITER = join(ROOT, 'tests', 'main', 'timeseries', 'crash-writer.ts');
const dir = mkdtempSync(join(tmpdir(), 'ts-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until it has committed `rounds` more rounds plus a random moment, then SIGKILLs it. */
async function runAndKill(startMs: number, rounds: number, extraMs: number): Promise<{ lastCommittedMs: number; printed: number }> {
  const out = await killMidway(NODE, [WRITER, dir, String(startMs)], { armed: (l) => l.length >= rounds, killDelayMs: extraMs, guardMs: 30_000 });
  // Lines printed before the kill: every one of them was committed before it was printed.
  const lines = out.filter((l) => l.startsWith('committed '));
  return { lastCommittedMs: Number(lines.at(-1)!.slice('committed '.length)), printed: lines.length };
}

describe('time-series store: kill -9', () => {
  it('a writer killed at random moments, 12 times: integrity_check ok, nothing committed is lost, rounds stay contiguous', async () => {
    const file = join(dir, TIMESERIES_FILE);
    let startMs = Date.UTC(2026, 0, 1);
    let total = 0;
    // A fixed sequence of kill delays (ms after the round count is reached): reproducible, yet spread.
    const delays = [0, 3, 17, 40, 1, 90, 9, 150, 25, 60, 5, 120];
    for (const extraMs of delays) {
      const { lastCommittedMs, printed } = await runAndKill(startMs, 30 + (extraMs % 50), extraMs);
      total += printed;
      const raw = new DatabaseSync(file);
      const integrity = raw.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>;
      raw.close();
      expect(integrity).toEqual([{ integrity_check: 'ok' }]);
      const lines: string[] = [];
      const store = new TimeseriesStore({
        file,
        maxBytes: 64e6,
        tiers: tiersOf({ enabled: true, intervalSec: 1, rawRetentionHours: 0.5, minuteRetentionDays: 1, hourRetentionDays: 2, maxMb: 64 }),
        log: memoryLogger(lines),
        now: () => lastCommittedMs,
        dayOf: (ms) => new Date(ms).toISOString().slice(0, 10),
      });
      expect(lines.filter((l) => /damaged/.test(l))).toEqual([]);
      const lastEnd = store.lastRoundEndMs()!;
      // Everything printed was committed; at most the round in flight (one interval) is beyond the last line.
      expect(lastEnd).toBeGreaterThanOrEqual(lastCommittedMs);
      expect(lastEnd).toBeLessThanOrEqual(lastCommittedMs + 1000);
      const r = store.db.prepare('SELECT COUNT(*) AS n, MIN(t) AS a, MAX(t) AS z FROM rounds').get() as { n: number; a: number; z: number };
      expect(r.z - r.a + 1).toBe(r.n);
      expect((r.z + 1) * 1000).toBe(lastEnd);
      // The last round is whole: 20 streams (one protocol each), their 20 totals, the core total and the fleet total.
      const perRound = store.db.prepare('SELECT COUNT(*) AS n FROM raw WHERE t = ?').get(r.z) as { n: number };
      expect(perRound.n).toBe(20 + 20 + 2);
      store.close();
      startMs = lastEnd;
    }
    expect(total).toBeGreaterThan(12 * 30);
  });
});
