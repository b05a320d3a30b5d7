/**
 * "Publisher gone" at the moment the connection closes (issue 16), with real parts: the local core's engine, its RTMP
 * and SRT servers on loopback, the fleet's 1 s updates, the alert service, a real ffmpeg publisher and a real ffmpeg
 * player. The publisher is killed; the alert must be raised while the publisher's session is still listed (Core's
 * 30 s timeout has not passed), i.e. from the close signal, not from the session timing out. SRT learns of a killed
 * peer by its 5 s idle timeout (no shutdown packet), RTMP from the socket. Bounded: every wait has a limit well under
 * 30 s, every ffmpeg is killed in afterAll.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertService, type AlertService } from '../../../src/main/alerts/service.ts';
import type { AlertEvent } from '../../../src/main/alerts/evaluate.ts';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { createLocalCore, type LocalCore } from '../../../src/main/engine/local-core.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';
import { createRtmpServer, type RtmpServer } from '../../../src/main/servers/rtmp/server.ts';
import { createSrtServer, type SrtServer } from '../../../src/main/servers/srt/server.ts';
import { Children, waitForFfmpeg } from '../../support/children.ts';
import { waitFor } from '../../support/wait.ts';
import { ffmpegPublishArgs } from '../servers/rtmp/support.ts';
import { ffmpegSrtPublishArgs } from '../servers/srt/support.ts';

describe('publisher gone at connection close (local RTMP and SRT, real ffmpeg)', () => {
  const children = new Children();
  const log = memoryLogger();
  let dataDir = '';
  let core: LocalCore;
  let rtmp: RtmpServer;
  let srt: SrtServer;
  let fleet: Fleet;
  let alerts: AlertService;
  let rtmpPort = 0;
  let srtPort = 0;

  beforeAll(async () => {
    await waitForFfmpeg();
    dataDir = mkdtempSync(join(tmpdir(), 'alerts-gone-'));
    // Core's default 30 s session timeout: the alert must not need it.
    core = createLocalCore({ sessionTimeoutSec: 30, persist: false }, { dataDir, log });
    rtmp = createRtmpServer({ collector: core.collectors.rtmp, log });
    rtmpPort = (await rtmp.listen('127.0.0.1', 0)).port;
    srt = createSrtServer({ collector: core.collectors.srt, log });
    srtPort = (await srt.listen('127.0.0.1', 0)).port;
    fleet = createFleet({ local: { id: 'local', name: 'Studio', reader: core.registry }, clock: systemClock, log });
    alerts = createAlertService({
      source: fleet,
      config: { rules: [{ id: 'gone', kind: 'publisher-gone', raiseAfterMs: 0, clearAfterMs: 60_000 }], webhookUrl: '' },
    });
  }, 60_000);

  afterAll(async () => {
    children.killAll();
    alerts?.dispose();
    await fleet?.stop();
    await rtmp?.close();
    await srt?.close();
    await core?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  /** Publishes, plays, kills the publisher; returns the raised alert and what the core listed at that moment. */
  async function killPublisher(collector: 'rtmp' | 'srt', publish: string[], playUrl: string) {
    const open = (role: string): boolean =>
      fleet.snapshot().sessions.some((s) => s.collector === collector && s.location.startsWith(role) && s.closedAtMs === undefined && s.rxBytes + s.txBytes > 0);
    const publisher = children.spawn('ffmpeg', publish);
    await waitFor(() => open('publish:'), `an open ${collector} publisher session`, 20_000, 100);
    children.spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', playUrl, '-c', 'copy', '-f', 'null', '-']);
    await waitFor(() => open('play:'), `an open ${collector} player session`, 20_000, 100);

    // Let the evaluator see the publisher with its viewer (the fleet pushes once a second).
    const events: Array<{ event: AlertEvent; publisherListed: 'closed' | 'open' | 'no' }> = [];
    let updates = 0;
    const offUpdate = fleet.onUpdate(() => updates++);
    const offEvent = alerts.onEvent((event) => {
      // What the core lists at the moment the alert is raised.
      const p = core.collectors[collector].active().find((s) => s.location.startsWith('publish:'));
      events.push({ event, publisherListed: p ? (p.closedAtMs !== undefined ? 'closed' : 'open') : 'no' });
    });
    await waitFor(() => updates >= 2, 'two fleet updates with the stream live', 5000);
    expect(events).toEqual([]);

    publisher.kill('SIGKILL');
    const raised = await waitFor(() => events.find((e) => e.event.type === 'raised'), 'the publisher-gone alert', 20_000, 100);
    offUpdate();
    offEvent();
    return raised;
  }

  it('RTMP: raised while the killed publisher is still listed (before the session timeout), naming the closed connection', async () => {
    const url = `rtmp://127.0.0.1:${rtmpPort}/live/cam.stream`;
    const { event, publisherListed } = await killPublisher('rtmp', ffmpegPublishArgs(url), url);
    expect(event.alert).toMatchObject({ ruleId: 'gone', kind: 'publisher-gone', core: 'local', reference: 'cam' });
    expect(event.alert.message).toBe('Studio: publisher of cam gone (its connection closed) while 1 viewer was watching');
    // Raised from the close signal: the publisher's session was still in the active list, marked closed.
    expect(publisherListed).toBe('closed');
    expect(alerts.list().active.map((a) => a.key)).toContain(event.alert.key);
    // The API keeps Core's rule: the session is still listed until its timeout.
    expect(core.collectors.rtmp.active().some((s) => s.id === '/live/cam.stream' && s.closedAtMs !== undefined)).toBe(true);
  }, 60_000);

  it('SRT: the same once the server gives the silent peer up (idle timeout), still before the session timeout', async () => {
    const { event, publisherListed } = await killPublisher(
      'srt',
      ffmpegSrtPublishArgs(`srt://127.0.0.1:${srtPort}?streamid=desk,mode:publish`),
      `srt://127.0.0.1:${srtPort}?streamid=desk,mode:request`,
    );
    expect(event.alert).toMatchObject({ ruleId: 'gone', core: 'local', reference: 'desk' });
    expect(event.alert.message).toBe('Studio: publisher of desk gone (its connection closed) while 1 viewer was watching');
    expect(publisherListed).toBe('closed');
  }, 60_000);
});
