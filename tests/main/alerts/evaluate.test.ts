import { describe, expect, it } from 'vitest';
import { createAlertEvaluator, type AlertEvent } from '../../../src/main/alerts/evaluate.ts';
import { MBIT, validateAlertRules, type AlertRule } from '../../../src/main/alerts/rules.ts';
import { createAlertService } from '../../../src/main/alerts/service.ts';
import type { CollectorTotals, CoreInfo, SessionRow, Snapshot } from '../../../src/shared/types.ts';

const core = (id: string, state: CoreInfo['state'] = 'online'): CoreInfo => ({ id, name: id, kind: id === 'local' ? 'local' : 'remote', url: '', state });
const totals = (coreId: string, collector: string, txBitsPerSec: number, sessions = 0): CollectorTotals => ({
  core: coreId, collector, activeSessions: sessions, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0,
});
const snap = (atMs: number, collectors: CollectorTotals[], cores: CoreInfo[] = [core('a')], sessions: SessionRow[] = []): Snapshot => ({ atMs, cores, collectors, sessions });

/** Feeds one value per second; returns "R"/"C" marks per step ('.' for nothing) so a flap shows as a pattern. */
function script(rules: AlertRule[], values: number[], build: (v: number, t: number) => Snapshot): { marks: string; events: AlertEvent[] } {
  const ev = createAlertEvaluator(rules);
  const events: AlertEvent[] = [];
  let marks = '';
  values.forEach((v, i) => {
    const out = ev.update(build(v, i * 1000));
    events.push(...out);
    marks += out.length === 0 ? '.' : out.map((e) => (e.type === 'raised' ? 'R' : 'C')).join('');
  });
  return { marks, events };
}

describe('egress rule with hysteresis', () => {
  const rule: AlertRule = { id: 'egress', kind: 'egress-above', collector: 'hls', raiseBitsPerSec: 100 * MBIT, clearBitsPerSec: 80 * MBIT };
  const build = (v: number, t: number) => snap(t, [totals('a', 'hls', v * MBIT), totals('a', 'rtmp', 500 * MBIT)]);

  it('a value hovering at the raise line raises once and does not flap', () => {
    const hovering = [90, 101, 99, 101, 99, 100, 101, 95, 85, 81, 101, 79, 81, 79];
    const { marks, events } = script([rule], hovering, build);
    expect(marks).toBe('.R.........C..');
    expect(events[0].alert).toMatchObject({ key: 'egress|a|hls', core: 'a', collector: 'hls', raisedAtMs: 1000, message: 'a hls egress 101.0 Mbit/s > 100.0 Mbit/s' });
    expect(events[1].alert.clearedAtMs).toBe(11_000);
  });

  it('hold times: raise only after the value stays above for raiseAfterMs, clear after clearAfterMs below', () => {
    const held: AlertRule = { ...rule, raiseAfterMs: 3000, clearAfterMs: 2000 };
    //        0   1    2    3   4    5    6    7    8   9   10  11  12
    const v = [50, 120, 120, 90, 120, 120, 120, 120, 50, 50, 90, 50, 50, 50];
    // 1..2 above, interrupted by 90 (band: not "above") at 3 → restart at 4; raised at 7 (4 + 3 s).
    // Below from 8; 10 is in the band → restart; below from 11, cleared at 13.
    expect(script([held], v, build).marks).toBe('.......R.....C');
  });

  it('without collector the whole core counts; other cores separately', () => {
    const whole: AlertRule = { id: 'core-tx', kind: 'egress-above', raiseBitsPerSec: 550 * MBIT, clearBitsPerSec: 500 * MBIT };
    const ev = createAlertEvaluator([whole]);
    const out = ev.update(snap(0, [totals('a', 'hls', 60 * MBIT), totals('a', 'rtmp', 500 * MBIT), totals('b', 'hls', 10 * MBIT)], [core('a'), core('b')]));
    expect(out.map((e) => e.alert.key)).toEqual(['core-tx|a|*']);
    expect(ev.active()).toHaveLength(1);
  });
});

