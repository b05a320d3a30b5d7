/**
 * A table body's cell texts painted on one `<canvas>` instead of being DOM text (issue 16, renderer frame budget).
 * With rows keyed by place and sorted by a live rate, ~200 cell texts change every second; as DOM text each is laid
 * out again with its cell and row, and every row holding one is repainted whole (~7 ms layout and ~6.6 ms paint per
 * update at 30 rows). Drawn on a canvas, an update changes no DOM text: no layout, and the canvas is the only thing
 * repainted. The row elements stay (roles, `aria-rowindex`, selection, hover and click targets, the backgrounds that
 * show through the transparent canvas), and each cell keeps its text for assistive technology in `aria-label` (an
 * attribute no selector reads: no style or layout). See docs/decisions.md, "The Sessions table painted on a canvas".
 *
 * The canvas sits inside the row group, over the rendered rows (the overscan too), so it scrolls with them on the
 * compositor (threaded scrolling shows no text a row off). It is cut in tiles of `TILE_ROWS` rows, each a canvas at a
 * fixed place (tile k holds rows k × TILE_ROWS onwards): a changed canvas goes to the compositor whole, so a scroll
 * draws only the tiles that come in (the others stay put) and an update only the rows, and cells, that changed, in
 * their tiles. Everything is drawn again when the columns, the width or the theme change. Geometry (the columns' x and
 * widths, the text's baseline) and fonts and colours are read from the first row's cells' computed styles when the
 * columns or the width change, never per update. See docs/decisions.md, "The painted tables in tiles".
 *
 * The Streams table (streams-table.ts) paints the same way, with a pill (its state badge) and a sparkline per row
 * beside texts: each cell's `data-paint` says how it is drawn (`CellKind`). See docs/decisions.md, "The Streams table
 * painted on a canvas".
 */
import { drawSparkColumns, type SparkColumns, type SparkPen } from '../charts/sparkline.ts';

/**
 * What a row looks like on the canvas: its cells' texts, and its state (idle and ending rows are muted and marked, a
 * stale row faded). A cell is drawn as its `data-paint` attribute says (see `CellKind`).
 */
export interface PaintedRow {
  readonly texts: readonly string[];
  readonly state: 'live' | 'idle' | 'ending' | 'stale';
  /** Its element (a row of cells): the first one shown gives the geometry. */
  readonly el: HTMLElement;
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
type CellKind = 'row' | 'text' | 'badge' | 'spark';

/** A font and colour as a cell's element has them. */
interface TextStyle {
  font: string;
  color: string;
}

/** How one column is drawn, read from the first row's cell (`#measure`). */
interface ColumnGeometry {
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

interface Geometry {
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
interface RowBackgrounds {
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
const TONES = ['--good', '--wait', '--bad'] as const;
/** The selected row's bar's width (styles.css `.tr.selected`: `box-shadow: inset 3px 0 0 var(--accent)`). */
const SELECTED_BAR_PX = 3;

/** The `idle ` / `ending ` marks styles.css draws before an idle or ending row's rx rate (`.tr.idle …::before`). */
const MARKS = { idle: 'IDLE ', ending: 'ENDING ' } as const;
/** The mark's letter spacing and size (styles.css `.tr.idle .td[data-col='rxBitsPerSec']::before`). */
const MARK_LETTER_SPACING = '0.4px';
const MARK_SIZE = '10px';
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
  readonly ctx: CanvasRenderingContext2D;
  font: string;
  fill: string;
  alpha: number;
}

/** A canvas holding rows `k * TILE_ROWS` onwards (tile k) (`rows` of them: fewer in the table's last tile), at their place. */
interface Tile extends Surface {
  readonly canvas: HTMLCanvasElement;
  rows: number;
  /** What was drawn at each of its places (null: drawn whole when its row is rendered). */
  drawn: (Drawn | null)[];
  /** Its CSS `clip` as last written: the part over the rendered rows ('' or unset: all of it). */
  clip?: string;
}

/**
 * The rows per tile. A scroll draws (and the compositor takes) only the tiles that came in, not all ~40 rendered rows;
 * an update only the tiles whose rows changed.
 */
const TILE_ROWS = 8;

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
  flush(ctx: CanvasRenderingContext2D, fill: (color: string) => void): void {
    for (const r of this.#rects) {
      if (r.color === '') ctx.clearRect(r.x, r.y, r.w, r.h);
      else {
        fill(r.color);
        ctx.fillRect(r.x, r.y, r.w, r.h);
      }
    }
  }
}

/** The canvases of one table body, in tiles; see the file's comment. */
export class CellPainter {
  readonly #group: HTMLElement;
  /**
   * Opaque tiles (`alpha: false`): the rows' backgrounds, borders, hover and selection painted under the texts, so the
   * compositor blends nothing and draws nothing of the rows under them.
   */
  readonly #opaque: boolean;
  /** The row under the pointer (an opaque painter paints its hover background). */
  #hovered: PaintedRow | null = null;
  /** A detached canvas's context: fonts measured while reading the geometry. */
  readonly #probe: Surface;
  /** The surface drawn on or measured with. */
  #s: Surface;
  /** The tiles in the row group by index, and the ones out of it (kept for the next tile that comes in). */
  readonly #tiles = new Map<number, Tile>();
  readonly #spare: Tile[] = [];
  #markColumn = -1;
  #geometry: Geometry | null = null;
  /** Every tile is drawn whole at the next draw (text mode ended, the geometry was read again). */
  #stale = true;
  #rowPx = 0;
  #hidden = false;
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

