import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createTimeseriesService, type TimeseriesService } from '../../../src/main/timeseries/service.ts';
import { DEFAULT_TIMESERIES_SETTINGS } from '../../../src/main/timeseries/settings.ts';
import { csvToString, toCsvChunks } from '../../../src/main/export/csv.ts';
import { REPORT_COLUMNS, reportCsvRows } from '../../../src/main/timeseries/report-csv.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const H = 3_600_000;
const M = 60_000;
const DAY = Date.UTC(2026, 10, 14); // a Saturday, UTC
const dirs: string[] = [];
const services: TimeseriesService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A scripted session active over [fromMs, toMs), counters growing by the given bytes per 10 s. The sampler takes
 * its snapshot just after each 10 s grid point (for the interval that just ended), so the session is listed from
 * 1 s after it starts until 1 s after it ends: the first sample sees one interval's bytes, the last one all of them.
 */
interface Scripted {
  core: string;
  collector: string;
  id: string;
  reference: string;
  location: string;
  peer: string;
  extra: string;
  fromMs: number;
  toMs: number;
  rxPer10s: number;
  txPer10s: number;
}

function snapshotAt(nowMs: number, script: Scripted[], cores: CoreInfo[]): Snapshot {
  const sessions: SessionRow[] = [];
  for (const s of script) {
    if (!(nowMs > s.fromMs + 1000 && nowMs <= s.toMs + 1000)) continue;
    const steps = Math.floor((nowMs - s.fromMs) / 10_000);
    sessions.push({
      core: s.core,
      collector: s.collector,
      id: s.id,
      reference: s.reference,
      location: s.location,
      peer: s.peer,
      extra: s.extra,
      createdAtMs: s.fromMs,
      rxBytes: steps * s.rxPer10s,
      txBytes: steps * s.txPer10s,
      rxBitsPerSec: 0,
      txBitsPerSec: 0,
    });
  }
  return { atMs: nowMs, cores, collectors: [], sessions };
}

const core = (id: string, state: CoreInfo['state'] = 'running'): CoreInfo => ({ id, name: id, kind: id === 'local' ? 'local' : 'remote', url: '', state });