describe('sessions rule', () => {
  it('raises above N, clears at or below the clear count', () => {
    const rule: AlertRule = { id: 'many', kind: 'sessions-above', core: 'a', raiseAbove: 10, clearAtOrBelow: 8 };
    const { marks } = script([rule], [10, 11, 10, 9, 11, 8, 9, 11], (v, t) => snap(t, [totals('a', 'hls', 0, v - 1), totals('a', 'rtmp', 0, 1)]));
    expect(marks).toBe('.R...C.R');
  });

  it('says "1 session", not "1 sessions", when one is above none', () => {
    const rule: AlertRule = { id: 'one', kind: 'sessions-above', core: 'a', collector: 'hls', raiseAbove: 0, clearAtOrBelow: 0 };
    const { events } = script([rule], [1, 2], (v, t) => snap(t, [totals('a', 'hls', 0, v)]));
    expect(events[0].alert.message).toBe('a hls: 1 session > 0');
  });
});

describe('users rule (issue 16, stop 37)', () => {
  // An RTMP publisher, the app's own process reading it (a session of the rtmp collector marked as the process's), and
  // the process's own ffmpeg session: Core counts 2 rtmp sessions; the header counts 1 user.
  const withProcess = (t: number, people: number): Snapshot =>
    snap(t, [{ ...totals('a', 'rtmp', 0, people + 1), processSessions: 1 }, totals('a', 'ffmpeg', 0, 1), totals('a', 'http', 0, 4)]);

  it('counts users as the header does: the own process is no user; "sessions above" still counts it, as Core', () => {
    const users: AlertRule = { id: 'users', kind: 'users-above', core: 'a', collector: 'rtmp', raiseAbove: 1, clearAtOrBelow: 1 };
    const sessions: AlertRule = { id: 'sessions', kind: 'sessions-above', core: 'a', collector: 'rtmp', raiseAbove: 1, clearAtOrBelow: 1 };
    const { events } = script([users, sessions], [1, 2, 1], (v, t) => withProcess(t, v));
    expect(events.map((e) => [e.type, e.alert.ruleId, e.alert.message])).toEqual([
      ['raised', 'sessions', 'a rtmp: 2 sessions > 1'],
      ['raised', 'users', 'a rtmp: 2 users > 1'],
      ['cleared', 'users', 'a rtmp: 2 users > 1'],
    ]);
  });

  it('for the whole core: the people collectors less the own processes (ffmpeg and http are no users)', () => {
    const whole: AlertRule = { id: 'users', kind: 'users-above', core: 'a', raiseAbove: 1, clearAtOrBelow: 0 };
    const { events } = script([whole], [1, 2], (v, t) => withProcess(t, v));
    expect(events.map((e) => e.alert.message)).toEqual(['a: 2 users > 1']);
  });

  it('refuses a collector that counts no users, with what to do instead', () => {
    expect(() => validateAlertRules([{ id: 'x', kind: 'users-above', collector: 'ffmpeg', raiseAbove: 1, clearAtOrBelow: 0 }])).toThrow(/"ffmpeg" counts no users .* use sessions-above/);
    expect(validateAlertRules([{ id: 'x', kind: 'users-above', collector: 'hls', raiseAbove: 1, clearAtOrBelow: 0 }])).toHaveLength(1);
  });
});

describe('core unreachable', () => {
  it('raises after the hold, ignores connecting, clears when online again', () => {
    const rule: AlertRule = { id: 'down', kind: 'core-unreachable', raiseAfterMs: 2000, clearAfterMs: 1000 };
    const states: CoreInfo['state'][] = ['online', 'unreachable', 'unreachable', 'connecting', 'unreachable', 'unreachable', 'unreachable', 'connecting', 'online', 'unreachable', 'online', 'online'];
    const { marks, events } = script([rule], states.map((_, i) => i), (i, t) => snap(t, [], [core('b', states[i])]));
    expect(marks).toBe('......R....C');
    expect(events[0].alert.message).toBe('b is unreachable');
  });

  it('a removed core clears its alert at once', () => {
    const ev = createAlertEvaluator([{ id: 'down', kind: 'core-unreachable' }]);
    expect(ev.update(snap(0, [], [core('b', 'unreachable')])).map((e) => e.type)).toEqual(['raised']);
    expect(ev.update(snap(1000, [], [])).map((e) => e.type)).toEqual(['cleared']);
    expect(ev.active()).toEqual([]);
  });
});

