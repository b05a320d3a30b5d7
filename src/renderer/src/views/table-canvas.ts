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
 *
 * What is drawn, and how, is paint/row-painter.ts's (`RowPainter`, no DOM: a worker can run it on OffscreenCanvases);
 * this file keeps the DOM: the tiles' canvases and where they sit, the geometry read from the rows, text mode.
 */
import {
  MARK_SIZE,
  RowPainter,
  TILE_ROWS,
  TONES,
  type CellKind,
  type ColumnGeometry,
  type Geometry,
  type PaintedRow,
  type RowBackgrounds,
  type TileSurface,
} from '../paint/row-painter.ts';

export type { PaintedRow } from '../paint/row-painter.ts';

/** A painted row and its element (a row of cells): the first one shown gives the geometry. */
export interface ShownRow extends PaintedRow {
  readonly el: HTMLElement;
}

/** A tile's canvas at its place in the row group, and what is drawn on it (`TileSurface`). */
interface Tile extends TileSurface {
  readonly canvas: HTMLCanvasElement;
  /** Its CSS `clip` as last written: the part over the rendered rows ('' or unset: all of it). */
  clip?: string;
}

/** The canvases of one table body, in tiles, drawn by a `RowPainter`; see the file's comment. */
export class CellPainter {
  readonly #group: HTMLElement;
  /**
   * Opaque tiles (`alpha: false`): the rows' backgrounds, borders, hover and selection painted under the texts, so the
   * compositor blends nothing and draws nothing of the rows under them.
   */
  readonly #opaque: boolean;
  /** A detached canvas's context: fonts measured while reading the geometry (and the painter's texts outside a tile). */
  readonly #probe: CanvasRenderingContext2D;
  readonly #rows: RowPainter;
  /** The tiles in the row group by index, and the ones out of it (kept for the next tile that comes in). */
  readonly #tiles = new Map<number, Tile>();
  readonly #spare: Tile[] = [];
  /** Every tile is drawn whole at the next draw (text mode ended, the geometry was read again). */
  #stale = true;
  /** The geometry is read again at the next draw. */
  #measured = false;
  #rowPx = 0;
  #hidden = false;

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
    this.#probe = ctx;
    this.#rows = new RowPainter(ctx, opaque);
  }

  /**
   * The row under the pointer (null: none): an opaque painter draws its background as hovered at the next draw. True
   * when that changes what is to be painted.
   */
  setHovered(row: PaintedRow | null): boolean {
    return this.#rows.setHovered(row);
  }

  /** The column the idle / ending marks go before (-1: none); the columns changed, so geometry is read again. */
  setMarkColumn(index: number): void {
    this.#rows.setMarkColumn(index);
    this.invalidate();
  }

  /** The columns, the width, the theme or the fonts changed: geometry, fonts and colours are read again at the next draw. */
  invalidate(): void {
    this.#measured = false;
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
  draw(first: number, rows: readonly ShownRow[], rowPx: number, count: number): void {
    if (this.#hidden) return;
    let g = this.#measured ? this.#rows.geometry : null;
    if (!g) {
      const sample = rows.find((r) => r.el.isConnected && r.el.firstElementChild);
      if (!sample) return;
      g = this.#measure(sample.el);
      if (!g) return;
      this.#rows.setGeometry(g);
      this.#measured = true;
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
      this.#rows.drawTile(tile, k, first, rows, rowPx);
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
    const { canvas } = t;
    if (this.#rows.placeTile(t, canvas, n, rowPx)) {
      canvas.style.width = `${g.widthPx}px`;
      canvas.style.height = `${n * rowPx}px`;
    }
    canvas.style.top = `${k * TILE_ROWS * rowPx}px`;
    if (!canvas.isConnected) this.#group.appendChild(canvas);
    this.#tiles.set(k, t);
    return t;
  }

  /** Columns, fonts, colours and the baseline from a laid-out row's cells (a layout read: columns or width changed). */
  #measure(rowEl: HTMLElement): Geometry | null {
    const rowBox = rowEl.getBoundingClientRect();
    if (rowBox.width === 0) return null;
    const rowStyle = getComputedStyle(rowEl);
    const dpr = window.devicePixelRatio || 1;
    const cells = Array.from(rowEl.children) as HTMLElement[];
    const ctx = this.#probe;
    let baselinePx = rowBox.height / 2;
    const setFont = (font: string): void => {
      if (ctx.font !== font) ctx.font = font;
    };
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
      setFont(font);
      if (i === 0) {
        // The glyphs are centred in the cell's line box (its line height, the row's): the font's ascent and descent
        // centred in the cell's box (the cell's own font: a first element's may be another).
        setFont(fontOf(s));
        const m = ctx.measureText('0');
        const linePx = m.fontBoundingBoxAscent + m.fontBoundingBoxDescent;
        baselinePx = box.top - rowBox.top + (box.height - linePx) / 2 + m.fontBoundingBoxAscent;
        setFont(font);
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
    const ctx = this.#probe;
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
export interface TextRow extends ShownRow {
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
