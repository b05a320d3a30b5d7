/**
 * A table's rows drawn on a 2D context in tiles, with no DOM: the drawing half of the painted tables (table-canvas.ts
 * keeps the DOM half: the tiles' canvases, where they sit, and the geometry read from the rows' computed styles). What
 * is drawn, and how, is the same whichever context it is given: a page canvas's (the painter on the page's main
 * thread) or an OffscreenCanvas's, so a worker can draw the rows on canvases the page transferred to it (see
 * docs/decisions.md, "The Sessions tiles drawn by a worker on OffscreenCanvases"). Nothing here reads the DOM: the
 * geometry (`Geometry`: the columns' x, fonts and colours) comes from whoever read it, as plain data.
 *
 * A tile holds rows `k * TILE_ROWS` onwards (tile k); an update draws only the rows whose place, texts or state changed,
 * and in them only the cells whose text changed (see `RowPainter.drawTile`).
 */
import { drawSparkColumns, type SparkColumns, type SparkPen } from '../charts/sparkline.ts';

/** A 2D context the rows are drawn on: a page canvas's, or an OffscreenCanvas's (in a worker too). */
export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * What a row looks like on the canvas: its cells' texts, and its state (idle and ending rows are muted and marked, a
 * stale row faded). A cell is drawn as its `data-paint` attribute says (see `CellKind`).
 */
export interface PaintedRow {
  readonly texts: readonly string[];
  readonly state: 'live' | 'idle' | 'ending' | 'stale';
  /** Per column, the sparkline of a `spark` cell: replaced (a new object), never changed, when its picture changes. */
  readonly sparks?: readonly (SparkColumns | null)[];
  /** The colour of a `badge` cell's pill: a custom property of the row's style (`--good`, `--wait`, `--bad`). */
  readonly tone?: string;
  /** Set by the row when its texts, sparklines or state changed since it was last drawn; cleared by the painter. */
  dirty: boolean;
  /** Told, as each text cell is drawn, whether its text was cut to fit ("…"): its tooltip shows it whole. */
  readonly cells?: { cut(column: number, cut: boolean): void };
  /** Selected (an opaque painter paints its background and bar; the row marks itself dirty when it changes). */
  readonly selected?: boolean;
}

/**
 * How a cell is drawn, from its `data-paint` attribute:
 * - none (`row`): its text in the cell's font, in the row's colour (muted when idle or ending);
 * - `text`: its text in the font and colour of the cell's first element (a button, a `<b>`) or the cell's own;
 * - `badge`: the text's first word as a pill in the first element's font and the tone's colour (`.badge`), the rest
 *   after it in the second element's font and colour (a `<small>`);
 * - `spark`: the row's sparkline, drawn where the cell's first element (an empty SVG of the line's size) sits, in its
 *   colour.
 */
export type CellKind = 'row' | 'text' | 'badge' | 'spark';

/** A font and colour as a cell's element has them. */
export interface TextStyle {
  font: string;
  color: string;
}

/** How one column is drawn, read from the first row's cell (`#measure`). */
export interface ColumnGeometry {
  kind: CellKind;
  /** `text`, `badge` (its pill) and `spark`: the colour (the row's for `row` cells, and the tone's for a pill). */
  color: string;
  /** `badge`: the pill's padding (CSS px), and the rest's style and gap before it. */
  padXPx: number;
  padYPx: number;
  rest: TextStyle | null;
  /** `spark`: the line's box from the row's left and top (CSS px), and its stroke width. */
  sparkLeftPx: number;
  sparkTopPx: number;
  sparkWidthPx: number;
  sparkHeightPx: number;
  /** The text's box (inside the cell's padding), from the row's left edge. */
  leftPx: number;
  widthPx: number;
  /** The cell's box, cleared to redraw the cell alone. */
  cellLeftPx: number;
  cellWidthPx: number;
  right: boolean;
  font: string;
  /** Digits drawn one by one at the widest digit's advance: the font's digits differ in width (tabular-nums). */
  tabular: boolean;
  digitPx: number;
}

export interface Geometry {
  columns: ColumnGeometry[];
  widthPx: number;
  /** The text's baseline from the row's top. */
  baselinePx: number;
  dpr: number;
  color: string;
  mutedColor: string;
  endingColor: string;
  markFont: string;
  /** The tones' colours by custom property. */
  tones: Map<string, string>;
  /** An opaque painter's rows' backgrounds (null: transparent tiles, the rows' own backgrounds show through). */
  back: RowBackgrounds | null;
}

