/**
 * The History view's finished sessions of the app's own FFmpeg processes (issue 16, stop 37): a "per remote" row
 * whose sessions were all a process's shows the process, not its connection's peer; merged over cores it stays the
 * process only while every session is; the people total leaves them out, as the header does.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/shared/types.ts';
import { historyTotals, keyText, mergeRow, peopleSessions, rowId } from '../../src/renderer/src/views/History.tsx';

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

  it("per remote a process's own row stays its own beside people's rows of the same peer (its HLS upload's `unknown`), merged or per core", () => {
    const people = row({ collector: 'hlsingress', key: 'unknown', sessions: 3 });
    const relay = row({ collector: 'hlsingress', key: 'unknown', sessions: 1, processSessions: 1, process: 'relay' });
    const pull = row({ collector: 'hlsingress', key: 'unknown', sessions: 1, processSessions: 1, process: 'pull' });
    const remoteCore = row({ core: 'r1', collector: 'hlsingress', key: 'unknown', sessions: 5 });
    for (const core of ['*', 'local']) expect(new Set([people, relay, pull].map((r) => rowId(r, 'remote', core))).size).toBe(3);
    // Merged over cores, a remote Core's uploads join the people's row.
    expect(rowId(remoteCore, 'remote', '*')).toBe(rowId(people, 'remote', '*'));
    // Per local and reference a key is one row, its process sessions counted in it (the tooltip, the people total).
    expect(rowId({ ...relay, group: 'local', key: '/memfs/x.m3u8' }, 'local', '*')).toBe(rowId({ ...people, group: 'local', key: '/memfs/x.m3u8' }, 'local', '*'));
  });

  it('with every collector shown the total is people and bytes once and says what of the rows it leaves out; a chosen collector\'s total is the rows\' sum', () => {
    const rows = [
      row({ collector: 'hls', key: 'alice.example', sessions: 2, rxBytes: 10, txBytes: 1000 }),
      row({ collector: 'rtmp', sessions: 3, processSessions: 1, process: undefined, rxBytes: 500, txBytes: 300 }),
      row({ collector: 'http', key: 'unknown', sessions: 40, rxBytes: 60, txBytes: 1400 }),
      row({ collector: 'ffmpeg', key: 'unknown', sessions: 1, rxBytes: 7, txBytes: 9 }),
    ];
    const all = historyTotals(rows, true);
    expect([all.sessions, all.rxBytes, all.txBytes]).toEqual([4, 517, 1309]);
    expect(all.notAdded).toEqual([
      "http rows are all HTTP traffic, the HLS rows' bytes and the API's included: not added",
      "ffmpeg sessions are the app's process runs, no people: their bytes added, not their sessions",
      "1 session of the app's own FFmpeg processes in the people's rows: no people, not added",
    ]);
    // The people's rows alone add up: nothing to say.
    expect(historyTotals(rows.slice(0, 1), true).notAdded).toEqual([]);
    // Collectors chosen: the plain sum of the rows shown, http's too.
    const chosen = historyTotals(rows, false);
    expect([chosen.sessions, chosen.rxBytes, chosen.txBytes, chosen.notAdded]).toEqual([46, 577, 2709, []]);
  });
});
