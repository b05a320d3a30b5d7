/**
 * The Streams view's table body, written to the DOM directly by the shared `TableBody` (table-body.ts: the row
 * window, recycling, spacers, DOM order = visual order). Why not React: each update changed every row in view (new
 * row objects), so React rendered and diffed ~30 rows × 15 elements and rewrote each sparkline's SVG path every
 * second, and every scroll event re-rendered the whole window. Here a row is keyed by its stream and stays the same
 * `<tr>` while the stream stays in view (it moves when its rank changes), and:
 * - its cells' texts, its state badge and its sparkline are painted on one canvas in the `<tbody>` (table-canvas.ts,
 *   as the Sessions table's texts): an update changes no DOM text, class or SVG path, so it lays out nothing and
 *   repaints only the canvas (as DOM, ~200 changed texts, badges and paths cost ~3 ms of layout and ~5 ms of paint per
 *   update at 2 000 streams). Each cell keeps its text in `aria-label` (the stream's button its name, the sparkline's
 *   SVG a short text alternative), written in a task after the update's frame (`CellTexts`: ~70 per update, the rows
 *   in view's durations, ingests and egresses), and while the user selects in the table the rows hold DOM text and SVG paths
 *   again (text mode), written within the update. With no DOM text to size them, the columns are fixed (styles.css, `.streams-table`);
 * - a sparkline is drawn from its pixel columns (charts/sparkline.ts; they come with the rows, store/streams-view.ts)
 *   only when they changed (one canvas per row was tried before: each became a layer, and 30 layers cost more);
 * - the page has only the rows in (and near) view (the sessions worker filters the streams and sends those); a row
 *   it does not have yet is blank until they come (`onWindow` asks for them).
 * - a row in the overscan keeps its numbers of the last update until it scrolls into view.
 * The table stays a table: `aria-rowindex` on each row (the header row is 1), `aria-rowcount` on the table (React).
 */
import type { UnitSystem } from '../../../shared/ipc.ts';
import { VIEWER_PROTOCOLS, type StreamRow } from '../../../shared/streams.ts';
import { sameColumns, sparkPath, sparkPeak, type SparkColumns } from '../charts/sparkline.ts';
import { formatBitrate, formatCount, formatDuration } from '../format/units.ts';
import { streamId } from '../store/stream-series.ts';
import { frameSpark, SPARK_WIDTH_PX, type StreamsFrame } from '../store/streams-view.ts';
import type { AppState } from '../store/store.ts';
import { writeText, TableBody, textSlot, type BodyRow, type TextSlot } from './table-body.ts';
import { CellTexts, PaintedRows, type TextMode, type TextRow } from './table-canvas.ts';

/** Protocol names as the view shows them. */
export const PROTOCOL_LABELS: Record<string, string> = { hls: 'HLS', hlsingress: 'HLS ingest', rtmp: 'RTMP', srt: 'SRT', ffmpeg: 'FFmpeg' };

const SPARK_HEIGHT_PX = 18;
/** A row's height (styles.css `.streams-table tbody tr`), before one is measured. */
const ROW_HEIGHT_PX = 32;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** What the rows show besides the stream rows themselves. */
export interface StreamTableContext {
  /** The clock of the durations (the snapshot's time while pushes arrive). */
  clockMs: number;
  units: UnitSystem;
  /** The name of a row's core, or null when there is one core (no Core column). */
  coreName: ((core: string) => string) | null;
  /** The sparklines of the rows the page has, by stream (`streamId`). */
  spark: ReadonlyMap<string, SparkColumns>;
  /** The stream whose page is open. */
  selectedId: string | null;
}

function cell(tr: HTMLTableRowElement, paint: 'text' | 'badge' | 'spark', className?: string, testId?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.dataset.paint = paint;
  if (className) td.className = className;
  if (testId) td.dataset.testid = testId;
  tr.appendChild(td);
  return td;
}

/** A column of a row: where its text goes for assistive technology (`aria-label`) and as DOM text in text mode. */
interface Column {
  labelled: Element;
  /** The text nodes (the state cell's two: the badge's word and the duration after it). */
  slots: TextSlot[];
}