/**
 * A row's background as styles.css has it (`.tr`, `.tr:hover`, `.tr.selected`), each colour as it shows over the table
 * (the first ancestor with a background): painted by an opaque painter, whose tiles hide the rows.
 */
export interface RowBackgrounds {
  plain: string;
  hover: string;
  selected: string;
  /** The selected row's bar (`box-shadow: inset 3px 0 0 var(--accent)`), `SELECTED_BAR_PX` wide. */
  bar: string;
  /** The row's bottom border. */
  line: string;
  linePx: number;
}

/** The opacity of a stale row's cells (styles.css `.streams-table tr.stale td`). */
const STALE_ALPHA = 0.55;
/** The pill's share of its tone (styles.css `.badge-good`: `color-mix(in srgb, var(--good) 18%, transparent)`). */
const BADGE_ALPHA = 0.18;
/** The sparkline's stroke (the SVG's `stroke-width`, `stroke-linejoin`). */
const SPARK_LINE_PX = 1.5;
/** The tones a pill may have. */
export const TONES = ['--good', '--wait', '--bad'] as const;
/** The selected row's bar's width (styles.css `.tr.selected`: `box-shadow: inset 3px 0 0 var(--accent)`). */
const SELECTED_BAR_PX = 3;

/** The `idle ` / `ending ` marks styles.css draws before an idle or ending row's rx rate (`.tr.idle …::before`). */
const MARKS = { idle: 'IDLE ', ending: 'ENDING ' } as const;
/** The mark's letter spacing and size (styles.css `.tr.idle .td[data-col='rxBitsPerSec']::before`). */
const MARK_LETTER_SPACING = '0.4px';
export const MARK_SIZE = '10px';
const ELLIPSIS = '…';

/**
 * A text's start as a cut cell shows it: with the ellipsis, or, when the start holds an ellipsis of the view's own (the
 * Local column's `/memfs/….m3u8`, `publish:….stream`), up to that one: `/memfs/…`, not `/memfs/….…` or `/memfs/……`
 * (a piece of the tail says nothing; the tooltip shows the whole text).
 */
function cutText(start: string): string {
  const own = start.lastIndexOf(ELLIPSIS);
  return own >= 0 ? start.slice(0, own + 1) : start + ELLIPSIS;
}
/** Whether two `badge` texts start with the same word (their pill) and both have a rest after it. */
function sameFirstWord(a: string, b: string): boolean {
  const space = a.indexOf(' ');
  return space > 0 && b.length > space && b.charCodeAt(space) === 32 && b.startsWith(a.slice(0, space));
}

/**
 * A kerning pair widens a text by at most this share of the font's size (+0.056 em measured, "-J" in DejaVu Sans, the
 * most of any ASCII pair in the app's fonts): `#advances` adds it per character.
 */
const KERN_EM = 0.1;
/** Cached text widths and fitted texts are dropped past this many (a day of changing numbers would grow them). */
const CACHE_LIMIT = 20_000;

/** A font's characters' advances, each measured alone (NaN: not yet), and what a kerning pair may add per character. */
interface CharAdvances {
  ascii: Float64Array;
  other: Map<string, number>;
  marginPx: number;
}

/** What was drawn at a place: its row, texts, sparklines, state, tone and background ('' with transparent tiles). */
interface Drawn {
  row: PaintedRow;
  texts: string[];
  sparks: (SparkColumns | null)[] | null;
  state: PaintedRow['state'];
  tone: string | undefined;
  back: string;
}

/** A 2D context and its font, fill and alpha as last set (a canvas resize resets them). */
interface Surface {
  readonly ctx: Context2D;
  font: string;
  fill: string;
  alpha: number;
}

/**
 * A tile's surface: its context, and what was drawn at each of its `rows` places (null: drawn whole when its row is
 * rendered). Rows `k * TILE_ROWS` onwards (tile k) (`rows` of them: fewer in the table's last tile).
 */
export interface TileSurface extends Surface {
  rows: number;
  drawn: (Drawn | null)[];
}

/**
 * The rows per tile. A scroll draws (and the compositor takes) only the tiles that came in, not all ~40 rendered rows;
 * an update only the tiles whose rows changed.
 */
export const TILE_ROWS = 8;

/** A row to draw: at place `slot` of the tile, the columns to draw (null: all of them). */
interface Todo {
  row: PaintedRow;
  slot: number;
  cols: boolean[] | null;
  /** Per column, a `badge` cell whose first word (the pill) stayed: only the rest after it is drawn (null: none). */
  rest: boolean[] | null;
}

