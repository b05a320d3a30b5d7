import { afterAll, describe, expect, it } from 'vitest';
import { RowPainter, TILE_ROWS, type ColumnGeometry, type Context2D, type Geometry, type PaintedRow, type TileSurface } from '../../src/renderer/src/paint/row-painter.ts';
import { openDomPage } from './dom-page.ts';

/** A text column of the cell box `[cellLeftPx, cellLeftPx + cellWidthPx)`, 8 px padding either side. */
function column(cellLeftPx: number, cellWidthPx: number, right = false): ColumnGeometry {
  return {
    kind: 'row', color: '', padXPx: 0, padYPx: 0, rest: null, sparkLeftPx: 0, sparkTopPx: 0, sparkWidthPx: 0, sparkHeightPx: 0,
    leftPx: cellLeftPx + 8, widthPx: cellWidthPx - 16, cellLeftPx, cellWidthPx, right, font: '13px sans-serif', tabular: false, digitPx: 7,
  };
}

/** Three columns on opaque tiles (the Sessions table's kind): plain data, as a worker would be given it. */
const GEOMETRY: Geometry = {
  columns: [column(0, 120), column(120, 160), column(280, 100, true)],
  widthPx: 380,
  baselinePx: 19,
  dpr: 1,
  color: 'rgb(20, 20, 20)',
  mutedColor: 'rgb(120, 120, 120)',
  endingColor: 'rgb(200, 120, 0)',
  markFont: '10px sans-serif',
  tones: new Map(),
  back: { plain: 'rgb(255, 255, 255)', hover: 'rgb(240, 240, 240)', selected: 'rgb(220, 230, 255)', bar: 'rgb(0, 90, 200)', line: 'rgb(210, 210, 210)', linePx: 1 },
};

const row = (texts: string[], state: PaintedRow['state'] = 'live'): PaintedRow => ({ texts, state, dirty: true });

/** A 2D context that records what is drawn (each text ~7 px a character). */
function recordingContext(): { ctx: Context2D; calls: string[] } {
  const calls: string[] = [];
  const ctx = {
    font: '', fillStyle: '', globalAlpha: 1, textAlign: 'left', letterSpacing: '0px',
    measureText: (text: string) => ({ width: 7 * text.length, fontBoundingBoxAscent: 10, fontBoundingBoxDescent: 3 }),
    fillText: (text: string, x: number) => void calls.push(`text ${text} @${x}`),
    fillRect: (x: number, y: number, w: number, h: number) => void calls.push(`fill ${ctx.fillStyle} ${x},${y} ${w}x${h}`),
    clearRect: () => void calls.push('clear'),
    setTransform: () => undefined,
  };
  return { ctx: ctx as unknown as Context2D, calls };
}

describe('RowPainter (paint/row-painter.ts)', () => {
  it('draws without a DOM, and an update draws only the cells whose text changed', () => {
    // The test's environment is Node: no document or window for the painter to lean on.
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    const { ctx, calls } = recordingContext();
    const painter = new RowPainter(ctx, true);
    painter.setGeometry(GEOMETRY);
    const tile: TileSurface = { ctx, font: '', fill: '', alpha: 1, rows: 0, drawn: [] };
    const canvas = { width: 0, height: 0 };
    expect(painter.placeTile(tile, canvas, 2, 30)).toBe(true);
    expect(canvas).toEqual({ width: 380, height: 60 });
    const rows = [row(['rtmp', '/live/a', '12 kbit/s']), row(['hls', '/live/b', '3 Mbit/s'])];
    calls.length = 0;
    painter.drawTile(tile, 0, 0, rows, 30);
    expect(calls.filter((c) => c.startsWith('text'))).toEqual(['text rtmp @8', 'text hls @8', 'text /live/a @128', 'text /live/b @128', 'text 12 kbit/s @309', 'text 3 Mbit/s @316']);
    // Drawn again with nothing changed: nothing drawn.
    calls.length = 0;
    painter.drawTile(tile, 0, 0, rows, 30);
    expect(calls).toEqual([]);
    // One rate changed: its cell's box (less the row's border) filled with the row's background, its text drawn.
    rows[1]!.texts[2] = '4 Mbit/s';
    rows[1]!.dirty = true;
    calls.length = 0;
    painter.drawTile(tile, 0, 0, rows, 30);
    expect(calls).toEqual(['fill rgb(255, 255, 255) 280,30 100x29', 'text 4 Mbit/s @316']);
    expect(TILE_ROWS).toBe(8);
  });
});

