/**
 * The editor's path for a rule scoped to one stream: the page's input keeps `stream` (src/main/ui/validate.ts drops
 * unknown fields, and a dropped scope would silently widen the rule to every stream), alerts.json holds it, and a
 * scope on a kind that counts a whole core is refused by name.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAlertService } from '../../../src/main/alerts/service.ts';
import { createUiService } from '../../../src/main/ui/service.ts';
import { FakeSource, snap } from './fake-source.ts';

const INFO = { version: '0.1.0', mode: 'headless' as const, listeners: {} };

describe('alert editor: rules scoped to a stream through the UI service', () => {
  it('saves and answers the scope; refuses it on a kind that is not about streams', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerts-scope-'));
    const source = new FakeSource(snap(0, 0));
    const alerts = createAlertService({ source, config: { rules: [], webhookUrl: '' }, path: join(dir, 'alerts.json') });
    const ui = createUiService({ source, appInfo: INFO, alerts });
    try {
      const rule = { id: 'cam-gone', kind: 'publisher-gone' as const, core: 'local', stream: 'cam' };
      const saved = await ui.handlers['alerts:save-config']({ rules: [rule], webhookUrl: '' });
      expect(saved.rules).toEqual([rule]);
      expect((await ui.handlers['alerts:config']()).rules).toEqual([rule]);
      expect(JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8')).rules).toEqual([rule]);
      await expect(
        ui.handlers['alerts:save-config']({ rules: [{ id: 'busy', kind: 'sessions-above', raiseAbove: 1, clearAtOrBelow: 0, stream: 'cam' }], webhookUrl: '' }),
      ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/"busy": stream applies to the stream rules only/) });
    } finally {
      ui.dispose();
      alerts.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
