import { describe, expect, it } from 'vitest';
import { drawSparkColumns, sameColumns, sparkColumns, sparkPath, sparkPeak, type SparkPen } from '../../src/renderer/src/charts/sparkline.ts';

const WINDOW_MS = 600_000;
const COLUMNS = 90;
const COLUMN_MS = WINDOW_MS / COLUMNS;

/** One sample a second from `fromS` to `toS` (inclusive), value from `value(t)`. */
function samples(fromS: number, toS: number, value: (s: number) => number | null): { atMs: number[]; values: (number | null)[] } {
  const atMs: number[] = [];
  const values: (number | null)[] = [];
  for (let s = fromS; s <= toS; s++) {
    atMs.push(s * 1000);
    values.push(value(s));
  }
  return { atMs, values };
}

/** Records the pen's moves as text: `M x,y` and `L x,y`. */
function record(): { pen: SparkPen; ops: string[] } {
  const ops: string[] = [];
  const pen: SparkPen = {
    beginPath: () => ops.push('begin'),
    moveTo: (x, y) => ops.push(`M ${x},${y}`),
    lineTo: (x, y) => ops.push(`L ${x},${y}`),
    stroke: () => ops.push('stroke'),
  };
  return { pen, ops };
}

describe('sparkline columns', () => {
  it('peaks at the greatest sample, 0 when every sample is 0 or stale (the scale\'s top stays 1)', () => {
    const zeros = samples(1000, 1599, (s) => (s % 5 === 0 ? null : 0));
    const flat = sparkColumns(zeros.atMs, zeros.values, COLUMNS, WINDOW_MS);
    expect(flat.top).toBe(1);
    expect(sparkPeak(flat)).toBe(0);
    const some = samples(1000, 1599, (s) => (s === 1300 ? 4 : s % 3));
    expect(sparkPeak(sparkColumns(some.atMs, some.values, COLUMNS, WINDOW_MS))).toBe(4);
  });

  it('puts each sample in the pixel column of its absolute time, the newest column at the right edge', () => {
    const { atMs, values } = samples(1000, 1000 + 599, (s) => s % 7);
    const c = sparkColumns(atMs, values, COLUMNS, WINDOW_MS);
    const last = Math.floor(atMs[atMs.length - 1]! / COLUMN_MS);
    // Every sample in the window, checked against its column's min and max by the plain definition.
    for (let i = 0; i < atMs.length; i++) {
      const slot = COLUMNS - 1 - (last - Math.floor(atMs[i]! / COLUMN_MS));
      if (slot < 0) continue;
      expect(c.min[slot]!).toBeLessThanOrEqual(values[i]!);
      expect(c.max[slot]!).toBeGreaterThanOrEqual(values[i]!);
    }
    expect(c.top).toBe(6);
    expect(c.max[COLUMNS - 1]).not.toBeNaN();
    expect(c.samples).toBeGreaterThan(590);
    expect(c.samples).toBeLessThanOrEqual(600);
  });

  it('keeps a dip inside a column (min and max), leaves empty columns as gaps and lifts the pen at a stale sample', () => {
    const { atMs, values } = samples(0, 120, (s) => (s === 60 ? 0 : s >= 90 && s < 100 ? null : 5));
    const c = sparkColumns(atMs, values, COLUMNS, WINDOW_MS);
    const slotOf = (s: number): number => COLUMNS - 1 - (Math.floor(120_000 / COLUMN_MS) - Math.floor((s * 1000) / COLUMN_MS));
    expect(c.min[slotOf(60)]).toBe(0);
    expect(c.max[slotOf(60)]).toBe(5);
    expect(c.lift[slotOf(95)]).toBe(1);
    expect(c.min[0]).toBeNaN(); // before the first sample: nothing
    const { pen, ops } = record();
    drawSparkColumns(pen, c, 18);
    expect(ops[0]).toBe('begin');
    expect(ops[ops.length - 1]).toBe('stroke');
    // The dip is drawn: a stroke down to y = 17 (value 0) in its column.
    expect(ops).toContain(`L ${slotOf(60) + 0.5},17`);
    // The column after the stale samples starts a new line (a move, not a line from the column before).
    const firstAfter = slotOf(100);
    expect(ops.some((o) => o.startsWith(`M ${firstAfter + 0.5},`) || o.startsWith(`M ${slotOf(99) + 0.5},`))).toBe(true);
  });

  it('draws nothing for fewer than two samples', () => {
    const { pen, ops } = record();
    drawSparkColumns(pen, sparkColumns([5000], [3], COLUMNS, WINDOW_MS), 18);
    drawSparkColumns(pen, sparkColumns([], [], COLUMNS, WINDOW_MS), 18);
    expect(ops).toEqual([]);
  });

  it('gives the same picture for a new sample in the same column with the same value, and another when a column starts', () => {
    const base = Math.floor(1_000_000 / COLUMN_MS) * COLUMN_MS; // the start of a column
    const a = samples(base / 1000 - 300, base / 1000 + 1, () => 4);
    const b = samples(base / 1000 - 300, base / 1000 + 2, () => 4);
    const first = sparkColumns(a.atMs, a.values, COLUMNS, WINDOW_MS);
    const spare = sparkColumns(b.atMs, b.values, COLUMNS, WINDOW_MS);
    expect(sameColumns(first, spare)).toBe(true);
    // A changed value in the newest column changes the picture.
    b.values[b.values.length - 1] = 5;
    expect(sameColumns(first, sparkColumns(b.atMs, b.values, COLUMNS, WINDOW_MS, spare))).toBe(false);
    // So does the next column starting (everything shifts left by one pixel).
    const c = samples(base / 1000 - 300, base / 1000 + Math.ceil(COLUMN_MS / 1000) + 1, () => 4);
    expect(sameColumns(first, sparkColumns(c.atMs, c.values, COLUMNS, WINDOW_MS))).toBe(false);
  });

  it('reuses the buffer it is given', () => {
    const { atMs, values } = samples(0, 30, () => 1);
    const into = sparkColumns([], [], COLUMNS, WINDOW_MS);
    expect(sparkColumns(atMs, values, COLUMNS, WINDOW_MS, into)).toBe(into);
    expect(into.samples).toBe(31);
  });

  it('draws a run of columns at one value as one segment, and every change of value, dip and gap as before', () => {
    // Two flat runs (2, then 4) with a dip to 0 in one column, a gap, and a stale sample lifting the pen.
    const { atMs, values } = samples(0, 599, (s) => (s === 200 ? 0 : s >= 300 && s < 320 ? null : s < 400 ? 2 : 4));
    const c = sparkColumns(atMs, values, COLUMNS, WINDOW_MS);
    const { pen, ops } = record();
    drawSparkColumns(pen, c, 18);
    // Column by column, every point (the plain drawing), then without the points inside a level run: a point on a line
    // whose next point goes on at the same level.
    const y = (v: number): number => 17 - (v / c.top) * 16;
    const points: { op: string; x: number; y: number }[] = [];
    let down = false;
    for (let i = 0; i < COLUMNS; i++) {
      if (c.min[i] !== c.min[i]) {
        down = false;
        continue;
      }
      const [lo, hi, x] = [c.min[i]!, c.max[i]!, i + 0.5];
      points.push({ op: down && c.lift[i] === 0 ? 'L' : 'M', x, y: y(hi) });
      if (hi !== lo) points.push({ op: 'L', x, y: y(lo) });
      down = true;
    }
    const turns = points
      .filter((p, k) => !(p.op === 'L' && points[k + 1]?.op === 'L' && points[k - 1]!.y === p.y && points[k + 1]!.y === p.y))
      .map((p) => `${p.op} ${p.x},${p.y}`);
    expect(ops.filter((o) => o !== 'begin' && o !== 'stroke')).toEqual(turns);
    // Far fewer points than columns: flat runs are one segment each.
    expect(ops.length).toBeLessThan(15);
    // A flat line from its first column to its last: one move, one line.
    const flat = samples(0, 599, () => 3);
    const { pen: flatPen, ops: flatOps } = record();
    drawSparkColumns(flatPen, sparkColumns(flat.atMs, flat.values, COLUMNS, WINDOW_MS), 18);
    expect(flatOps).toEqual(['begin', 'M 0.5,1', 'L 89.5,1', 'stroke']);
  });

  it('writes the same moves as an SVG path', () => {
    const { atMs, values } = samples(0, 60, (s) => (s < 30 ? 2 : 4));
    const c = sparkColumns(atMs, values, COLUMNS, WINDOW_MS);
    const { pen, ops } = record();
    drawSparkColumns(pen, c, 18);
    const fromOps = ops.filter((o) => o !== 'begin' && o !== 'stroke').map((o) => o.replace(' ', '')).join('');
    expect(sparkPath(c, 18)).toBe(fromOps);
    expect(sparkPath(c, 18)).toMatch(/^M[\d.]+,9L.*L[\d.]+,1$/); // from 2 (y = 9) to the top value 4 (y = 1)
    expect(sparkPath(sparkColumns([], [], COLUMNS, WINDOW_MS), 18)).toBe('');
  });
});
