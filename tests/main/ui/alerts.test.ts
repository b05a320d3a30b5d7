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

    expect(await ui.handlers['alerts:list']!()).toEqual({ active: [], recent: [] });
    source.emit(snap(1000, 1)); // at the line: nothing
    expect(pushes).toHaveLength(0);
    source.emit(snap(2000, 2)); // above: raised
    expect(pushes).toHaveLength(1);
    const raised = await ui.handlers['alerts:list']!();
    expect(raised.active).toHaveLength(1);
    expect(raised.active[0]).toMatchObject({ ruleId: 'busy', kind: 'sessions-above', core: 'local', collector: 'hls' });
    expect(pushes[0]!.payload).toEqual(raised);
    source.emit(snap(3000, 1)); // inside the band: still raised
    expect(pushes).toHaveLength(1);
    source.emit(snap(4000, 0)); // at or below the clear line: cleared
    expect(pushes).toHaveLength(2);
    const cleared = await ui.handlers['alerts:list']!();
    expect(cleared.active).toEqual([]);
    expect(cleared.recent[0]).toMatchObject({ ruleId: 'busy', clearedAtMs: 4000 });

    await expect(ui.handlers['alerts:list']!(...([1] as unknown as []))).rejects.toMatchObject({ code: 'bad-args' });
    ui.dispose();
    source.emit(snap(5000, 5));
    expect(pushes).toHaveLength(2); // no pushes after dispose
    alerts.dispose();
  });

  it('without alerts, alerts:list is left to the shell (absent)', () => {
    const ui = createUiService({ source: new FakeSource(snap(0)), appInfo: INFO });
    expect(ui.handlers['alerts:list']).toBeUndefined();
    ui.dispose();
  });
});
