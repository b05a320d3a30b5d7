import { describe, expect, it } from 'vitest';
import { OVERSCAN_ROWS, rowWindow, seenRows } from '../../src/renderer/src/views/table-body.ts';

describe('streams table window', () => {
  const viewport = (topPx: number): { topPx: number; heightPx: number; rowPx: number } => ({ topPx, heightPx: 600, rowPx: 30 });

  it('covers the rows in view plus the overscan, clamped to the rows', () => {
    expect(seenRows(2000, viewport(0))).toEqual({ first: 0, last: 19 });
    expect(seenRows(2000, viewport(45))).toEqual({ first: 1, last: 21 });
    expect(rowWindow(2000, { first: 0, last: -1 }, viewport(0))).toEqual({ first: 0, last: 19 + OVERSCAN_ROWS });
    expect(rowWindow(10, { first: 0, last: -1 }, viewport(0))).toEqual({ first: 0, last: 9 });
    expect(rowWindow(2000, { first: 0, last: -1 }, viewport(30 * 1990))).toEqual({ first: 1990 - OVERSCAN_ROWS, last: 1999 });
  });

  it('moves the rendered rows only when the viewport nears their edge, and follows a shrinking list', () => {
    const start = rowWindow(2000, { first: 0, last: -1 }, viewport(0))!;
    // A few pixels of scroll: nothing to render.
    expect(rowWindow(2000, start, viewport(10))).toBeNull();
    // Close to the bottom edge of the rendered rows: a new window around the viewport.
    const moved = rowWindow(2000, start, viewport(30 * (OVERSCAN_ROWS - 1)))!;
    expect(moved.first).toBe(0);
    expect(moved.last).toBe(OVERSCAN_ROWS - 1 + 19 + OVERSCAN_ROWS);
    // Far away (a jump): the window is where the viewport is.
    expect(rowWindow(2000, start, viewport(30 * 1000))).toEqual({ first: 1000 - OVERSCAN_ROWS, last: 1019 + OVERSCAN_ROWS });
    // The list shrinks under a scrolled window (a filter): rows from the start again.
    expect(rowWindow(5, { first: 1000, last: 4 }, viewport(30 * 1000))).toEqual({ first: 0, last: 4 });
    expect(rowWindow(0, { first: 0, last: 4 }, viewport(0))).toEqual({ first: 0, last: -1 });
    expect(rowWindow(0, { first: 0, last: -1 }, viewport(0))).toBeNull();
  });
});
