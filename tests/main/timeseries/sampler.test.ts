/**
 * The sampler's round, which keeps its per-session counters in place from round to round: the bytes of each round by
 * the one rule for deltas (bytesSince), through a session listed twice, a core that stops being observed and comes
 * back, and a session that ends and is listed again later.
 */
import { describe, expect, it } from 'vitest';
import { HyperLogLog } from '../../../src/main/timeseries/hll.ts';
import { Sampler } from '../../../src/main/timeseries/sampler.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';
import { TS_ALL } from '../../../src/shared/timeseries.ts';

const STEP_MS = 10_000;
const T0 = Date.parse('2026-12-05T12:00:00Z');

function viewer(txBytes: number): SessionRow {
  return { core: 'a', collector: 'hls', id: 'x', reference: 'cam', createdAtMs: T0, location: '/memfs/cam.m3u8', peer: '', extra: '[192.0.2.0] ua', rxBytes: 0, txBytes, rxBitsPerSec: 0, txBitsPerSec: 0 };
}

function snapshot(endMs: number, state: CoreInfo['state'], sessions: SessionRow[]): Snapshot {
  return { atMs: endMs, cores: [{ id: 'a', name: 'a', kind: 'remote', url: '', state }], collectors: [], sessions };
}

describe('Sampler', () => {
  it('measures each round against the last counters it kept, through duplicates, an outage and an ended session', () => {
    const sampler = new Sampler({ intervalSec: STEP_MS / 1000, dayOf: () => '2026-12-05', loadUniques: () => new HyperLogLog() });
    const rounds: Array<[CoreInfo['state'], SessionRow[]]> = [
      ['online', [viewer(1000)]], // first seen, began within the watched time: its whole counter
      ['online', [viewer(1500), viewer(1600)]], // listed twice: each against the last round's 1000
      ['stale', [viewer(2000)]], // not observed: no sample, the counter is kept
      ['online', [viewer(2600)]], // back: against the kept 2000
      ['online', []], // ended: forgotten
      ['online', [viewer(3000)]], // listed again: new to the sampler, and older than what is watched of its core now
    ];
    const got = rounds.map(([state, sessions], i) => {
      const endMs = T0 + (i + 1) * STEP_MS;
      const round = sampler.round(snapshot(endMs, state, sessions), endMs);
      const stream = round.samples.find((s) => s.core === 'a' && s.stream === 'cam' && s.protocol === 'hls');
      return stream === undefined ? null : [stream.viewers, stream.txBytes];
    });
    expect(got).toEqual([[1, 1000], [2, 500 + 600], null, [1, 600], null, [1, 0]]);
  });
});

describe('Sampler roles', () => {
  const rtmp = (id: string, location: string, extra: string): SessionRow => ({
    core: 'a', collector: 'rtmp', id, reference: '/live/cam', createdAtMs: T0, location, peer: id, extra, rxBytes: 0, txBytes: 100, rxBitsPerSec: 0, txBitsPerSec: 0,
  });

  it("counts the app's own FFmpeg process reading a stream as no viewer, and a person's player as one (issue 16, walk2)", () => {
    const uniques = new HyperLogLog();
    const sampler = new Sampler({ intervalSec: STEP_MS / 1000, dayOf: () => '2026-12-05', loadUniques: () => uniques });
    const sessions = [
      rtmp('127.0.0.1:40000', 'publish:/live/cam', ''),
      rtmp('127.0.0.1:40001', 'play:/live/cam', 'ffmpeg:cam-hls'), // the process's RTMP play (session-feed.ts marks it)
      rtmp('192.0.2.7:40002', 'play:/live/cam', ''),
    ];
    const round = sampler.round(snapshot(T0 + STEP_MS, 'online', sessions), T0 + STEP_MS);
    const stream = round.samples.find((s) => s.core === 'a' && s.stream === 'cam' && s.protocol === 'rtmp');
    // Bytes at the core's edge only: the encoder's and the person's 100 each, not the process's hop (totalsb, stop 39).
    expect(stream).toMatchObject({ viewers: 1, publishers: 1, txBytes: 200 });
    expect(Math.round(uniques.estimate())).toBe(1);
  });

  it("counts a process's HLS ingest as a publisher only of a stream no person publishes to (issue 16, ownhls)", () => {
    const sampler = new Sampler({ intervalSec: STEP_MS / 1000, dayOf: () => '2026-12-05', loadUniques: () => new HyperLogLog() });
    const upload = (key: string, extra: string): SessionRow => ({
      core: 'a', collector: 'hlsingress', id: `/memfs/${key}.m3u8`, reference: key, createdAtMs: T0, location: `/memfs/${key}.m3u8`, peer: 'unknown', extra, rxBytes: 500, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
    });
    const sessions = [
      rtmp('127.0.0.1:40000', 'publish:/live/cam', ''), // a person's encoder
      rtmp('127.0.0.1:40001', 'play:/live/cam', 'ffmpeg:cam-hls'),
      upload('cam', 'ffmpeg:cam-hls'), // the restream's upload: cam has a publisher already
      upload('pull', 'ffmpeg:pull-hls'), // a pulled URL restreamed: its only ingest
      upload('person', 'Lavf/60'), // a person's upload
    ];
    const round = sampler.round(snapshot(T0 + STEP_MS, 'online', sessions), T0 + STEP_MS);
    const publishers = (stream: string): number | undefined => round.samples.find((s) => s.core === 'a' && s.stream === stream && s.protocol === TS_ALL)?.publishers;
    expect([publishers('cam'), publishers('pull'), publishers('person')]).toEqual([1, 1, 1]);
    // The restream's upload is a hop between own servers: no edge bytes; the person's upload's are (totalsb, stop 39).
    expect(round.samples.find((s) => s.stream === 'cam' && s.protocol === 'hlsingress')).toMatchObject({ publishers: 0, rxBytes: 0 });
    expect(round.samples.find((s) => s.stream === 'person' && s.protocol === 'hlsingress')).toMatchObject({ publishers: 1, rxBytes: 500 });
    // The core's total: the encoder, the pulled stream's process and the person's upload.
    expect(round.samples.find((s) => s.core === 'a' && s.stream === TS_ALL)?.publishers).toBe(3);
  });
});

