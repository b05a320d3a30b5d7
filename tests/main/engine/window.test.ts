import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../../src/main/engine/window.ts';

const at = (s: number): number => Math.round(s * 1000);

describe('SlidingWindow (spec §2.1)', () => {
  it('replays the worked example: 8008 bits at t=1.5', () => {
    const w = new SlidingWindow(0);
    w.add(8008, at(1.5));
    expect(w.average(at(1.5))).toBe(0);
    expect(w.average(at(2.5))).toBe(4004);
    expect(w.average(at(3.5))).toBeCloseTo(2669.333, 3);
    expect(w.average(at(8.5))).toBe(1001);
    expect(w.average(at(10.5))).toBe(800.8);
    expect(w.average(at(11))).toBe(0);
    expect(w.average(at(11.5))).toBe(0);
    expect(w.average(at(500))).toBe(0);
  });

  it('is the same whether or not it is read in between', () => {
    const a = new SlidingWindow(0);
    const b = new SlidingWindow(0);
    a.add(8008, at(1.5));
    b.add(8008, at(1.5));
    for (let t = 1.5; t <= 10.5; t += 0.25) a.average(at(t));
    expect(a.average(at(10.5))).toBe(b.average(at(10.5)));
  });

  it('reads a steady 1000 B/s as exactly 8000 bit/s (9 complete + current partial second)', () => {
    const w = new SlidingWindow(0);
    for (let s = 0; s < 60; s++) {
      w.add(8000, at(s));
      if (s >= 10) expect(w.average(at(s + 0.5))).toBe(8000);
    }
  });

  it('excludes the in-progress second during warm-up and divides by the elapsed seconds', () => {
    const w = new SlidingWindow(0);
    w.add(1000, at(0.2));
    w.add(3000, at(1.2));
    expect(w.average(at(1.9))).toBe(1000);
    expect(w.average(at(2))).toBe(2000);
    w.add(5000, at(2.1));
    expect(w.average(at(2.9))).toBe(2000);
    expect(w.average(at(3))).toBe(3000);
  });

  it('starts at its own creation time (ticks are relative to the start)', () => {
    const w = new SlidingWindow(at(0.7));
    w.add(800, at(1.2));
    expect(w.average(at(1.69))).toBe(0);
    expect(w.average(at(1.7))).toBe(800);
  });

  it('drops whole windows after a long gap and keeps counting afterwards', () => {
    const w = new SlidingWindow(0);
    w.add(80_000, at(5.5));
    expect(w.average(at(100))).toBe(0);
    w.add(80_000, at(100.5));
    expect(w.average(at(101.5))).toBe(8000);
  });
});
