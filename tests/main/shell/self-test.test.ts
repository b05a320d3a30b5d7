import { describe, expect, it } from 'vitest';
import { runSelfTest } from '../../../src/main/shell/self-test.ts';
import { memoryLogger } from '../../../src/main/log.ts';

const PAGE = 'app://core-sessions/index.html';

function selfTest(state: { ready: boolean; url: string }, timeoutMs: number): Promise<number> {
  return new Promise((finish) =>
    runSelfTest({ isReady: () => state.ready, pageUrl: () => state.url, expectedUrl: PAGE, log: memoryLogger(), finish, timeoutMs, pollMs: 5 }),
  );
}

describe('--self-test (the real-desktop check of a packaged build)', () => {
  it('passes once the page is ours and has called app:ready', async () => {
    const state = { ready: false, url: 'about:blank' };
    const result = selfTest(state, 5000);
    setTimeout(() => Object.assign(state, { url: PAGE, ready: true }), 20);
    expect(await result).toBe(0);
  });
  it('fails when the page never calls back, or is not the app page', async () => {
    expect(await selfTest({ ready: false, url: PAGE }, 30)).toBe(1);
    expect(await selfTest({ ready: true, url: 'file:///x/index.html' }, 30)).toBe(1);
  });
});
