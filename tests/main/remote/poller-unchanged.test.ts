/**
 * A remote Core that sends the same answer again (nothing going on there) is not parsed again: the poller keeps the
 * last parse, and parses as soon as the text differs, including an answer that is no longer valid.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { parseSessionSummary } from '../../../src/main/remote/parse.ts';
import { RemotePoller } from '../../../src/main/remote/poller.ts';
import { startTestCore } from '../../support/test-core.ts';
import { pollerTestSetup, SHORT_TIMEOUTS } from './helpers.ts';

const POLLER_ID = 'x';
const ALL = ['hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt', 'ffmpeg'];

const t = pollerTestSetup();

describe('RemotePoller with an unchanged answer', () => {
  it('reuses the last parse for the same text, parses a changed one, and still notices an invalid one', async () => {
    const core = (t.core = await startTestCore({ phase: 'snap-02', failedLoginDelayMs: 50 }));
    const clock = new FakeClock(Date.now());
    const poller = (t.poller = new RemotePoller({ id: POLLER_ID, url: core.url, credentials: { username: 'admin', password: 'datarhei' } }, { clock, log: memoryLogger(), timeouts: SHORT_TIMEOUTS }));
    await poller.pollNow();
    expect(poller.state).toBe('online');
    const first = poller.data()!;
    expect(first.summaries).toEqual(parseSessionSummary(JSON.parse(core.summaryText('snap-02', ALL)), undefined, POLLER_ID));

    // The same answer: the same parsed maps, a fresh time.
    clock.advance(1000);
    await poller.pollNow();
    const second = poller.data()!;
    expect(second.atMs).toBe(first.atMs + 1000);
    expect(second.summaries).toBe(first.summaries);
    expect(core.count('GET /api/v3/session')).toBe(2);
    // One request per poll: the summary's lists are the active sessions (Core builds both answers with one function).
    expect(core.count('GET /api/v3/session/active')).toBe(0);

    // A changed answer is parsed.
    core.setPhase('snap-03');
    await poller.pollNow();
    const third = poller.data()!;
    expect(third.summaries).not.toBe(first.summaries);
    expect(third.summaries).toEqual(parseSessionSummary(JSON.parse(core.summaryText('snap-03', ALL)), undefined, POLLER_ID));
    expect(third.summaries).not.toEqual(first.summaries);

    // A broken answer after a good one fails as before (the kept parse is for that text only)...
    core.setSessionBodies({ summary: '{"hls": 5}' });
    await poller.pollNow();
    expect(poller.state).toBe('incompatible');
    // ...and the good text again, after it, is taken without a new parse.
    core.setSessionBodies(undefined);
    await poller.pollNow();
    expect(poller.state).toBe('online');
    expect(poller.data()!.summaries).toBe(third.summaries);
  });
});
