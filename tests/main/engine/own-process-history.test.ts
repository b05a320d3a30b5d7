/**
 * Finished sessions of the app's own FFmpeg processes in the local core's history (issue 16, stop 37): the collector
 * keeps which history entries were a process's (its `extra` at the close) in a side file beside Core's, reads it back
 * at the next start, and the fleet's history rows say so; Core's file and v3 shape stay Core's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createFleet } from '../../../src/main/remote/fleet.ts';
import { writeHistory } from '../../../src/main/api/sessions.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'own-history-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function rtmp(clock: FakeClock): Collector {
  return new Collector('rtmp', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000, persistDir: dir });
}

/** A process's play and a person's, each closed with some bytes; a person's second play from the process's old port. */
function closeSessions(c: Collector): void {
  c.registerAndActivate('proc', '/live/cam', 'play:/live/cam', '127.0.0.1:5000', 'ffmpeg:pull');
  c.egress('proc', 1000);
  c.registerAndActivate('person', '/live/cam', 'play:/live/cam', '203.0.113.7:6000');
  c.egress('person', 2000);
  c.registerAndActivate('pub', '/live/cam', 'publish:/live/cam', '203.0.113.8:7000');
  c.ingress('pub', 3000);
  for (const id of ['proc', 'person', 'pub']) c.unregister(id);
}

function historyRows(c: Collector) {
  const fleet = createFleet({ local: { id: 'local', name: 'me', reader: { ids: () => ['rtmp'], summary: () => c.summary(), active: () => c.active() } }, clock: new FakeClock(0), log: memoryLogger() });
  return fleet.history({}).map((r) => [r.group, r.key, r.sessions, r.processSessions, r.process]);
}

describe("the local history keeps which finished sessions were the app's own processes'", () => {
  it('marks them in the rows, keeps the marks across a restart in a side file, and leaves Core\'s file and shape alone', async () => {
    const clock = new FakeClock(0);
    const first = rtmp(clock);
    closeSessions(first);
    const expected = [
      ['remote', '127.0.0.1:5000', 1, 1, 'pull'],
      ['remote', '203.0.113.7:6000', 1, undefined, undefined],
      ['remote', '203.0.113.8:7000', 1, undefined, undefined],
      ['local', 'play:/live/cam', 2, 1, undefined],
      ['local', 'publish:/live/cam', 1, undefined, undefined],
      ['reference', '/live/cam', 3, 1, undefined],
    ];
    expect(historyRows(first)).toEqual(expected);
    await first.stop();
    expect(readFileSync(join(dir, 'rtmp.json'), 'utf8')).not.toContain('ffmpeg');
    expect(writeHistory(first.summary().history)).not.toContain('ffmpeg');
    expect(JSON.parse(readFileSync(join(dir, 'rtmp.own.json'), 'utf8'))).toEqual({ version: 1, entries: { 'play:/live/cam:127.0.0.1:5000:/live/cam': { process: 'pull', sessions: 1 } } });

    const again = rtmp(clock);
    expect(historyRows(again)).toEqual(expected);
    // A person who later connects from the process's old port: the row is no longer all the process's.
    again.registerAndActivate('later', '/live/cam', 'play:/live/cam', '127.0.0.1:5000');
    again.unregister('later');
    expect(historyRows(again)[0]).toEqual(['remote', '127.0.0.1:5000', 2, 1, undefined]);
    await again.stop();
  });

  it('a missing or malformed side file loses only the marks: the history is whole', async () => {
    const clock = new FakeClock(0);
    const first = rtmp(clock);
    closeSessions(first);
    await first.stop();
    for (const text of ['not json', '{"entries": [1]}', '{"version": 1, "entries": {"play:/live/cam:127.0.0.1:5000:/live/cam": {"process": 7, "sessions": -1}, "nope": {"process": "x", "sessions": 1}}}']) {
      writeFileSync(join(dir, 'rtmp.own.json'), text);
      const c = rtmp(clock);
      expect(c.summary().history.totals.sessions, text).toBe(3);
      expect(historyRows(c).filter((r) => r[3] !== undefined), text).toEqual([]);
      await c.stop();
    }
  });
});
