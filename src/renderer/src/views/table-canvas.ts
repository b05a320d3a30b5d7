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
 * compositor (threaded scrolling shows no text a row off); it is redrawn only where a row's texts or state changed, or
 * whole when the rendered rows move, the columns or the theme change. Geometry (the columns' x and widths, the text's
 * baseline) and fonts and colours are read from the first row's cells' computed styles when the columns or the width
 * change, never per update.
 */

/** What a row looks like on the canvas: its cells' texts, and its state (idle and ending rows are muted and marked). */
export interface PaintedRow {
  readonly texts: readonly string[];
  readonly state: 'live' | 'idle' | 'ending';
  /** Its element (a `role="row"` grid of cells): the first one shown gives the geometry. */
  readonly el: HTMLElement;
  /** Set by the row when its texts or state changed since it was last drawn; cleared by the painter. */
  dirty: boolean;
}

/** How one column is drawn, read from the first row's cell (`#measure`). */
interface ColumnGeometry {
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
}

/** The `idle ` / `ending ` marks styles.css draws before an idle or ending row's rx rate (`.tr.idle …::before`). */
const MARKS = { idle: 'IDLE ', ending: 'ENDING ' } as const;
/** The mark's letter spacing and size (styles.css `.tr.idle .td[data-col='rxBitsPerSec']::before`). */
const MARK_LETTER_SPACING = '0.4px';
const MARK_SIZE = '10px';
const ELLIPSIS = '…';
/** Cached text widths and fitted texts are dropped past this many (a day of changing numbers would grow them). */
const CACHE_LIMIT = 20_000;

/** The canvas of one table body; see the file's comment. */
export class CellPainter {
  readonly canvas: HTMLCanvasElement;
  readonly #ctx: CanvasRenderingContext2D;
  #markColumn = -1;
  #geometry: Geometry | null = null;
  /**
   * What was drawn at each place of the canvas: the row (a place whose row element changed is redrawn whole), its
   * texts and state (a row whose state is the same has only its changed cells redrawn).
   */
  #drawn: ({ row: PaintedRow; texts: string[]; state: PaintedRow['state'] } | null)[] = [];
  #first = -1;
  #rowPx = 0;
  #hidden = false;
  /** The context's font and fill as last set (a canvas resize resets them). */
  #font = '';
  #fill = '';
  readonly #widths = new Map<string, number>();
  readonly #fitted = new Map<string, string>();

