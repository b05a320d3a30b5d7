/**
 * Attack: every distinct Referer host (or RTMP client port, or stream name) adds a permanent history entry; 141k of
 * them made a 40 MB history file, 968 MB RSS and 300 ms API p95. With the bound (--history-max-entries, default
 * 10 000 per collector) the history stays bounded and every sum stays exact. Measured in a child process (the real
 * local core and the real v3 summary renderer), so the RSS figures are that process's own.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../support/headless.ts';

interface Flood {
  maxEntries: number;
  count: number;
  expectedTxBytes: number;
  totals: { sessions: number; rxBytes: number; txBytes: number };
  folded: Array<{ sessions: number; entries: number; rssMb: number; bodyBytes: number }>;
  references: { sessions: number; txBytes: number };
}

function flood(maxEntries: number, count: number): Flood {
  // A small young generation, as a long-running server would be tuned: what remains is what the data holds.
  const out = execFileSync(NODE, ['--expose-gc', '--max-semi-space-size=4', join(ROOT, 'tests/security/history-flood.ts'), String(maxEntries), String(count)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as Flood;
}

describe('200 000 distinct referrers', () => {
  it('bounded history: entries, body and RSS stay flat, totals and per-stream sums exact', () => {
    const bounded = flood(10_000, 200_000);
    const unbounded = flood(0, 200_000);
    const row = (f: Flood) => f.folded.map((s) => `${s.sessions / 1000}k: ${s.entries} entries, ${(s.bodyBytes / 1048576).toFixed(1)} MiB body, ${s.rssMb} MB RSS`).join(' | ');
    console.log(`bounded (10 000):  ${row(bounded)}\nunbounded (Core): ${row(unbounded)}`);

    expect(bounded.totals).toEqual({ sessions: 200_000, rxBytes: 0, txBytes: bounded.expectedTxBytes });
    expect(bounded.references).toEqual({ sessions: 200_000, rxBytes: 0, txBytes: bounded.expectedTxBytes });
    for (const s of bounded.folded) expect(s.entries).toBeLessThanOrEqual(10_000);
    const first = bounded.folded[0]!;
    const last = bounded.folded[bounded.folded.length - 1]!;
    expect(last.bodyBytes).toBeLessThanOrEqual(first.bodyBytes * 1.05);
    // RSS: flat within allocator noise while 150 000 more keys arrive; unbounded grows by far more than that.
    expect(last.rssMb - first.rssMb).toBeLessThan(40);
    const u0 = unbounded.folded[0]!;
    const u1 = unbounded.folded[unbounded.folded.length - 1]!;
    expect(u1.entries).toBe(200_000);
    expect(u1.rssMb - u0.rssMb).toBeGreaterThan(2 * (last.rssMb - first.rssMb));
  }, 120_000);
});
