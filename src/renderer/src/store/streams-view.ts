/**
 * What the page shows of the streams, made from every stream row and every stream's series: the Streams view's rows
 * in view (filtered; in the order main sorted them, by viewers) with their sparklines reduced to pixel columns, a
 * stream page's row and its series, and for the alert editor the streams' keys. The sessions worker runs it
 * (sessions-engine.ts: the stream rows are decoded and the series kept there, apart from the page's main thread);
 * without a worker the store runs the same code on the page. Pure: no DOM.
 */
import type { StreamRow, ViewerProtocol } from '../../../shared/streams.ts';
import { sparkColumns, type SparkColumns } from '../charts/sparkline.ts';
import { SAMPLES, StreamSeriesModel, streamId, type StreamSeries } from './stream-series.ts';

/** The Streams table's sparkline: its width in pixel columns, and the time it covers. */
export const SPARK_WIDTH_PX = 90;
export const SPARK_WINDOW_MS = 600_000;

/** The Streams view's filter: a core (null: all), a whole stream name (case-insensitive), viewer protocols (any of). */
export interface StreamsFilter {
  core: string | null;
  text: string;
  protocols: ViewerProtocol[];
}

export const NO_STREAMS_FILTER: StreamsFilter = { core: null, text: '', protocols: [] };

/** What the page shows of the streams now; everything but the window's rows is named by value. */
export interface StreamsQuery {
  /** True while the Streams view is shown: its rows are filtered and sent only then. */
  open: boolean;
  filter: StreamsFilter;
  /** The rows wanted, `[start, end)` in the filtered order (clamped to it). */
  start: number;
  end: number;
  /** The stream whose page is open (`streamId`), null when none is. */
  page: string | null;
  /** True while the alert editor lists the streams' keys. */
  keys: boolean;
  /** Bumped by the page whenever anything but the window changes: an answer for an older one is not shown. */
  tag: number;
}

export const NO_STREAMS_QUERY: StreamsQuery = { open: false, filter: NO_STREAMS_FILTER, start: 0, end: 0, page: null, keys: false, tag: 0 };

/** A stream's identity: what the alert editor's scope list needs of it. */
export type StreamKeys = Pick<StreamRow, 'core' | 'key' | 'keys'>;

/**
 * The answer to a `StreamsQuery`: only what it names. Small and cheap to clone: the sparklines are two typed arrays
 * (transferred by the worker), not the series.
 */
export interface StreamsFrame {
  /** The query's tag it answers. */
  tag: number;
  /** Streams listed (0 rows, when the view is not open). */
  total: number;
  /** Streams through the filter (the table's row count). */
  count: number;
  /** The first row's place in the filtered order; `rows` are the rows from there. */
  start: number;
  rows: StreamRow[];
  /**
   * Names `rows`, `start`, `count` and the sparklines: a frame of the same model with the same `rowsId` holds the same
   * ones (the answer to a filter click or a window that keeps the rows the page has), and the page rewrites no row
   * for it. Unique per model (a random start: the worker's and the page's own model, or a new worker, do not meet).
   */
  rowsId: number;
  /**
   * Per row of `rows`, its sparkline's columns (viewers over `SPARK_WINDOW_MS`, charts/sparkline.ts): `SPARK_STRIDE`
   * numbers each, `[top, samples, min × SPARK_WIDTH_PX, max × SPARK_WIDTH_PX]`; `lift`: `SPARK_WIDTH_PX` per row.
   */
  spark: Float32Array;
  lift: Uint8Array;
  /** The open stream's row (null: not listed now) and its last 10 minutes; null without a page. */
  page: { id: string; row: StreamRow | null; series: StreamSeries | null } | null;
  /** Every stream's keys (the alert editor's scope list); null unless asked for. */
  keys: StreamKeys[] | null;
}

export const SPARK_STRIDE = 2 + 2 * SPARK_WIDTH_PX;

/** The one filter rule of the Streams view (both paths: the sessions worker and the page without one). */
export function shownStreams(rows: readonly StreamRow[], filter: StreamsFilter): StreamRow[] {
  const needle = filter.text.trim().toLowerCase();
  const { core, protocols } = filter;
  if (core === null && needle === '' && protocols.length === 0) return rows as StreamRow[];
  return rows.filter(
    (r) =>
      (core === null || r.core === core) &&
      // Whole stream names: `cam` finds cam, not srtcam.
      (needle === '' || r.key.toLowerCase() === needle) &&
      (protocols.length === 0 || protocols.some((p) => r.viewers[p] > 0 || r.ingestProtocol === p)),
  );
}

