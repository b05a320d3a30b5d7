/**
 * The Streams view's table body, written to the DOM directly by the shared `TableBody` (table-body.ts: the row
 * window, recycling, spacers, DOM order = visual order, a text written only when it changed). Why not React: each
 * update changed every row in view (new row objects), so React rendered and diffed ~30 rows × 15 elements and
 * rewrote each sparkline's SVG path every second, and every scroll event re-rendered the whole window. Here a row is
 * keyed by its stream and stays the same `<tr>` while the stream stays in view (it moves when its rank changes), and:
 * - a row's sparkline is an SVG path of at most one point pair per pixel column, set only when its columns changed
 *   (charts/sparkline.ts; the columns come with the rows, store/streams-view.ts); a canvas per row was tried: each
 *   became a layer of its own, and layerizing 30 of them cost more than the paths;
 * - the page has only the rows in (and near) view (the sessions worker filters the streams and sends those); a row
 *   it does not have yet is blank until they come (`onWindow` asks for them).
 * - a row in the overscan keeps its numbers of the last update until it scrolls into view.
 * The table stays a table: `aria-rowindex` on each row (the header row is 1), `aria-rowcount` on the table (React).
 */
import type { UnitSystem } from '../../../shared/ipc.ts';
import { VIEWER_PROTOCOLS, type StreamRow } from '../../../shared/streams.ts';
import { sameColumns, sparkPath, type SparkColumns } from '../charts/sparkline.ts';
import { formatBitrate, formatCount, formatDuration } from '../format/units.ts';
import { streamId } from '../store/stream-series.ts';
import { SPARK_WIDTH_PX } from '../store/streams-view.ts';
import { writeText, TableBody, textSlot, type BodyRow, type TextSlot } from './table-body.ts';

/** Protocol names as the view shows them. */
export const PROTOCOL_LABELS: Record<string, string> = { hls: 'HLS', hlsingress: 'HLS ingest', rtmp: 'RTMP', srt: 'SRT', ffmpeg: 'FFmpeg' };

const SPARK_HEIGHT_PX = 18;
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

function cell(tr: HTMLTableRowElement, className?: string, testId?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  if (className) td.className = className;
  if (testId) td.dataset.testid = testId;
  tr.appendChild(td);
  return td;
}

/** One `<tr>`: its cells, the texts and attributes last written, and its sparkline's last columns. */
class RowView implements BodyRow<StreamRow, StreamTableContext> {
  readonly el = document.createElement('tr');
  id = '';
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

