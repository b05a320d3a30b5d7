import { describe, expect, it } from 'vitest';
import { createAlertService } from '../../../src/main/alerts/service.ts';
import { createUiService, type UiPush } from '../../../src/main/ui/service.ts';
import { FakeSource, snap } from './fake-source.ts';

const INFO = { version: '0.1.0', mode: 'headless' as const, listeners: {} };

describe('UI service with alerts (headless and Electron alike)', () => {
  it('answers alerts:list and pushes alerts:update when an alert is raised and cleared', async () => {
    const source = new FakeSource(snap(0, 0));
    const alerts = createAlertService({
      source,
      config: { rules: [{ id: 'busy', kind: 'sessions-above', core: 'local', collector: 'hls', raiseAbove: 1, clearAtOrBelow: 0 }], webhookUrl: '' },
    });
    const ui = createUiService({ source, appInfo: INFO, alerts });
    const pushes: UiPush[] = [];
    ui.onPush((p) => p.channel === 'alerts:update' && pushes.push(p));

    expect(await ui.handlers['alerts:list']()).toEqual({ active: [], recent: [], mutes: [] });
    source.emit(snap(1000, 1)); // at the line: nothing
    expect(pushes).toHaveLength(0);
    source.emit(snap(2000, 2)); // above: raised
    expect(pushes).toHaveLength(1);
    const raised = await ui.handlers['alerts:list']();
    expect(raised.active).toHaveLength(1);
    expect(raised.active[0]).toMatchObject({ ruleId: 'busy', kind: 'sessions-above', core: 'local', collector: 'hls' });
    expect(pushes[0]!.payload).toEqual(raised);
    source.emit(snap(3000, 1)); // inside the band: still raised
    expect(pushes).toHaveLength(1);
    source.emit(snap(4000, 0)); // at or below the clear line: cleared
    expect(pushes).toHaveLength(2);
    const cleared = await ui.handlers['alerts:list']();
    expect(cleared.active).toEqual([]);
    expect(cleared.recent[0]).toMatchObject({ ruleId: 'busy', clearedAtMs: 4000 });

    await expect(ui.handlers['alerts:list'](...([1] as unknown as []))).rejects.toMatchObject({ code: 'bad-args' });
    ui.dispose();
    source.emit(snap(5000, 5));
    expect(pushes).toHaveLength(2); // no pushes after dispose
    alerts.dispose();
  });

  it('without alerts, the alert channels answer unsupported (the page then hides the view)', async () => {
    const ui = createUiService({ source: new FakeSource(snap(0)), appInfo: INFO });
    await expect(ui.handlers['alerts:list']()).rejects.toMatchObject({ code: 'unsupported' });
    await expect(ui.handlers['alerts:config']()).rejects.toMatchObject({ code: 'unsupported' });
    ui.dispose();
  });
});

describe('the alert editor through the UI service', () => {
  it('saves valid rules to alerts.json and applies them; refuses bad ones by name; acknowledges; delivers the webhook', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { createServer } = await import('node:http');
    const dir = mkdtempSync(join(tmpdir(), 'alerts-editor-'));
    const received: Array<{ event: string; alert: { ruleId: string; coreName: string } }> = [];
    const hook = createServer((req, res) => {
      let t = '';
      req.on('data', (d: Buffer) => (t += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(t) as (typeof received)[number]);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`;
    const source = new FakeSource(snap(0, 0));
    const alerts = createAlertService({ source, config: { rules: [], webhookUrl: '' }, path: join(dir, 'alerts.json'), coreName: () => 'Studio A' });
    const ui = createUiService({ source, appInfo: INFO, alerts });
    try {
      expect(await ui.handlers['alerts:config']()).toEqual({ path: join(dir, 'alerts.json'), rules: [], webhookUrl: '' });
      // A clear line above the raise line is refused, naming the rule; nothing is written.
      await expect(
        ui.handlers['alerts:save-config']({ rules: [{ id: 'busy', kind: 'sessions-above', collector: 'hls', raiseAbove: 1, clearAtOrBelow: 5 }], webhookUrl: '' }),
      ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringContaining('"busy"') });
      await expect(ui.handlers['alerts:save-config']({ rules: [], webhookUrl: 'ftp://x' })).rejects.toMatchObject({ code: 'invalid-argument' });
      const saved = await ui.handlers['alerts:save-config']({ rules: [{ id: 'busy', kind: 'sessions-above', core: 'local', collector: 'hls', raiseAbove: 1, clearAtOrBelow: 0 }], webhookUrl: hookUrl });
      expect(saved.rules).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8'))).toEqual({ rules: saved.rules, webhookUrl: hookUrl });

      source.emit(snap(1000, 2));
      const [active] = (await ui.handlers['alerts:list']()).active;
      expect(active).toMatchObject({ ruleId: 'busy' });
      expect(await ui.handlers['alerts:acknowledge'](active!.key)).toBe(true);
      expect((await ui.handlers['alerts:list']()).active[0]!.acknowledgedAtMs).toBeGreaterThan(0);
      expect(await ui.handlers['alerts:acknowledge']('no-such-key')).toBe(false);
      source.emit(snap(2000, 0));
      await alerts.idle();
      expect(received.map((r) => [r.event, r.alert.ruleId, r.alert.coreName])).toEqual([
        ['raised', 'busy', 'Studio A'],
        ['cleared', 'busy', 'Studio A'],
      ]);
      expect(await ui.handlers['alerts:test-webhook'](hookUrl)).toMatchObject({ ok: true, status: 204 });
      expect(received.at(-1)?.event).toBe('test');
    } finally {
      ui.dispose();
      alerts.dispose();
      hook.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the stream-health and switched-off rules through the UI service', () => {
  it('saves and reads back ingest and reconnect rules and enabled: false; a wrong type or kind field is refused by name', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'alerts-health-'));
    const source = new FakeSource(snap(0, 0));
    const alerts = createAlertService({ source, config: { rules: [], webhookUrl: '' }, path: join(dir, 'alerts.json') });
    const ui = createUiService({ source, appInfo: INFO, alerts });
    try {
      const rules = [
        { id: 'drop', kind: 'ingest-below-median' as const, belowPercent: 40, medianWindowMs: 600_000, raiseAfterMs: 10_000 },
        { id: 'flap', kind: 'publisher-reconnects' as const, moreThan: 3, withinMs: 600_000, enabled: false },
      ];
      const saved = await ui.handlers['alerts:save-config']({ rules, webhookUrl: '' });
      expect(saved.rules).toEqual(rules);
      expect((JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8')) as { rules: unknown }).rules).toEqual(rules);
      await expect(ui.handlers['alerts:save-config']({ rules: [{ id: 'x', kind: 'publisher-gone', enabled: 'no' as never }], webhookUrl: '' })).rejects.toMatchObject({
        code: 'invalid-argument',
        message: expect.stringContaining('enabled must be true or false'),
      });
      await expect(ui.handlers['alerts:save-config']({ rules: [{ id: 'd', kind: 'ingest-below-median', belowPercent: 150 }], webhookUrl: '' })).rejects.toMatchObject({
        code: 'invalid-argument',
        message: expect.stringContaining('belowPercent'),
      });
    } finally {
      ui.dispose();
      alerts.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
