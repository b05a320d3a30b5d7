/**
 * One stream's history when aliases merge several keys into it (`StreamRow.keys`): the history keeps each key's
 * series, so the page asks for each and adds them here. Pure, so a unit test needs no page.
 */
import type { TimeseriesResult } from '../../../shared/timeseries.ts';

/**
 * The bucket-wise sum of series of one core over the same range and step (as the same query for several keys
 * answers them): viewers, publishers and bytes add up, a peak is the sum of the keys' peaks (an upper bound, as the
 * store's own sums over series), a bucket is null only where every part is; the observed seconds, gaps and missing
 * Cores are the core's, taken from the first. Parts of another shape (a different step) are left out.
 */
export function sumSeries(parts: readonly TimeseriesResult[]): TimeseriesResult {
  const first = parts[0]!;
  const same = parts.filter((p) => p.stepSec === first.stepSec && p.atMs.length === first.atMs.length && p.atMs[0] === first.atMs[0]);
  if (same.length === 1) return first;
  const add = (pick: (p: TimeseriesResult) => (number | null)[]): (number | null)[] =>
    first.atMs.map((_, i) => {
      let sum: number | null = null;
      for (const p of same) {
        const v = pick(p)[i];
        if (v !== null && v !== undefined) sum = (sum ?? 0) + v;
      }
      return sum;
    });
  return {
    ...first,
    stream: same.map((p) => p.stream).join(','),
    viewers: add((p) => p.viewers),
    viewersPeak: add((p) => p.viewersPeak),
    publishers: add((p) => p.publishers),
    rxBytes: add((p) => p.rxBytes),
    txBytes: add((p) => p.txBytes),
  };
}