  /** A painter whose canvas is appended to `group` (the row group, positioned); null without a 2D context. */
  static create(group: HTMLElement): CellPainter | null {
    const canvas = document.createElement('canvas');
    const ctx = typeof canvas.getContext === 'function' ? canvas.getContext('2d') : null;
    if (!ctx) return null;
    canvas.className = 'cell-canvas';
    canvas.setAttribute('aria-hidden', 'true');
    // Over the rows, under the sticky header (z-index auto, after the rows), transparent to the pointer: hover,
    // clicks and selection reach the rows.
    Object.assign(canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    group.appendChild(canvas);
    return new CellPainter(canvas, ctx);
  }

  private constructor(canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D) {
    this.canvas = canvas;
    this.#ctx = ctx;
  }

  /** The column the idle / ending marks go before (-1: none); the columns changed, so geometry is read again. */
  setMarkColumn(index: number): void {
    this.#markColumn = index;
    this.invalidate();
  }

  /** The columns, the width, the theme or the fonts changed: geometry, fonts and colours are read again at the next draw. */
  invalidate(): void {
    this.#geometry = null;
    this.#first = -1;
  }

  /** Text mode (the rows hold DOM text for a selection): the canvas is hidden; shown again, it is drawn whole. */
  setHidden(hidden: boolean): void {
    if (this.#hidden === hidden) return;
    this.#hidden = hidden;
    this.canvas.hidden = hidden;
    this.#first = -1;
  }

  /**
   * Draws the rendered rows (row `first + i` is `rows[i]`, each `rowPx` high): only those whose place, texts or state
   * changed, all of them when the rows moved or the geometry was read again.
   */
  draw(first: number, rows: readonly PaintedRow[], rowPx: number): void {
    if (this.#hidden) return;
    const ctx = this.#ctx;
    let g = this.#geometry;
    if (!g) {
      const sample = rows.find((r) => r.el.isConnected && r.el.firstElementChild);
      if (!sample) return;
      g = this.#geometry = this.#measure(sample.el);
      if (!g) return;
      this.#first = -1;
    }
    const heightPx = rows.length * rowPx;
    const width = Math.round(g.widthPx * g.dpr);
    const height = Math.round(heightPx * g.dpr);
    let all = first !== this.#first || rowPx !== this.#rowPx || this.#drawn.length !== rows.length;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      // A new size clears the bitmap and the context's state.
      this.canvas.width = width;
      this.canvas.height = height;
      this.canvas.style.width = `${g.widthPx}px`;
      this.canvas.style.height = `${heightPx}px`;
      this.#font = this.#fill = '';
      all = true;
    }
    if (all) {
      this.canvas.style.top = `${first * rowPx}px`;
      ctx.setTransform(g.dpr, 0, 0, g.dpr, 0, 0);
      ctx.clearRect(0, 0, g.widthPx, heightPx);
      this.#first = first;
      this.#rowPx = rowPx;
      this.#drawn = rows.map(() => null);
    }
    // Each row to draw, with the columns to draw in it (null: all of them).
    const todo: { i: number; cols: boolean[] | null }[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const was = this.#drawn[i];
      if (!all && !row.dirty && was?.row === row) continue;
      row.dirty = false;
      this.#drawn[i] = { row, texts: row.texts.slice(), state: row.state };
      if (all) todo.push({ i, cols: null });
      else if (was?.row !== row || was.state !== row.state) {
        ctx.clearRect(0, i * rowPx, g.widthPx, rowPx);
        todo.push({ i, cols: null });
      } else {
        // The same row in the same state: only the cells whose text changed (~200 of ~400 per update sorted by rx).
        const cols = g.columns.map((col, c) => {
          if (was.texts[c] === row.texts[c]) return false;
          ctx.clearRect(col.cellLeftPx, i * rowPx, col.cellWidthPx, rowPx);
          return true;
        });
        if (cols.includes(true)) todo.push({ i, cols });
      }
    }
    if (todo.length > 0) this.#drawRows(g, rows, todo, rowPx);
  }

  /**
   * Rows `todo` of `rows`, column by column: one font per column (setting `font` parses it), one colour per run of
   * rows in the same state; then the idle / ending marks.
   */
  #drawRows(g: Geometry, rows: readonly PaintedRow[], todo: readonly { i: number; cols: boolean[] | null }[], rowPx: number): void {
    const ctx = this.#ctx;
    ctx.textAlign = 'left';
    /** Where the marked column's text starts in each marked row (its mark goes before it). */
    const markAt = new Map<number, number>();
    for (let c = 0; c < g.columns.length; c++) {
      const col = g.columns[c]!;
      this.#setFont(col.font);
      const marked = c === this.#markColumn;
      for (const { i, cols } of todo) {
        if (cols && !cols[c]) continue;
        const row = rows[i]!;
        const text = row.texts[c];
        if (!text) continue;
        let widthPx = col.widthPx;
        let markPx = 0;
        if (marked && row.state !== 'live') {
          markPx = this.#width(g.markFont, MARKS[row.state]);
          widthPx = Math.max(0, widthPx - markPx);
        }
        const fitted = this.#fit(col, text, widthPx);
        const textPx = this.#textWidth(col, fitted);
        const x = col.right ? col.leftPx + col.widthPx - textPx : col.leftPx + markPx;
        if (markPx > 0) markAt.set(i, x - markPx);
        this.#setFont(col.font); // a mark's width may have been measured in its own font
        this.#setFill(row.state === 'live' ? g.color : g.mutedColor);
        const y = i * rowPx + g.baselinePx;
        if (col.tabular) this.#drawTabular(col, fitted, x, y);
        else ctx.fillText(fitted, x, y);
      }
    }
    if (markAt.size === 0) return;
    this.#setFont(g.markFont);
    ctx.letterSpacing = MARK_LETTER_SPACING;
    for (const [i, x] of markAt) {
      const state = rows[i]!.state as keyof typeof MARKS;
      this.#setFill(state === 'ending' ? g.endingColor : g.mutedColor);
      ctx.fillText(MARKS[state], x, i * rowPx + g.baselinePx);
    }
    ctx.letterSpacing = '0px';
  }

  #setFont(font: string): void {
    if (this.#font !== font) this.#ctx.font = this.#font = font;
  }

  #setFill(color: string): void {
    if (this.#fill !== color) this.#ctx.fillStyle = this.#fill = color;
  }

  /** A numeric text with its digits at one advance (the cell's `font-variant-numeric: tabular-nums`). */
  #drawTabular(col: ColumnGeometry, text: string, x: number, y: number): void {
    const ctx = this.#ctx;
    ctx.textAlign = 'center';
    for (const ch of text) {
      const digit = ch >= '0' && ch <= '9';
      const px = digit ? col.digitPx : this.#width(col.font, ch);
      ctx.fillText(ch, x + px / 2, y);
      x += px;
    }
    ctx.textAlign = 'left';
  }