describe('publisher gone', () => {
  const s = (collector: string, location: string, reference = 'live', coreId = 'a'): SessionRow => ({
    core: coreId, collector, id: `${collector}-${location}`, reference, location, peer: '198.51.100.1:5000', extra: '', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
  });
  const pub = s('rtmp', 'publish:/live.stream');
  const viewerHls = s('hls', '/memfs/live.m3u8');
  const viewerRtmp = s('rtmp', 'play:/live.stream');
  const rule: AlertRule = { id: 'gone', kind: 'publisher-gone', raiseAfterMs: 2000, clearAfterMs: 3000 };

  function run(steps: SessionRow[][], cores: (t: number) => CoreInfo[] = () => [core('a')]) {
    return script([rule], steps.map((_, i) => i), (i, t) => snap(t, [], cores(t), steps[i]));
  }

  it('raises when the publisher of a watched reference ends (after the reconnect grace)', () => {
    const { marks, events } = run([[pub], [pub, viewerHls, viewerRtmp], [viewerHls, viewerRtmp], [viewerHls], [viewerHls], [viewerHls, pub]]);
    expect(marks).toBe('....RC');
    expect(events[0].alert).toMatchObject({ key: JSON.stringify(['gone', 'a', 'live']), reference: 'live', message: 'a: publisher of live gone while 2 viewers were watching' });
  });

  it('a quick reconnect inside the grace raises nothing', () => {
    expect(run([[pub, viewerHls], [viewerHls], [viewerHls, pub], [viewerHls], [viewerHls, pub]]).marks).toBe('.....');
  });

  it('a publisher without viewers may leave silently; hlsingress and srt publishers count', () => {
    expect(run([[pub], [], [], [], []]).marks).toBe('.....');
    const ingest = s('hlsingress', '/memfs/live.m3u8');
    expect(run([[ingest, viewerHls], [viewerHls], [viewerHls], [viewerHls]]).marks).toBe('...R');
    const srtPub = s('srt', 'publish:live');
    const srtPlay = s('srt', 'play:live');
    expect(run([[srtPub, srtPlay], [srtPlay], [srtPlay], [srtPlay]]).marks).toBe('...R');
  });

  it('clears after viewers are gone for clearAfterMs', () => {
    expect(run([[pub, viewerHls], [viewerHls], [viewerHls], [viewerHls], [], [], [viewerHls], [], [], [], []]).marks).toBe('...R......C');
  });

  it('an unhealthy core does not look like every publisher leaving', () => {
    const cores = (t: number) => [core('a', t >= 1000 && t < 5000 ? 'unreachable' : 'online')];
    expect(run([[pub, viewerHls], [], [], [], [], [pub, viewerHls]], cores).marks).toBe('......');
  });

  it('other references and cores are independent', () => {
    const other = s('rtmp', 'publish:/other.stream', 'other');
    const otherCorePub = s('rtmp', 'publish:/live.stream', 'live', 'b');
    const { events } = run(
      [[pub, viewerHls, other, otherCorePub], [viewerHls, other, otherCorePub], [viewerHls, other], [viewerHls, other], [viewerHls, other]],
      () => [core('a'), core('b')],
    );
    expect(events.filter((e) => e.type === 'raised').map((e) => e.alert.core + '/' + e.alert.reference)).toEqual(['a/live']);
  });

  it('a publisher whose connection closed is gone at once, though its session is still listed (local RTMP/SRT)', () => {
    const closed: SessionRow = { ...pub, closedAtMs: 1000 };
    // The closed session stays listed until the core's timeout (here never): the rule does not wait for that.
    const { marks, events } = run([[pub, viewerHls], [closed, viewerHls], [closed, viewerHls], [closed, viewerHls], [pub, viewerHls]]);
    expect(marks).toBe('...RC');
    expect(events[0].alert.message).toBe('a: publisher of live gone (its connection closed) while 1 viewer was watching');
    // Closed players watch nothing either: with only a closed viewer left, the alert clears after clearAfterMs.
    const closedViewer: SessionRow = { ...viewerRtmp, closedAtMs: 1000 };
    expect(run([[pub, viewerRtmp], [closed, closedViewer], [closed, closedViewer], [closed, closedViewer], [closedViewer], [], [], []]).marks).toBe('...R...C');
  });

  it('a remote Core: the publisher missing from the next poll is the signal (no close mark there)', () => {
    const remotePub = s('rtmp', 'publish:/live.stream', 'live', 'b');
    const remoteViewer = s('hls', '/memfs/live.m3u8', 'live', 'b');
    const now: AlertRule = { id: 'gone', kind: 'publisher-gone' };
    const steps = [[remotePub, remoteViewer], [remoteViewer]];
    const { marks, events } = script([now], [0, 1], (i, t) => snap(t, [], [core('b')], steps[i]));
    expect(marks).toBe('.R');
    expect(events[0].alert.message).toBe('b: publisher of live gone while 1 viewer was watching');
  });

  it('publishers and viewers meet by the stream key rule (classifySession), not by the raw reference', () => {
    const rtmpPub = s('rtmp', 'publish:/live/cam.stream', '/live/cam');
    const hlsVariant = s('hls', '/memfs/cam_0.m3u8', 'cam_0');
    const { marks, events } = run([[rtmpPub, hlsVariant], [hlsVariant], [hlsVariant], [hlsVariant]]);
    expect(marks).toBe('...R');
    expect(events[0].alert).toMatchObject({ reference: 'cam', key: JSON.stringify(['gone', 'a', 'cam']) });
  });

  it("the app's own FFmpeg process is neither a publisher nor a viewer", () => {
    const relay: SessionRow = { ...s('rtmp', 'play:/live.stream'), extra: 'ffmpeg:relay-1' };
    expect(run([[pub, relay], [relay], [relay], [relay]]).marks).toBe('....');
  });
});

