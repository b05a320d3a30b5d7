/**
 * The fleet's snapshot counts, per core and collector, the sessions of the app's own FFmpeg processes (marked in
 * `extra`, src/shared/processes.ts) as `processSessions`: what the header, the Overview "All" chart, the tray, the
 * alerts and /metrics subtract from the people (src/shared/totals.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import type { SessionReader, SessionSnapshot } from '../../../src/main/engine/types.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';

const session = (id: string, location: string, extra: string, rxBitsPerSec = 0, txBitsPerSec = 0): SessionSnapshot => ({
  id, reference: '/live/cam', createdAtMs: 0, location, peer: `127.0.0.1:${1000 + id.length}`, extra, rxBytes: 0, txBytes: 0, rxBitsPerSec, txBitsPerSec,
});

const ACTIVE: Record<string, SessionSnapshot[]> = {
  rtmp: [session('pub', 'publish:/live/cam', '', 4000, 10), session('player', 'play:/live/cam', '', 20, 4000), session('relay', 'play:/live/cam', 'ffmpeg:relay', 30, 4001)],
  srt: [session('srtpull', 'play:cam', 'ffmpeg:srtpull', 5, 700)],
  hlsingress: [session('/memfs/relay.m3u8', '/memfs/relay.m3u8', 'Lavf/60', 3000, 0)],
  // The process run itself: not a person by its collector, so not counted among the people's process sessions.
  ffmpeg: [session('relay', 'unknown', 'ffmpeg:relay', 100, 200)],
  // An `extra` that only starts like a mark is no process.
  hls: [session('v1', '/memfs/relay.m3u8', 'ffmpeg:', 1, 2)],
};

const local: SessionReader = {
  ids: () => Object.keys(ACTIVE),
  summary: (c) => ({ ...zeroSummary(), activeSessions: ACTIVE[c]?.length ?? 0, active: ACTIVE[c] ?? [] }),
  active: (c) => ACTIVE[c] ?? [],
};

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('fleet snapshot', () => {
  it('carries each collector\'s own-process sessions', () => {
    fleet = createFleet({ local: { id: 'local', name: 'this app', reader: local }, clock: systemClock, log: memoryLogger() });
    const counts = fleet.snapshot().collectors.map((c) => [c.collector, c.activeSessions, c.processSessions]);
    expect(counts).toEqual([
      ['rtmp', 3, 1],
      ['srt', 1, 1],
      ['hlsingress', 1, 0],
      ['ffmpeg', 1, 0],
      ['hls', 1, 0],
    ]);
  });

  it("carries the bitrates of those sessions (a local restream's hops), summed as they are listed", () => {
    fleet = createFleet({ local: { id: 'local', name: 'this app', reader: local }, clock: systemClock, log: memoryLogger() });
    const rates = fleet.snapshot().collectors.map((c) => [c.collector, c.processRxBitsPerSec, c.processTxBitsPerSec]);
    expect(rates).toEqual([
      ['rtmp', 30, 4001],
      ['srt', 5, 700],
      ['hlsingress', 0, 0],
      ['ffmpeg', 0, 0],
      ['hls', 0, 0],
    ]);
  });
});
