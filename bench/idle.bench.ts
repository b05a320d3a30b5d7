/**
 * Idle cost of headless mode (issue 16's budget): CPU of the server process while its local core has no traffic and
 * it watches one remote Core (a test Core replaying a recorded snapshot, polled every second), over a minute,
 * from /proc. Also the same without the remote Core.
 *
 *   npm run bench -- idle   (env IDLE_BENCH_SECONDS=60)
 *
 * Aim: ≤ 1 % of one core with the remote Core (issue 16: 0.4 % without it before).
 */
import { startHeadless } from '../tests/support/headless.ts';
import { startTestCore } from '../tests/support/test-core.ts';
import { CLK_TCK, loadAverage, procUsage } from './proc.ts';

const SECONDS = Number(process.env.IDLE_BENCH_SECONDS ?? 60);
// Start-up work (the FFmpeg probe, module loading, the first polls) is not idle: measured after it.
const WARMUP_MS = 20_000;
const AIM_PCT = 1;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** CPU % of one core used by a fresh headless server with `args`, measured after a warm-up. */
async function idleCpuPct(args: string[]): Promise<number> {
  const h = await startHeadless(args);
  try {
    await sleep(WARMUP_MS);
    const pid = h.proc.pid!;
    const before = procUsage(pid).ticks;
    await sleep(SECONDS * 1000);
    return ((procUsage(pid).ticks - before) / CLK_TCK / SECONDS) * 100;
  } finally {
    await h.stop();
  }
}

export default async function bench(): Promise<void> {
  const core = await startTestCore({ phase: 'snap-02', coreId: 'idle-bench' });
  try {
    const alone = await idleCpuPct([]);
    const withRemote = await idleCpuPct(['--core', core.urlWithCredentials]);
    const verdict = withRemote <= AIM_PCT ? 'within the aim' : 'OVER the aim';
    console.log(`  headless server idle over ${SECONDS} s (load average ${loadAverage()}), time-series history on:`);
    console.log(`  local core only: ${alone.toFixed(2)} % of one core (before: 0.4 %)`);
    console.log(`  local core + one remote Core polled every second: ${withRemote.toFixed(2)} %; aim ≤ ${AIM_PCT} %: ${verdict}`);
  } finally {
    await core.close();
  }
}

if (import.meta.main) await bench();