  /** `text` as the cell shows it in `widthPx`: whole, or cut with an ellipsis (`text-overflow: ellipsis`). */
  #fit(col: ColumnGeometry, text: string, widthPx: number): string {
    if (this.#textWidth(col, text) <= widthPx) return text;
    const key = `${col.font}|${col.tabular}|${widthPx}|${text}`;
    let fitted = this.#fitted.get(key);
    if (fitted === undefined) {
      // The longest start of the text that fits with the ellipsis (by code points: no half surrogate pair).
      const chars = Array.from(text);
      let lo = 0;
      let hi = chars.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.#textWidth(col, chars.slice(0, mid).join('') + ELLIPSIS) <= widthPx) lo = mid;
        else hi = mid - 1;
      }
      fitted = lo > 0 ? chars.slice(0, lo).join('') + ELLIPSIS : this.#textWidth(col, ELLIPSIS) <= widthPx ? ELLIPSIS : '';
      if (this.#fitted.size >= CACHE_LIMIT) this.#fitted.clear();
      this.#fitted.set(key, fitted);
    }
    return fitted;
  }

  #textWidth(col: ColumnGeometry, text: string): number {
    if (!col.tabular) return this.#width(col.font, text);
    let px = 0;
    for (const ch of text) px += ch >= '0' && ch <= '9' ? col.digitPx : this.#width(col.font, ch);
    return px;
  }

  /** The width of `text` in `font`, measured once (leaves `font` set). */
  #width(font: string, text: string): number {
    const key = `${font}|${text}`;
    let px = this.#widths.get(key);
    if (px === undefined) {
      const ctx = this.#ctx;
      this.#setFont(font);
      const mark = font === this.#geometry?.markFont;
      if (mark) ctx.letterSpacing = MARK_LETTER_SPACING;
      px = ctx.measureText(text).width;
      if (mark) ctx.letterSpacing = '0px';
      if (this.#widths.size >= CACHE_LIMIT) this.#widths.clear();
      this.#widths.set(key, px);
    }
    return px;
  }

  /** Columns, fonts, colours and the baseline from a laid-out row's cells (a layout read: columns or width changed). */
  #measure(rowEl: HTMLElement): Geometry | null {
    const rowBox = rowEl.getBoundingClientRect();
    if (rowBox.width === 0) return null;
    const rowStyle = getComputedStyle(rowEl);
    const cells = Array.from(rowEl.children) as HTMLElement[];
    const ctx = this.#ctx;
    let baselinePx = rowBox.height / 2;
    const columns = cells.map((cell, i) => {
      const s = getComputedStyle(cell);
      const box = cell.getBoundingClientRect();
      const font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const padLeft = parseFloat(s.paddingLeft) || 0;
      const padRight = parseFloat(s.paddingRight) || 0;
      this.#setFont(font);
      if (i === 0) {
        // The glyphs are centred in the cell's line box (its line height, the row's): the font's ascent and descent
        // centred in the cell's box.
        const m = ctx.measureText('0');
        const linePx = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
        baselinePx = box.top - rowBox.top + (box.height - linePx) / 2 + m.fontBoundingBoxAscent;
      }
      const digits = Array.from('0123456789', (d) => ctx.measureText(d).width);
      const numeric = s.fontVariantNumeric.includes('tabular-nums');
      const digitPx = Math.max(...digits);
      return {
        leftPx: box.left - rowBox.left + padLeft,
        widthPx: Math.max(0, box.width - padLeft - padRight),
        cellLeftPx: box.left - rowBox.left,
        cellWidthPx: box.width,
        right: s.textAlign === 'right' || s.textAlign === 'end',
        font,
        tabular: numeric && Math.min(...digits) !== digitPx,
        digitPx,
      };
    });
    const first = cells[0];
    const family = first ? getComputedStyle(first).fontFamily : rowStyle.fontFamily;
    this.#widths.clear();
    this.#fitted.clear();
    return {
      columns,
      widthPx: Math.max(rowBox.width, rowEl.scrollWidth),
      baselinePx,
      dpr: window.devicePixelRatio || 1,
      // styles.css: rows are `var(--text)` (the sample row may be idle), `.tr.idle` and `.tr.ending` `var(--muted)`,
      // the ending mark `var(--wait)`.
      color: rowStyle.getPropertyValue('--text').trim() || rowStyle.color,
      mutedColor: rowStyle.getPropertyValue('--muted').trim() || rowStyle.color,
      endingColor: rowStyle.getPropertyValue('--wait').trim() || rowStyle.color,
      markFont: `${MARK_SIZE} ${family}`,
    };
  }
}