/**
 * One `<tr>`: its cells' texts (painted on the body's canvas, table-canvas.ts, and kept in `aria-label`; DOM text in
 * text mode), its state badge's tone and its sparkline's last columns.
 */
class RowView implements BodyRow<StreamRow, StreamTableContext>, TextRow {
  readonly el = document.createElement('tr');
  id = '';
  readonly texts: string[];
  readonly sparks: (SparkColumns | null)[];
  state: 'live' | 'stale' = 'live';
  tone = '';
  dirty = true;
  #testId = '';
  #rowClass = '';
  #selected = '';
  #badgeClass = '';
  readonly #columns: Column[] = [];
  /** The cells' texts (painted, DOM text in text mode, each column's `aria-label` a task later, a cut cell's tooltip). */
  readonly cells: CellTexts;
  readonly #badge: HTMLSpanElement;
  readonly #svg = document.createElementNS(SVG_NS, 'svg');
  /** The sparkline as an SVG path in text mode (the canvas is hidden then); empty while painted. */
  readonly #path = document.createElementNS(SVG_NS, 'path');
  readonly #core: number;
  readonly #spark: number;
  #pending: { r: StreamRow; ctx: StreamTableContext } | null = null;
  #drawn: SparkColumns | null = null;
  /** What the texts were last written from: the same again (the worker's answer to a filter) writes none. */
  #wrote: { r: StreamRow; clockMs: number; units: UnitSystem; coreName: string } | null = null;