/**
 * The rectangles a tile's update clears (transparent tiles) or fills with the row's background (opaque tiles) before
 * it draws, as few as cover them: a clear is a drawing operation of its own when the tile's recorded operations are
 * rastered in the commit (~1 µs each there, a page microbench: 88 cells cleared one by one cost 0.22 ms per tile
 * against 0.15 cleared by row), so a rectangle directly under the last one added with the same left edge, width and
 * colour (the next row's same run of cells, or the whole row) extends it. The pixels cleared are those the cells' own
 * clears would have cleared. (An opaque tile's fills leave each row's bottom border, so they do not meet down the rows.)
 */
class Clears {
  readonly #rects: { x: number; w: number; y: number; h: number; color: string }[] = [];
  /** Where the rectangles of the row before the last one added start (only those can be extended). */
  #prevRow = 0;
  #rowStart = 0;
  #rowY = NaN;

  /** `color`: the fill ('' clears). */
  add(x: number, w: number, y: number, h: number, color: string): void {
    if (y !== this.#rowY) {
      this.#prevRow = this.#rowStart;
      this.#rowStart = this.#rects.length;
      this.#rowY = y;
    }
    for (let i = this.#prevRow; i < this.#rowStart; i++) {
      const r = this.#rects[i]!;
      if (r.x === x && r.w === w && r.y + r.h === y && r.color === color) {
        r.h += h;
        // Moved to this row's rectangles, so the next row can extend it again.
        this.#rects.splice(i, 1);
        this.#rowStart--;
        this.#rects.push(r);
        return;
      }
    }
    this.#rects.push({ x, w, y, h, color });
  }

  /** Clears or fills the rectangles, in the order added (`fill` sets the surface's fill). */
  flush(ctx: Context2D, fill: (color: string) => void): void {
    for (const r of this.#rects) {
      if (r.color === '') ctx.clearRect(r.x, r.y, r.w, r.h);
      else {
        fill(r.color);
        ctx.fillRect(r.x, r.y, r.w, r.h);
      }
    }
  }
}

/**
 * Draws rows on tiles' contexts (see the file's comment): the text widths and fitted texts cached per font, the
 * columns' geometry as given (`setGeometry`), the hovered row (an opaque painter paints its background) and the column
 * the idle / ending marks go before.
 */
export class RowPainter {
  /** Opaque tiles: the rows' backgrounds, borders, hover and selection painted under the texts. */
  readonly #opaque: boolean;
  /** The row under the pointer (an opaque painter paints its hover background). */
  #hovered: PaintedRow | null = null;
  /** A context texts are measured with outside a tile (any canvas's: a detached one's). */
  readonly #probe: Surface;
  /** The surface drawn on or measured with. */
  #s: Surface;
  #markColumn = -1;
  #geometry: Geometry | null = null;
  /** Text widths by font, then text (no key string built per lookup), `#widthCount` of them. */
  readonly #widths = new Map<string, Map<string, number>>();
  #widthCount = 0;
  /**
   * Fitted texts by font (tabular digits apart), then width, then text: no key string built per lookup (a template
   * string of font, width and text, ~120 characters, built, flattened and hashed for every cell drawn cut), as the
   * widths are (`#widths`). `#fittedCount` of them.
   */
  readonly #fitted = new Map<string, Map<number, Map<string, string>>>();
  readonly #fittedTabular = new Map<string, Map<number, Map<string, string>>>();
  #fittedCount = 0;
  /** Per font, each character's advance measured alone (`#advances`). */
  readonly #charPx = new Map<string, CharAdvances>();
  readonly #fontMetrics = new Map<string, { ascent: number; descent: number }>();

  /** `probe`: a context to measure texts with outside a tile; `opaque`: the tiles paint the rows' backgrounds too. */
  constructor(probe: Context2D, opaque: boolean) {
    this.#opaque = opaque;
    this.#s = this.#probe = { ctx: probe, font: '', fill: '', alpha: 1 };
  }

  /** The columns' geometry, fonts and colours the rows are drawn with (null: none given yet). */
  get geometry(): Geometry | null {
    return this.#geometry;
  }

  /**
   * New geometry (the columns, the width, the theme or the fonts changed): the cached widths and fitted texts are
   * dropped, and every tile must be placed again (`placeTile`) before it is drawn.
   */
  setGeometry(g: Geometry): void {
    this.#geometry = g;
    this.#s = this.#probe;
    // The probe's context may have been used by whoever read the geometry: its font and fill are set again.
    this.#probe.font = this.#probe.fill = '';
    this.#widths.clear();
    this.#widthCount = 0;
    this.#charPx.clear();
    this.#fitted.clear();
    this.#fittedTabular.clear();
    this.#fittedCount = 0;
    this.#fontMetrics.clear();
  }

