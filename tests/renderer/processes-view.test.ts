/**
 * The Processes view's row buttons (issue 16, walk2): a process waiting to restart after its input went away offers
 * Stop, so one click ends the restart loop; the walk (tests/e2e/walk-processes.test.ts) clicks it with real ffmpeg.
 */
import { describe, expect, it } from 'vitest';
import { breakable, offersStop } from '../../src/renderer/src/views/Processes.tsx';

describe('offersStop', () => {
  it('offers Stop while FFmpeg runs or a restart is pending, Start otherwise', () => {
    expect(offersStop({ exec: 'running', reconnectSec: -1 })).toBe(true);
    expect(offersStop({ exec: 'starting', reconnectSec: -1 })).toBe(true);
    // Its input went away: FFmpeg ended, and comes back in 4 s by its reconnect policy.
    expect(offersStop({ exec: 'failed', reconnectSec: 4 })).toBe(true);
    expect(offersStop({ exec: 'finished', reconnectSec: 0 })).toBe(true);
    // Stopped, or ended for good: Start.
    expect(offersStop({ exec: 'finished', reconnectSec: -1 })).toBe(false);
    expect(offersStop({ exec: 'failed', reconnectSec: -1 })).toBe(false);
    expect(offersStop({ exec: 'killed', reconnectSec: -1 })).toBe(false);
  });
});

describe('breakable', () => {
  it('keeps the address as it is, with a place to wrap after each / , : ? & (issue 16, procview)', () => {
    const parts = breakable('{rtmp,name=studio-b.stream}');
    expect(parts.filter((p) => typeof p === 'string').join('')).toBe('{rtmp,name=studio-b.stream}');
    expect(parts.filter((p) => typeof p !== 'string')).toHaveLength(1);
    expect(breakable('testsrc=size=160x120:rate=10').filter((p) => typeof p === 'string')).toEqual(['testsrc=size=160x120:', 'rate=10']);
    expect(breakable('-')).toEqual(['-']);
  });
});
