import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { serializeHistory } from '../../../src/main/engine/history.ts';
import type { HistoryEntry } from '../../../src/main/engine/types.ts';
import { killMidway } from '../../support/children.ts';

const NODE = resolve('node_modules/.bin/node');
const CHILD = resolve('tests/main/engine/fixtures/persist-child.ts');
const BATCH = 5;
const ITERATIONS = 30;
const BUDGET_MS = 15_000;
/** Kills always done, whatever the budget: a busy machine makes each one slower, not fewer. */
const MIN_ITERATIONS = 10;

/** The exact history the child has after n sessions (see the fixture). */
function expectedText(n: number): string {
  const m = new Map<string, HistoryEntry>();
  for (let i = 0; i < n; i++) {
    m.set(`/memfs/${i}.m3u8:peer.example:ref${i}`, { location: `/memfs/${i}.m3u8`, peer: 'peer.example', reference: `ref${i}`, totalSessions: 1, totalRxBytes: 2 * i + 1, totalTxBytes: i + 1 });
  }
  return serializeHistory(m);
}

/** Runs the child until a random moment after it is ready, SIGKILLs it; returns what it reported. */
async function runAndKill(dir: string, delayMs: number): Promise<{ loaded: number; lastWritten: number }> {
  const lines = await killMidway(NODE, ['--no-warnings', CHILD, dir], { armed: (l) => l.some((x) => x.startsWith('ready ')), killDelayMs: delayMs, guardMs: 10_000 });
  let loaded = -1;
  let lastWritten = -1;
  for (const line of lines) {
    const [word, num] = line.split(' ');
    if (word === 'ready') loaded = lastWritten = Number(num);
    else if (word === 'wrote') lastWritten = Number(num);
  }
  return { loaded, lastWritten };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('history persistence survives SIGKILL during writes', () => {
  it('after every kill the file is a complete write (the last acknowledged or the one after), never torn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-crash-'));
    dirs.push(dir);
    const file = join(dir, 'hls.json');
    const started = Date.now();
    let previous = 0;
    let iterations = 0;
    let sawTemp = false;
    for (let i = 0; i < ITERATIONS && (i < MIN_ITERATIONS || Date.now() - started < BUDGET_MS); i++, iterations++) {
      const { loaded, lastWritten } = await runAndKill(dir, Math.floor(Math.random() * 150));
      // the child loaded exactly the previous complete write (stale temp files are never read)
      expect(loaded).toBe(previous);
      const n = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { sessions: object }).sessions : {};
      const count = Object.keys(n).length;
      // the last acknowledged write, or the one in flight whose rename happened before the kill
      expect(count === lastWritten || count === lastWritten + BATCH, `count ${count}, last acknowledged ${lastWritten}`).toBe(true);
      if (count > 0) expect(readFileSync(file, 'utf8')).toBe(expectedText(count));
      sawTemp ||= readdirSync(dir).some((name) => name.endsWith('.tmp'));
      for (const name of readdirSync(dir)) expect(name === 'hls.json' || /^\.hls\.json\.\d+\.\d+\.tmp$/.test(name), name).toBe(true);
      previous = count;
    }
    expect(iterations).toBeGreaterThanOrEqual(MIN_ITERATIONS);
    expect(previous).toBeGreaterThan(0);
    // A fresh collector loads the final file: same totals, temp files gone.
    const c = new Collector('hls', { clock: new FakeClock(), persistDir: dir });
    expect(c.summary().history.totals.sessions).toBe(previous);
    expect(readdirSync(dir)).toEqual(['hls.json']);
    await c.stop();
    console.log(`crash test: ${iterations} kills, final history ${previous} sessions, temp file seen after a kill: ${sawTemp}`);
  }, 60_000);
});
