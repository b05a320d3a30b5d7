/**
 * The alert service's operator state: mutes per rule and per stream (listed, not announced: no onEvent, no webhook),
 * acknowledgements kept across a restart in alert-state.json (atomic writes), and disabled rules.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../../src/main/alerts/evaluate.ts';
import type { AlertRule } from '../../../src/main/alerts/rules.ts';
import { createAlertService, RESTORED_ACK_GRACE_MS, type AlertServiceOptions } from '../../../src/main/alerts/service.ts';
import { MAX_MUTES } from '../../../src/main/alerts/state.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createUiService } from '../../../src/main/ui/service.ts';
import type { SessionRow, Snapshot } from '../../../src/shared/types.ts';
import { FakeSource, snap } from '../ui/fake-source.ts';

const BUSY: AlertRule = { id: 'busy', kind: 'sessions-above', core: 'local', collector: 'hls', raiseAbove: 1, clearAtOrBelow: 0 };
const GONE: AlertRule = { id: 'gone', kind: 'publisher-gone' };

/** Viewers of `ref` (from snap) plus, per stream key, an RTMP publisher and one HLS viewer. */
function withStreams(atMs: number, viewers: number, streams: Record<string, boolean>): Snapshot {
  const s = snap(atMs, viewers);
  for (const [key, published] of Object.entries(streams)) {
    const base: SessionRow = {
      core: 'local', collector: 'hls', id: `v-${key}`, reference: key, location: `/memfs/${key}.m3u8`, peer: '198.51.100.7:4000', extra: '',
      createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
    };
    s.sessions.push(base);
    if (published) s.sessions.push({ ...base, id: `/live/${key}`, collector: 'rtmp', reference: `/live/${key}`, location: `publish:/live/${key}.stream` });
  }
  return s;
}

