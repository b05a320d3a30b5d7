import { describe, expect, it } from 'vitest';
import { type Ev, shownByViz } from '../../bench/offscreen.bench.ts';

// A trace's events on the display compositor's thread (pid 1, tid 2) and one other thread (pid 3, tid 4); µs.
const VIZ = { pid: 1, tid: 2 };
const names: Ev[] = [
  { name: 'thread_name', ph: 'M', ts: 0, ...VIZ, args: { name: 'VizCompositorThread' } },
  { name: 'thread_name', ph: 'M', ts: 0, pid: 3, tid: 4, args: { name: 'CrRendererMain' } },
];
const commit = (ts: number, on = VIZ): Ev => ({ name: 'Surface::CommitFrame', ph: 'X', ts, dur: 10, ...on });
const draw = (ts: number, dur: number): Ev => ({ name: 'Display::DrawAndSwap', ph: 'X', ts, dur, ...VIZ });

describe('shownByViz (when viz showed an update, read from a trace)', () => {
  it("times an update to the end of viz's first draw after its last frame reached viz", () => {
    const events = [...names, commit(1_000), draw(500, 100), draw(3_000, 2_000), draw(9_000, 100)];
    expect(shownByViz(events, [{ fromTs: 0, startTs: 0, endTs: 8_000 }])).toEqual({ shown: [5], torn: 0 });
  });

  it('counts an update shown torn when viz drew between its first and last frame; the whole shows after the last', () => {
    const events = [...names, commit(1_000), draw(2_000, 500), commit(4_000), draw(6_000, 1_000)];
    expect(shownByViz(events, [{ fromTs: 500, startTs: 0, endTs: 10_000 }])).toEqual({ shown: [6.5], torn: 1 });
  });

  it("leaves out an update with no frame in its span, or none drawn after it, and frames of other threads", () => {
    const events = [...names, commit(1_000, { pid: 3, tid: 4 }), commit(20_000), draw(2_000, 100)];
    expect(shownByViz(events, [{ fromTs: 0, startTs: 0, endTs: 10_000 }, { fromTs: 15_000, startTs: 15_000, endTs: 30_000 }])).toEqual({ shown: [], torn: 0 });
  });
});
