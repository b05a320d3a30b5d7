/**
 * The Streams view's sparklines: a stream's viewers over the last 10 minutes, reduced to one column per pixel and
 * drawn as one SVG path. Columns are aligned to absolute time (column = floor(t / column width)), so the picture only
 * changes when a new column starts (every 6.7 s at 90 px for 10 minutes) or a value in the newest column changes:
 * a row whose picture did not change is not drawn again. Each column keeps the minimum and maximum of its samples
 * (a dip inside 6.7 s stays visible, as when every sample was a path point); a column without a sample is a gap, and
 * a stale sample (null) lifts the pen, as the SVG path did.
 */

/**
 * A sparkline reduced to pixel columns: the picture, and nothing else, so two equal ones draw the same pixels. Float32
 * (viewer counts are exact to 2^24): the columns travel from the sessions worker to the page in one typed array.
 */
export interface SparkColumns {
  /** Per column, the least sample (NaN: no sample in the column). */
  min: Float32Array;
  /** Per column, the greatest sample (NaN: no sample). */
  max: Float32Array;
  /** 1 where a stale sample (null) falls in the column: the line does not join it to the column before. */
  lift: Uint8Array;
  /** The top of the scale: the greatest sample, at least 1. */
  top: number;
  /** Samples that fell in the window. */
  samples: number;
}

/**
 * Reduces samples (times ascending, Unix ms; a stale sample is null or NaN) to `columns` columns covering `windowMs`
 * up to the newest sample's column. `into` is reused when it has the right width.
 */
export function sparkColumns(atMs: ArrayLike<number>, values: ArrayLike<number | null>, columns: number, windowMs: number, into?: SparkColumns): SparkColumns {
  const out: SparkColumns =
    into && into.min.length === columns
      ? into
      : { min: new Float32Array(columns), max: new Float32Array(columns), lift: new Uint8Array(columns), top: 1, samples: 0 };
  out.min.fill(NaN);
  out.max.fill(NaN);
  out.lift.fill(0);
  out.top = 1;
  out.samples = 0;
  const n = atMs.length;
  if (n === 0) return out;
  const columnMs = windowMs / columns;
  const lastColumn = Math.floor(atMs[n - 1]! / columnMs);
  // Newest first: stop at the first sample left of the window.
  for (let i = n - 1; i >= 0; i--) {
    const slot = columns - 1 - (lastColumn - Math.floor(atMs[i]! / columnMs));
    if (slot < 0) break;
    out.samples++;
    const v = values[i];
    if (v === null || v === undefined || v !== v) {
      out.lift[slot] = 1;
      continue;
    }
    if (!(v >= out.min[slot]!)) out.min[slot] = v; // NaN compares false: the first sample sets both
    if (!(v <= out.max[slot]!)) out.max[slot] = v;
    if (v > out.top) out.top = v;
  }
  return out;
}

/**
 * The greatest sample of the columns (0 without one): what the line reaches, which `top` (the scale, at least 1) is
 * not. A stream that had no viewer in 10 minutes peaks at 0, not at the scale's 1.
 */
export function sparkPeak(c: SparkColumns): number {
  let peak = 0;
  for (let i = 0; i < c.max.length; i++) if (c.max[i]! > peak) peak = c.max[i]!; // NaN (no sample) compares false
  return peak;
}

/** True when `a` and `b` draw the same picture. */
export function sameColumns(a: SparkColumns, b: SparkColumns): boolean {
  if (a.top !== b.top || a.min.length !== b.min.length) return false;
  const same = (x: number, y: number): boolean => x === y || (x !== x && y !== y); // equal, or both NaN
  for (let i = 0; i < a.min.length; i++) {
    if (!same(a.min[i]!, b.min[i]!) || !same(a.max[i]!, b.max[i]!) || a.lift[i] !== b.lift[i]) return false;
  }
  return true;
}

/** What the drawing needs of a canvas 2D context (a test records the calls). */
export type SparkPen = Pick<CanvasRenderingContext2D, 'beginPath' | 'moveTo' | 'lineTo' | 'stroke'>;

/**
 * Draws the columns as one line into a `widthPx` × `heightPx` box (CSS pixels; the caller scales for the device):
 * column i at x = i + 0.5, the value v at y = height - 1 - v / top × (height - 2), a vertical stroke from min to max
 * where they differ. At least two samples are needed for a line (one sample draws nothing, as before). A run of
 * columns at one value is one segment, not one per column: the same line, and a stroke with round joins costs per
 * point (a flat line of 90 points rastered ~3× slower than one segment in Chromium's software canvas).
 * `beginPath` and `stroke` frame the line: a caller drawing several lines as one path passes a pen without them.
 */
export function drawSparkColumns(pen: SparkPen, c: SparkColumns, heightPx: number): void {
  if (c.samples < 2) return;
  const y = (v: number): number => heightPx - 1 - (v / c.top) * (heightPx - 2);
  pen.beginPath();
  let down = false;
  let drawn = false;
  // The pen's last point's y, and the x of a horizontal line from it not yet drawn (NaN: none): it may go on further.
  let penY = NaN;
  let heldX = NaN;
  const release = (): void => {
    if (heldX === heldX) pen.lineTo(heldX, penY);
    heldX = NaN;
  };
  const lineTo = (x: number, to: number): void => {
    if (to === penY) {
      heldX = x;
      return;
    }
    release();
    pen.lineTo(x, to);
    penY = to;
  };
  for (let i = 0; i < c.min.length; i++) {
    const lo = c.min[i]!;
    if (lo !== lo) {
      // no sample: a gap, unless only a stale sample fell here (then the pen is lifted as well)
      down = false;
      continue;
    }
    const hi = c.max[i]!;
    const x = i + 0.5;
    if (down && c.lift[i] === 0) lineTo(x, y(hi));
    else {
      release();
      pen.moveTo(x, (penY = y(hi)));
    }
    if (hi !== lo) lineTo(x, y(lo));
    else if (!down || c.lift[i] === 1) lineTo(x + 0.5, y(hi)); // a lone column: a dot, not nothing
    down = true;
    drawn = true;
  }
  release();
  if (drawn) pen.stroke();
}

/** The columns as an SVG path (`M`/`L` commands, one decimal), as drawSparkColumns draws them. */
export function sparkPath(c: SparkColumns, heightPx: number): string {
  let d = '';
  const f = (v: number): string => String(Math.round(v * 10) / 10);
  drawSparkColumns(
    {
      beginPath: () => undefined,
      moveTo: (x, y) => void (d += `M${f(x)},${f(y)}`),
      lineTo: (x, y) => void (d += `L${f(x)},${f(y)}`),
      stroke: () => undefined,
    },
    c,
    heightPx,
  );
  return d;
}
