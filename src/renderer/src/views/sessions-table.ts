/**
 * The Sessions view's table body, written to the DOM directly by the shared `TableBody` (table-body.ts), as the
 * Streams table's is. React renders the table, its header and an empty row group, and re-renders only when the
 * columns, the sort, the row count or the selection change; each update (every second) goes from the store to
 * `SessionTableBody.update` without React (its render and commit of ~30 rows × 10 cells cost ~5 ms per update).
 *
 * Rows are keyed by their place, not by session: sorted by a live rate, the rows in view are other sessions every
 * second, and a keyed row that changes place is moved in the DOM (DOM order must stay the visual order), which
 * re-creates its layout objects: the cost of rewriting its texts, plus the move. A row's element stays at its place
 * and each cell writes its text only when it changed (the collector, the core, often the numbers' units).
 *
 * The cells' texts are painted on one canvas over the rows (table-canvas.ts): ~200 texts rewritten per update cost
 * ~7 ms of layout and ~6 ms of paint as DOM text, nothing of either on a canvas. Each cell keeps its text in
 * `aria-label` (assistive technology reads it; no selector does), written in a task after the update's frame (not in
 * it: ~0.3 ms of the frame's main thread, `CellTexts`), and the rows hold DOM text while the user selects
 * in the table (text mode, see `SessionTableBody`), so a selection and a copy give the same text as before.
 */
import type { UnitSystem } from '../../../shared/ipc.ts';
import type { SessionRow } from '../../../shared/types.ts';
import { formatBitrate, formatBytes, formatDuration } from '../format/units.ts';
import { sessionKey, sessionState } from '../store/session-view.ts';
import { formatExtra, formatLocal, type ColumnSpec, type SessionColumnKey } from '../store/session-columns.ts';
import { writeText, TableBody, textSlot, type BodyRow } from './table-body.ts';
import { CellTexts, PaintedRows, type TextMode, type TextRow } from './table-canvas.ts';

/** A row's height (styles.css `.tr`), before one is measured. */
export const ROW_HEIGHT_PX = 30;

/** What the cells show besides the session rows themselves. */
export interface SessionTableContext {
  units: UnitSystem;
  /** The clock of the durations (the snapshot's time). */
  atMs: number;
  coreName: (id: string) => string;
  /** The selected session's key. */
  selectedKey: string | null;
}

/** The text of each column's cell (layout facts: src/renderer/src/store/session-columns.ts). */
export const CELLS: Record<SessionColumnKey, (r: SessionRow, c: SessionTableContext) => string> = {
  collector: (r) => r.collector,
  core: (r, c) => c.coreName(r.core),
  id: (r) => r.id,
  reference: (r) => r.reference,
  location: (r) => formatLocal(r.location, r.reference),
  peer: (r) => r.peer,
  extra: (r) => formatExtra(r.extra),
  rxBitsPerSec: (r, c) => formatBitrate(r.rxBitsPerSec, c.units),
  txBitsPerSec: (r, c) => formatBitrate(r.txBitsPerSec, c.units),
  rxBytes: (r, c) => formatBytes(r.rxBytes, c.units),
  txBytes: (r, c) => formatBytes(r.txBytes, c.units),
  duration: (r, c) => formatDuration(c.atMs - r.createdAtMs),
};
/**
 * Core's text of the cells whose text shortens it: their tooltip, set on hover (Sessions.tsx), whether or not the
 * painted text is cut.
 */
export const FULL_TEXT: Partial<Record<SessionColumnKey, (r: SessionRow) => string>> = {
  location: (r) => r.location,
  extra: (r) => r.extra,
};

/**
 * One row: a `role="row"` grid of `role="cell"` elements. Its texts are painted on the body's canvas (table-canvas.ts)
 * and kept in each cell's `aria-label` for assistive technology; in text mode (a selection) they are DOM text too.
 */
class SessionRowView implements BodyRow<SessionRow, SessionTableContext>, TextRow {
  readonly el = document.createElement('div');
  readonly #columns: readonly ColumnSpec[];
  /** The cells' texts (painted, each cell's `aria-label`, DOM text in text mode, a cut cell's tooltip). */
  readonly cells: CellTexts;
  /** The cells' texts as last written. */
  readonly texts: string[];
  state: 'live' | 'idle' | 'ending' = 'live';
  dirty = true;
  /** The session shown ('' for none), its row class and selection as last written. */
  #key = '';
  #className = '';
  #selected = '';
  #pending: { r: SessionRow; ctx: SessionTableContext } | null = null;

  /** Selected: the painter draws its background and bar (`.tr.selected`). */
  get selected(): boolean {
    return this.#selected === 'true';
  }

  constructor(columns: readonly ColumnSpec[], template: string, mode: TextMode) {
    const el = this.el;
    el.setAttribute('role', 'row');
    el.dataset.testid = 'session-row';
    el.style.gridTemplateColumns = template;
    this.#columns = columns;
    const tds = columns.map((c) => {
      const td = document.createElement('div');
      td.setAttribute('role', 'cell');
      td.dataset.col = c.key;
      td.className = c.numeric ? 'td num' : 'td';
      el.appendChild(td);
      return td;
    });
    const slots = tds.map((td) => textSlot(td));
    // A cut cell's tooltip is its text, but for the cells whose tooltip is Core's text (`FULL_TEXT`).
    const titled = tds.map((td, i) => (FULL_TEXT[columns[i]!.key] ? null : td));
    this.cells = new CellTexts(this, tds, (i, value) => writeText(slots[i]!, value), mode, titled);
    this.texts = this.cells.values;
    this.#setClass('sessions-grid tr');
  }

