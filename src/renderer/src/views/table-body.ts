/**
 * A table body written to the DOM directly, shared by the Streams table (streams-table.ts) and the Sessions table
 * (sessions-table.ts): React renders the table, its header and an empty body element; a `TableBody` owns the body's
 * children. What it does, and why (each measured in stop 23 on the Streams view, then here on the Sessions view):
 * - only the rows in (and near) the viewport are in the DOM, between two spacers, in visual order (screen readers
 *   and text selection follow DOM order), each with `aria-rowindex`;
 * - a row element follows a key: the row's identity (the element moves with its row when the order changes) or its
 *   index (the element stays at its place and shows whichever row is there now); rows that leave the window are
 *   recycled for the rows that come in;
 * - a row writes only the texts and attributes that changed (`writeText`), and may hold back its numbers while it is
 *   out of the viewport (in the overscan) until it scrolls into view (`flush`);
 * - the window moves only when the viewport comes near its edge, from a passive scroll listener; geometry is measured
 *   by a ResizeObserver (after layout), never per update or scroll event.
 */

/** Rows kept rendered beyond each edge of the viewport. */
export const OVERSCAN_ROWS = 6;
/** The rendered rows are moved once the viewport comes this close to their edge (not on every scroll event). */
const REFILL_ROWS = 2;

/** The viewport over the rows: where it starts (0 at the first row), its height and the rows' height. */
export interface RowViewport {
  topPx: number;
  heightPx: number;
  rowPx: number;
}

/** The first and last index of the rows the viewport shows (at least partly), clamped to the rows. */
export function seenRows(count: number, viewport: RowViewport): { first: number; last: number } {
  const { topPx, heightPx, rowPx } = viewport;
  const first = Math.min(count - 1, Math.max(0, Math.floor(topPx / rowPx)));
  return { first, last: Math.min(count - 1, Math.max(first, Math.ceil((topPx + heightPx) / rowPx) - 1)) };
}

/** The first and last index of the rows to render for a viewport, or null when no row needs to move. */
export function rowWindow(count: number, rendered: { first: number; last: number }, viewport: RowViewport): { first: number; last: number } | null {
  if (count === 0) return rendered.last === -1 ? null : { first: 0, last: -1 };
  const seen = seenRows(count, viewport);
  const want = { first: Math.max(0, seen.first - OVERSCAN_ROWS), last: Math.min(count - 1, seen.last + OVERSCAN_ROWS) };
  const { first, last } = rendered;
  const inside = last < count && first <= seen.first && seen.last <= last;
  const nearTop = first > 0 && seen.first - first < REFILL_ROWS;
  const nearBottom = last < count - 1 && last - seen.last < REFILL_ROWS;
  if (inside && !nearTop && !nearBottom) return null;
  return want.first === first && want.last === last ? null : want;
}

/** A text node and the text last written to it. */
export interface TextSlot {
  node: Text;
  value: string;
}

/** A text node appended to `parent`, to be written with `writeText`. */
export function textSlot(parent: Node, value = ''): TextSlot {
  const node = document.createTextNode(value);
  parent.appendChild(node);
  return { node, value };
}

/** Writes `value` only when it differs from the text last written (an unchanged text costs no layout or paint). */
export function writeText(slot: TextSlot, value: string): void {
  if (slot.value !== value) slot.node.data = slot.value = value;
}

/** One rendered row of a table, made by the table's `makeRow`. */
export interface BodyRow<R, C> {
  readonly el: HTMLElement;
  /**
   * Shows `row` (undefined: not known to the page yet) with the table's context. `seen`: the row is in the viewport;
   * a row out of it may keep the numbers of the last update (until `flush`) as long as it shows the same row.
   */
  show(row: R | undefined, ctx: C, seen: boolean): void;
  /** Writes what `show` held back while the row was out of view. */
  flush(): void;
  /** Off to the pool: the next `show` writes everything, whichever row it brings. */
  release(): void;
}