  /** The column the idle / ending marks go before (-1: none). */
  setMarkColumn(index: number): void {
    this.#markColumn = index;
  }

  /**
   * The row under the pointer (null: none): an opaque painter draws its background as hovered at the next draw. True
   * when that changes what is to be painted.
   */
  setHovered(row: PaintedRow | null): boolean {
    if (!this.#opaque || this.#hovered === row) return false;
    if (this.#hovered) this.#hovered.dirty = true;
    if (row) row.dirty = true;
    this.#hovered = row;
    return true;
  }

  /**
   * Makes `tile` (on `canvas`, a page canvas or an OffscreenCanvas) an empty tile of `n` rows with the geometry: its
   * bitmap sized (a new size clears it and the context's state) or cleared, filled with the rows' background (opaque),
   * nothing drawn at its places. True when the bitmap was sized anew (its CSS size changes with it).
   */
  placeTile(tile: TileSurface, canvas: { width: number; height: number }, n: number, rowPx: number): boolean {
    const g = this.#geometry;
    if (!g) return false;
    const ctx = tile.ctx;
    const width = Math.round(g.widthPx * g.dpr);
    const height = Math.round(n * rowPx * g.dpr);
    const resized = canvas.width !== width || canvas.height !== height;
    if (resized) {
      canvas.width = width;
      canvas.height = height;
      tile.font = tile.fill = '';
      tile.alpha = 1;
    } else if (!g.back) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, width, height);
    }
    ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
    // Opaque: every place is drawn whole (its background with it) when its row is rendered, and the places without one
    // are clipped away by whoever shows the tile; the fill is for the pixels no row covers (the last row's fraction of a
    // pixel).
    if (g.back) {
      this.#s = tile;
      this.#setFill(g.back.plain);
      ctx.fillRect(0, 0, g.widthPx, n * rowPx);
    }
    tile.rows = n;
    tile.drawn = Array.from({ length: n }, () => null);
    return resized;
  }