  /**
   * A painter whose tiles go in `group` (the row group, positioned), opaque ones painting the rows' backgrounds too;
   * null without a 2D context.
   */
  static create(group: HTMLElement, opaque: boolean): CellPainter | null {
    const probe = document.createElement('canvas');
    const ctx = typeof probe.getContext === 'function' ? probe.getContext('2d') : null;
    if (!ctx) return null;
    return new CellPainter(group, ctx, opaque);
  }

  private constructor(group: HTMLElement, ctx: CanvasRenderingContext2D, opaque: boolean) {
    this.#group = group;
    this.#opaque = opaque;
    this.#s = this.#probe = { ctx, font: '', fill: '', alpha: 1 };
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

  /** The column the idle / ending marks go before (-1: none); the columns changed, so geometry is read again. */
  setMarkColumn(index: number): void {
    this.#markColumn = index;
    this.invalidate();
  }

  /** The columns, the width, the theme or the fonts changed: geometry, fonts and colours are read again at the next draw. */
  invalidate(): void {
    this.#geometry = null;
    this.#stale = true;
  }

  /** Text mode (the rows hold DOM text for a selection): the tiles are hidden; shown again, they are drawn whole. */
  setHidden(hidden: boolean): void {
    if (this.#hidden === hidden) return;
    this.#hidden = hidden;
    for (const tile of this.#tiles.values()) tile.canvas.hidden = hidden;
    this.#stale = true;
  }

  /** The tiles leave the row group. */
  remove(): void {
    for (const tile of this.#tiles.values()) tile.canvas.remove();
    this.#tiles.clear();
    this.#spare.length = 0;
  }

  /**
   * Draws the rendered rows (row `first + i` is `rows[i]`, each `rowPx` high, `count` rows in the table): in the tiles
   * that hold them, only the rows whose place, texts or state changed, all of them after `invalidate` or text mode.
   * A tile's places out of the rendered rows keep their pixels but are clipped away (`#clip`), and drawn whole when
   * their row is rendered again.
   */
  draw(first: number, rows: readonly PaintedRow[], rowPx: number, count: number): void {
    if (this.#hidden) return;
    let g = this.#geometry;
    if (!g) {
      const sample = rows.find((r) => r.el.isConnected && r.el.firstElementChild);
      if (!sample) return;
      g = this.#geometry = this.#measure(sample.el);
      if (!g) return;
      this.#stale = true;
    }
    const all = this.#stale || rowPx !== this.#rowPx;
    this.#stale = false;
    this.#rowPx = rowPx;
    const end = first + rows.length;
    const lo = Math.floor(first / TILE_ROWS);
    const hi = rows.length > 0 ? Math.floor((end - 1) / TILE_ROWS) : lo - 1;
    for (const [k, tile] of this.#tiles) {
      if (k >= lo && k <= hi) continue;
      tile.canvas.remove();
      this.#tiles.delete(k);
      this.#spare.push(tile);
    }
    for (let k = lo; k <= hi; k++) {
      const n = Math.min(TILE_ROWS, count - k * TILE_ROWS);
      let tile = this.#tiles.get(k);
      if (!tile || all || tile.rows !== n) tile = this.#place(g, tile, k, n, rowPx);
      this.#clip(tile, Math.max(0, first - k * TILE_ROWS), Math.min(n, end - k * TILE_ROWS), rowPx);
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
  }

  /**
   * Shows only places `from` to `to` (exclusive) of `tile`, the rendered rows: the others keep the pixels of rows
   * that left, which a scroll faster than the overscan would show for a frame before the rows are rendered there
   * (older numbers, another stream's); clipped, the compositor shows the rows' background there, and nothing is drawn
   * or committed for it. CSS `clip` (the tiles are absolutely positioned) is a plain clip rect in the compositor's
   * property trees, where a `clip-path` may take a mask.
   */
  #clip(tile: Tile, from: number, to: number, rowPx: number): void {
    const clip = from <= 0 && to >= tile.rows ? '' : `rect(${from * rowPx}px, auto, ${to * rowPx}px, auto)`;
    if ((tile.clip ?? '') !== clip) tile.canvas.style.clip = tile.clip = clip;
  }

  /**
   * Tile `k` of `n` rows, empty, at its place in the row group: `tile` cleared (or resized), or a spare one, or a new
   * canvas (over the rows, under the sticky header, transparent to the pointer: hover, clicks and selection reach
   * the rows).
   */
  #place(g: Geometry, tile: Tile | undefined, k: number, n: number, rowPx: number): Tile {
    let t = tile ?? this.#spare.pop();
    if (!t) {
      const canvas = document.createElement('canvas');
      canvas.className = 'cell-canvas';
      canvas.setAttribute('aria-hidden', 'true');
      canvas.width = canvas.height = 0;
      Object.assign(canvas.style, { position: 'absolute', left: '0', pointerEvents: 'none' });
      t = { canvas, ctx: canvas.getContext('2d', { alpha: !this.#opaque })!, font: '', fill: '', alpha: 1, rows: n, drawn: [] };
    }
    const { canvas, ctx } = t;
    const width = Math.round(g.widthPx * g.dpr);
    const height = Math.round(n * rowPx * g.dpr);
    if (canvas.width !== width || canvas.height !== height) {
      // A new size clears the bitmap and the context's state.
      canvas.width = width;
      canvas.height = height;
      canvas.style.width = `${g.widthPx}px`;
      canvas.style.height = `${n * rowPx}px`;
      t.font = t.fill = '';
      t.alpha = 1;
    } else if (!g.back) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, width, height);
    }
    ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
    // Opaque: every place is drawn whole (its background with it) when its row is rendered, and the places without one
    // are clipped away (`#clip`); the fill is for the pixels no row covers (the last row's fraction of a pixel).
    if (g.back) {
      this.#s = t;
      this.#setFill(g.back.plain);
      ctx.fillRect(0, 0, g.widthPx, n * rowPx);
    }
    canvas.style.top = `${k * TILE_ROWS * rowPx}px`;
    t.rows = n;
    t.drawn = Array.from({ length: n }, () => null);
    if (!canvas.isConnected) this.#group.appendChild(canvas);
    this.#tiles.set(k, t);
    return t;
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

  /** Columns, fonts, colours and the baseline from a laid-out row's cells (a layout read: columns or width changed). */
  #measure(rowEl: HTMLElement): Geometry | null {
    this.#s = this.#probe;
    const rowBox = rowEl.getBoundingClientRect();
    if (rowBox.width === 0) return null;
    const rowStyle = getComputedStyle(rowEl);
    const dpr = window.devicePixelRatio || 1;
    const cells = Array.from(rowEl.children) as HTMLElement[];
    const ctx = this.#s.ctx;
    let baselinePx = rowBox.height / 2;
    const fontOf = (st: CSSStyleDeclaration): string => `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
    const columns = cells.map((cell, i): ColumnGeometry => {
      const s = getComputedStyle(cell);
      const box = cell.getBoundingClientRect();
      const kind = (cell.dataset.paint ?? 'row') as CellKind;
      const inner = cell.children;
      // A `text` cell's font and colour are its first element's (a button, a `<b>`), a `badge` cell's its pill's.
      const source = kind !== 'row' && inner[0] ? getComputedStyle(inner[0]) : s;
      const font = fontOf(source);
      const padLeft = parseFloat(s.paddingLeft) || 0;
      const padRight = parseFloat(s.paddingRight) || 0;
      this.#setFont(font);
      if (i === 0) {
        // The glyphs are centred in the cell's line box (its line height, the row's): the font's ascent and descent
        // centred in the cell's box (the cell's own font: a first element's may be another).
        this.#setFont(fontOf(s));
        const m = ctx.measureText('0');
        const linePx = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
        baselinePx = box.top - rowBox.top + (box.height - linePx) / 2 + m.fontBoundingBoxAscent;
        this.#setFont(font);
      }
      const digits = Array.from('0123456789', (d) => ctx.measureText(d).width);
      const numeric = source.fontVariantNumeric.includes('tabular-nums');
      const digitPx = Math.max(...digits);
      const restEl = kind === 'badge' ? inner[1] : undefined;
      const restStyle = restEl ? getComputedStyle(restEl) : null;
      const spark = kind === 'spark' ? inner[0]?.getBoundingClientRect() : undefined;
      return {
        kind,
        color: source.color,
        padXPx: kind === 'badge' ? parseFloat(source.paddingLeft) || 0 : 0,
        padYPx: kind === 'badge' ? parseFloat(source.paddingTop) || 0 : 0,
        rest: restStyle ? { font: fontOf(restStyle), color: restStyle.color } : null,
        sparkLeftPx: spark ? spark.left - rowBox.left : 0,
        sparkTopPx: spark ? spark.top - rowBox.top : 0,
        sparkWidthPx: spark?.width ?? 0,
        sparkHeightPx: spark?.height ?? 0,
        leftPx: box.left - rowBox.left + padLeft,
        widthPx: Math.max(0, box.width - padLeft - padRight),
        // On device pixels: a fill or clear of a cell's box covers whole pixels (one whose edge cut a pixel would blend
        // into the neighbour's, and drift by a level per update).
        cellLeftPx: Math.round((box.left - rowBox.left) * dpr) / dpr,
        cellWidthPx: (Math.round((box.right - rowBox.left) * dpr) - Math.round((box.left - rowBox.left) * dpr)) / dpr,
        right: s.textAlign === 'right' || s.textAlign === 'end',
        font,
        tabular: numeric && Math.min(...digits) !== digitPx,
        digitPx,
      };
    });
    const first = cells[0];
    const family = first ? getComputedStyle(first).fontFamily : rowStyle.fontFamily;
    this.#widths.clear();
    this.#widthCount = 0;
    this.#charPx.clear();
    this.#fitted.clear();
    this.#fittedTabular.clear();
    this.#fittedCount = 0;
    this.#fontMetrics.clear();
    return {
      columns,
      widthPx: Math.max(rowBox.width, rowEl.scrollWidth),
      baselinePx,
      dpr,
      // styles.css: rows are `var(--text)` (the sample row may be idle), `.tr.idle` and `.tr.ending` `var(--muted)`,
      // the ending mark `var(--wait)`.
      color: rowStyle.getPropertyValue('--text').trim() || rowStyle.color,
      mutedColor: rowStyle.getPropertyValue('--muted').trim() || rowStyle.color,
      endingColor: rowStyle.getPropertyValue('--wait').trim() || rowStyle.color,
      markFont: `${MARK_SIZE} ${family}`,
      tones: new Map(TONES.map((t) => [t, rowStyle.getPropertyValue(t).trim() || rowStyle.color])),
      back: this.#opaque ? this.#backgrounds(rowStyle) : null,
    };
  }

  /**
   * The rows' backgrounds as they show over the table (styles.css: `.tr` none, `.tr:hover` `var(--row-hover)`,
   * `.tr.selected` `var(--accent-soft)` and the bar in `var(--accent)`, the border `var(--line)`; painted, the rows
   * draw none of them), from the custom properties of the row's computed style and the background of the row group's first ancestor that has one
   * (the table's panel), each blended over it on the probe canvas (one pixel read back) into one opaque colour.
   */
  #backgrounds(rowStyle: CSSStyleDeclaration): RowBackgrounds {
    let under = '';
    for (let el: Element | null = this.#group; el && !under; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c && c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') under = c;
    }
    // No ancestor with a background: the page's canvas colour (light or dark as the page's colour scheme).
    under ||= 'Canvas';
    const ctx = this.#probe.ctx;
    const over = (color: string): string => {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalAlpha = 1;
      ctx.globalCompositeOperation = 'copy';
      ctx.fillStyle = under;
      ctx.fillRect(0, 0, 1, 1);
      ctx.globalCompositeOperation = 'source-over';
      if (color) {
        ctx.fillStyle = color;
        ctx.fillRect(0, 0, 1, 1);
      }
      const [r, g, b] = ctx.getImageData(0, 0, 1, 1).data;
      ctx.restore();
      return `rgb(${r}, ${g}, ${b})`;
    };
    const prop = (name: string): string => rowStyle.getPropertyValue(name).trim();
    this.#probe.fill = '';
    return {
      plain: over(''),
      hover: over(prop('--row-hover')),
      selected: over(prop('--accent-soft')),
      bar: over(prop('--accent')),
      line: over(prop('--line')),
      linePx: parseFloat(rowStyle.borderBottomWidth) || 0,
    };
  }
}

/** How long a find key keeps text mode on while the page keeps the focus (no find bar took it). */
const FIND_WAIT_MS = 1000;

/** Whether the rows hold their texts as DOM text (a selection in the table), shared by a body's rows. */
export interface TextMode {
  on: boolean;
}

/** A painted row that can hold its texts as DOM text too (text mode). */
export interface TextRow extends PaintedRow {
  readonly cells: CellTexts;
  /** Writes the texts as DOM text (text mode) or empties the text nodes (painted). */
  syncText(): void;
}

/**
 * The rows whose cells' `aria-label`s wait to be written (`CellTexts`, the Sessions and Streams rows'), and the task
 * that writes them: a message posted when the first one is added, so it runs after the task that set the texts. Set
 * in an update's animation frame, the labels are written after that frame's paint and commit, not inside them (the
 * bench's probe ends its frame with a message posted at the frame's start, so it times the frame without them). A
 * channel per batch, closed once it ran: no port is left open (in Node, an open port keeps the process alive).
 */
class LabelsDue {
  readonly #due: CellTexts[] = [];

  add(cells: CellTexts): void {
    if (this.#due.length === 0) {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        this.write();
      };
      ch.port2.postMessage(0);
    }
    this.#due.push(cells);
  }

  /** Writes every waiting row's labels now. */
  write(): void {
    const due = this.#due.splice(0);
    for (const cells of due) cells.writeLabels();
  }
}

const LABELS_DUE = new LabelsDue();

/**
 * The painted-text bookkeeping of one row view, shared by the Sessions and Streams rows: each cell's text as last
 * written (`values`, the row's `texts`: a change marks the row dirty, so the painter draws it), in its element's
 * `aria-label` (assistive technology reads it; no selector does), as DOM text in text mode (`writeDom`, the row's
 * own text nodes), and, while the pointer is on a cell the painter cut ("…"), as that cell's `title`: its tooltip
 * shows the text whole. The title is written on hover (`hover`), not per update: a `title` change restyles its
 * element (the UA stylesheet's `abbr[title]` makes the attribute one that selectors read), and written for every cut
 * cell whose text changed it cost ~0.8 ms of style per Sessions update. Only what changed is written. The
 * `aria-label`s are written in a task after the one that set the texts (`LabelsDue`): the update's frame paints
 * without them (~210-300 writes per Sessions update, ~0.3 ms of its main thread; ~70 per Streams update, the rows in
 * view's durations, ingests and egresses), and assistive technology reads them a task later. The DOM text of text mode is
 * written at once: what is selected, copied or found is the update's.
 */
export class CellTexts {
  /** The texts as last written. */
  readonly values: string[];
  readonly #row: { dirty: boolean };
  /** Per cell, the element that carries its `aria-label`. */
  readonly #labelled: readonly Element[];
  /** Per cell, its `aria-label` as last written (`writeLabels`). */
  readonly #labels: string[];
  /** Waiting in `LABELS_DUE` for its labels to be written. */
  #labelsDue = false;
  /** Per cell, where its title goes while hovered and cut (null: none from here; the cell has its own). */
  readonly #titled: readonly (Element | null)[];
  readonly #writeDom: (i: number, value: string) => void;
  readonly #mode: TextMode;
  /** Whether the DOM text holds `values` (text mode when last synced). */
  #shown = false;
  /** Per cell, whether the painter cut its text when it last drew it. */
  readonly #cut: boolean[];
  /** The cell under the pointer (-1: none). */
  #hovered = -1;
  /** The element holding a title from here (null: none), and that title. */
  #titleEl: Element | null = null;
  #title = '';

  /**
   * `row`: marked dirty when a text changes; `labelled`: each cell's element; `writeDom(i, value)`: writes cell i's
   * DOM text; `titled`: where a cut cell's title goes, when not on `labelled` (null: the cell has its own).
   */
  constructor(
    row: { dirty: boolean },
    labelled: readonly Element[],
    writeDom: (i: number, value: string) => void,
    mode: TextMode,
    titled: readonly (Element | null)[] = labelled,
  ) {
    this.#row = row;
    this.#labelled = labelled;
    this.#labels = labelled.map(() => '');
    this.#titled = titled;
    this.#writeDom = writeDom;
    this.#mode = mode;
    this.values = labelled.map(() => '');
    this.#cut = labelled.map(() => false);
  }

  /** Whether the DOM text holds the texts. */
  get shown(): boolean {
    return this.#shown;
  }

  /** Writes the texts as DOM text (text mode) or empties it (painted); whether it changed. */
  sync(): boolean {
    const on = this.#mode.on;
    if (this.#shown === on) return false;
    this.#shown = on;
    for (let i = 0; i < this.values.length; i++) this.#writeDom(i, on ? this.values[i]! : '');
    return true;
  }

  /** Cell i's text: painted (the row is drawn again), DOM text in text mode, and its `aria-label` a task later. */
  set(i: number, value: string): void {
    this.sync();
    if (this.values[i] === value) return;
    this.values[i] = value;
    this.#row.dirty = true;
    if (!this.#labelsDue) {
      this.#labelsDue = true;
      LABELS_DUE.add(this);
    }
    if (this.#shown) this.#writeDom(i, value);
  }

  /** Writes the `aria-label`s whose texts changed since they were last written (`LabelsDue`). */
  writeLabels(): void {
    this.#labelsDue = false;
    const labels = this.#labels;
    for (let i = 0; i < labels.length; i++) {
      const value = this.values[i]!;
      if (labels[i] !== value) this.#labelled[i]!.setAttribute('aria-label', (labels[i] = value));
    }
  }

  /** Cell i was drawn cut to fit (or whole); the hovered cell's title follows. */
  cut(i: number, cut: boolean): void {
    this.#cut[i] = cut;
    if (i === this.#hovered) this.#writeTitle();
  }

  /** The pointer is on `target` (null: off the row): the cell holding it gets its text as its title while cut. */
  hover(target: Node | null): void {
    const i = target ? this.#titled.findIndex((el) => el?.contains(target)) : -1;
    if (i === this.#hovered) return;
    this.#hovered = i;
    this.#writeTitle();
  }

  /**
   * The hovered cell's title: its text while cut, none otherwise. An empty `aria-description` goes with it: the title
   * would otherwise be the cell's description too, read after its name (the same text) again.
   */
  #writeTitle(): void {
    const i = this.#hovered;
    const el = i >= 0 && this.#cut[i] ? (this.#titled[i] ?? null) : null;
    const title = el ? this.values[i]! : '';
    if (el === this.#titleEl && title === this.#title) return;
    const old = this.#titleEl;
    if (old && old !== el) {
      old.removeAttribute('title');
      old.removeAttribute('aria-description');
    }
    if (el && old !== el) el.setAttribute('aria-description', '');
    if (el) el.setAttribute('title', title);
    this.#titleEl = el;
    this.#title = title;
  }
}

/**
 * A table body's canvas and its text mode, shared by the Sessions and Streams tables. The cells' texts are painted
 * until the user selects in the table: from a primary-button press in the rows (before the browser places the
 * selection's start), a select-all, or a selection that reaches the rows, the rows hold DOM text and the tiles hide,
 * until the selection is gone (collapsed or outside the table) and the button is up. The browser's find bar searches
 * DOM text only, so its keys (Ctrl/Cmd+F or +G, F3) turn text mode on too, until the page has the focus back (the bar
 * closed) or, where no bar took the focus (the app has none), after `FIND_WAIT_MS`. Caret browsing (F7 in Chromium)
 * moves a caret through DOM text only, so F7 turns text mode on until F7 again: a page cannot tell whether the browser
 * turned caret browsing on (Chromium asks first; Electron has none), so it follows its own count of F7 presses, and
 * a click in the rows keeps text mode while it is on (the caret goes where the click was). A cell the painter cut gets
 * its whole text as a tooltip while the pointer is on it (`CellTexts.hover`). The theme (colours) and the row group's
 * width (the columns' x) have the rows drawn whole again.
 */
export class PaintedRows {
  /** Shared with the rows (their `syncText` reads it). */
  readonly mode: TextMode;
  /** Null where a canvas cannot draw (no 2D context): the rows then keep DOM text. */
  readonly painter: CellPainter | null;
  readonly #group: HTMLElement;
  readonly #detach: (() => void)[] = [];
  #pointerDown = false;
  /** The row under the pointer (its cut cell's tooltip, `CellTexts.hover`). */
  #hovered: TextRow | null = null;
  /** A find key was pressed and the page has not had the focus back since (see the class comment). */
  #finding = false;
  /** F7 (caret browsing) was pressed an odd number of times (see the class comment). */
  #caret = false;
  /** Shown while F7 holds text mode: a stray F7 otherwise leaves the table as DOM text with no sign why. */
  #caretMark: HTMLElement | null = null;
  #findTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last render's rows (for a redraw after text mode, a theme or width change). */
  #rendered: { first: number; views: readonly TextRow[]; rowPx: number; count: number };

  /**
   * `group`: the row group (positioned: the tiles go in it, over the rows); `rowPx`: a row's height before one is
   * measured; `opaque`: the tiles paint the rows' backgrounds too (`CellPainter.create`).
   */
  constructor(group: HTMLElement, rowPx: number, opaque = false) {
    this.#group = group;
    this.#rendered = { first: 0, views: [], rowPx, count: 0 };
    this.painter = CellPainter.create(group, opaque);
    const mode: TextMode = (this.mode = { on: this.painter === null });
    group.classList.toggle('text-mode', mode.on);
    if (this.painter) this.#listen(this.painter);
  }

  /** The rendered rows (row `first + i` is `views[i]`, `count` rows in the table): drawn where they changed. */
  draw(first: number, views: readonly TextRow[], rowPx: number, count: number): void {
    this.#rendered = { first, views, rowPx, count };
    this.painter?.draw(first, views, rowPx, count);
  }

  dispose(): void {
    for (const d of this.#detach.splice(0)) d();
  }

  #listen(painter: CellPainter): void {
    const group = this.#group;
    const on = <K extends keyof WindowEventMap & keyof DocumentEventMap>(target: Window | Document | HTMLElement, type: K, fn: (e: DocumentEventMap[K]) => void, capture = false): void => {
      target.addEventListener(type, fn as EventListener, capture);
      this.#detach.push(() => target.removeEventListener(type, fn as EventListener, capture));
    };
    on(group, 'pointerdown', (e) => {
      if (e.button !== 0) return;
      this.#pointerDown = true;
      this.#setTextMode(true);
    });
    on(group, 'pointerover', (e) => {
      const target = e.target as Node;
      const view = this.#rowOf(target);
      if (view !== this.#hovered) this.#hovered?.cells.hover(null);
      this.#hovered = view;
      view?.cells.hover(target);
      this.#hover(view);
    });
    on(group, 'pointerleave', () => {
      this.#hovered?.cells.hover(null);
      this.#hovered = null;
      this.#hover(null);
    });
    const up = (): void => {
      if (!this.#pointerDown) return;
      this.#pointerDown = false;
      this.#leaveTextMode();
    };
    on(document, 'pointerup', up, true);
    on(document, 'pointercancel', up, true);
    on(document, 'keydown', (e) => {
      const key = e.key.toLowerCase();
      if (((e.ctrlKey || e.metaKey) && (key === 'f' || key === 'g')) || key === 'f3') {
        this.#find();
        return;
      }
      if (key === 'f7' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
        this.#setCaret(!this.#caret);
        return;
      }
      const t = e.target;
      const editable = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || (t instanceof HTMLElement && t.isContentEditable);
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a' && !editable) this.#setTextMode(true);
    }, true);
    on(window, 'focus', () => this.#endFind());
    this.#detach.push(() => clearTimeout(this.#findTimer));
    on(document, 'selectionchange', () => {
      if (this.#pointerDown) return;
      if (this.#selectionInRows()) this.#setTextMode(true);
      else this.#leaveTextMode();
    });
    // The theme (colours) and the width (columns' x) are read again.
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)');
    const onTheme = (): void => this.#repaint(true);
    dark?.addEventListener('change', onTheme);
    this.#detach.push(() => dark?.removeEventListener('change', onTheme));
    if (typeof ResizeObserver !== 'undefined') {
      let widthPx = -1;
      const ro = new ResizeObserver((entries) => {
        const w = entries[0]?.contentRect.width ?? widthPx;
        if (w === widthPx) return;
        widthPx = w;
        this.#repaint(true);
      });
      ro.observe(group);
      this.#detach.push(() => ro.disconnect());
    }
    this.#detach.push(() => painter.remove());
    this.#detach.push(() => this.#caretMark?.remove());
  }

  /**
   * The rendered row holding `node`: its element is the row group's child whose `data-index` (table-body.ts) is its
   * place, so the row is found by walking up from the node, not by looking through the ~40 rendered rows.
   */
  #rowOf(node: Node): TextRow | null {
    let el: Element | null = node instanceof Element ? node : node.parentElement;
    while (el && el.parentElement !== this.#group) el = el.parentElement;
    if (!(el instanceof HTMLElement)) return null;
    const { first, views } = this.#rendered;
    const view = views[Number(el.dataset.index) - first];
    return view?.el === el ? view : null;
  }

  /**
   * F7: text mode on until F7 again, with a small "Text mode (F7)" mark in the window's corner (a status: assistive
   * technology reads it once) that says why the table shows DOM text and how to end it.
   */
  #setCaret(on: boolean): void {
    this.#caret = on;
    if (on) {
      const mark = (this.#caretMark ??= document.createElement('div'));
      mark.className = 'caret-mark';
      mark.setAttribute('role', 'status');
      mark.dataset.testid = 'caret-mark';
      mark.textContent = 'Text mode (F7)';
      if (!mark.isConnected) document.body.appendChild(mark);
      this.#setTextMode(true);
    } else {
      this.#caretMark?.remove();
      this.#leaveTextMode();
    }
  }

  #selectionInRows(): boolean {
    const sel = document.getSelection();
    return !!sel && !sel.isCollapsed && sel.containsNode(this.#group, true);
  }

  #leaveTextMode(): void {
    if (this.mode.on && !this.#pointerDown && !this.#finding && !this.#caret && !this.#selectionInRows()) this.#setTextMode(false);
  }

  #find(): void {
    this.#finding = true;
    this.#setTextMode(true);
    clearTimeout(this.#findTimer);
    this.#findTimer = setTimeout(() => {
      if (document.hasFocus()) this.#endFind();
    }, FIND_WAIT_MS);
  }

  #endFind(): void {
    if (!this.#finding) return;
    this.#finding = false;
    clearTimeout(this.#findTimer);
    this.#leaveTextMode();
  }

  #setTextMode(on: boolean): void {
    const painter = this.painter;
    if (!painter || this.mode.on === on) return;
    this.mode.on = on;
    // The idle / ending marks are CSS (`::before`) in text mode (styles.css), painted otherwise.
    this.#group.classList.toggle('text-mode', on);
    for (const view of this.#rendered.views) view.syncText();
    painter.setHidden(on);
    if (!on) this.#repaint(false);
  }

  /** The row under the pointer changed: an opaque painter draws the hover background (`.tr:hover`) on it at once. */
  #hover(view: TextRow | null): void {
    const painter = this.painter;
    // A pointer moving between the cells of one row changes nothing painted.
    if (!painter?.setHovered(view)) return;
    const { first, views, rowPx, count } = this.#rendered;
    painter.draw(first, views, rowPx, count);
  }

  /** Draws the last rendered rows again (`measure`: geometry, fonts and colours read again first). */
  #repaint(measure: boolean): void {
    const painter = this.painter;
    if (!painter) return;
    if (measure) painter.invalidate();
    const { first, views, rowPx, count } = this.#rendered;
    painter.draw(first, views, rowPx, count);
  }
}