/** How a table's rows are made, keyed and placed. */
export interface TableBodyOptions<R, C> {
  /** The element the rows go in (a `<tbody>`, or a `role="rowgroup"` element). */
  body: HTMLElement;
  /** A new spacer (a `<tr>` in a `<table>`, a `<div>` in a grid). */
  makeSpacer: () => HTMLElement;
  makeRow: () => BodyRow<R, C>;
  /** The key a row element follows (see the file's comment): a row's identity, or `String(index)`. */
  keyOf: (row: R | undefined, index: number) => string;
  /** Header rows above the body: `aria-rowindex` of the first body row is `headerRows + 1`. */
  headerRows: number;
  /** The rows' height before one is measured. */
  rowPx: number;
  /** Height a sticky header covers at the top of the scroll area (kept clear when a row is scrolled into view). */
  stickyTopPx?: number;
  /** Told the rendered window (`end` exclusive) whenever it moves or the row count changes. */
  onWindow?: (first: number, end: number) => void;
  /** A click in a row: the row shown there and its index. */
  onClick?: (row: R, index: number) => void;
  /** After each render (an update, a scroll, a resize): the first rendered row's index, the rows' views in order and height, the row count. */
  onRendered?: (first: number, views: readonly BodyRow<R, C>[], rowPx: number, count: number) => void;
}

interface Slot<R, C> {
  view: BodyRow<R, C>;
  key: string;
  index: number;
  row: R | undefined;
}

/** The rows of a table in a body element React leaves empty; see the file's comment. */
export class TableBody<R, C> {
  readonly #opts: TableBodyOptions<R, C>;
  readonly #body: HTMLElement;
  readonly #top: HTMLElement;
  readonly #bottom: HTMLElement;
  readonly #shown = new Map<string, Slot<R, C>>();
  /** The rendered rows in order: row `#first + i` is `#order[i]`. */
  readonly #order: Slot<R, C>[] = [];
  readonly #byEl = new WeakMap<Element, Slot<R, C>>();
  #makeRow: () => BodyRow<R, C>;
  #pool: Slot<R, C>[] = [];
  #count = 0;
  #rowAt: (index: number) => R | undefined = () => undefined;
  #ctx: C | null = null;
  #first = 0;
  #last = -1;
  #toldWindow = '';
  #topPadPx = -1;
  #bottomPadPx = -1;
  #scrollEl: HTMLElement | null = null;
  #scrollTopPx = 0;
  #marginPx = 0;
  #viewportPx = typeof window === 'undefined' ? 900 : window.innerHeight;
  #rowPx: number;
  readonly #detach: (() => void)[] = [];

