import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FLEET_FAMILIES, FleetMetrics, OTHER_STREAM } from '../../../src/main/prometheus/fleet-metrics.ts';
import { buildMetricsText } from '../../../src/main/api/metrics.ts';
import { FakeReader, startApi } from '../api/support.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';
import { isProcessSession } from '../../../src/shared/totals.ts';

const T0 = 1_780_000_000_000;

function session(core: string, collector: string, id: string, reference: string, location: string, o: Partial<SessionRow> = {}): SessionRow {
  return { core, collector, id, reference, location, peer: '203.0.113.7:5000', extra: '', createdAtMs: T0 + 1000, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0, ...o };
}
const hlsViewer = (core: string, stream: string, id: string, o: Partial<SessionRow> = {}): SessionRow => session(core, 'hls', id, stream, `/memfs/${stream}.m3u8`, o);
const rtmpPublisher = (core: string, stream: string, o: Partial<SessionRow> = {}): SessionRow => session(core, 'rtmp', `pub-${stream}`, `/live/${stream}`, `publish:/live/${stream}`, o);
const rtmpViewer = (core: string, stream: string, id: string, o: Partial<SessionRow> = {}): SessionRow => session(core, 'rtmp', id, `/live/${stream}`, `play:/live/${stream}`, o);

const CORES: CoreInfo[] = [
  { id: 'local', name: 'This computer', kind: 'local', url: '', state: 'running' },
  { id: 'a.example:8080', name: 'A "east"', kind: 'remote', url: 'http://a.example:8080', state: 'online', rttMs: 12 },
  { id: 'b.example:8080', name: 'B', kind: 'remote', url: 'http://b.example:8080', state: 'unreachable' },
];

function snap(atMs: number, sessions: SessionRow[], cores: CoreInfo[] = CORES): Snapshot {
  const collectors = new Map<string, { core: string; collector: string; activeSessions: number; processSessions: number; rxBitsPerSec: number; txBitsPerSec: number; processRxBitsPerSec: number; processTxBitsPerSec: number; maxSessions: number; maxTxBitsPerSec: number }>();
  for (const s of sessions) {
    const k = `${s.core}/${s.collector}`;
    const c = collectors.get(k) ?? { core: s.core, collector: s.collector, activeSessions: 0, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 };
    c.activeSessions++;
    if (isProcessSession(s.collector, s.extra)) {
      c.processSessions++;
      c.processRxBitsPerSec += s.rxBitsPerSec;
      c.processTxBitsPerSec += s.txBitsPerSec;
    }
    c.rxBitsPerSec += s.rxBitsPerSec;
    c.txBitsPerSec += s.txBitsPerSec;
    collectors.set(k, c);
  }
  return { atMs, cores, collectors: [...collectors.values()], sessions };
}

/** Parses exposition text strictly enough to catch format errors: families, types, labels, values, duplicates. */
function parseExposition(text: string): { families: Map<string, { type: string; help: string }>; samples: Map<string, number> } {
  const families = new Map<string, { type: string; help: string }>();
  const samples = new Map<string, number>();
  const closed = new Set<string>();
  let current = '';
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      expect(families.has(m[1]) || closed.has(m[1]), `family ${m[1]} twice`).toBe(false);
      if (current) closed.add(current);
      current = m[1];
      families.set(m[1], { type: '', help: m[2] });
      continue;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/.exec(line);
    if (m) {
      expect(m[1]).toBe(current);
      families.get(m[1])!.type = m[2];
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+)$/.exec(line);
    expect(m, `bad sample line: ${line}`).not.toBeNull();
    expect(m![1]).toBe(current);
    const v = Number(m![3]);
    expect(Number.isFinite(v)).toBe(true);
    const key = `${m![1]}{${m![2]}}`;
    expect(samples.has(key), `duplicate series ${key}`).toBe(false);
    samples.set(key, v);
  }
  for (const [name, f] of families) {
    if (name.startsWith('core_sessions_')) expect(f.type === 'counter', `${name}: counters end in _total, gauges do not`).toBe(name.endsWith('_total'));
  }
  return { families, samples };
}

