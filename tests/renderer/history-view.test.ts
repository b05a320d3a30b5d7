/**
 * The History view's finished sessions of the app's own FFmpeg processes (issue 16, stop 37): a "per remote" row
 * whose sessions were all a process's shows the process, not its connection's peer; merged over cores it stays the
 * process only while every session is; the people total leaves them out, as the header does.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/shared/types.ts';
import { keyText, mergeRow, peopleSessions } from '../../src/renderer/src/views/History.tsx';

const row = (p: Partial<HistoryRow>): HistoryRow => ({ core: 'local', collector: 'rtmp', group: 'remote', key: '127.0.0.1:5000', sessions: 2, rxBytes: 0, txBytes: 10, ...p });

describe('finished sessions of own processes in the History view', () => {
  it("shows a process's peer as the process, per remote only", () => {
    expect(keyText(row({ processSessions: 2, process: 'pull' }), 'remote')).toEqual({ text: 'FFmpeg process pull', process: true });
    expect(keyText(row({ key: 'play:/live/cam', group: 'local', processSessions: 2, process: 'pull' }), 'local')).toEqual({ text: 'play:/live/cam', process: false });
    expect(keyText(row({}), 'remote')).toEqual({ text: '127.0.0.1:5000', process: false });
  });

  it('merged over cores, a row is the process only while all its sessions are; the people total leaves them out', () => {
    const m = row({ processSessions: 2, process: 'pull' });
    mergeRow(m, row({ core: 'other', processSessions: 1, process: 'pull', sessions: 1 }));
    expect([m.sessions, m.processSessions, m.process]).toEqual([3, 3, 'pull']);
    mergeRow(m, row({ core: 'remote', sessions: 4 }));
    expect([m.sessions, m.processSessions, m.process]).toEqual([7, 3, undefined]);
    expect(peopleSessions(m)).toBe(4);
    expect(peopleSessions(row({ collector: 'ffmpeg' }))).toBe(0);
    expect(peopleSessions(row({ collector: 'hls', processSessions: 1 }))).toBe(1);
  });
});