describe('rule validation', () => {
  it('checks the stream-health rules: a percent between 0 and 100, a window of 10 s or more, whole counts, a window > 0', () => {
    expect(() => validateAlertRules([{ id: 'd', kind: 'ingest-below-median', belowPercent: 100 }])).toThrow(/belowPercent/);
    expect(() => validateAlertRules([{ id: 'd', kind: 'ingest-below-median', belowPercent: 50, medianWindowMs: 500 }])).toThrow(/medianWindowMs/);
    expect(() => validateAlertRules([{ id: 'r', kind: 'publisher-reconnects', moreThan: 1.5, withinMs: 60_000 }])).toThrow(/moreThan/);
    expect(() => validateAlertRules([{ id: 'r', kind: 'publisher-reconnects', moreThan: 2, withinMs: 0 }])).toThrow(/withinMs/);
    expect(validateAlertRules([{ id: 'd', kind: 'ingest-below-median', belowPercent: 40 }, { id: 'r', kind: 'publisher-reconnects', moreThan: 0, withinMs: 1 }])).toHaveLength(2);
  });
  it('rejects clear thresholds above raise thresholds, duplicates and bad numbers', () => {
    expect(() => validateAlertRules([{ id: 'x', kind: 'egress-above', raiseBitsPerSec: 1, clearBitsPerSec: 2 }])).toThrow(/clearBitsPerSec/);
    expect(() => validateAlertRules([{ id: 'x', kind: 'core-unreachable' }, { id: 'x', kind: 'publisher-gone' }])).toThrow(/duplicate/);
    expect(() => validateAlertRules([{ id: 'x', kind: 'sessions-above', raiseAbove: Number.NaN, clearAtOrBelow: 0 }])).toThrow(/thresholds/);
    expect(() => validateAlertRules([{ id: 'x', kind: 'core-unreachable', raiseAfterMs: -1 }])).toThrow(/raiseAfterMs/);
  });
});

describe('alert service', () => {
  it('evaluates every update, keeps recent cleared alerts and notifies', () => {
    let push: (s: Snapshot) => void = () => {};
    const source = { snapshot: () => snap(0, []), history: () => [], cores: () => [], onUpdate: (cb: (s: Snapshot) => void) => ((push = cb), () => {}) };
    const svc = createAlertService({ source, config: { rules: [{ id: 'down', kind: 'core-unreachable' }], webhookUrl: '' }, recentLimit: 2 });
    const lists: number[] = [];
    const events: string[] = [];
    svc.onChange((l) => lists.push(l.active.length));
    svc.onEvent((e) => events.push(e.type));
    for (let i = 0; i < 6; i++) push(snap(i * 1000, [], [core('b', i % 2 === 0 ? 'unreachable' : 'online')]));
    expect(events).toEqual(['raised', 'cleared', 'raised', 'cleared', 'raised', 'cleared']);
    expect(lists).toEqual([1, 0, 1, 0, 1, 0]);
    expect(svc.list().recent.map((a) => a.clearedAtMs)).toEqual([5000, 3000]);
    svc.dispose();
  });
});

