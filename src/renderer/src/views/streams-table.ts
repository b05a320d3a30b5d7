/**
 * The Streams view's table body, written to the DOM directly (React renders the table, its header and an empty
 * `<tbody>`; this class owns the tbody's rows). Why not React: each update changed every row in view (new row
 * objects), so React rendered and diffed ~30 rows × 15 elements and rewrote each sparkline's SVG path every second,
 * and every scroll event re-rendered the whole window. Here:
 * - only the rows in (and near) the viewport are in the DOM, between two spacer rows, in visual order (screen
 *   readers and text selection follow DOM order); a row is keyed by its stream and stays the same element while the
 *   stream stays in view, so an update rewrites only the texts that changed (each cell keeps its last text);
 * - a row's sparkline is an SVG path of at most one point pair per pixel column, set only when its columns changed
 *   (charts/sparkline.ts); a canvas per row was tried: each became a layer of its own, and layerizing 30 of them cost
 *   more than the paths;
 * - scrolling re-renders only when the viewport nears the edge of the rendered rows, and rows that leave are
 *   recycled for the rows that come in.
 * The table stays a table: `aria-rowindex` on each row (the header row is 1), `aria-rowcount` on the table (React).
 */
import type { UnitSystem } from '../../../shared/ipc.ts';
import { VIEWER_PROTOCOLS, type StreamRow } from '../../../shared/streams.ts';
import { sameColumns, sparkColumns, sparkPath, type SparkColumns } from '../charts/sparkline.ts';
import { formatBitrate, formatCount, formatDuration } from '../format/units.ts';
import { streamId, type StreamSeries } from '../store/stream-series.ts';

/** Protocol names as the view shows them. */
export const PROTOCOL_LABELS: Record<string, string> = { hls: 'HLS', hlsingress: 'HLS ingest', rtmp: 'RTMP', srt: 'SRT', ffmpeg: 'FFmpeg' };

/** Rows kept rendered beyond each edge of the viewport. */
export const OVERSCAN_ROWS = 6;
/** The rendered rows are moved once the viewport comes this close to their edge (not on every scroll event). */
const REFILL_ROWS = 2;
const SPARK_WIDTH_PX = 90;
const SPARK_HEIGHT_PX = 18;
const SPARK_WINDOW_MS = 600_000;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** What the rows show besides the stream rows themselves. */
export interface StreamTableContext {
  /** The clock of the durations (the snapshot's time while pushes arrive). */
  clockMs: number;
  units: UnitSystem;
  /** The name of a row's core, or null when there is one core (no Core column). */
  coreName: ((core: string) => string) | null;
  series: ReadonlyMap<string, StreamSeries>;
  /** The stream whose page is open. */
  selectedId: string | null;
}

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

interface TextSlot {
  node: Text;
  value: string;
}

function text(parent: Node, value = ''): TextSlot {
  const node = document.createTextNode(value);
  parent.appendChild(node);
  return { node, value };
}

function setText(slot: TextSlot, value: string): void {
  if (slot.value !== value) slot.node.data = slot.value = value;
}

function cell(tr: HTMLTableRowElement, className?: string, testId?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (testId) td.dataset.testid = testId;
  tr.appendChild(td);
  return td;
}

/** One `<tr>`: its cells, the texts and attributes last written, and its sparkline's last columns. */
class RowView {
  readonly tr = document.createElement('tr');
  id = '';
  #index = -1;
  #testId = '';
  #rowClass = '';
  #selected = '';
  #badgeClass = '';
  #label = '';
  readonly #key: TextSlot;
  readonly #core: TextSlot | null;
  readonly #badge: HTMLSpanElement;
  readonly #state: TextSlot;
  readonly #since: TextSlot;
  readonly #ingest: TextSlot;
  readonly #viewers: TextSlot;
  readonly #perProtocol: TextSlot[];
  readonly #egress: TextSlot;
  readonly #peak: TextSlot;
  readonly #svg = document.createElementNS(SVG_NS, 'svg');
  readonly #path = document.createElementNS(SVG_NS, 'path');
  #pending: { r: StreamRow; ctx: StreamTableContext } | null = null;
  #drawn: SparkColumns | null = null;
  #spare: SparkColumns | undefined;