  /**
   * Draws tile `k`'s places from the rendered rows (row `first + i` is `rows[i]`, each `rowPx` high): only the rows
   * whose place, texts or state changed, and in a row whose place and state stayed only the cells whose text changed.
   * A place out of the rendered rows keeps its pixels (whoever shows the tile clips it away) and is drawn whole when its
   * row is rendered again.
   */
  drawTile(tile: TileSurface, k: number, first: number, rows: readonly PaintedRow[], rowPx: number): void {
    const g = this.#geometry;
    if (!g) return;
    const n = tile.rows;
    const end = first + rows.length;
    this.#s = tile;
    const todo: Todo[] = [];
    const clears = new Clears();
    for (let slot = 0; slot < n; slot++) {
      const r = k * TILE_ROWS + slot;
      const row = r >= first && r < end ? rows[r - first] : undefined;
      const was = tile.drawn[slot];
      if (!row) {
        tile.drawn[slot] = null;
        continue;
      }
      if (!row.dirty && was?.row === row) continue;
      row.dirty = false;
      const back = g.back ? (row.selected ? g.back.selected : row === this.#hovered ? g.back.hover : g.back.plain) : '';
      tile.drawn[slot] = { row, texts: row.texts.slice(), sparks: row.sparks?.slice() ?? null, state: row.state, tone: row.tone, back };
      const topPx = slot * rowPx;
      // An opaque tile's fills leave the row's bottom border (painted with the whole row).
      const fillPx = g.back ? rowPx - g.back.linePx : rowPx;
      if (!was || was.row !== row || was.state !== row.state || was.tone !== row.tone || was.back !== back) {
        clears.add(0, g.widthPx, topPx, fillPx, back);
        if (g.back) clears.add(0, g.widthPx, topPx + fillPx, g.back.linePx, g.back.line);
        todo.push({ row, slot, cols: null, rest: null });
        continue;
      }
      // The same row in the same state: only the cells whose text or sparkline changed (~200 of ~400 per update
      // sorted by rx), each run of neighbouring changed cells cleared at once (the cells touch: no gap in the Sessions
      // grid, collapsed borders in the Streams table), the whole row when every cell changed.
      const cols = g.columns.map((_, c) => was.texts[c] !== row.texts[c] || (was.sparks?.[c] ?? null) !== (row.sparks?.[c] ?? null));
      // A state badge whose word stayed ("live 12 min 04 s" → "live 12 min 05 s", every second) keeps its pill and word:
      // only the rest is cleared and drawn, from the pill's end (a run of changed cells starts there).
      let rest: boolean[] | null = null;
      for (let c = 0; c < cols.length; c++) {
        if (cols[c] && g.columns[c]!.kind === 'badge' && sameFirstWord(was.texts[c]!, row.texts[c]!)) (rest ??= cols.map(() => false))[c] = true;
      }
      if (!cols.includes(false) && !rest) {
        clears.add(0, g.widthPx, topPx, fillPx, back);
        todo.push({ row, slot, cols: null, rest: null });
        continue;
      }
      for (let c = 0; c < cols.length; c++) {
        if (!cols[c]) continue;
        const from = g.columns[c]!;
        const leftPx = rest?.[c] ? this.#pillEndPx(g, from, row.texts[c]!) : from.cellLeftPx;
        while (c + 1 < cols.length && cols[c + 1] && !rest?.[c + 1]) c++;
        const to = g.columns[c]!;
        clears.add(leftPx, to.cellLeftPx + to.cellWidthPx - leftPx, topPx, fillPx, back);
      }
      if (cols.includes(true)) todo.push({ row, slot, cols, rest });
    }
    clears.flush(tile.ctx, (color) => this.#setFill(color));
    if (todo.length > 0) this.#drawRows(g, todo, rowPx);
  }

  /**
   * Rows `todo` of the current tile, column by column: one font per column (setting `font` parses it), one colour per
   * run of rows in the same state; then the idle / ending marks.
   */
  #drawRows(g: Geometry, todo: readonly Todo[], rowPx: number): void {
    const ctx = this.#s.ctx;
    ctx.textAlign = 'left';
    /** Where the marked column's text starts in each marked row (its mark goes before it). */
    const markAt: { row: PaintedRow; slot: number; x: number }[] = [];
    const back = g.back;
    if (back) {
      // The selected rows' bar, over their first cell's background (filled again when it changed).
      for (const { row, slot, cols } of todo) {
        if (!row.selected || (cols && !cols[0])) continue;
        this.#setFill(back.bar);
        ctx.fillRect(0, slot * rowPx, SELECTED_BAR_PX, rowPx - back.linePx);
      }
    }
    for (let c = 0; c < g.columns.length; c++) {
      const col = g.columns[c]!;
      if (col.kind === 'spark') {
        this.#drawSparks(col, c, todo, rowPx);
        continue;
      }
      this.#setFont(col.font);
      const marked = c === this.#markColumn;
      for (const { row, slot, cols, rest } of todo) {
        if (cols && !cols[c]) continue;
        this.#setAlpha(row.state === 'stale' ? STALE_ALPHA : 1);
        const topPx = slot * rowPx;
        const text = row.texts[c];
        if (!text) {
          row.cells?.cut(c, false);
          continue;
        }
        if (col.kind === 'badge') {
          row.cells?.cut(c, this.#drawBadge(g, col, text, row.tone, topPx + g.baselinePx, rest?.[c] === true));
          continue;
        }
        let widthPx = col.widthPx;
        let markPx = 0;
        if (marked && (row.state === 'idle' || row.state === 'ending')) {
          markPx = this.#width(g.markFont, MARKS[row.state]);
          widthPx = Math.max(0, widthPx - markPx);
        }
        let fitted = text;
        let x = col.leftPx + markPx;
        if (col.right) {
          // A right-aligned text (a number) needs its width for x: measured (cached) once, and fitted only when it
          // does not fit whole.
          let px = this.#textWidth(col, text);
          if (px > widthPx) {
            fitted = this.#fit(col, text, widthPx, true);
            px = this.#textWidth(col, fitted);
          }
          x = col.leftPx + col.widthPx - px;
        } else fitted = this.#fit(col, text, widthPx); // a left-aligned text needs no width (`#fit` mostly knows its fit without one)
        row.cells?.cut(c, fitted !== text);
        if (markPx > 0) markAt.push({ row, slot, x: x - markPx });
        this.#setFont(col.font); // a mark's width may have been measured in its own font
        this.#setFill(col.kind === 'text' ? col.color : row.state === 'idle' || row.state === 'ending' ? g.mutedColor : g.color);
        const y = topPx + g.baselinePx;
        if (col.tabular) this.#drawTabular(col, fitted, x, y);
        else ctx.fillText(fitted, x, y);
      }
    }
    this.#setAlpha(1);
    if (markAt.length === 0) return;
    this.#setFont(g.markFont);
    ctx.letterSpacing = MARK_LETTER_SPACING;
    for (const { row, slot, x } of markAt) {
      const state = row.state as keyof typeof MARKS;
      this.#setFill(state === 'ending' ? g.endingColor : g.mutedColor);
      ctx.fillText(MARKS[state], x, slot * rowPx + g.baselinePx);
    }
    ctx.letterSpacing = '0px';
  }

  /**
   * A `badge` cell: the first word of `text` as a pill in `tone`'s colour, the rest after it (`.badge` + `<small>`);
   * `restOnly`: the pill and its word are on the canvas already (the same word and tone), only the rest is drawn.
   * Whether the text was cut.
   */
  #drawBadge(g: Geometry, col: ColumnGeometry, text: string, tone: string | undefined, y: number, restOnly: boolean): boolean {
    const ctx = this.#s.ctx;
    const space = text.indexOf(' ');
    const word = space < 0 ? text : text.slice(0, space);
    const rest = space < 0 ? '' : text.slice(space + 1);
    const pillPx = this.#pillPx(col, word);
    const x = col.leftPx;
    const fitted = this.#fit({ font: col.font, tabular: false, digitPx: 0 }, word, col.widthPx - col.padXPx);
    if (!restOnly) {
      const color = (tone && g.tones.get(tone)) || col.color;
      const m = this.#metrics(col.font);
      const top = y - m.ascent - col.padYPx;
      const heightPx = m.ascent + m.descent + 2 * col.padYPx;
      const alpha = this.#s.alpha;
      this.#setFill(color);
      this.#setAlpha(alpha * BADGE_ALPHA);
      ctx.beginPath();
      ctx.roundRect(x, top, Math.min(pillPx, col.widthPx), heightPx, heightPx / 2);
      ctx.fill();
      this.#setAlpha(alpha);
      this.#setFont(col.font);
      ctx.fillText(fitted, x + col.padXPx, y);
    }
    const r = col.rest;
    if (!r || rest === '') return fitted !== word;
    const restX = x + pillPx + this.#width(r.font, ' ');
    const restPx = col.leftPx + col.widthPx - restX;
    if (restPx <= 0) return true;
    this.#setFont(r.font);
    this.#setFill(r.color);
    const restFitted = this.#fit({ font: r.font, tabular: false, digitPx: 0 }, rest, restPx);
    ctx.fillText(restFitted, restX, y);
    return fitted !== word || restFitted !== rest;
  }

  /**
   * Where a `badge` cell showing `text` has its pill's end, on a device pixel: right of it lie only the rest's pixels
   * (a space apart), so a cell whose first word stayed is cleared from there and keeps its pill and word.
   */
  #pillEndPx(g: Geometry, col: ColumnGeometry, text: string): number {
    const space = text.indexOf(' ');
    const pillPx = this.#pillPx(col, space < 0 ? text : text.slice(0, space));
    return Math.ceil((col.leftPx + Math.min(pillPx, col.widthPx)) * g.dpr) / g.dpr;
  }