/** Row `i`'s sparkline columns of a frame, as views on its arrays (no copy). */
export function frameSpark(frame: Pick<StreamsFrame, 'spark' | 'lift'>, i: number): SparkColumns {
  const at = i * SPARK_STRIDE;
  const s = frame.spark;
  return {
    top: s[at]!,
    samples: s[at + 1]!,
    min: s.subarray(at + 2, at + 2 + SPARK_WIDTH_PX),
    max: s.subarray(at + 2 + SPARK_WIDTH_PX, at + SPARK_STRIDE),
    lift: frame.lift.subarray(i * SPARK_WIDTH_PX, (i + 1) * SPARK_WIDTH_PX),
  };
}

/**
 * Every stream row of the last push and every stream's series (appended on every push, whatever view is open, so a
 * view or a stream page opens with its last 10 minutes; bounded as stream-series.ts says). `frame` answers a query.
 */
export class StreamsModel {
  rows: readonly StreamRow[] = [];
  readonly series = new StreamSeriesModel();
  #shown: StreamRow[] = [];
  #shownOf: { rows: readonly StreamRow[]; filter: StreamsFilter } | null = null;
  #columns: SparkColumns | undefined;
  /** Pushes appended so far: a push's rows are new numbers even in the same list (the worker decodes in place). */
  #pushes = 0;
  /** The rows of the last frame with a new `rowsId`: the push they were taken from, and where. */
  #named: { push: number; start: number; count: number; rows: readonly StreamRow[]; id: number } | null = null;
  #nextRowsId = Math.floor(Math.random() * 2 ** 30) * 2;
  readonly #atMs = new Float64Array(SAMPLES);
  readonly #viewers = new Float64Array(SAMPLES);

  /** A push's streams (`atMs`: its time). */
  append(atMs: number, rows: readonly StreamRow[]): void {
    this.rows = rows;
    this.#pushes++;
    this.series.append(atMs, rows);
  }

  /** The rows through the filter (kept while the rows and the filter, compared by value, stay). */
  shown(filter: StreamsFilter): StreamRow[] {
    const of = this.#shownOf;
    if (!of || of.rows !== this.rows || !sameFilter(of.filter, filter)) {
      this.#shown = shownStreams(this.rows, filter);
      this.#shownOf = { rows: this.rows, filter };
    }
    return this.#shown;
  }

  /** What `q` names, now. */
  frame(q: StreamsQuery): StreamsFrame {
    let count = 0;
    let start = 0;
    let rows: StreamRow[] = NO_ROWS;
    if (q.open) {
      const shown = this.shown(q.filter);
      count = shown.length;
      start = Math.max(0, Math.min(q.start, count));
      rows = shown.slice(start, Math.max(start, Math.min(q.end, count)));
    }
    // The same push's rows (their series too), at the same place: the same rows and sparklines as that frame.
    const named = this.#named;
    let rowsId: number;
    // Compared by push, not by the list: the sessions worker's decoder writes a push's numbers into the same rows and
    // list (DecoderOptions.inPlace), so the same list may hold new numbers.
    if (named && named.push === this.#pushes && named.start === start && named.count === count && sameItems(named.rows, rows)) rowsId = named.id;
    else this.#named = { push: this.#pushes, start, count, rows, id: (rowsId = ++this.#nextRowsId) };
    const spark = new Float32Array(rows.length * SPARK_STRIDE);
    const lift = new Uint8Array(rows.length * SPARK_WIDTH_PX);
    for (let i = 0; i < rows.length; i++) {
      const n = this.series.viewersInto(streamId(rows[i]!), this.#atMs, this.#viewers);
      const c = (this.#columns = sparkColumns(this.#atMs.subarray(0, n), this.#viewers.subarray(0, n), SPARK_WIDTH_PX, SPARK_WINDOW_MS, this.#columns));
      const at = i * SPARK_STRIDE;
      spark[at] = c.top;
      spark[at + 1] = c.samples;
      spark.set(c.min, at + 2);
      spark.set(c.max, at + 2 + SPARK_WIDTH_PX);
      lift.set(c.lift, i * SPARK_WIDTH_PX);
    }
    let page: StreamsFrame['page'] = null;
    if (q.page !== null) {
      const id = q.page;
      page = { id, row: this.rows.find((r) => streamId(r) === id) ?? null, series: this.series.get(id) ?? null };
    }
    return {
      tag: q.tag,
      total: this.rows.length,
      count,
      start,
      rows,
      rowsId,
      spark,
      lift,
      page,
      keys: q.keys ? this.rows.map((r) => ({ core: r.core, key: r.key, keys: r.keys })) : null,
    };
  }
}

const NO_ROWS: StreamRow[] = [];

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameFilter(a: StreamsFilter, b: StreamsFilter): boolean {
  return a.core === b.core && a.text === b.text && a.protocols.length === b.protocols.length && a.protocols.every((p, i) => p === b.protocols[i]);
}
