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
import { csvToString } from '../../../src/main/export/csv.ts';
import { exportCsv } from '../../../src/main/export/exports.ts';
import { HlsTracker } from '../../../src/main/servers/http/hls.ts';
import { FakeCollector } from '../../support/fake-collector.ts';

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

/** The app's fleet over one collector of the local core (the source History and the CSV export read). */
function fleetOf(c: Collector) {
  return createFleet({ local: { id: 'local', name: 'me', reader: { ids: () => [c.id], summary: () => c.summary(), active: () => c.active() } }, clock: new FakeClock(0), log: memoryLogger() });
}

function historyRows(c: Collector) {
  return fleetOf(c).history({}).map((r) => [r.group, r.key, r.sessions, r.processSessions, r.process]);
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

describe("a process's HLS upload in the history (issue 16, histproc, stop 38)", () => {
  function hlsingress(clock: FakeClock): Collector {
    const c = new Collector('hlsingress', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 30_000, persistDir: dir });
    // The session feed's owner hook: the relay sockets of the processes `relay` and `pull` (src/main/processes/session-feed.ts).
    c.setOwnerOf((via) => (via === '127.0.0.1:41000' ? 'ffmpeg:relay' : via === '127.0.0.1:42000' ? 'ffmpeg:pull' : undefined));
    return c;
  }

  /** Uploads as the memfs mount reports them: two processes' (on their relays' sockets) and a person's encoder's. */
  function upload(c: Collector, clock: FakeClock): void {
    const t = new HlsTracker({ hls: new FakeCollector('hls'), hlsingress: c, log: memoryLogger(), now: () => clock.now() });
    t.playlistUploaded('/memfs/pull.m3u8', 100, Buffer.alloc(1900), 'Lavf/61', '127.0.0.1:42000');
    t.playlistUploaded('/memfs/relay.m3u8', 100, Buffer.alloc(900), 'Lavf/61', '127.0.0.1:41000');
    t.playlistUploaded('/memfs/studio.m3u8', 100, Buffer.alloc(4900), 'Lavf/59', '198.51.100.7:5000');
    // Their sessions close at hlsingress's timeout (no upload for 30 s).
    clock.advance(31_000);
  }

  it("per remote each process's upload is a row of its own beside people's `unknown`, in the view's rows and the CSV, across a restart", async () => {
    const clock = new FakeClock(0);
    const first = hlsingress(clock);
    upload(first, clock);
    const expected = [
      ['remote', 'unknown', 1, 1, 'pull'],
      ['remote', 'unknown', 1, 1, 'relay'],
      ['remote', 'unknown', 1, undefined, undefined],
      ['local', '/memfs/pull.m3u8', 1, 1, 'pull'],
      ['local', '/memfs/relay.m3u8', 1, 1, 'relay'],
      ['local', '/memfs/studio.m3u8', 1, undefined, undefined],
      ['reference', 'pull', 1, 1, 'pull'],
      ['reference', 'relay', 1, 1, 'relay'],
      ['reference', 'studio', 1, undefined, undefined],
    ];
    expect(historyRows(first)).toEqual(expected);
    // The bytes of a process's row are its entries' own; the people's row keeps the rest.
    expect(fleetOf(first).history({}).filter((r) => r.group === 'remote').map((r) => r.rxBytes)).toEqual([2000, 1000, 5000]);
    // The real export over the same source: people are `sessions` less `process_sessions`, edge bytes `rx_bytes` less
    // `process_rx_bytes` (a process's upload is a local hop; the person's studio is the only edge traffic here).
    expect(await csvToString(exportCsv(fleetOf(first), { kind: 'history' }, { bom: false }))).toBe(
      [
        'core,collector,group,key,sessions,rx_bytes,tx_bytes,process_sessions,process,process_rx_bytes,process_tx_bytes',
        'local,hlsingress,remote,unknown,1,2000,0,1,pull,2000,0',
        'local,hlsingress,remote,unknown,1,1000,0,1,relay,1000,0',
        'local,hlsingress,remote,unknown,1,5000,0,0,,0,0',
        'local,hlsingress,local,/memfs/pull.m3u8,1,2000,0,1,pull,2000,0',
        'local,hlsingress,local,/memfs/relay.m3u8,1,1000,0,1,relay,1000,0',
        'local,hlsingress,local,/memfs/studio.m3u8,1,5000,0,0,,0,0',
        'local,hlsingress,reference,pull,1,2000,0,1,pull,2000,0',
        'local,hlsingress,reference,relay,1,1000,0,1,relay,1000,0',
        'local,hlsingress,reference,studio,1,5000,0,0,,0,0',
        '',
      ].join('\r\n'),
    );
    await first.stop();
    expect(readFileSync(join(dir, 'hlsingress.json'), 'utf8')).not.toContain('ffmpeg');
    const again = hlsingress(clock);
    expect(historyRows(again)).toEqual(expected);
    await again.stop();
  });

  it("a person's upload to a process's playlist path later: the entry is no longer wholly the process's, its count stays", async () => {
    const clock = new FakeClock(0);
    const c = hlsingress(clock);
    upload(c, clock);
    const t = new HlsTracker({ hls: new FakeCollector('hls'), hlsingress: c, log: memoryLogger(), now: () => clock.now() });
    t.playlistUploaded('/memfs/relay.m3u8', 100, Buffer.alloc(900), 'Lavf/59', '198.51.100.7:5001');
    clock.advance(31_000);
    expect(historyRows(c).filter((r) => r[0] === 'remote')).toEqual([
      ['remote', 'unknown', 1, 1, 'pull'],
      ['remote', 'unknown', 3, 1, undefined],
    ]);
    await c.stop();
  });
});