  /** A `badge` cell's pill's width for its first word (the word and its padding; the cell may cut it). */
  #pillPx(col: ColumnGeometry, word: string): number {
    return this.#width(col.font, word) + 2 * col.padXPx;
  }

  /**
   * Column `c`'s sparklines (a `spark` column) in the rows `todo` draws, each in its box as charts/sparkline.ts draws
   * it (as the SVG path did): one path and one stroke per opacity for all of them (the stale rows' apart), where a
   * clip, a stroke and a restore per row cost ~25 % more to raster. A line stays in its box without a clip: its values
   * lie between 0 and its top (y from 1 to the height - 1), its columns at x + 0.5, the stroke half as wide.
   */
  #drawSparks(col: ColumnGeometry, c: number, todo: readonly Todo[], rowPx: number): void {
    const ctx = this.#s.ctx;
    let leftPx = 0;
    let topPx = 0;
    const pen: SparkPen = {
      beginPath: () => undefined,
      moveTo: (x, y) => ctx.moveTo(leftPx + x, topPx + y),
      lineTo: (x, y) => ctx.lineTo(leftPx + x, topPx + y),
      stroke: () => undefined,
    };
    for (const alpha of [1, STALE_ALPHA]) {
      let lines = 0;
      for (const { row, slot, cols } of todo) {
        const spark = row.sparks?.[c];
        if ((cols && !cols[c]) || !spark || spark.samples < 2 || (row.state === 'stale' ? STALE_ALPHA : 1) !== alpha) continue;
        if (lines++ === 0) ctx.beginPath();
        leftPx = col.sparkLeftPx;
        topPx = slot * rowPx + col.sparkTopPx;
        drawSparkColumns(pen, spark, col.sparkHeightPx);
      }
      if (lines === 0) continue;
      this.#setAlpha(alpha);
      ctx.strokeStyle = col.color;
      ctx.lineWidth = SPARK_LINE_PX;
      ctx.lineJoin = 'round';
      ctx.stroke();
    }
  }

  /** A font's ascent and descent (its line box, as a cell's line centres it). */
  #metrics(font: string): { ascent: number; descent: number } {
    let m = this.#fontMetrics.get(font);
    if (!m) {
      this.#setFont(font);
      const t = this.#s.ctx.measureText('0');
      m = { ascent: t.fontBoundingBoxAscent, descent: t.fontBoundingBoxDescent };
      this.#fontMetrics.set(font, m);
    }
    return m;
  }

  #setAlpha(alpha: number): void {
    if (this.#s.alpha !== alpha) this.#s.ctx.globalAlpha = this.#s.alpha = alpha;
  }

  #setFont(font: string): void {
    if (this.#s.font !== font) this.#s.ctx.font = this.#s.font = font;
  }

  #setFill(color: string): void {
    if (this.#s.fill !== color) this.#s.ctx.fillStyle = this.#s.fill = color;
  }

  /** A numeric text with its digits at one advance (the cell's `font-variant-numeric: tabular-nums`). */
  #drawTabular(col: ColumnGeometry, text: string, x: number, y: number): void {
    const ctx = this.#s.ctx;
    ctx.textAlign = 'center';
    for (const ch of text) {
      const digit = ch >= '0' && ch <= '9';
      const px = digit ? col.digitPx : this.#width(col.font, ch);
      ctx.fillText(ch, x + px / 2, y);
      x += px;
    }
    ctx.textAlign = 'left';
  }

  /**
   * `text` as the cell shows it in `widthPx`: whole, or cut with an ellipsis (`text-overflow: ellipsis`). Sorted by a
   * live rate, each update shows ~30 other sessions, whose ids, references, peers and clients are new strings: measured
   * whole and cut by a binary search (~6 `measureText` each, every one missing the width cache and filling it past its
   * limit, so the numbers' widths were dropped too), they cost ~1 ms of `measureText` per update. A plain text is
   * first judged by its characters' advances (`#advances`): whole without measuring when it surely fits, measured
   * whole (not cached) only when it may fit, and cut where the advances say, checked by a measure or two of its start
   * with the ellipsis (cached: starts are shared by many sessions).
   */
  #fit(col: Pick<ColumnGeometry, 'font' | 'tabular' | 'digitPx'>, text: string, widthPx: number, right = false): string {
    // A right-aligned text (a number: few distinct texts) is measured anyway for its x: through the width cache.
    const adv = col.tabular || right ? null : this.#advances(col.font, text, widthPx);
    if (adv?.fits) return text;
    // Without advances, a text that fits is known from its (cached) width before any key for the cut is built.
    if (!adv && this.#textWidth(col, text) <= widthPx) return text;
    const byFont = col.tabular ? this.#fittedTabular : this.#fitted;
    let byWidth = byFont.get(col.font);
    if (!byWidth) byFont.set(col.font, (byWidth = new Map()));
    let byText = byWidth.get(widthPx);
    if (!byText) byWidth.set(widthPx, (byText = new Map()));
    let fitted = byText.get(text);
    if (fitted !== undefined) return fitted;
    if (adv) {
      const ctx = this.#s.ctx;
      this.#setFont(col.font);
      if (adv.maybe && ctx.measureText(text).width <= widthPx) fitted = text;
      else {
        // The longest start that fits with the ellipsis: where the advances say, then measured (through the width
        // cache: the starts of ids and references are shared by many sessions, their whole texts are not); one more
        // character is tried only when its advance may still fit.
        const measure = (n: number): number => this.#width(col.font, cutText(text.slice(0, n)));
        let n = adv.cut;
        let px = measure(n);
        // A start past the text's own ellipsis is cut at it (`cutText`): growing it further changes nothing.
        const own = text.indexOf(ELLIPSIS);
        const longest = own >= 0 ? Math.min(own + 1, text.length - 1) : text.length - 1;
        if (px <= widthPx) {
          while (n < longest && px + this.#charAdvance(col.font, adv.chars, text[n]!, text.charCodeAt(n)) - adv.chars.marginPx <= widthPx) {
            const next = measure(n + 1);
            if (next > widthPx) break;
            n++;
            px = next;
          }
        } else while (n > 0 && measure(--n) > widthPx);
        fitted = n > 0 ? cutText(text.slice(0, n)) : measure(0) <= widthPx ? ELLIPSIS : '';
      }
    } else {
      // The longest start of the text that fits with the ellipsis (by code points: no half surrogate pair).
      const chars = Array.from(text);
      let lo = 0;
      let hi = chars.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.#textWidth(col, cutText(chars.slice(0, mid).join(''))) <= widthPx) lo = mid;
        else hi = mid - 1;
      }
      fitted = lo > 0 ? cutText(chars.slice(0, lo).join('')) : this.#textWidth(col, ELLIPSIS) <= widthPx ? ELLIPSIS : '';
    }
    if (++this.#fittedCount > CACHE_LIMIT) {
      this.#fittedCount = 1;
      this.#fitted.clear();
      this.#fittedTabular.clear();
      byFont.set(col.font, new Map([[widthPx, (byText = new Map())]]));
    }
    byText.set(text, fitted);
    return fitted;
  }

  /**
   * `text` in `font` judged by its characters' advances, each measured alone once per font (`chars`), with `KERN_EM`
   * of the font's size per character either way for kerning ("-J" widens by 0.06 em in the app's sans-serif): `fits`
   * when it surely fits in `widthPx`, `maybe` when it may (else it surely does not); `cut`, how many characters fit
   * before an ellipsis by the advances alone (a guess, to be measured). Null for a text with a surrogate pair (a
   * character alone may not have its advance in the text) or a font without a px size.
   */
  #advances(font: string, text: string, widthPx: number): { fits: boolean; maybe: boolean; cut: number; chars: CharAdvances } | null {
    let a = this.#charPx.get(font);
    if (!a) {
      const sizePx = Number(/([\d.]+)px/.exec(font)?.[1] ?? NaN);
      if (!(sizePx > 0)) return null;
      a = { ascii: new Float64Array(128).fill(NaN), other: new Map(), marginPx: KERN_EM * sizePx };
      this.#charPx.set(font, a);
    }
    const ellipsisPx = this.#charAdvance(font, a, ELLIPSIS, ELLIPSIS.charCodeAt(0));
    let px = 0;
    let cut = -1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdfff) return null;
      px += this.#charAdvance(font, a, text[i]!, code);
      if (cut < 0 && px + ellipsisPx > widthPx) cut = i;
    }
    const marginPx = text.length * a.marginPx;
    return { fits: px + marginPx <= widthPx, maybe: px - marginPx <= widthPx, cut: cut < 0 ? text.length : cut, chars: a };
  }

  /** Character `ch` (code `code`)'s advance in `font`, from `a` or measured into it. */
  #charAdvance(font: string, a: CharAdvances, ch: string, code: number): number {
    let px = code < 128 ? a.ascii[code]! : (a.other.get(ch) ?? NaN);
    if (Number.isNaN(px)) {
      this.#setFont(font);
      px = this.#s.ctx.measureText(ch).width;
      if (code < 128) a.ascii[code] = px;
      else a.other.set(ch, px);
    }
    return px;
  }

  #textWidth(col: Pick<ColumnGeometry, 'font' | 'tabular' | 'digitPx'>, text: string): number {
    if (!col.tabular) return this.#width(col.font, text);
    let px = 0;
    for (const ch of text) px += ch >= '0' && ch <= '9' ? col.digitPx : this.#width(col.font, ch);
    return px;
  }

  /** The width of `text` in `font`, measured once (leaves `font` set). */
  #width(font: string, text: string): number {
    let byText = this.#widths.get(font);
    if (!byText) this.#widths.set(font, (byText = new Map()));
    let px = byText.get(text);
    if (px === undefined) {
      const ctx = this.#s.ctx;
      this.#setFont(font);
      const mark = font === this.#geometry?.markFont;
      if (mark) ctx.letterSpacing = MARK_LETTER_SPACING;
      px = ctx.measureText(text).width;
      if (mark) ctx.letterSpacing = '0px';
      if (++this.#widthCount > CACHE_LIMIT) {
        this.#widthCount = 1;
        byText.clear();
        this.#widths.clear();
        this.#widths.set(font, byText);
      }
      byText.set(text, px);
    }
    return px;
  }
}