describe("Sampler bytes: what crossed the core's edge (totalsb, stop 39)", () => {
  it("leaves out a local restream's hops and keeps a process run's external bytes (the ffmpeg collector)", () => {
    const sampler = new Sampler({ intervalSec: STEP_MS / 1000, dayOf: () => '2026-12-05', loadUniques: () => new HyperLogLog() });
    const row = (collector: string, id: string, reference: string, location: string, extra: string, rxBytes: number, txBytes: number): SessionRow => ({
      core: 'a', collector, id, reference, createdAtMs: T0, location, peer: id, extra, rxBytes, txBytes, rxBitsPerSec: 0, txBitsPerSec: 0,
    });
    const sessions = [
      row('rtmp', 'enc', '/live/cam', 'publish:/live/cam', '', 5000, 0), // the encoder: 5000 in at the edge
      row('rtmp', 'relay', '/live/cam', 'play:/live/cam', 'ffmpeg:cam-hls', 0, 5000), // the process reads it (a hop)
      row('hlsingress', '/memfs/cam.m3u8', 'cam', '/memfs/cam.m3u8', 'ffmpeg:cam-hls', 4800, 0), // and uploads HLS (a hop)
      row('hls', 'v1', 'cam', '/memfs/cam.m3u8', '[192.0.2.1] ua', 0, 4800), // one viewer: 4800 out at the edge
      row('ffmpeg', 'push', 'push', 'unknown', 'ffmpeg:push', 0, 3000), // another process pushes to a remote server
    ];
    const round = sampler.round(snapshot(T0 + STEP_MS, 'online', sessions), T0 + STEP_MS);
    const core = round.samples.find((s) => s.core === 'a' && s.stream === TS_ALL);
    expect([core?.rxBytes, core?.txBytes]).toEqual([5000, 4800 + 3000]);
    const cam = round.samples.find((s) => s.core === 'a' && s.stream === 'cam' && s.protocol === TS_ALL);
    expect([cam?.rxBytes, cam?.txBytes, cam?.viewers, cam?.publishers]).toEqual([5000, 4800, 1, 1]);
  });
});

describe('Sampler: distinct-viewer sketches in memory (audit, stop 38)', () => {
  it('keeps at most maxCachedSketches after a round, least recently used let go, and a let-go stream is read back', () => {
    const loads: string[] = [];
    const stored = new Map<string, HyperLogLog>();
    const sampler = new Sampler({
      intervalSec: STEP_MS / 1000,
      dayOf: () => '2026-12-05',
      maxCachedSketches: 3,
      loadUniques: (_day, _core, stream) => {
        loads.push(stream);
        return stored.get(stream) ?? new HyperLogLog();
      },
    });
    const viewerOf = (stream: string, id: string): SessionRow => ({ ...viewer(100), id, reference: stream, location: `/memfs/${stream}.m3u8`, extra: `[192.0.2.0] ${id}` });
    let endMs = T0;
    const round = (sessions: SessionRow[]) => {
      endMs += STEP_MS;
      const r = sampler.round(snapshot(endMs, 'online', sessions), endMs);
      for (const u of r.uniques) stored.set(u.stream, u.hll); // what the store writes each round
      return r;
    };
    // Ten streams with a new viewer each in one round: all ten sketches are written, three stay in memory.
    const first = round(Array.from({ length: 10 }, (_, i) => viewerOf(`s${i}`, `v${i}`)));
    expect(first.uniques.map((u) => u.stream)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    expect(sampler.cachedSketches).toBe(3);
    // s9 is cached (no load); s0 was let go: read back from what was written, its first viewer still counted.
    loads.length = 0;
    const second = round([viewerOf('s9', 'w9'), viewerOf('s0', 'w0')]);
    expect(loads).toEqual(['s0']);
    expect(Math.round(second.uniques.find((u) => u.stream === 's0')!.hll.estimate())).toBe(2);
    expect(sampler.cachedSketches).toBe(3);
  });
});