/**
 * promtool's parser and lint over the text; problems of Core's own families (kept as Core names them, e.g.
 * `session_rx_bytes` without `_total`) are Core's and are left out.
 */
function promtoolCheck(text: string): { ok: boolean; output: string } | null {
  if (!existsSync('/usr/bin/promtool')) return null;
  const r = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('session_'));
  return { ok: r.status === 0 || (r.status === 3 && problems.length === 0), output: problems.join('\n') };
}

function sumOf(samples: Map<string, number>, name: string, filter: (labels: string) => boolean = () => true): number {
  let n = 0;
  for (const [k, v] of samples) if (k.startsWith(`${name}{`) && filter(k)) n += v;
  return n;
}

describe('fleet metrics on /metrics', () => {
  it('writes per core and per stream series in the exposition format, with the local core under its own id', () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'uuid-local-1' });
    m.update(
      snap(T0 + 5000, [
        rtmpPublisher('local', 'cam', { rxBitsPerSec: 4_000_000 }),
        hlsViewer('local', 'cam', 'v1', { txBitsPerSec: 1_000_000 }),
        hlsViewer('local', 'cam', 'v2', { txBitsPerSec: 1_000_000 }),
        rtmpViewer('local', 'cam', 'r1', { txBitsPerSec: 3_000_000 }),
        hlsViewer('a.example:8080', 'news', 'n1'),
        hlsViewer('b.example:8080', 'old', 'o1'),
        session('local', 'http', 'HTTP', '', 'any', { rxBitsPerSec: 10, txBitsPerSec: 2_000_000 }),
      ]),
    );
    const text = m.render();
    const { families, samples } = parseExposition(text);
    expect([...families.keys()].sort()).toEqual([...FLEET_FAMILIES].sort());
    expect([...families.keys()]).toEqual([...families.keys()].sort());
    expect(samples.get('core_sessions_stream_viewers{core="uuid-local-1",protocol="hls",stream="cam"}')).toBe(2);
    expect(samples.get('core_sessions_stream_viewers{core="uuid-local-1",protocol="rtmp",stream="cam"}')).toBe(1);
    expect(samples.get('core_sessions_stream_publishers{core="uuid-local-1",protocol="rtmp",stream="cam"}')).toBe(1);
    expect(samples.get('core_sessions_stream_ingest_bytes_per_second{core="uuid-local-1",protocol="rtmp",stream="cam"}')).toBe(500_000);
    expect(samples.get('core_sessions_stream_egress_bytes_per_second{core="uuid-local-1",protocol="hls",stream="cam"}')).toBe(250_000);
    expect(samples.get('core_sessions_stream_viewers{core="a.example:8080",protocol="hls",stream="news"}')).toBe(1);
    // Totals rule: http is not a person and its bytes are already the HLS bytes.
    expect(samples.get('core_sessions_core_sessions{core="uuid-local-1"}')).toBe(4);
    expect(samples.get('core_sessions_core_transmit_bytes_per_second{core="uuid-local-1"}')).toBe(625_000);
    expect(samples.get('core_sessions_collector_sessions{collector="http",core="uuid-local-1"}')).toBe(1);
    expect(samples.get('core_sessions_core_round_trip_seconds{core="a.example:8080"}')).toBe(0.012);
    expect(samples.get('core_sessions_core_info{core="a.example:8080",kind="remote",name="A \\"east\\""}')).toBe(1);
    // An unreachable core: its state, not last-known numbers.
    expect(samples.get('core_sessions_core_up{core="b.example:8080"}')).toBe(0);
    expect(samples.get('core_sessions_core_state{core="b.example:8080",state="unreachable"}')).toBe(1);
    expect(samples.get('core_sessions_core_state{core="b.example:8080",state="online"}')).toBe(0);
    expect([...samples.keys()].filter((k) => k.includes('b.example') && k.includes('stream_'))).toEqual([]);
    expect([...samples.keys()].some((k) => k.includes('core="local"'))).toBe(false);
    const check = promtoolCheck(text);
    if (check) expect(check.ok, check.output).toBe(true);
  });

  it('leaves the app\'s own FFmpeg process out of the core\'s people and the stream\'s viewers, as the header', () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'uuid-local-1' });
    m.update(snap(T0 + 5000, [rtmpPublisher('local', 'cam'), rtmpViewer('local', 'cam', 'r1'), rtmpViewer('local', 'cam', 'relay', { extra: 'ffmpeg:relay' })]));
    const { samples } = parseExposition(m.render());
    expect(samples.get('core_sessions_collector_sessions{collector="rtmp",core="uuid-local-1"}')).toBe(3);
    expect(samples.get('core_sessions_core_sessions{core="uuid-local-1"}')).toBe(2);
    expect(samples.get('core_sessions_stream_viewers{core="uuid-local-1",protocol="rtmp",stream="cam"}')).toBe(1);
  });

  it("counts a process's HLS ingest as no person, and as its stream's publisher only where no person publishes (issue 16, ownhls)", () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'uuid-local-1' });
    const upload = (stream: string, extra: string): SessionRow => session('local', 'hlsingress', `/memfs/${stream}.m3u8`, stream, `/memfs/${stream}.m3u8`, { extra, peer: 'unknown' });
    m.update(snap(T0 + 5000, [rtmpPublisher('local', 'cam'), rtmpViewer('local', 'cam', 'relay', { extra: 'ffmpeg:cam-hls' }), upload('cam', 'ffmpeg:cam-hls'), upload('pull', 'ffmpeg:pull-hls'), hlsViewer('local', 'pull', 'v1')]));
    const { samples } = parseExposition(m.render());
    // People: the encoder and the HLS viewer.
    expect(samples.get('core_sessions_core_sessions{core="uuid-local-1"}')).toBe(2);
    expect(samples.get('core_sessions_stream_publishers{core="uuid-local-1",protocol="rtmp",stream="cam"}')).toBe(1);
    expect(samples.get('core_sessions_stream_publishers{core="uuid-local-1",protocol="hlsingress",stream="cam"}')).toBe(0);
    expect(samples.get('core_sessions_stream_publishers{core="uuid-local-1",protocol="hlsingress",stream="pull"}')).toBe(1);
  });

  it('counts bytes as per-session deltas into _total counters that only grow', () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'me' });
    const key = 'core_sessions_stream_egress_bytes_total{core="me",protocol="hls",stream="cam"}';
    // A session older than the watch: its earlier bytes are not counted.
    m.update(snap(T0 + 10_000, [hlsViewer('local', 'cam', 'old', { createdAtMs: T0, txBytes: 5000 })]));
    expect(parseExposition(m.render()).samples.get(key)).toBe(0);
    m.update(snap(T0 + 11_000, [hlsViewer('local', 'cam', 'old', { createdAtMs: T0, txBytes: 7000 }), hlsViewer('local', 'cam', 'new', { createdAtMs: T0 + 10_500, txBytes: 300 })]));
    expect(parseExposition(m.render()).samples.get(key)).toBe(2000 + 300);
    // A session ends: the counter keeps what it counted.
    m.update(snap(T0 + 12_000, [hlsViewer('local', 'cam', 'new', { createdAtMs: T0 + 10_500, txBytes: 400 })]));
    const s = parseExposition(m.render()).samples;
    expect(s.get(key)).toBe(2400);
    expect(s.get('core_sessions_stream_viewers{core="me",protocol="hls",stream="cam"}')).toBe(1);
    expect(s.get('core_sessions_collector_transmit_bytes_total{collector="hls",core="me"}')).toBe(2400);
    // Viewer-seconds: two viewers for one second, then one for one second.
    expect(s.get('core_sessions_stream_viewer_seconds_total{core="me",protocol="hls",stream="cam"}')).toBe(3);
  });

  it('caps streams per core and sums the rest into (other), so sums stay exact and counters never jump', () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 2, localExportId: 'me', keepMs: 60_000 });
    const round = (atMs: number, viewersByStream: Record<string, number>, bytes: number): Map<string, number> => {
      const sessions: SessionRow[] = [];
      for (const [stream, n] of Object.entries(viewersByStream)) for (let i = 0; i < n; i++) sessions.push(hlsViewer('local', stream, `${stream}-${i}`, { createdAtMs: T0 + 1000, txBytes: bytes }));
      m.update(snap(atMs, sessions));
      return parseExposition(m.render()).samples;
    };
    const viewers = { s1: 1, s2: 5, s3: 3, s4: 2, [OTHER_STREAM]: 1 };
    let s = round(T0 + 1000, viewers, 100);
    const streamsOf = (x: Map<string, number>): string[] => [...x.keys()].filter((k) => k.startsWith('core_sessions_stream_viewers{')).map((k) => /stream="([^"]*)"/.exec(k)![1]);
    expect(streamsOf(s).sort()).toEqual(['(other)', 's2', 's3']);
    expect(sumOf(s, 'core_sessions_stream_viewers')).toBe(12);
    expect(s.get('core_sessions_stream_viewers{core="me",protocol="hls",stream="(other)"}')).toBe(1 + 2 + 1);
    expect(s.get('core_sessions_core_streams_folded{core="me"}')).toBe(3);
    expect(s.get('core_sessions_core_streams{core="me"}')).toBe(5);
    expect(sumOf(s, 'core_sessions_stream_egress_bytes_total')).toBe(12 * 100);
    // s1 overtakes everything: the named streams keep their slots (no series churn), s1 stays in (other).
    s = round(T0 + 2000, { ...viewers, s1: 9 }, 250);
    expect(streamsOf(s).sort()).toEqual(['(other)', 's2', 's3']);
    expect(sumOf(s, 'core_sessions_stream_viewers')).toBe(20);
    expect(sumOf(s, 'core_sessions_stream_egress_bytes_total')).toBe(12 * 100 + 8 * 250 + 12 * 150);
    // s3 ends; after keepMs its slot is free and goes to the stream with most viewers.
    const rest = { s1: 9, s2: 5, s4: 2 };
    round(T0 + 3000, rest, 250);
    expect(streamsOf(round(T0 + 30_000, rest, 250))).toContain('s3');
    s = round(T0 + 70_000, rest, 250);
    expect(streamsOf(s).sort()).toEqual(['(other)', 's1', 's2']);
    expect(sumOf(s, 'core_sessions_stream_viewers')).toBe(16);
    expect(m.streamSeriesCount()).toBe(3);
  });

  it('exports only the cores of its shard, and the local core always', () => {
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'me', exports: (id) => id === 'a.example:8080' });
    m.update(snap(T0 + 1000, [hlsViewer('local', 'x', '1'), hlsViewer('a.example:8080', 'y', '2'), hlsViewer('b.example:8080', 'z', '3')], CORES.map((c) => ({ ...c, state: c.kind === 'local' ? 'running' : 'online' }))));
    const cores = new Set([...parseExposition(m.render()).samples.keys()].map((k) => /core="([^"]*)"/.exec(k)![1]));
    expect([...cores].sort()).toEqual(['a.example:8080', 'me']);
  });

  it('appends to Core’s session_* families on GET /metrics, which stay byte for byte', async () => {
    const reader = new FakeReader({ hls: {}, rtmp: {} });
    const m = new FleetMetrics({ maxStreamsPerCore: 50, localExportId: 'core-id' });
    m.update(snap(T0, [hlsViewer('local', 'cam', 'v')]));
    const srv = await startApi({ reader, about: { id: 'core-id', name: 'n', startedAtMs: T0 }, extraMetricsText: () => m.render() });
    try {
      const body = await (await fetch(`${srv.base}/metrics`)).text();
      const core = buildMetricsText(reader, 'core-id');
      expect(core).toContain('session_active{collector="hls",core="core-id"} 0');
      expect(body.startsWith(core)).toBe(true);
      expect(body.slice(core.length)).toBe(m.render());
      const check = promtoolCheck(body);
      if (check) expect(check.ok, check.output).toBe(true);
    } finally {
      await srv.close();
    }
  });
});