describe('alert service: mutes, persisted acknowledgements, disabled rules', () => {
  let dir = '';
  let clockMs = 0;
  const disposers: Array<() => void> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'alert-state-'));
    clockMs = 1_000_000;
  });
  afterEach(() => {
    for (const d of disposers.splice(0)) d();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(rules: AlertRule[], extra: Partial<AlertServiceOptions> = {}) {
    const source = new FakeSource(snap(0));
    const log = memoryLogger();
    const alerts = createAlertService({ source, config: { rules, webhookUrl: '' }, statePath: join(dir, 'alert-state.json'), now: () => clockMs, log, ...extra });
    const events: AlertEvent[] = [];
    alerts.onEvent((e) => events.push(e));
    disposers.push(() => alerts.dispose());
    return { source, alerts, events, log };
  }
  const stateFile = (): { acknowledged: Record<string, number>; mutes: unknown[] } => JSON.parse(readFileSync(join(dir, 'alert-state.json'), 'utf8'));

  it('a muted rule is evaluated and listed (mutedUntilMs) but not announced, nor sent to the webhook; the mute expires', async () => {
    const posts: string[] = [];
    const hook: Server = createServer((req, res) => {
      let t = '';
      req.on('data', (d: Buffer) => (t += d.toString()));
      req.on('end', () => {
        posts.push((JSON.parse(t) as { event: string }).event);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    disposers.push(() => hook.close());
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`;
    const { source, alerts, events } = start([BUSY], { config: { rules: [BUSY], webhookUrl: url } });

    const listed = alerts.mute({ ruleId: 'busy' }, 60_000);
    expect(listed.mutes).toEqual([{ ruleId: 'busy', untilMs: clockMs + 60_000 }]);
    expect(stateFile().mutes).toEqual([{ ruleId: 'busy', untilMs: clockMs + 60_000 }]);
    source.emit(snap(1000, 2));
    expect(alerts.list().active).toMatchObject([{ ruleId: 'busy', mutedUntilMs: clockMs + 60_000 }]);
    source.emit(snap(2000, 0));
    expect(alerts.list().recent).toHaveLength(1);
    await alerts.idle();
    expect(events).toEqual([]);
    expect(posts).toEqual([]);

    // Raised while muted, cleared after the mute ran out: the clearing of an unannounced raise stays silent too.
    source.emit(snap(2500, 2));
    clockMs += 61_000; // the mute has run out
    source.emit(snap(2600, 0));
    await alerts.idle();
    expect(events).toEqual([]);
    source.emit(snap(3000, 2));
    await alerts.idle();
    expect(events.map((e) => e.type)).toEqual(['raised']);
    expect(posts).toEqual(['raised']);
    expect(alerts.list().mutes).toEqual([]);
    expect(stateFile().mutes).toEqual([]);
  });

  it('a muted stream silences its alerts only; a mute of 0 lifts it', () => {
    const { source, alerts, events } = start([GONE]);
    alerts.mute({ core: 'local', stream: 'cam' }, 3_600_000);
    source.emit(withStreams(1000, 0, { cam: true, desk: true }));
    source.emit(withStreams(2000, 0, { cam: false, desk: false }));
    expect(alerts.list().active.map((a) => [a.reference, a.mutedUntilMs !== undefined])).toEqual([
      ['cam', true],
      ['desk', false],
    ]);
    expect(events.map((e) => e.alert.reference)).toEqual(['desk']);
    expect(alerts.mute({ core: 'local', stream: 'cam' }, 0).mutes).toEqual([]);
    expect(alerts.list().active.every((a) => a.mutedUntilMs === undefined)).toBe(true);
    expect(() => alerts.mute({ core: 'local', stream: 'cam' }, -1)).toThrow(RangeError);
  });

  it(`at most ${MAX_MUTES} mutes at once: one more is refused and nothing is written; renewing, lifting and expiry make room (audit, stop 38)`, () => {
    const { alerts } = start([GONE]);
    for (let i = 0; i < MAX_MUTES; i++) alerts.mute({ core: 'local', stream: `s${i}` }, 60_000 + i);
    const written = readFileSync(join(dir, 'alert-state.json'), 'utf8');
    expect(() => alerts.mute({ core: 'local', stream: 'one-more' }, 60_000)).toThrow(/at most 1000 mutes/);
    expect(readFileSync(join(dir, 'alert-state.json'), 'utf8')).toBe(written);
    expect(alerts.list().mutes).toHaveLength(MAX_MUTES);
    // The same target again replaces its mute; a lift frees a place.
    expect(alerts.mute({ core: 'local', stream: 's5' }, 120_000).mutes).toHaveLength(MAX_MUTES);
    alerts.mute({ core: 'local', stream: 's6' }, 0);
    expect(alerts.mute({ core: 'local', stream: 'one-more' }, 120_000).mutes).toHaveLength(MAX_MUTES);
    // Expired mutes do not count.
    clockMs += 60_000 + MAX_MUTES;
    expect(alerts.mute({ ruleId: 'gone' }, 1000).mutes.map((m) => ('ruleId' in m ? m.ruleId : m.stream)).sort()).toEqual(['gone', 'one-more', 's5']);
    expect(stateFile().mutes).toHaveLength(3);
  });

  it('acknowledgements survive a restart for alerts raised again; the others are dropped after the grace', () => {
    const first = start([BUSY, GONE]);
    first.source.emit(withStreams(1000, 2, { cam: true }));
    first.source.emit(withStreams(2000, 2, { cam: false }));
    const keys = first.alerts.list().active.map((a) => a.key);
    expect(keys).toHaveLength(2);
    clockMs = 1_000_500;
    for (const k of keys) expect(first.alerts.acknowledge(k)).toBe(true);
    expect(Object.keys(stateFile().acknowledged).sort()).toEqual([...keys].sort());
    first.alerts.dispose();

    // Restart: the busy alert comes back (acknowledged as before); the publisher-gone one does not (no viewers left).
    const second = start([BUSY, GONE]);
    second.source.emit(snap(10_000, 2));
    const busy = second.alerts.list().active.find((a) => a.ruleId === 'busy')!;
    expect(busy.acknowledgedAtMs).toBe(1_000_500);
    second.source.emit(snap(10_000 + RESTORED_ACK_GRACE_MS, 2));
    expect(Object.keys(stateFile().acknowledged)).toEqual([busy.key]);
    // Cleared: the acknowledgement goes with it.
    second.source.emit(snap(20_000 + RESTORED_ACK_GRACE_MS, 0));
    expect(stateFile().acknowledged).toEqual({});
  });

  it('a disabled rule is kept but not evaluated', () => {
    const { source, alerts } = start([{ ...BUSY, enabled: false }]);
    source.emit(snap(1000, 5));
    expect(alerts.list().active).toEqual([]);
    expect(alerts.config().rules[0]).toMatchObject({ id: 'busy', enabled: false });
  });

  it('a broken state file is reported and read as empty; the page cannot mute with a bad target', async () => {
    writeFileSync(join(dir, 'alert-state.json'), '{"acknowledged": ');
    const { source, alerts, log } = start([BUSY]);
    expect(log.lines.some((l) => l.includes('alert-state.json') && l.includes('starting without'))).toBe(true);
    const ui = createUiService({ source, appInfo: { version: '0', mode: 'headless', listeners: {} }, alerts });
    disposers.push(() => ui.dispose());
    await expect(ui.handlers['alerts:mute']({ ruleId: '' } as never, 1000)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(ui.handlers['alerts:mute']({ ruleId: 'busy', core: 'x' } as never, 1000)).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(ui.handlers['alerts:mute']({ ruleId: 'busy' }, Number.NaN)).rejects.toMatchObject({ code: 'invalid-argument' });
    expect((await ui.handlers['alerts:mute']({ ruleId: 'busy' }, 1000)).mutes).toEqual([{ ruleId: 'busy', untilMs: clockMs + 1000 }]);
  });
});
