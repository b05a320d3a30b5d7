/**
 * The evaluator was rewritten for speed (src/shared/stream-groups.ts, the grouping it shares with the stream model:
 * sessions memoised by id, streams kept across updates, no per-update key sets). This feeds the rewrite and the
 * evaluator as it was before (support/evaluate-before.ts, a frozen copy) the same scripted snapshots and asserts the
 * same events and the same active alerts after every update: publishers that leave, close, come back and flap, viewers
 * that come and go, cores that go unreachable and are removed, the app's own FFmpeg sessions, a session whose `extra`
 * changes, ids shared across cores and collectors, and several rules of one kind with and without a core. As from a
 * real core, a session (id and creation time) keeps its reference and location.
 */
import { describe, expect, it } from 'vitest';
import { createAlertEvaluator } from '../../../src/main/alerts/evaluate.ts';
import { MBIT, type AlertRule } from '../../../src/main/alerts/rules.ts';
import { StreamGroups } from '../../../src/shared/stream-groups.ts';
import { StreamModel } from '../../../src/shared/streams.ts';
import type { CollectorTotals, CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';
import { createAlertEvaluator as createBefore } from './support/evaluate-before.ts';

const RULES: AlertRule[] = [
  { id: 'down', kind: 'core-unreachable', raiseAfterMs: 3000, clearAfterMs: 2000 },
  { id: 'gone', kind: 'publisher-gone', raiseAfterMs: 2000, clearAfterMs: 4000 },
  { id: 'gone-b', kind: 'publisher-gone', core: 'b' },
  { id: 'busy', kind: 'sessions-above', raiseAbove: 30, clearAtOrBelow: 25, raiseAfterMs: 1000 },
  { id: 'egress-hls', kind: 'egress-above', collector: 'hls', raiseBitsPerSec: 40 * MBIT, clearBitsPerSec: 30 * MBIT },
  { id: 'drop', kind: 'ingest-below-median', belowPercent: 50, medianWindowMs: 20_000, raiseAfterMs: 2000, clearAfterMs: 1000 },
  { id: 'flap', kind: 'publisher-reconnects', moreThan: 1, withinMs: 15_000 },
  { id: 'flap-a', kind: 'publisher-reconnects', core: 'a', moreThan: 2, withinMs: 30_000, enabled: false },
];

const STREAMS = ['cam', 'stage', 'news', 'talk', 'foyer'];

/** A seeded sequence of snapshots: each stream's publisher and viewers follow their own random walk. */
function scripted(steps: number, seed: number): Snapshot[] {
  let x = seed >>> 0;
  const rnd = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: Snapshot[] = [];
  const coreIds = ['a', 'b', 'c'];
  const published = new Map<string, 'open' | 'closed' | 'none'>();
  const viewers = new Map<string, number>();
  for (let t = 0; t < steps; t++) {
    const cores: CoreInfo[] = [];
    for (const id of coreIds) {
      // b goes unreachable for a while; c is removed for a while.
      if (id === 'c' && t >= 120 && t < 150) continue;
      const state: CoreInfo['state'] = id === 'b' && t >= 60 && t < 75 ? 'unreachable' : id === 'b' && t === 75 ? 'connecting' : id === 'a' ? 'running' : 'online';
      cores.push({ id, name: `core ${id}${t >= 200 ? ' renamed' : ''}`, kind: id === 'a' ? 'local' : 'remote', url: '', state, ...(state === 'unreachable' ? { lastError: 'ECONNREFUSED' } : {}) });
    }
    const sessions: SessionRow[] = [];
    const collectors: CollectorTotals[] = [];
    for (const core of cores) {
      if (core.state !== 'online' && core.state !== 'running') continue;
      let hlsTx = 0;
      let count = 0;
      for (const key of STREAMS) {
        const id = `${core.id}/${key}`;
        const r = rnd();
        const was = published.get(id) ?? 'none';
        const now = r < 0.08 ? 'none' : r < 0.14 ? 'closed' : r < 0.3 ? 'open' : was === 'none' && r < 0.5 ? 'none' : was === 'closed' ? 'open' : was;
        published.set(id, now);
        const v = Math.max(0, (viewers.get(id) ?? 0) + Math.floor(rnd() * 5) - 2);
        viewers.set(id, v);
        const base = { core: core.id, peer: '198.51.100.1:5000', createdAtMs: 0, rxBytes: 0, txBytes: 0, txBitsPerSec: 0 };
        if (now !== 'none') {
          const rx = (t % 40 > 30 ? 0.5 : 4) * MBIT * (0.9 + rnd() * 0.2);
          // The same id on every core (a remote Core's ids may repeat the local one's).
          sessions.push({ ...base, collector: 'rtmp', id: `pub-${key}`, reference: `/live/${key}`, location: `publish:/live/${key}.stream`, extra: '', rxBitsPerSec: rx, ...(now === 'closed' ? { closedAtMs: t * 1000 } : {}) });
        }
        for (let i = 0; i < v; i++) {
          const tx = 2 * MBIT * rnd();
          const rtmp = i % 3 === 2;
          sessions.push({ ...base, collector: rtmp ? 'rtmp' : 'hls', id: `v-${key}-${i}`, reference: rtmp ? `/live/${key}` : `${key}_${i % 2}`, location: rtmp ? `play:/live/${key}.stream` : `/memfs/${key}_${i % 2}.m3u8`, extra: '', rxBitsPerSec: 0, txBitsPerSec: tx });
          if (!rtmp) hlsTx += tx;
          count++;
        }
        // The app's own relay reads every other stream; its `extra` is set a little after it connects.
        if (key.length % 2 === 0) sessions.push({ ...base, collector: 'rtmp', id: `relay-${key}`, reference: `/live/${key}`, location: `play:/live/${key}.stream`, extra: t % 7 === 0 ? '' : 'ffmpeg:relay', rxBitsPerSec: 0 });
      }
      collectors.push({ core: core.id, collector: 'hls', activeSessions: count, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: hlsTx, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 });
    }
    out.push({ atMs: 1_765_000_000_000 + t * 1000, cores, collectors, sessions });
  }
  return out;
}

describe('the rewritten evaluator gives the same alerts as before', () => {
  for (const seed of [1, 7, 42]) {
    it(`seed ${seed}: same events and active alerts after every update`, () => {
      const after = createAlertEvaluator(RULES);
      const before = createBefore(RULES);
      let raised = 0;
      for (const snapshot of scripted(260, seed)) {
        const want = before.update(snapshot);
        expect(after.update(snapshot)).toEqual(want);
        expect(after.active()).toEqual(before.active());
        raised += want.filter((e) => e.type === 'raised').length;
      }
      // The script exercises the rules (not a sequence where nothing happens).
      expect(raised).toBeGreaterThan(10);
    });
  }

  it('the same with the grouping shared with a stream model that reads each update first, and across a rule change', () => {
    // As the app wires it: one StreamGroups for the stream model and the evaluator, which the model groups first.
    const groups = new StreamGroups();
    const model = new StreamModel(new Map(), groups);
    let after = createAlertEvaluator(RULES, groups);
    let before = createBefore(RULES);
    const renamed = RULES.map((r) => ({ ...r, id: `${r.id}-2` }));
    let raised = 0;
    scripted(260, 3).forEach((snapshot, t) => {
      if (t === 130) {
        // The rules change (the service makes a new evaluator): keys built for the old rules must not be reused.
        after = createAlertEvaluator(renamed, groups);
        before = createBefore(renamed);
      }
      model.update(snapshot);
      const want = before.update(snapshot);
      expect(after.update(snapshot)).toEqual(want);
      expect(after.active()).toEqual(before.active());
      if (t >= 130) raised += want.filter((e) => e.type === 'raised').length;
    });
    expect(raised).toBeGreaterThan(5);
  });
});