  constructor(withCore: boolean, mode: TextMode) {
    const tr = this.el;
    const add = (labelled: Element, ...slots: TextSlot[]): number => this.#columns.push({ labelled, slots }) - 1;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    cell(tr, 'text').appendChild(button);
    add(button, textSlot(button));
    this.#core = withCore ? add(...withSlot(cell(tr, 'text'))) : -1;
    const state = cell(tr, 'badge');
    this.#badge = document.createElement('span');
    this.#badge.dataset.testid = 'stream-state';
    state.appendChild(this.#badge);
    state.appendChild(document.createTextNode(' '));
    const small = document.createElement('small');
    small.className = 'muted';
    state.appendChild(small);
    add(state, textSlot(this.#badge), textSlot(small));
    add(...withSlot(cell(tr, 'text', undefined, 'stream-ingest')));
    const b = document.createElement('b');
    const viewers = cell(tr, 'text', 'num', 'stream-viewers');
    viewers.appendChild(b);
    add(viewers, textSlot(b));
    for (const p of VIEWER_PROTOCOLS) add(...withSlot(cell(tr, 'text', 'num', `stream-viewers-${p}`)));
    add(...withSlot(cell(tr, 'text', 'num', 'stream-egress')));
    add(...withSlot(cell(tr, 'text', 'num')));
    const svg = this.#svg;
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('role', 'img');
    svg.setAttribute('width', String(SPARK_WIDTH_PX));
    svg.setAttribute('height', String(SPARK_HEIGHT_PX));
    svg.setAttribute('viewBox', `0 0 ${SPARK_WIDTH_PX} ${SPARK_HEIGHT_PX}`);
    for (const [k, v] of [['fill', 'none'], ['stroke', 'currentColor'], ['stroke-width', '1.5'], ['stroke-linejoin', 'round']]) this.#path.setAttribute(k!, v!);
    svg.appendChild(this.#path);
    cell(tr, 'spark', 'spark').appendChild(svg);
    this.#spark = add(svg);
    this.cells = new CellTexts(this, this.#columns.map((c) => c.labelled), (i, value) => this.#writeDom(i, value), mode);
    this.texts = this.cells.values;
    this.sparks = this.#columns.map(() => null);
  }

  /**
   * Shows stream `r`. Its identity is written at once; its numbers and sparkline only when the row is in the viewport
   * (`seen`) or shows another stream than before: a row in the overscan keeps its numbers of the last update until it
   * scrolls into view (`flush`), so an update draws the rows the user sees, not the dozen rows kept ready beyond them.
   */
  show(r: StreamRow | undefined, ctx: StreamTableContext, seen: boolean): void {
    if (!r) return this.#blank();
    const id = streamId(r);
    const same = this.id === id;
    this.id = id;
    const selected = String(ctx.selectedId === id);
    if (this.#selected !== selected) this.el.setAttribute('aria-selected', (this.#selected = selected));
    if (seen || !same) this.#write(r, ctx);
    else this.#pending = { r, ctx };
  }

  /** A row the page does not have yet (the worker sends the rows in view as they are asked for). */
  #blank(): void {
    this.release();
    if (this.#testId !== '') this.el.removeAttribute('data-testid');
    this.#testId = '';
    for (let i = 0; i < this.texts.length; i++) this.cells.set(i, '');
    this.#drawSpark(undefined);
  }

  /** Off to the pool: the next `show` writes everything, whichever stream it brings. */
  release(): void {
    this.id = '';
    this.#pending = null;
    this.#wrote = null;
  }

  /** Writes the numbers held back while the row was out of view. */
  flush(): void {
    const p = this.#pending;
    if (p) this.#write(p.r, p.ctx);
  }

  syncText(): void {
    this.cells.sync();
  }

  #writePath(): void {
    const spark = this.sparks[this.#spark];
    this.#path.setAttribute('d', this.cells.shown && spark ? sparkPath(spark, SPARK_HEIGHT_PX) : '');
  }

  /** Writes what changed since the last write (also when the view now shows another stream). */
  #write(r: StreamRow, ctx: StreamTableContext): void {
    this.#pending = null;
    const coreName = this.#core >= 0 && ctx.coreName ? ctx.coreName(r.core) : '';
    const w = this.#wrote;
    if (!w || w.clockMs !== ctx.clockMs || w.units !== ctx.units || w.coreName !== coreName || !sameShownRow(w.r, r)) this.#writeTexts(r, ctx, coreName);
    this.#wrote = { r, clockMs: ctx.clockMs, units: ctx.units, coreName };
    this.#drawSpark(ctx.spark.get(this.id));
  }

  /** The row's texts, badge and classes (each written only where it changed). */
  #writeTexts(r: StreamRow, ctx: StreamTableContext, coreName: string): void {
    const tr = this.el;
    const testId = `stream-row-${r.key}`;
    if (this.#testId !== testId) tr.dataset.testid = this.#testId = testId;
    const stale = r.staleSinceMs !== undefined;
    const rowClass = stale ? 'stale' : '';
    if (this.#rowClass !== rowClass) tr.className = this.#rowClass = rowClass;
    const state = stale ? 'stale' : 'live';
    const tone = stale || r.state === 'idle' ? 'wait' : r.state === 'live' ? 'good' : 'bad';
    if (this.state !== state || this.tone !== `--${tone}`) {
      this.state = state;
      this.tone = `--${tone}`;
      this.dirty = true;
    }
    // The badge's class is its colour in text mode.
    const badgeClass = `badge badge-${tone}`;
    if (this.#badgeClass !== badgeClass) this.#badge.className = this.#badgeClass = badgeClass;
    let i = 0;
    this.cells.set(i++, r.key);
    if (this.#core >= 0) this.cells.set(i++, coreName);
    this.cells.set(i++, `${stale ? 'stale' : r.state} ${formatDuration(ctx.clockMs - (r.staleSinceMs ?? r.sinceMs))}`);
    this.cells.set(i++, r.ingestProtocol ? `${PROTOCOL_LABELS[r.ingestProtocol]} ${formatBitrate(r.ingestBitsPerSec, ctx.units)}` : '—');
    this.cells.set(i++, formatCount(r.viewersTotal));
    for (const p of VIEWER_PROTOCOLS) {
      const n = r.viewers[p];
      this.cells.set(i++, n ? String(n) : '');
    }
    this.cells.set(i++, formatBitrate(r.egressBitsPerSec, ctx.units));
    this.cells.set(i, formatCount(r.peakViewersToday));
  }

  /** Cell i's DOM text; the sparkline's is its SVG path (written whenever text mode turns on or off, `cells.sync`). */
  #writeDom(i: number, value: string): void {
    if (i === this.#spark) {
      this.#writePath();
      return;
    }
    const slots = this.#columns[i]!.slots;
    if (slots.length === 2) {
      // The state cell: the badge's word, the duration after it.
      const space = value.indexOf(' ');
      writeText(slots[0]!, space < 0 ? value : value.slice(0, space));
      writeText(slots[1]!, space < 0 ? '' : value.slice(space + 1));
    } else if (slots[0]) writeText(slots[0], value);
  }

  /** The sparkline, painted when its columns changed; its text alternative is the SVG's `aria-label`. */
  #drawSpark(columns: SparkColumns | undefined): void {
    const next = columns ?? NO_COLUMNS;
    if (this.#drawn && sameColumns(this.#drawn, next)) return;
    this.#drawn = next;
    this.sparks[this.#spark] = next.samples < 2 ? null : next;
    this.dirty = true;
    if (this.cells.shown) this.#writePath();
    // The label names what the line reaches (sparkPeak), not the scale's top: no viewer in 10 minutes reads "none".
    const peak = next.samples < 2 ? 0 : sparkPeak(next);
    const label =
      next.samples < 2 ? 'viewers over the last 10 minutes: not enough samples yet' : peak === 0 ? 'viewers over the last 10 minutes: none' : `viewers over the last 10 minutes, up to ${formatCount(peak)}`;
    this.cells.set(this.#spark, label);
  }
}

/** Whether two rows of a stream show the same texts (`#writeTexts` reads these fields, and the clock). */
function sameShownRow(a: StreamRow, b: StreamRow): boolean {
  if (a === b) return true;
  const v = a.viewers;
  const w = b.viewers;
  return (
    a.key === b.key &&
    a.core === b.core &&
    a.state === b.state &&
    a.sinceMs === b.sinceMs &&
    a.staleSinceMs === b.staleSinceMs &&
    a.ingestProtocol === b.ingestProtocol &&
    a.ingestBitsPerSec === b.ingestBitsPerSec &&
    a.viewersTotal === b.viewersTotal &&
    v.hls === w.hls &&
    v.rtmp === w.rtmp &&
    v.srt === w.srt &&
    a.egressBitsPerSec === b.egressBitsPerSec &&
    a.peakViewersToday === b.peakViewersToday
  );
}

/** A cell and a text node in it: a column whose cell holds its text. */
function withSlot(td: HTMLTableCellElement): [Element, TextSlot] {
  return [td, textSlot(td)];
}

const NO_COLUMNS: SparkColumns = {
  min: new Float32Array(SPARK_WIDTH_PX).fill(NaN),
  max: new Float32Array(SPARK_WIDTH_PX).fill(NaN),
  lift: new Uint8Array(SPARK_WIDTH_PX),
  top: 1,
  samples: 0,
};

/** Pushes come every second: after this long without one, the rows' durations follow the wall clock. */
const PUSH_GAP_MS = 2500;

/** The rows' clock: the last snapshot's time while pushes arrive, the wall clock (`nowMs`) once they stop. */
function rowClockMs(atMs: number, receivedAtMs: number, nowMs: number): number {
  // While pushes arrive the rows change once per update, not a second time when the wall clock ticks; once they
  // stop, durations keep counting on a stalled page.
  return receivedAtMs > 0 && nowMs - receivedAtMs < PUSH_GAP_MS ? atMs : nowMs;
}

/** The sparklines of a frame's rows by stream (views on its arrays). */
function sparksOf(frame: StreamsFrame): Map<string, SparkColumns> {
  const out = new Map<string, SparkColumns>();
  for (let i = 0; i < frame.rows.length; i++) out.set(streamId(frame.rows[i]!), frameSpark(frame, i));
  return out;
}

/** What of the store the Streams table's rows show. */
export type StreamRowsState = Pick<AppState, 'streamsFrame' | 'streamsQuery' | 'atMs' | 'receivedAtMs' | 'cores' | 'units' | 'coreName'>;

/**
 * The Streams table's rows written from the store, not by React (Streams.tsx calls it at every store change and
 * each second): `update` (`StreamTableBody.update`) is given the rows the page has and their context when the frame
 * (an update, the worker's answer to a filter or a scroll) or the context (the rows' clock, units, the cores and their
 * names, the open stream) changed, and not otherwise: a filter click costs the rows only the worker's answer.
 */
export function streamRowsWriter(
  update: (count: number, start: number, rows: readonly StreamRow[], ctx: StreamTableContext) => void,
  nowMs: () => number = Date.now,
): (s: StreamRowsState) => void {
  let frame: StreamsFrame | null = null;
  let cores: StreamRowsState['cores'] | null = null;
  let ctx: StreamTableContext | null = null;
  return (s) => {
    const clockMs = rowClockMs(s.atMs, s.receivedAtMs, nowMs());
    const multiCore = s.cores.length > 1;
    const page = s.streamsQuery.page;
    const next = s.streamsFrame;
    // A new frame with the same rows (the answer to a filter click that keeps them) is the same frame here.
    const sameFrame = frame !== null && (frame === next || (frame.rowsId === next.rowsId && frame.count === next.count && frame.start === next.start && frame.rows.length === next.rows.length));
    // cores: the names behind coreName.
    if (sameFrame && ctx && ctx.clockMs === clockMs && ctx.units === s.units && (ctx.coreName !== null) === multiCore && cores === s.cores && ctx.selectedId === page) return;
    // A new context rewrites the rows in view (each cell only where its text changed).
    ctx = { clockMs, units: s.units, coreName: multiCore ? s.coreName : null, spark: sameFrame && ctx ? ctx.spark : sparksOf(next), selectedId: page };
    const shown = sameFrame ? frame! : (frame = next);
    cores = s.cores;
    update(shown.count, shown.start, shown.rows, ctx);
  };
}

/**
 * The rows of the Streams table in a `<tbody>` React leaves empty; see the file's comment. The cells' texts, badges
 * and sparklines are painted on one canvas in the `<tbody>` (table-canvas.ts, `PaintedRows`; DOM text while the user
 * selects in the table).
 */
export class StreamTableBody {
  readonly #body: TableBody<StreamRow, StreamTableContext>;
  readonly #painted: PaintedRows;
  #withCore: boolean | null = null;

  /** `onWindow`: the rendered rows moved (the rows in view are asked for); `onOpen`: a row was clicked. */
  constructor(tbody: HTMLTableSectionElement, onOpen: (id: string) => void, onWindow: (first: number, end: number) => void) {
    this.#body = new TableBody<StreamRow, StreamTableContext>({
      body: tbody,
      makeSpacer: () => document.createElement('tr'),
      makeRow: () => new RowView(this.#withCore === true, this.#painted.mode),
      keyOf: (r, i) => (r ? streamId(r) : String(i)),
      headerRows: 1,
      rowPx: ROW_HEIGHT_PX,
      onWindow,
      onClick: (r) => onOpen(streamId(r)),
      onRendered: (first, views, rowPx, count) => this.#painted.draw(first, views as readonly RowView[], rowPx, count),
    });
    // After the body: it empties the `<tbody>`.
    this.#painted = new PaintedRows(tbody, ROW_HEIGHT_PX);
  }

  /** Follows `scrollEl` (the area the table scrolls in); see `TableBody.attach`. */
  attach(scrollEl: HTMLElement | null): void {
    this.#body.attach(scrollEl);
  }

  /**
   * New rows or context (an update, a filter, a selection): rewrites what changed in the rows in view. `count` rows in
   * all; the page has `rows`, from row `start`.
   */
  update(count: number, start: number, rows: readonly StreamRow[], ctx: StreamTableContext): void {
    const withCore = ctx.coreName !== null;
    if (this.#withCore !== withCore) {
      // The Core column comes or goes: rows are built anew, and measured again.
      this.#withCore = withCore;
      this.#painted.painter?.invalidate();
      const mode = this.#painted.mode;
      this.#body.rebuild(() => new RowView(withCore, mode));
    }
    this.#body.update(count, (i) => rows[i - start], ctx);
  }

  dispose(): void {
    this.#painted.dispose();
    this.#body.dispose();
  }
}