  constructor(withCore: boolean) {
    const tr = this.tr;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    this.#key = text(button);
    cell(tr).appendChild(button);
    this.#core = withCore ? text(cell(tr)) : null;
    const state = cell(tr);
    this.#badge = document.createElement('span');
    this.#badge.dataset.testid = 'stream-state';
    this.#state = text(this.#badge);
    state.appendChild(this.#badge);
    state.appendChild(document.createTextNode(' '));
    const small = document.createElement('small');
    small.className = 'muted';
    this.#since = text(small);
    state.appendChild(small);
    this.#ingest = text(cell(tr));
    const b = document.createElement('b');
    this.#viewers = text(b);
    cell(tr, 'num', 'stream-viewers').appendChild(b);
    this.#perProtocol = VIEWER_PROTOCOLS.map((p) => text(cell(tr, 'num', `stream-viewers-${p}`)));
    this.#egress = text(cell(tr, 'num'));
    this.#peak = text(cell(tr, 'num'));
    const svg = this.#svg;
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('role', 'img');
    svg.setAttribute('width', String(SPARK_WIDTH_PX));
    svg.setAttribute('height', String(SPARK_HEIGHT_PX));
    svg.setAttribute('viewBox', `0 0 ${SPARK_WIDTH_PX} ${SPARK_HEIGHT_PX}`);
    for (const [k, v] of [['fill', 'none'], ['stroke', 'currentColor'], ['stroke-width', '1.5'], ['stroke-linejoin', 'round']]) this.#path.setAttribute(k!, v!);
    svg.appendChild(this.#path);
    cell(tr, 'spark').appendChild(svg);
  }

  /**
   * Shows stream `r` at `index`. The row's place and identity are written at once; its numbers and sparkline only
   * when the row is in the viewport (`seen`) or shows another stream than before: a row in the overscan keeps its
   * numbers of the last update until it scrolls into view (`flush`), so an update lays out and paints the rows the
   * user sees, not the dozen rows kept ready beyond them.
   */
  set(r: StreamRow, id: string, index: number, ctx: StreamTableContext, seen: boolean): void {
    const tr = this.tr;
    const same = this.id === id;
    this.id = id;
    if (this.#index !== index) {
      this.#index = index;
      tr.dataset.index = String(index);
      tr.setAttribute('aria-rowindex', String(index + 2));
    }
    const selected = String(ctx.selectedId === id);
    if (this.#selected !== selected) tr.setAttribute('aria-selected', (this.#selected = selected));
    if (seen || !same) this.#write(r, ctx);
    else this.#pending = { r, ctx };
  }

  /** Off to the pool: the next `set` writes everything, whichever stream it brings. */
  release(): void {
    this.id = '';
    this.#pending = null;
  }

  /** Writes the numbers held back while the row was out of view. */
  flush(): void {
    const p = this.#pending;
    if (p) this.#write(p.r, p.ctx);
  }

  /** Writes what changed since the last write (also when the view now shows another stream). */
  #write(r: StreamRow, ctx: StreamTableContext): void {
    this.#pending = null;
    const tr = this.tr;
    const testId = `stream-row-${r.key}`;
    if (this.#testId !== testId) tr.dataset.testid = this.#testId = testId;
    const stale = r.staleSinceMs !== undefined;
    const rowClass = stale ? 'stale' : '';
    if (this.#rowClass !== rowClass) tr.className = this.#rowClass = rowClass;
    setText(this.#key, r.key);
    if (this.#core && ctx.coreName) setText(this.#core, ctx.coreName(r.core));
    const badgeClass = stale || r.state === 'idle' ? 'badge badge-wait' : r.state === 'live' ? 'badge badge-good' : 'badge badge-bad';
    if (this.#badgeClass !== badgeClass) this.#badge.className = this.#badgeClass = badgeClass;
    setText(this.#state, stale ? 'stale' : r.state);
    setText(this.#since, formatDuration(ctx.clockMs - (r.staleSinceMs ?? r.sinceMs)));
    setText(this.#ingest, r.ingestProtocol ? `${PROTOCOL_LABELS[r.ingestProtocol]} ${formatBitrate(r.ingestBitsPerSec, ctx.units)}` : '—');
    setText(this.#viewers, formatCount(r.viewersTotal));
    for (let i = 0; i < VIEWER_PROTOCOLS.length; i++) {
      const n = r.viewers[VIEWER_PROTOCOLS[i]!];
      setText(this.#perProtocol[i]!, n ? String(n) : '');
    }
    setText(this.#egress, formatBitrate(r.egressBitsPerSec, ctx.units));
    setText(this.#peak, formatCount(r.peakViewersToday));
    this.#drawSpark(ctx.series.get(this.id));
  }

  #drawSpark(series: StreamSeries | undefined): void {
    const next = sparkColumns(series?.atMs ?? [], series?.viewers ?? [], SPARK_WIDTH_PX, SPARK_WINDOW_MS, this.#spare);
    if (this.#drawn && sameColumns(this.#drawn, next)) {
      this.#spare = next;
      return;
    }
    this.#spare = this.#drawn ?? undefined;
    this.#drawn = next;
    this.#path.setAttribute('d', sparkPath(next, SPARK_HEIGHT_PX));
    const label = next.samples < 2 ? 'viewers over the last 10 minutes: not enough samples yet' : `viewers over the last 10 minutes, up to ${formatCount(next.top)}`;
    if (this.#label !== label) this.#svg.setAttribute('aria-label', (this.#label = label));
  }
}

/** The rows of the Streams table in a `<tbody>` React leaves empty; see the file's comment. */
export class StreamTableBody {
  readonly #tbody: HTMLTableSectionElement;
  readonly #top = document.createElement('tr');
  readonly #bottom = document.createElement('tr');
  readonly #shown = new Map<string, RowView>();
  /** The rendered rows in order: row `#first + i` is `#order[i]`. */
  readonly #order: RowView[] = [];
  readonly #byTr = new WeakMap<Element, RowView>();
  #pool: RowView[] = [];
  #withCore: boolean | null = null;
  #rows: readonly StreamRow[] = [];
  #ctx: StreamTableContext | null = null;
  #first = 0;
  #last = -1;
  #topPadPx = -1;
  #bottomPadPx = -1;
  #scrollEl: HTMLElement | null = null;
  #scrollTopPx = 0;
  #marginPx = 0;
  #viewportPx = typeof window === 'undefined' ? 900 : window.innerHeight;
  #rowPx = 34;
  readonly #detach: (() => void)[] = [];

  constructor(tbody: HTMLTableSectionElement, onOpen: (id: string) => void) {
    this.#tbody = tbody;
    for (const spacer of [this.#top, this.#bottom]) {
      spacer.setAttribute('aria-hidden', 'true');
      spacer.className = 'spacer';
      spacer.hidden = true;
    }
    tbody.replaceChildren(this.#top, this.#bottom);
    const click = (e: MouseEvent): void => {
      const tr = (e.target as Element | null)?.closest?.('tr');
      const view = tr ? this.#byTr.get(tr) : undefined;
      if (view) onOpen(view.id);
    };
    tbody.addEventListener('click', click);
    this.#detach.push(() => tbody.removeEventListener('click', click));
  }

  /**
   * Follows `scrollEl` (the area the table scrolls in): the rows' window moves with its scroll position, and its
   * geometry is measured when sizes change (ResizeObserver, after layout; never per update or scroll event).
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
    const ro = new ResizeObserver(() => this.#measure());
    ro.observe(scrollEl);
    if (scrollEl.firstElementChild) ro.observe(scrollEl.firstElementChild);
    this.#detach.push(() => ro.disconnect());
    this.#measure();
  }

  /** New rows or context (an update, a filter, a selection): rewrites what changed in the rows in view. */
  update(rows: readonly StreamRow[], ctx: StreamTableContext): void {
    const withCore = ctx.coreName !== null;
    if (this.#withCore !== withCore) {
      // The Core column comes or goes: rows are built anew.
      for (const view of this.#shown.values()) view.tr.remove();
      this.#shown.clear();
      this.#order.length = 0;
      this.#pool = [];
      this.#withCore = withCore;
    }
    this.#rows = rows;
    this.#ctx = ctx;
    this.#render(true);
  }

  dispose(): void {
    for (const d of this.#detach.splice(0)) d();
  }

  #measure(): void {
    const scrollEl = this.#scrollEl;
    if (!scrollEl) return;
    // Where the rows start inside the scroll area (it moves when a banner shows or the toolbar wraps) and the rows'
    // height, to the fraction (31.4 px rows measured as 31 would leave 240 px of spacer missing at 600 streams).
    const marginPx = this.#tbody.getBoundingClientRect().top - scrollEl.getBoundingClientRect().top + scrollEl.scrollTop;
    const first = this.#shown.values().next().value;
    const rowPx = first ? first.tr.getBoundingClientRect().height : 0;
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
    if (!ctx) return;
    const rows = this.#rows;
    const viewport = { topPx: this.#scrollTopPx - this.#marginPx, heightPx: this.#viewportPx, rowPx: this.#rowPx };
    const next = rowWindow(rows.length, { first: this.#first, last: Math.min(this.#last, rows.length - 1) }, viewport);
    const seen = seenRows(rows.length, viewport);
    if (!next && !all) {
      for (let i = Math.max(seen.first, this.#first); i <= Math.min(seen.last, this.#last); i++) this.#order[i - this.#first]?.flush();
      return;
    }
    if (next) [this.#first, this.#last] = [next.first, next.last];
    const first = this.#first;
    const last = Math.min(this.#last, rows.length - 1);
    this.#last = last;
    // Rows that left the window go to the pool; the others stay the same elements.
    const ids: string[] = [];
    for (let i = first; i <= last; i++) ids.push(streamId(rows[i]!));
    const wanted = new Set(ids);
    for (const [id, view] of this.#shown) {
      if (wanted.has(id)) continue;
      view.tr.remove();
      view.release();
      this.#shown.delete(id);
      this.#pool.push(view);
    }
    this.#order.length = 0;
    let at: ChildNode | null = this.#top.nextSibling;
    for (let i = first; i <= last; i++) {
      const id = ids[i - first]!;
      let view = this.#shown.get(id);
      if (!view) {
        view = this.#pool.pop() ?? new RowView(this.#withCore === true);
        this.#byTr.set(view.tr, view);
        this.#shown.set(id, view);
      }
      view.set(rows[i]!, id, i, ctx, i >= seen.first && i <= seen.last);
      this.#order.push(view);
      // DOM order is the visual order: a row whose rank changed is moved, the rest stay put.
      if (view.tr === at) at = at.nextSibling;
      else this.#tbody.insertBefore(view.tr, at);
    }
    this.#pad(this.#top, first * this.#rowPx, true);
    this.#pad(this.#bottom, Math.max(0, rows.length - 1 - last) * this.#rowPx, false);
  }

  #pad(spacer: HTMLTableRowElement, heightPx: number, top: boolean): void {
    if ((top ? this.#topPadPx : this.#bottomPadPx) === heightPx) return;
    if (top) this.#topPadPx = heightPx;
    else this.#bottomPadPx = heightPx;
    spacer.hidden = heightPx <= 0;
    spacer.style.height = `${heightPx}px`;
  }
}
