/**
 * The History view's finished sessions of the app's own FFmpeg processes (issue 16, stop 37): a "per remote" row
 * whose sessions were all a process's shows the process, not its connection's peer; merged over cores it stays the
 * process only while every session is; the people total leaves them out, as the header does.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../../src/shared/types.ts';
import { edgeBytes, historyTotals, keyText, mergeRow, peopleSessions, rowId } from '../../src/renderer/src/views/History.tsx';

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

  it("the traffic total leaves out a row's own-process bytes (a restream's hop), merged over cores too", () => {
    // RTMP `cam` per reference: the encoder's 5000 in, a person's play 4000 out, the process's play 4000 out.
    const cam = row({ group: 'reference', key: 'cam', sessions: 3, rxBytes: 5000, txBytes: 8000, processSessions: 1, processRxBytes: 0, processTxBytes: 4000 });
    expect(edgeBytes(cam)).toEqual({ rx: 5000, tx: 4000 });
    // Merged with a remote Core's row (no marks there): its bytes all count.
    mergeRow(cam, row({ core: 'r1', group: 'reference', key: 'cam', sessions: 1, rxBytes: 0, txBytes: 700 }));
    expect([cam.processRxBytes, cam.processTxBytes]).toEqual([0, 4000]);
    expect(edgeBytes(cam)).toEqual({ rx: 5000, tx: 4700 });
    // A process's own upload row: nothing of it at the edge; `http` and rows without marks as the totals rule says.
    expect(edgeBytes(row({ collector: 'hlsingress', rxBytes: 900, txBytes: 0, processSessions: 2, process: 'relay', processRxBytes: 900, processTxBytes: 0 }))).toEqual({ rx: 0, tx: 0 });
    expect(edgeBytes(row({ collector: 'http', rxBytes: 50, txBytes: 60 }))).toEqual({ rx: 0, tx: 0 });
    expect(edgeBytes(row({ collector: 'ffmpeg', rxBytes: 50, txBytes: 60 }))).toEqual({ rx: 50, tx: 60 });
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

  it('with every collector shown the total leaves out the bytes of the processes\' own sessions and says how much (the rows keep them)', () => {
    const rows = [
      row({ collector: 'rtmp', sessions: 3, processSessions: 1, process: 'relay', rxBytes: 500, txBytes: 300, processRxBytes: 0, processTxBytes: 200 }),
      row({ collector: 'hlsingress', key: 'unknown', sessions: 1, processSessions: 1, process: 'relay', rxBytes: 90, txBytes: 0, processRxBytes: 90, processTxBytes: 0 }),
    ];
    const all = historyTotals(rows, true);
    expect([all.sessions, all.rxBytes, all.txBytes, all.processRxBytes, all.processTxBytes]).toEqual([2, 500, 100, 90, 200]);
    const chosen = historyTotals(rows, false);
    expect([chosen.rxBytes, chosen.txBytes, chosen.processRxBytes, chosen.processTxBytes]).toEqual([590, 300, 0, 0]);
  });
});
