/**
 * The Processes view's row buttons (issue 16, walk2): a process waiting to restart after its input went away offers
 * Stop, so one click ends the restart loop; the walk (tests/e2e/walk-processes.test.ts) clicks it with real ffmpeg.
 */
import { isValidElement } from 'react';
import { describe, expect, it } from 'vitest';
import { breakable, offersStop, WHOLE_PIECE_CHARS } from '../../src/renderer/src/views/Processes.tsx';

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
  /** A piece's text (a string, or a `whole` span's), '' for a wrap point (`<wbr>`). */
  const text = (p: React.ReactNode): string => (typeof p === 'string' ? p : isValidElement<{ children?: string }>(p) && p.type === 'span' ? (p.props.children ?? '') : '');
  const wraps = (parts: React.ReactNode[]): number => parts.filter((p) => isValidElement(p) && p.type === 'wbr').length;
  const whole = (parts: React.ReactNode[]): string[] => parts.filter((p) => isValidElement<{ className?: string }>(p) && p.props.className === 'whole').map(text);

  it('keeps the address as it is, with a place to wrap after each / , : ? & (issue 16, procview)', () => {
    const parts = breakable('{rtmp,name=studio-b.stream}');
    expect(parts.map(text).join('')).toBe('{rtmp,name=studio-b.stream}');
    expect(wraps(parts)).toBe(1);
    expect(breakable('testsrc=size=160x120:rate=10').map(text).filter((t) => t !== '')).toEqual(['testsrc=size=160x120:', 'rate=10']);
    expect(breakable('-').map(text)).toEqual(['-']);
  });

  it('keeps a piece with a `-` whole (no wrap after the `-` inside a name) unless it is longer than the cell holds (issue 16, histproc)', () => {
    expect(whole(breakable('{rtmp,name=studio-b.stream}'))).toEqual(['name=studio-b.stream}']);
    expect(whole(breakable('{memfs}/studio-b-hls.m3u8'))).toEqual(['studio-b-hls.m3u8']);
    // Without a `-` the text stays plain; a piece longer than WHOLE_PIECE_CHARS may wrap as the cell's text does.
    expect(whole(breakable('{memfs}/relay.m3u8'))).toEqual([]);
    const long = `name=${'a-'.repeat(WHOLE_PIECE_CHARS)}`;
    expect(whole(breakable(`{rtmp,${long}}`))).toEqual([]);
    expect(breakable(`{rtmp,${long}}`).map(text).join('')).toBe(`{rtmp,${long}}`);
  });
});
