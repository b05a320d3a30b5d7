/**
 * Rules scoped to one stream (a stream key of the key rule, src/shared/stream-key.ts) and/or one core: only that
 * stream raises; the scope is checked when rules are loaded and saved; alerts.json without scopes loads as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAlertConfig, saveAlertConfig } from '../../../src/main/alerts/config.ts';
import { createAlertEvaluator, type AlertEvent } from '../../../src/main/alerts/evaluate.ts';
import { MBIT, validateAlertRules, type AlertRule } from '../../../src/main/alerts/rules.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';

const core = (id: string): CoreInfo => ({ id, name: id, kind: id === 'a' ? 'local' : 'remote', url: '', state: 'online' });
const session = (coreId: string, collector: string, id: string, reference: string, location: string, rxMbit = 0): SessionRow => ({
  core: coreId, collector, id, reference, location, peer: '198.51.100.1:5000', extra: '', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: rxMbit * MBIT, txBitsPerSec: 0,
});
/** A watched stream `key` on a core: an RTMP publisher (while `published`) and an HLS viewer (variant 0). */
const stream = (coreId: string, key: string, published: boolean, rxMbit = 4): SessionRow[] => [
  ...(published ? [session(coreId, 'rtmp', `p-${key}`, `/live/${key}`, `publish:/live/${key}.stream`, rxMbit)] : []),
  session(coreId, 'hls', `v-${key}`, `${key}_0`, `/memfs/${key}_0.m3u8`),
];

/** Runs the rules over one snapshot per second; returns every event. */
function run(rules: AlertRule[], steps: SessionRow[][], cores = [core('a'), core('b')]): AlertEvent[] {
  const ev = createAlertEvaluator(rules);
  return steps.flatMap((sessions, i) => ev.update({ atMs: i * 1000, cores, collectors: [], sessions } satisfies Snapshot));
}
const raised = (events: AlertEvent[]): string[] => events.filter((e) => e.type === 'raised').map((e) => `${e.alert.ruleId} ${e.alert.core}/${e.alert.reference}`);

describe('rules scoped to one stream', () => {
  it('publisher gone: only the scoped stream raises, on every core unless a core is named too', () => {
    const rules: AlertRule[] = [
      { id: 'cam-gone', kind: 'publisher-gone', stream: 'cam' },
      { id: 'cam-on-b', kind: 'publisher-gone', stream: 'cam', core: 'b' },
      { id: 'stage-gone', kind: 'publisher-gone', stream: 'stage' },
    ];
    // cam loses its publisher on both cores; stage keeps its publisher.
    const events = run(rules, [
      [...stream('a', 'cam', true), ...stream('b', 'cam', true), ...stream('a', 'stage', true)],
      [...stream('a', 'cam', false), ...stream('b', 'cam', false), ...stream('a', 'stage', true)],
    ]);
    expect(raised(events)).toEqual(['cam-gone a/cam', 'cam-gone b/cam', 'cam-on-b b/cam']);
    // The alert keys are those of an unscoped rule (rule, core, stream): mutes and acknowledgements work the same.
    expect(events[0]!.alert.key).toBe(JSON.stringify(['cam-gone', 'a', 'cam']));
  });

  it('ingest below its median and reconnects: other streams are not judged', () => {
    const drop: AlertRule = { id: 'cam-drop', kind: 'ingest-below-median', stream: 'cam', belowPercent: 50, medianWindowMs: 20_000 };
    const flap: AlertRule = { id: 'cam-flap', kind: 'publisher-reconnects', stream: 'cam', moreThan: 0, withinMs: 60_000 };
    const steps: SessionRow[][] = [];
    for (let t = 0; t < 20; t++) steps.push([...stream('a', 'cam', true, 4), ...stream('a', 'stage', true, 4)]);
    // Both drop to 1 Mbit/s; both publishers leave for a second and come back.
    steps.push([...stream('a', 'cam', true, 1), ...stream('a', 'stage', true, 1)]);
    steps.push([...stream('a', 'cam', false), ...stream('a', 'stage', false)]);
    steps.push([...stream('a', 'cam', true, 4), ...stream('a', 'stage', true, 4)]);
    expect(raised(run([drop, flap], steps))).toEqual(['cam-drop a/cam', 'cam-flap a/cam']);
  });

  it('a scoped stream that disappears: its alert clears once nobody watches; a stream under another key does not stand in for it', () => {
    const rule: AlertRule = { id: 'cam-gone', kind: 'publisher-gone', stream: 'cam', clearAfterMs: 0 };
    const events = run([rule], [stream('a', 'cam', true), stream('a', 'cam', false), [], stream('a', 'other', true)]);
    expect(events.map((e) => `${e.type} ${e.alert.reference}`)).toEqual(['raised cam', 'cleared cam']);
  });
});

describe('the stream scope in rules and alerts.json', () => {
  it('is refused with a clear error on a kind that counts a whole core, or when it is not a key', () => {
    expect(() => validateAlertRules([{ id: 'busy', kind: 'sessions-above', raiseAbove: 1, clearAtOrBelow: 0, stream: 'cam' }])).toThrow(
      /alert rule "busy": stream applies to the stream rules only \(publisher-gone, ingest-below-median, publisher-reconnects\)/,
    );
    expect(() => validateAlertRules([{ id: 'g', kind: 'publisher-gone', stream: ' cam ' }])).toThrow(/alert rule "g": stream must be a stream key/);
    expect(() => validateAlertRules([{ id: 'g', kind: 'publisher-gone', stream: 7 as unknown as string }])).toThrow(/stream must be a stream key/);
    expect(validateAlertRules([{ id: 'g', kind: 'publisher-gone', stream: 'cam', core: 'local' }])).toHaveLength(1);
  });

  it('alerts.json without scopes loads as before; a scoped rule is saved and read back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alerts-scope-'));
    try {
      const path = join(dir, 'alerts.json');
      const old = { rules: [{ id: 'gone', kind: 'publisher-gone', raiseAfterMs: 5000 }, { id: 'down', kind: 'core-unreachable', core: 'studio' }], webhookUrl: '' };
      writeFileSync(path, JSON.stringify(old));
      const errors: string[] = [];
      expect(loadAlertConfig(path, (m) => errors.push(m))).toEqual(old);
      expect(errors).toEqual([]);
      const scoped: AlertRule = { id: 'cam-gone', kind: 'publisher-gone', core: 'local', stream: 'cam' };
      saveAlertConfig(path, { rules: [scoped], webhookUrl: '' });
      expect(loadAlertConfig(path).rules).toEqual([scoped]);
      expect(() => saveAlertConfig(path, { rules: [{ ...scoped, kind: 'core-unreachable' }], webhookUrl: '' })).toThrow(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
