import { describe, expect, it } from 'vitest';
import { MedianWindow } from '../../../src/main/alerts/median.ts';

describe('MedianWindow', () => {
  it('gives the median of the samples inside the window, odd and even counts, with duplicates', () => {
    const w = new MedianWindow(5000);
    expect(w.median()).toBe(0);
    expect(w.spanMs(0)).toBe(0);
    [5, 1, 3, 3, 9].forEach((v, i) => w.add(i * 1000, v));
    expect(w.median()).toBe(3);
    expect(w.spanMs(4000)).toBe(4000);
    w.add(5000, 10); // t=0 (5) leaves the window: 1 3 3 9 10
    expect(w.size).toBe(5);
    expect(w.median()).toBe(3);
    w.add(6000, 8); // t=1000 (1) leaves: 3 3 8 9 10
    expect(w.median()).toBe(8);
    w.add(20_000, 2); // everything else leaves
    expect([w.size, w.median(), w.spanMs(20_000)]).toEqual([1, 2, 0]);
  });
});
