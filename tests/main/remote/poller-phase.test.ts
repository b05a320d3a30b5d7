/**
 * A poller keeps a timer of its own, re-armed as it fires: never an interval, which the system clock puts on its
 * shared second (src/main/engine/clock.ts), where every Core's poll went out with the pages' push and the answers were
 * parsed while the pages drew it. It still polls once per interval, and stops for good.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import type { Clock, TimerHandle } from '../../../src/main/engine/types.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { RemotePoller } from '../../../src/main/remote/poller.ts';
import { startTestCore } from '../../support/test-core.ts';
import { pollerTestSetup, SHORT_TIMEOUTS } from './helpers.ts';

const t = pollerTestSetup();

/** A fake clock, with the intervals asked of it counted. */
function countingClock(): { fake: FakeClock; clock: Clock; intervals: () => number } {
  const fake = new FakeClock(Date.now());
  let intervals = 0;
  const clock: Clock = {
    now: () => fake.now(),
    setInterval: (fn, ms) => {
      intervals++;
      return fake.setInterval(fn, ms);
    },
    clearInterval: (h: TimerHandle) => fake.clearInterval(h),
    setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
    clearTimeout: (h: TimerHandle) => fake.clearTimeout(h),
  };
  return { fake, clock, intervals: () => intervals };
}

describe('RemotePoller timing', () => {
  it('polls once per interval on a timeout of its own, never an interval of the clock, and stops', async () => {
    const core = (t.core = await startTestCore({ phase: 'snap-02', failedLoginDelayMs: 50 }));
    const { fake, clock, intervals } = countingClock();
    const poller = (t.poller = new RemotePoller({ id: 'x', url: core.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 1000 }, { clock, log: memoryLogger(), timeouts: SHORT_TIMEOUTS }));
    poller.start();
    await poller.pollNow();
    const polls = (): number => core.count('GET /api/v3/session');
    const before = polls();
    for (let i = 0; i < 3; i++) {
      fake.advance(1000);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(polls() - before).toBe(3);
    expect(intervals()).toBe(0);
    expect(fake.timerCount).toBe(1);
    await poller.stop();
    expect(fake.timerCount).toBe(0);
  });
});
