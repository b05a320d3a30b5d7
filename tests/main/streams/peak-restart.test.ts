/**
 * "Peak today" across a restart: the headless server seeds each stream's day peak from the time-series history, so
 * a stream that had two players before the restart shows a peak of 2 after it, with none watching.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { StreamRow } from '../../../src/shared/streams.ts';
import type { ReportResult } from '../../../src/shared/timeseries.ts';
import { startHeadless, tempDataDir, type Headless } from '../../support/headless.ts';
import { waitFor } from '../../support/wait.ts';
import { RtmpTestClient } from '../servers/rtmp/rtmp-client.ts';

const clients: RtmpTestClient[] = [];
const servers: Headless[] = [];

afterAll(async () => {
  for (const c of clients) c.socket.destroy();
  for (const h of servers) await h.stop();
});

async function start(dataDir: string): Promise<Headless> {
  const h = await startHeadless(['--timeseries-interval', '1'], { dataDir });
  servers.push(h);
  return h;
}

async function client(h: Headless): Promise<RtmpTestClient> {
  const u = new URL(h.rtmpUrl!);
  const c = await RtmpTestClient.open({ host: u.hostname, port: Number(u.port), discardMedia: true });
  clients.push(c);
  return c;
}

const cam = async (h: Headless): Promise<StreamRow | undefined> =>
  ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: StreamRow[] }).streams.find((r) => r.core === 'local' && r.key === 'cam');

describe('"Peak today" across a restart (headless server, RTMP, time-series history)', () => {
  it('is seeded from the history: the peak of 2 players before the restart is shown after it', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    const publisher = await client(first);
    expect(await publisher.publish('live', 'cam')).toBe('NetStream.Publish.Start');
    for (let i = 0; i < 2; i++) expect(await (await client(first)).play('live', 'cam')).toMatch(/^NetStream.Play.(Reset|Start)$/);
    await waitFor(async () => (await cam(first))?.peakViewersToday === 2, 'cam with a peak of 2', 10_000, 100);
    // The history has the peak once a sample round with both players is written.
    await waitFor(async () => {
      const report = (await (await fetch(`${first.url}/api/reports/daily`)).json()) as ReportResult;
      return report.rows.some((r) => r.core === 'local' && r.stream === 'cam' && r.peakViewers === 2);
    }, 'the report with the peak of 2', 10_000, 200);
    for (const c of clients.splice(0)) c.socket.destroy();
    expect(await first.stop()).toBe(0);

    const second = await start(dataDir);
    const again = await client(second);
    expect(await again.publish('live', 'cam')).toBe('NetStream.Publish.Start');
    const row = await waitFor(async () => {
      const r = await cam(second);
      return r?.state === 'live' ? r : undefined;
    }, 'cam live after the restart', 10_000, 100);
    expect([row.viewersTotal, row.peakViewersToday]).toEqual([0, 2]);
  }, 60_000);
});
