/**
 * The time-series history's plain data (src/main/timeseries/): what `GET /api/timeseries`, `GET /api/reports/daily`
 * and the page's `timeseries:query` / `reports:daily` calls answer. Times are Unix milliseconds, sizes bytes.
 */

/** The stored aggregate over every value of one dimension (all streams of a core, all protocols of a stream, all cores). */
export const TS_ALL = '*';

/** Which series, over which time. Omitted core/stream/protocol mean all (the stored totals answer those exactly). */
export interface TimeseriesQuery {
  core?: string;
  stream?: string;
  protocol?: string;
  fromMs: number;
  toMs: number;
  /** Bucket width; default about 600 buckets over the range, never finer than the tier that covers `fromMs`. */
  stepSec?: number;
  /**
   * The asker's time zone (IANA, e.g. `America/New_York`): buckets of whole days start at its local midnights, as the
   * page's axis ticks. Without it they are UTC days (multiples of the step since 1970). Other steps are not changed.
   */
  tz?: string;
}

/** A stretch in which the core (or, for all cores, the sampler) was not online: drawn as a gap, never as zeros. */
export interface TimeseriesGap {
  fromMs: number;
  toMs: number;
  /** The core's state then (`unreachable`, `stale`, …), or `no-data` when nothing was sampled (the app was off). */
  state: string;
}

/**
 * A stretch in which one watched Core was not answering while the series adds up all cores: its viewers and bytes
 * are missing from the sums there, so the line drops without anyone leaving (drawn shaded apart from the gaps).
 */
export interface TimeseriesMissingCore {
  fromMs: number;
  toMs: number;
  core: string;
  /** The Core's state then (`unreachable`, `stale`, `auth-failed`, …). */
  state: string;
}

/** One series, bucket by bucket; `null` where nothing was observed (an outage), 0 where it was observed and zero. */
export interface TimeseriesResult {
  core: string;
  stream: string;
  protocol: string;
  fromMs: number;
  toMs: number;
  stepSec: number;
  /** Resolution in seconds of the stored tier the buckets were computed from. */
  tierSec: number;
  /** Bucket start times. */
  atMs: number[];
  /** Average concurrent viewers over the observed part of the bucket. */
  viewers: (number | null)[];
  /** Highest concurrent viewers in the bucket (summed over series when several are combined: an upper bound then). */
  viewersPeak: (number | null)[];
  publishers: (number | null)[];
  rxBytes: (number | null)[];
  txBytes: (number | null)[];
  /** Seconds of the bucket in which the core was observed online. */
  observedSec: number[];
  gaps: TimeseriesGap[];
  /** With all cores (`core` `*`): the stretches in which a watched Core was not answering (none for one core). */
  missingCores: TimeseriesMissingCore[];
}

/** A report over days (`day`) or calendar months (`month`), in the app's local time. */
export interface ReportQuery {
  fromMs: number;
  toMs: number;
  period?: 'day' | 'month';
  core?: string;
}

/** One row of the report: one stream of one core in one day or month. */
export interface ReportRow {
  /** `2026-12-05` for a day, `2026-12` for a month. */
  period: string;
  core: string;
  stream: string;
  egressBytes: number;
  ingressBytes: number;
  viewerHours: number;
  /** Highest concurrent viewers of the stream (all protocols together) in the period. */
  peakViewers: number;
  /** Distinct viewers (remote address + user agent), a HyperLogLog estimate (about ±3 %), not an exact count. */
  uniqueViewersEstimate: number;
}

export interface ReportResult {
  fromMs: number;
  toMs: number;
  period: 'day' | 'month';
  rows: ReportRow[];
  /** Sums over the rows; peak is the highest row peak; uniques are the estimate of the union over all rows. */
  totals: Omit<ReportRow, 'period' | 'core' | 'stream'>;
}

/** The store's health, shown beside the charts (a full disk or a moved-aside corrupt file is not silent). */
export interface TimeseriesStatus {
  ok: boolean;
  /** The last write error, e.g. "database or disk is full (size bound 512 MB)". */
  error?: string;
  sizeBytes: number;
  maxBytes: number;
}