describe('RowPainter in a worker (real Chromium)', () => {
  let close: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await close?.();
  });

  it('draws the same pixels on an OffscreenCanvas in a worker as on a page canvas', async () => {
    const dom = await openDomPage();
    close = dom.close;
    const geometry = { ...GEOMETRY, tones: [] as [string, string][] };
    const rows = [row(['rtmp', '/live/c0-stream-473', '6.00 Mbit/s']), row(['hls', 'publish:/live/c1-stream-64', '737 kB'], 'idle'), row(['srt', 'WAVE Ąž …', '0 B'], 'stale')];
    // A string, not a function: vitest rewrites `import()` in this file's functions. The same code runs in the page and
    // in a module worker (the painter's module imported by URL), each drawing on its own canvas; both read back.
    const result = (await dom.page.evaluate(`(async () => {
      const url = location.origin + '/src/renderer/src/paint/row-painter.ts';
      const draw = ${String(drawPixels)};
      const args = ${JSON.stringify({ geometry, rows })};
      const page = await draw(await import(url), new OffscreenCanvas(1, 1), args, document.createElement('canvas'));
      const source = 'const draw = ' + ${JSON.stringify(String(drawPixels))} + ';' +
        'onmessage = async (e) => postMessage(await draw(await import(e.data.url), new OffscreenCanvas(1, 1), e.data.args, new OffscreenCanvas(1, 1)));';
      const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
      const inWorker = await new Promise((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ url, args });
      });
      worker.terminate();
      return { page, worker: inWorker };
    })()`)) as { page: { pixels: number[]; ink: number }; worker: { pixels: number[]; ink: number } };
    expect(dom.errors).toEqual([]);
    // Texts were drawn (pixels other than the rows' background and border), and the two threads drew the same pixels:
    // the worker's canvas resolves the same font.
    expect(result.page.ink).toBeGreaterThan(200);
    expect(result.worker.pixels.length).toBe(result.page.pixels.length);
    expect(result.worker.ink).toBe(result.page.ink);
    expect(result.worker.pixels).toEqual(result.page.pixels);
  }, 60_000);
});

/**
 * Runs in the page or a worker (as its source text): rows drawn by a `RowPainter` on `canvas` (a page canvas or an
 * OffscreenCanvas), read back; `ink`: the pixels darker than the rows' backgrounds and border.
 */
async function drawPixels(
  mod: { RowPainter: new (probe: unknown, opaque: boolean) => { setGeometry(g: unknown): void; placeTile(...a: unknown[]): boolean; drawTile(...a: unknown[]): void } },
  probe: { getContext(kind: '2d'): unknown },
  args: { geometry: Record<string, unknown> & { tones: [string, string][] }; rows: unknown[] },
  canvas: { getContext(kind: '2d', o: object): unknown; width: number; height: number },
): Promise<{ pixels: number[]; ink: number }> {
  const painter = new mod.RowPainter(probe.getContext('2d'), true);
  painter.setGeometry({ ...args.geometry, tones: new Map(args.geometry.tones) });
  const ctx = canvas.getContext('2d', { alpha: false }) as { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  const tile = { ctx, font: '', fill: '', alpha: 1, rows: 0, drawn: [] };
  painter.placeTile(tile, canvas, args.rows.length, 30);
  painter.drawTile(tile, 0, 0, args.rows, 30);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 200) ink++;
  return { pixels: Array.from(data), ink };
}