describe('stream health: ingest below its median', () => {
  const pubAt = (rxMbit: number, extra: Partial<SessionRow> = {}): SessionRow => ({
    core: 'a', collector: 'rtmp', id: '/live/cam', reference: '/live/cam', location: 'publish:/live/cam.stream', peer: '198.51.100.1:5000', extra: '',
    createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: rxMbit * MBIT, txBitsPerSec: 0, ...extra,
  });
  const rule: AlertRule = { id: 'drop', kind: 'ingest-below-median', belowPercent: 50, medianWindowMs: 60_000, raiseAfterMs: 3000, clearAfterMs: 2000 };
  /** One publisher sample (Mbit/s, or null: no publisher) per second. */
  const run = (values: (number | null)[], r: AlertRule = rule) => script([r], values.map((_, i) => i), (i, t) => snap(t, [], [core('a')], values[i] === null ? [] : [pubAt(values[i]!)]));

  it('judges only after the window has filled, raises after N s below X % of the median, clears on recovery', () => {
    // 61 s at 4 Mbit/s with jitter (judged from 30 s on: half the window), then 1 Mbit/s for 4 s, then back to 4.
    const steady = Array.from({ length: 61 }, (_, i) => 4 + (i % 3) * 0.1);
    const { marks, events } = run([...steady, 1, 1, 1, 1, 4, 4, 4]);
    expect(marks).toBe('.'.repeat(61) + '...R..C');
    expect(events[0].alert).toMatchObject({ kind: 'ingest-below-median', reference: 'cam', key: JSON.stringify(['drop', 'a', 'cam']) });
    expect(events[0].alert.message).toBe('a: ingest of cam 1.0 Mbit/s, below 50 % of its median 4.1 Mbit/s');
  });

  it('a dip shorter than N s, or one above X %, raises nothing; a young stream is not judged', () => {
    const steady = Array.from({ length: 61 }, () => 4);
    expect(run([...steady, 1, 1, 4, 1, 1, 4, 2.5, 2.5, 2.5, 2.5]).marks).toBe('.'.repeat(71));
    expect(run([4, 4, 4, 0.1, 0.1, 0.1, 0.1, 0.1]).marks).toBe('........');
  });

  it('a publisher that leaves clears the alert and is forgotten (a new run builds a new median)', () => {
    const steady = Array.from({ length: 61 }, () => 4);
    const { marks } = run([...steady, 1, 1, 1, 1, null, 1, 1, 1, 1, 1]);
    expect(marks).toBe('.'.repeat(61) + '...RC.....');
  });

  it('a lasting lower bitrate becomes the new normal once it is half the window', () => {
    const steady = Array.from({ length: 61 }, () => 4);
    const low = Array.from({ length: 40 }, () => 1);
    const { marks } = run([...steady, ...low]);
    expect(marks.indexOf('R')).toBe(64);
    expect(marks.indexOf('C')).toBeGreaterThan(64);
    expect(marks.replace(/\./g, '')).toBe('RC');
  });
});

describe('stream health: publisher reconnects', () => {
  const pub = (closed = false): SessionRow => ({
    core: 'a', collector: 'srt', id: 'cam', reference: 'cam', location: 'publish:cam', peer: '198.51.100.1:5000', extra: '',
    createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0, ...(closed ? { closedAtMs: 1 } : {}),
  });
  const viewer: SessionRow = { ...pub(), collector: 'hls', id: 'v', location: '/memfs/cam.m3u8', reference: 'cam' };
  const rule: AlertRule = { id: 'flap', kind: 'publisher-reconnects', moreThan: 2, withinMs: 10_000 };
  // 'P' open publisher, 'c' closed publisher still listed, '-' none listed (viewers only), 'x' the core unreachable.
  const run = (pattern: string) =>
    script([rule], [...pattern].map((_, i) => i), (i, t) => {
      const ch = pattern[i]!;
      const sessions = ch === 'P' ? [pub(), viewer] : ch === 'c' ? [pub(true), viewer] : ch === '-' ? [viewer] : [];
      return snap(t, [], [core('a', ch === 'x' ? 'unreachable' : 'online')], sessions);
    });

  it('counts a publisher coming back after a close or an absence; raises above K in M, clears when they age out', () => {
    // Comebacks at 2, 4 and 6 s: the third is more than 2 within 10 s. They age out at 12 s (>2 no longer).
    const { marks, events } = run('PcPcP-PPPPPPPPP');
    expect(marks).toBe('......R.....C..');
    expect(events[0].alert).toMatchObject({ kind: 'publisher-reconnects', reference: 'cam' });
    expect(events[0].alert.message).toBe('a: publisher of cam reconnected 3 times in 0.2 min (more than 2)');
  });

  it('the first publish is no reconnect, an unreachable core is no comeback, slow comebacks stay under K', () => {
    expect(run('-PPPPP').marks).toBe('......');
    expect(run('PxPxPxPxP').marks).toBe('.........');
    expect(run('PcPccccccPcccccccP').marks).toBe('..................');
  });
});
