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
 */
import type { UnitSystem } from '../../../shared/ipc.ts';
import type { SessionRow } from '../../../shared/types.ts';
import { formatBitrate, formatBytes, formatDuration } from '../format/units.ts';
import { sessionKey, sessionState } from '../store/session-view.ts';
import { formatExtra, formatLocal, type ColumnSpec, type SessionColumnKey } from '../store/session-columns.ts';
import { writeText, TableBody, textSlot, type BodyRow, type TextSlot } from './table-body.ts';

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

/** One row: a `role="row"` grid of `role="cell"` elements, the texts and attributes last written. */
class SessionRowView implements BodyRow<SessionRow, SessionTableContext> {
  readonly el = document.createElement('div');
  readonly #columns: readonly ColumnSpec[];
  readonly #cells: TextSlot[];
  /** The session shown ('' for none), its row class and selection as last written. */
  #key = '';
  #className = '';
  #selected = '';
  #pending: { r: SessionRow; ctx: SessionTableContext } | null = null;

  constructor(columns: readonly ColumnSpec[], template: string) {
    const el = this.el;
    el.setAttribute('role', 'row');
    el.dataset.testid = 'session-row';
    el.style.gridTemplateColumns = template;
    this.#columns = columns;
    this.#cells = columns.map((c) => {
      const td = document.createElement('div');
      td.setAttribute('role', 'cell');
      td.dataset.col = c.key;
      td.className = c.numeric ? 'td num' : 'td';
      el.appendChild(td);
      return textSlot(td);
    });
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
      for (const cell of this.#cells) writeText(cell, '');
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

  #write(r: SessionRow, ctx: SessionTableContext): void {
    this.#pending = null;
    const columns = this.#columns;
    for (let i = 0; i < columns.length; i++) writeText(this.#cells[i]!, CELLS[columns[i]!.key](r, ctx));
    // Its connection closed (kept until Core's session timeout): ending; no traffic either way: idle (styles.css).
    const state = sessionState(r);
    this.#setClass(`sessions-grid tr${this.#selected === 'true' ? ' selected' : ''}${state === 'live' ? '' : ` ${state}`}`);
  }

  #setSelected(selected: boolean): void {
    const value = String(selected);
    if (this.#selected === value) return;
    this.#selected = value;
    this.el.setAttribute('aria-selected', value);
    this.#setClass(selected ? `${this.#className} selected` : this.#className.replace(' selected', ''));
  }

  #setClass(value: string): void {
    if (this.#className !== value) this.el.className = this.#className = value;
  }
}

/** The Sessions table's rows in a row group React leaves empty; see the file's comment. */
export class SessionTableBody {
  readonly #body: TableBody<SessionRow, SessionTableContext>;
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
      makeRow: () => new SessionRowView([], ''),
      keyOf: (_r, i) => String(i),
      headerRows: 1,
      rowPx: ROW_HEIGHT_PX,
      stickyTopPx: opts.stickyTopPx,
      onWindow: opts.onWindow,
      onClick: opts.onClick,
    });
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
    this.#body.rebuild(() => new SessionRowView(columns, template));
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
    this.#body.dispose();
  }
}