describe('daily report', () => {
  it('a scripted day of traffic gives the hand-computed figures', () => {
    const at = (h: number, m = 0): number => DAY + h * H + m * M;
    const hls = (id: string, fromMs: number, toMs: number, extra: string, tx = 50_000): Scripted => ({
      core: 'local', collector: 'hls', id, reference: 'cam', location: '/memfs/cam.m3u8', peer: 'www.example.com', extra, fromMs, toMs, rxPer10s: 0, txPer10s: tx,
    });
    const script: Scripted[] = [
      // The publisher: 20:00–21:00, 100 000 bytes in per 10 s.
      { core: 'local', collector: 'rtmp', id: '/live/cam.stream', reference: '/live/cam', location: 'publish:/live/cam.stream', peer: '192.0.2.1:5000', extra: '', fromMs: at(20), toMs: at(21), rxPer10s: 100_000, txPer10s: 0 },
      // Viewer A watches 20:00–20:40, reconnects (a new session, same address and browser) and stays until 21:00.
      hls('A1', at(20), at(20, 40), '[203.0.113.0] Firefox/1'),
      hls('A2', at(20, 40), at(21), '[203.0.113.0] Firefox/1'),
      // Viewer B: 20:30–21:00 over HLS; C: 20:30–20:45, an RTMP player (20 000 bytes per 10 s).
      hls('B', at(20, 30), at(21), '[198.51.100.0] Chrome/2'),
      { core: 'local', collector: 'rtmp', id: '192.0.2.7:6000', reference: '/live/cam', location: 'play:/live/cam.stream', peer: '192.0.2.7:6000', extra: '', fromMs: at(20, 30), toMs: at(20, 45), rxPer10s: 0, txPer10s: 20_000 },
      // Another stream on a remote Core: one viewer 22:00–22:10, whose Core is unreachable 22:05–22:10.
      { core: 'studio', collector: 'hls', id: 'D', reference: 'news_0', location: '/memfs/news_0.m3u8', peer: 'x', extra: '[192.0.2.0] Safari/3', fromMs: at(22), toMs: at(22, 10), rxPer10s: 0, txPer10s: 10_000 },
      // Not people: the http aggregate (no stream) and an FFmpeg process (bytes, not a viewer).
      { core: 'local', collector: 'http', id: 'any', reference: '', location: 'any', peer: 'any', extra: '', fromMs: at(20), toMs: at(21), rxPer10s: 1, txPer10s: 1 },
      { core: 'local', collector: 'ffmpeg', id: 'proc', reference: 'cam', location: 'unknown', peer: 'unknown', extra: '', fromMs: at(20), toMs: at(20, 10), rxPer10s: 0, txPer10s: 7 },
    ];
    const clock = new FakeClock(at(19, 59));
    const dir = mkdtempSync(join(tmpdir(), 'ts-report-'));
    dirs.push(dir);
    const svc = createTimeseriesService({
      settings: DEFAULT_TIMESERIES_SETTINGS,
      dataDir: dir,
      snapshot: () => snapshotAt(clock.now(), script, [core('local'), core('studio', clock.now() > at(22, 5) + 1000 && clock.now() <= at(22, 10) + 1000 ? 'unreachable' : 'online')]),
      clock,
      log: memoryLogger(),
      dayOf: utcDay,
      defer: (fn) => fn(),
    });
    services.push(svc);
    svc.start();
    clock.advanceTo(at(23));

    const report = svc.report({ fromMs: DAY, toMs: DAY + 24 * H });
    const cam = report.rows.find((r) => r.core === 'local' && r.stream === 'cam');
    // Egress: A 360 × 50 000 + B 180 × 50 000 + C 90 × 20 000 + the FFmpeg process 60 × 7 bytes.
    // Viewer-hours: A 1 h + B 0.5 h + C 0.25 h; peak 3 (20:30–20:45); uniques A, B, C.
    expect(cam).toEqual({ period: '2026-11-14', core: 'local', stream: 'cam', egressBytes: 18_000_000 + 9_000_000 + 1_800_000 + 420, ingressBytes: 36_000_000, viewerHours: 1.75, peakViewers: 3, uniqueViewersEstimate: 3 });
    // The remote viewer counted while its Core answered (22:00–22:05: 30 samples), not during the outage; when the
    // Core is back the session is gone, so the last 5 minutes' bytes are not seen.
    const news = report.rows.find((r) => r.core === 'studio' && r.stream === 'news');
    expect(news).toEqual({ period: '2026-11-14', core: 'studio', stream: 'news', egressBytes: 30 * 10_000, ingressBytes: 0, viewerHours: 300 / 3600, peakViewers: 1, uniqueViewersEstimate: 1 });
    expect(report.rows).toHaveLength(2);
    expect(report.totals).toEqual({ egressBytes: 28_800_420 + 300_000, ingressBytes: 36_000_000, viewerHours: 1.75 + 300 / 3600, peakViewers: 3, uniqueViewersEstimate: 4 });

    // The same by month, and as CSV with the estimate named as such and a totals row.
    const month = svc.report({ fromMs: DAY, toMs: DAY + 24 * H, period: 'month' });
    expect(month.rows.map((r) => [r.period, r.stream, r.egressBytes])).toEqual([['2026-11', 'cam', 28_800_420], ['2026-11', 'news', 300_000]]);
    const csv = csvToString(toCsvChunks(REPORT_COLUMNS, reportCsvRows(report), { bom: false }));
    return csv.then((text) => {
      const lines = text.trim().split('\r\n');
      expect(lines[0]).toBe('period,core,stream,egress_bytes,ingress_bytes,viewer_hours,peak_viewers,unique_viewers_estimate');
      expect(lines[1]).toBe('2026-11-14,local,cam,28800420,36000000,1.75,3,3');
      expect(lines.at(-1)).toBe('total,,,29100420,36000000,1.833,3,4');
    });
  });

  it('the viewers curve of the evening: 1 viewer, then 3 at 20:30, then 2; before the first sample is a gap', () => {
    const at = (h: number, m = 0): number => DAY + h * H + m * M;
    const script: Scripted[] = [
      { core: 'local', collector: 'hls', id: 'a', reference: 'cam', location: '', peer: '', extra: 'a', fromMs: at(20), toMs: at(21), rxPer10s: 0, txPer10s: 1 },
      { core: 'local', collector: 'hls', id: 'b', reference: 'cam_1', location: '', peer: '', extra: 'b', fromMs: at(20, 30), toMs: at(21), rxPer10s: 0, txPer10s: 1 },
      { core: 'local', collector: 'srt', id: 'c', reference: 'cam', location: 'play:cam', peer: '192.0.2.9:1', extra: '', fromMs: at(20, 30), toMs: at(20, 45), rxPer10s: 0, txPer10s: 1 },
    ];
    const clock = new FakeClock(at(19, 50));
    const dir = mkdtempSync(join(tmpdir(), 'ts-report-'));
    dirs.push(dir);
    const svc = createTimeseriesService({ settings: DEFAULT_TIMESERIES_SETTINGS, dataDir: dir, snapshot: () => snapshotAt(clock.now(), script, [core('local')]), clock, log: memoryLogger(), dayOf: utcDay, defer: (fn) => fn() });
    services.push(svc);
    svc.start();
    clock.advanceTo(at(21, 10));
    const s = svc.query({ core: 'local', stream: 'cam', fromMs: at(20), toMs: at(21), stepSec: 900 });
    expect(s.viewers).toEqual([1, 1, 3, 2]);
    expect(s.viewersPeak).toEqual([1, 1, 3, 2]);
    const byProtocol = svc.query({ core: 'local', stream: 'cam', protocol: 'srt', fromMs: at(20), toMs: at(21), stepSec: 900 });
    expect(byProtocol.viewers).toEqual([0, 0, 1, 0]);
    // Before the first sample of this run there is no data: a gap, not zeros.
    const before = svc.query({ core: 'local', fromMs: at(19, 40), toMs: at(20), stepSec: 600 });
    expect(before.viewers).toEqual([null, 0]);
    expect(before.gaps).toEqual([{ fromMs: at(19, 40), toMs: at(19, 50), state: 'no-data' }]);
  });
});