  constructor(withCore: boolean) {
    const tr = this.el;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    this.#key = textSlot(button);
    cell(tr).appendChild(button);
    this.#core = withCore ? textSlot(cell(tr)) : null;
    const state = cell(tr);
    this.#badge = document.createElement('span');
    this.#badge.dataset.testid = 'stream-state';
    this.#state = textSlot(this.#badge);
    state.appendChild(this.#badge);
    state.appendChild(document.createTextNode(' '));
    const small = document.createElement('small');
    small.className = 'muted';
    this.#since = textSlot(small);
    state.appendChild(small);
    this.#ingest = textSlot(cell(tr));
    const b = document.createElement('b');
    this.#viewers = textSlot(b);
    cell(tr, 'num', 'stream-viewers').appendChild(b);
    this.#perProtocol = VIEWER_PROTOCOLS.map((p) => textSlot(cell(tr, 'num', `stream-viewers-${p}`)));
    this.#egress = textSlot(cell(tr, 'num'));
    this.#peak = textSlot(cell(tr, 'num'));
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
   * Shows stream `r`. Its identity is written at once; its numbers and sparkline only when the row is in the viewport
   * (`seen`) or shows another stream than before: a row in the overscan keeps its numbers of the last update until it
   * scrolls into view (`flush`), so an update lays out and paints the rows the user sees, not the dozen rows kept
   * ready beyond them.
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
    for (const slot of [this.#key, this.#core, this.#state, this.#since, this.#ingest, this.#viewers, ...this.#perProtocol, this.#egress, this.#peak]) if (slot) writeText(slot, '');
    this.#drawSpark(undefined);
  }

  /** Off to the pool: the next `show` writes everything, whichever stream it brings. */
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
    const tr = this.el;
    const testId = `stream-row-${r.key}`;
    if (this.#testId !== testId) tr.dataset.testid = this.#testId = testId;
    const stale = r.staleSinceMs !== undefined;
    const rowClass = stale ? 'stale' : '';
    if (this.#rowClass !== rowClass) tr.className = this.#rowClass = rowClass;
    writeText(this.#key, r.key);
    if (this.#core && ctx.coreName) writeText(this.#core, ctx.coreName(r.core));
    const badgeClass = stale || r.state === 'idle' ? 'badge badge-wait' : r.state === 'live' ? 'badge badge-good' : 'badge badge-bad';
    if (this.#badgeClass !== badgeClass) this.#badge.className = this.#badgeClass = badgeClass;
    writeText(this.#state, stale ? 'stale' : r.state);
    writeText(this.#since, formatDuration(ctx.clockMs - (r.staleSinceMs ?? r.sinceMs)));
    writeText(this.#ingest, r.ingestProtocol ? `${PROTOCOL_LABELS[r.ingestProtocol]} ${formatBitrate(r.ingestBitsPerSec, ctx.units)}` : '—');
    writeText(this.#viewers, formatCount(r.viewersTotal));
    for (let i = 0; i < VIEWER_PROTOCOLS.length; i++) {
      const n = r.viewers[VIEWER_PROTOCOLS[i]!];
      writeText(this.#perProtocol[i]!, n ? String(n) : '');
    }
    writeText(this.#egress, formatBitrate(r.egressBitsPerSec, ctx.units));
    writeText(this.#peak, formatCount(r.peakViewersToday));
    this.#drawSpark(ctx.spark.get(this.id));
  }

  #drawSpark(columns: SparkColumns | undefined): void {
    const next = columns ?? NO_COLUMNS;
    if (this.#drawn && sameColumns(this.#drawn, next)) return;
    this.#drawn = next;
    this.#path.setAttribute('d', sparkPath(next, SPARK_HEIGHT_PX));
    const label = next.samples < 2 ? 'viewers over the last 10 minutes: not enough samples yet' : `viewers over the last 10 minutes, up to ${formatCount(next.top)}`;
    if (this.#label !== label) this.#svg.setAttribute('aria-label', (this.#label = label));
  }
}

const NO_COLUMNS: SparkColumns = {
  min: new Float32Array(SPARK_WIDTH_PX).fill(NaN),
  max: new Float32Array(SPARK_WIDTH_PX).fill(NaN),
  lift: new Uint8Array(SPARK_WIDTH_PX),
  top: 1,
  samples: 0,
};

/** The rows of the Streams table in a `<tbody>` React leaves empty; see the file's comment. */
export class StreamTableBody {
  readonly #body: TableBody<StreamRow, StreamTableContext>;
  #withCore: boolean | null = null;

  /** `onWindow`: the rendered rows moved (the rows in view are asked for); `onOpen`: a row was clicked. */
  constructor(tbody: HTMLTableSectionElement, onOpen: (id: string) => void, onWindow: (first: number, end: number) => void) {
    this.#body = new TableBody<StreamRow, StreamTableContext>({
      body: tbody,
      makeSpacer: () => document.createElement('tr'),
      makeRow: () => new RowView(this.#withCore === true),
      keyOf: (r, i) => (r ? streamId(r) : String(i)),
      headerRows: 1,
      rowPx: 34,
      onWindow,
      onClick: (r) => onOpen(streamId(r)),
    });
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
      // The Core column comes or goes: rows are built anew.
      this.#withCore = withCore;
      this.#body.rebuild(() => new RowView(withCore));
    }
    this.#body.update(count, (i) => rows[i - start], ctx);
  }

  dispose(): void {
    this.#body.dispose();
  }
}