  constructor(opts: TableBodyOptions<R, C>) {
    this.#opts = opts;
    this.#body = opts.body;
    this.#makeRow = opts.makeRow;
    this.#rowPx = opts.rowPx;
    this.#top = opts.makeSpacer();
    this.#bottom = opts.makeSpacer();
    for (const spacer of [this.#top, this.#bottom]) {
      spacer.setAttribute('aria-hidden', 'true');
      spacer.classList.add('spacer');
      spacer.hidden = true;
    }
    this.#body.replaceChildren(this.#top, this.#bottom);
    const onClick = opts.onClick;
    if (onClick) {
      const click = (e: MouseEvent): void => {
        let el = e.target as Element | null;
        while (el && el !== this.#body && !this.#byEl.has(el)) el = el.parentElement;
        const slot = el ? this.#byEl.get(el) : undefined;
        if (slot?.row !== undefined) onClick(slot.row, slot.index);
      };
      this.#body.addEventListener('click', click);
      this.#detach.push(() => this.#body.removeEventListener('click', click));
    }
  }

  /**
   * Follows `scrollEl` (the area the table scrolls in): the window moves with its scroll position, and its geometry
   * is measured when sizes change (ResizeObserver).
   */
  attach(scrollEl: HTMLElement | null): void {
    this.#scrollEl = scrollEl;
    if (!scrollEl) return;
    this.#scrollTopPx = scrollEl.scrollTop;
    const onScroll = (): void => {
      this.#scrollTopPx = scrollEl.scrollTop;
      this.#render(false);
    };
    scrollEl.addEventListener('scroll', onScroll, { passive: true });
    this.#detach.push(() => scrollEl.removeEventListener('scroll', onScroll));
    if (typeof ResizeObserver !== 'undefined') {
      const ro = new ResizeObserver(() => this.#measure());
      ro.observe(scrollEl);
      if (scrollEl.firstElementChild) ro.observe(scrollEl.firstElementChild);
      this.#detach.push(() => ro.disconnect());
    }
    this.#measure();
  }

  /** New rows or context (an update, a filter, a sort, a selection): rewrites what changed in the rows in view. */
  update(count: number, rowAt: (index: number) => R | undefined, ctx: C): void {
    this.#count = count;
    this.#rowAt = rowAt;
    this.#ctx = ctx;
    this.#render(true);
  }

  /** Drops every row element (their cells changed: a column came or went); the next update builds them anew. */
  rebuild(makeRow: () => BodyRow<R, C>): void {
    for (const slot of this.#shown.values()) slot.view.el.remove();
    this.#shown.clear();
    this.#order.length = 0;
    this.#pool = [];
    this.#makeRow = makeRow;
    this.#render(true);
  }

  /** Scrolls the least that brings row `index` fully into view (below a sticky header). */
  scrollToIndex(index: number): void {
    const el = this.#scrollEl;
    if (!el || index < 0 || index >= this.#count) return;
    const sticky = this.#opts.stickyTopPx ?? 0;
    const topPx = this.#marginPx + index * this.#rowPx;
    const bottomPx = topPx + this.#rowPx;
    if (topPx - sticky < el.scrollTop) el.scrollTop = topPx - sticky;
    else if (bottomPx > el.scrollTop + el.clientHeight) el.scrollTop = bottomPx - el.clientHeight;
    else return;
    // Rendered now, not at the scroll event: the caller's next read (a focus, a test) finds the row.
    this.#scrollTopPx = el.scrollTop;
    this.#render(false);
  }

  /** The rendered rows' elements in order (tests and the bench read them). */
  get rendered(): readonly HTMLElement[] {
    return this.#order.map((s) => s.view.el);
  }

  dispose(): void {
    for (const d of this.#detach.splice(0)) d();
  }

  #measure(): void {
    const scrollEl = this.#scrollEl;
    if (!scrollEl) return;
    // Where the rows start inside the scroll area (it moves when a banner shows or the toolbar wraps) and the rows'
    // height, to the fraction (31.4 px rows measured as 31 would leave 240 px of spacer missing at 600 rows).
    const marginPx = this.#body.getBoundingClientRect().top - scrollEl.getBoundingClientRect().top + scrollEl.scrollTop;
    const first = this.#order[0];
    const rowPx = first ? first.view.el.getBoundingClientRect().height : 0;
    const viewportPx = scrollEl.clientHeight;
    const changed = Math.abs(marginPx - this.#marginPx) > 0.5 || (rowPx > 0 && Math.abs(rowPx - this.#rowPx) > 0.01) || viewportPx !== this.#viewportPx;
    this.#marginPx = marginPx;
    if (rowPx > 0) this.#rowPx = rowPx;
    this.#viewportPx = viewportPx;
    this.#scrollTopPx = scrollEl.scrollTop;
    if (changed) this.#render(true);
  }

  /**
   * `all`: new rows or context, every rendered row is given its row (numbers written for the rows in view);
   * otherwise (a scroll) rows move only when the viewport nears the edge of the rendered ones, and rows that came
   * into view get the numbers they held back.
   */
  #render(all: boolean): void {
    const ctx = this.#ctx;
    if (ctx === null) return;
    const count = this.#count;
    const viewport = { topPx: this.#scrollTopPx - this.#marginPx, heightPx: this.#viewportPx, rowPx: this.#rowPx };
    const next = rowWindow(count, { first: this.#first, last: Math.min(this.#last, count - 1) }, viewport);
    const seen = seenRows(count, viewport);
    if (!next && !all) {
      for (let i = Math.max(seen.first, this.#first); i <= Math.min(seen.last, this.#last); i++) this.#order[i - this.#first]?.view.flush();
      this.#rendered();
      return;
    }
    if (next) [this.#first, this.#last] = [next.first, next.last];
    const first = this.#first;
    const last = Math.min(this.#last, count - 1);
    this.#last = last;
    // Rows that left the window go to the pool; the others stay the same elements.
    const { keyOf, headerRows } = this.#opts;
    const keys: string[] = [];
    const rows: (R | undefined)[] = [];
    for (let i = first; i <= last; i++) {
      const row = this.#rowAt(i);
      rows.push(row);
      keys.push(keyOf(row, i));
    }
    const wanted = new Set(keys);
    const freed: Slot<R, C>[] = [];
    for (const [key, slot] of this.#shown) {
      if (wanted.has(key)) continue;
      slot.view.release();
      slot.row = undefined;
      this.#shown.delete(key);
      // A row that leaves while its place stays in the window (a blank row the worker's answer fills) hands its element
      // to the row that comes to that place, if that row has none yet. Through the pool every such element would move
      // (the last blank one becoming the first row: a reader holding the elements across the update saw them reversed).
      const placeKey = keys[slot.index - first];
      if (placeKey !== undefined && !this.#shown.has(placeKey)) {
        slot.key = placeKey;
        this.#shown.set(placeKey, slot);
        continue;
      }
      slot.view.el.remove();
      freed.push(slot);
    }
    // Pooled so that the rows that come in take the freed elements in their order (the pool is taken from its end):
    // after a jump, the element of the first row that left is the first row that came, and a reader holding the
    // elements across the update (assistive technology, a test's read in two round trips) meets them in order.
    if (freed.length > 1) freed.sort((a, b) => b.index - a.index);
    for (const slot of freed) this.#pool.push(slot);
    this.#order.length = 0;
    let at: ChildNode | null = this.#top.nextSibling;
    for (let i = first; i <= last; i++) {
      const key = keys[i - first]!;
      let slot = this.#shown.get(key);
      if (!slot) {
        slot = this.#pool.pop() ?? { view: this.#makeRow(), key, index: -1, row: undefined };
        slot.key = key;
        this.#byEl.set(slot.view.el, slot);
        this.#shown.set(key, slot);
      }
      if (slot.index !== i) {
        slot.index = i;
        slot.view.el.dataset.index = String(i);
        slot.view.el.setAttribute('aria-rowindex', String(i + headerRows + 1));
      }
      slot.row = rows[i - first];
      slot.view.show(slot.row, ctx, i >= seen.first && i <= seen.last);
      this.#order.push(slot);
      // DOM order is the visual order: a row whose rank changed is moved, the rest stay put.
      if (slot.view.el === at) at = at.nextSibling;
      else this.#body.insertBefore(slot.view.el, at);
    }
    this.#pad(this.#top, first * this.#rowPx, true);
    this.#pad(this.#bottom, Math.max(0, count - 1 - last) * this.#rowPx, false);
    const told = `${first}:${last + 1}:${count}`;
    if (this.#opts.onWindow && told !== this.#toldWindow) {
      this.#toldWindow = told;
      this.#opts.onWindow(first, last + 1);
    }
    this.#rendered();
  }

  #rendered(): void {
    this.#opts.onRendered?.(this.#first, this.#order.map((s) => s.view), this.#rowPx, this.#count);
  }

  #pad(spacer: HTMLElement, heightPx: number, top: boolean): void {
    if ((top ? this.#topPadPx : this.#bottomPadPx) === heightPx) return;
    if (top) this.#topPadPx = heightPx;
    else this.#bottomPadPx = heightPx;
    spacer.hidden = heightPx <= 0;
    spacer.style.height = `${heightPx}px`;
  }
}