  /**
   * Shows session `r` (undefined: scrolled past the rows the worker sent; empty until they arrive, a frame or two).
   * The selection is written at once; a row out of the viewport that shows the same session as before keeps the
   * numbers of the last update until it scrolls into view (`flush`).
   */
  show(r: SessionRow | undefined, ctx: SessionTableContext, seen: boolean): void {
    if (!r) {
      this.release();
      for (let i = 0; i < this.texts.length; i++) this.cells.set(i, '');
      this.#setState('live');
      this.#setSelected(false);
      this.#setClass('sessions-grid tr');
      this.el.removeAttribute('data-key');
      return;
    }
    const key = sessionKey(r);
    const same = key === this.#key;
    if (!same) this.el.dataset.key = this.#key = key;
    this.#setSelected(key === ctx.selectedKey);
    if (seen || !same) this.#write(r, ctx);
    else this.#pending = { r, ctx };
  }

  flush(): void {
    const p = this.#pending;
    if (p) this.#write(p.r, p.ctx);
  }

  release(): void {
    this.#key = '';
    this.#pending = null;
  }

  syncText(): void {
    this.cells.sync();
  }

  #write(r: SessionRow, ctx: SessionTableContext): void {
    this.#pending = null;
    const columns = this.#columns;
    for (let i = 0; i < columns.length; i++) this.cells.set(i, CELLS[columns[i]!.key](r, ctx));
    // Its connection closed (kept until Core's session timeout): ending; no traffic either way: idle (styles.css).
    const state = sessionState(r);
    this.#setState(state);
    this.#setClass(`sessions-grid tr${this.#selected === 'true' ? ' selected' : ''}${state === 'live' ? '' : ` ${state}`}`);
  }

  #setState(state: 'live' | 'idle' | 'ending'): void {
    if (this.state === state) return;
    this.state = state;
    this.dirty = true;
  }

  #setSelected(selected: boolean): void {
    const value = String(selected);
    if (this.#selected === value) return;
    this.#selected = value;
    this.dirty = true;
    this.el.setAttribute('aria-selected', value);
    this.#setClass(selected ? `${this.#className} selected` : this.#className.replace(' selected', ''));
  }

  #setClass(value: string): void {
    if (this.#className !== value) this.el.className = this.#className = value;
  }
}

/**
 * The Sessions table's rows in a row group React leaves empty; see the file's comment. The cells' texts are painted
 * on one canvas until the user selects in the table (table-canvas.ts, `PaintedRows`: text mode).
 */
export class SessionTableBody {
  readonly #body: TableBody<SessionRow, SessionTableContext>;
  readonly #painted: PaintedRows;
  #template = '';

  /**
   * `onWindow`: the rendered rows moved (the worker is asked for them); `onClick`: a row was clicked.
   * `stickyTopPx`: the header's height, kept clear when a row is scrolled into view.
   */
  constructor(
    rowGroup: HTMLElement,
    opts: { stickyTopPx: number; onWindow: (first: number, end: number) => void; onClick: (r: SessionRow) => void },
  ) {
    this.#body = new TableBody<SessionRow, SessionTableContext>({
      body: rowGroup,
      makeSpacer: () => document.createElement('div'),
      makeRow: () => new SessionRowView([], '', this.#painted.mode),
      keyOf: (_r, i) => String(i),
      headerRows: 1,
      rowPx: ROW_HEIGHT_PX,
      stickyTopPx: opts.stickyTopPx,
      onWindow: opts.onWindow,
      onClick: opts.onClick,
      onRendered: (first, views, rowPx, count) => this.#painted.draw(first, views as readonly SessionRowView[], rowPx, count),
    });
    // After the body: it empties the row group.
    // Opaque tiles: the rows' backgrounds are painted with the texts (table-canvas.ts).
    this.#painted = new PaintedRows(rowGroup, ROW_HEIGHT_PX, true);
  }

  /** Follows `scrollEl` (the area the table scrolls in); see `TableBody.attach`. */
  attach(scrollEl: HTMLElement | null): void {
    this.#body.attach(scrollEl);
  }

  /** The columns shown (their order and grid tracks): rows are built anew when they change. */
  setColumns(columns: readonly ColumnSpec[], template: string): void {
    const shape = `${template}|${columns.map((c) => c.key).join(',')}`;
    if (shape === this.#template) return;
    this.#template = shape;
    this.#painted.painter?.setMarkColumn(columns.findIndex((c) => c.key === 'rxBitsPerSec'));
    const mode = this.#painted.mode;
    this.#body.rebuild(() => new SessionRowView(columns, template, mode));
  }

  /** The table's `count` rows, of which the page holds `rows` from index `start` (the worker's window). */
  update(count: number, start: number, rows: readonly SessionRow[], ctx: SessionTableContext): void {
    this.#body.update(count, (i) => rows[i - start], ctx);
  }

  /** Scrolls the least that brings row `index` into view. */
  scrollToIndex(index: number): void {
    this.#body.scrollToIndex(index);
  }

  dispose(): void {
    this.#painted.dispose();
    this.#body.dispose();
  }
}
