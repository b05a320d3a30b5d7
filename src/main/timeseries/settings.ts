/**
 * The time-series history's settings (flags `--timeseries-*`, see src/main/config.ts) and the storage tiers they
 * give: raw samples every `intervalSec`, then 1-minute and 1-hour aggregates, each kept for its own retention.
 */

export interface TimeseriesSettings {
  /** Sample the fleet into the history at all. */
  enabled: boolean;
  /** Seconds between samples; divides 60 so minutes are made of whole samples. */
  intervalSec: number;
  rawRetentionHours: number;
  minuteRetentionDays: number;
  hourRetentionDays: number;
  /** Hard bound of the database on disk (file + write-ahead log), in MB (10^6 bytes). */
  maxMb: number;
}

export const DEFAULT_TIMESERIES_SETTINGS: TimeseriesSettings = {
  enabled: true,
  intervalSec: 10,
  rawRetentionHours: 48,
  minuteRetentionDays: 30,
  hourRetentionDays: 730,
  maxMb: 512,
};

/** Sample intervals that divide a minute (the 1-minute tier sums whole samples). */
export const TIMESERIES_INTERVALS_SEC: readonly number[] = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

/** One storage tier: `resolutionSec` wide rows kept for `retentionSec`. Tier 0 holds the raw samples. */
export interface Tier {
  resolutionSec: number;
  retentionSec: number;
  table: string;
}

/** The tiers, finest first. */
export function tiersOf(settings: TimeseriesSettings): Tier[] {
  return [
    { resolutionSec: settings.intervalSec, retentionSec: settings.rawRetentionHours * 3600, table: 'raw' },
    { resolutionSec: 60, retentionSec: settings.minuteRetentionDays * 86_400, table: 'agg_60' },
    { resolutionSec: 3600, retentionSec: settings.hourRetentionDays * 86_400, table: 'agg_3600' },
  ];
}

/** A bad setting, as a sentence naming the flag. Null when fine. */
export function checkTimeseriesSettings(s: TimeseriesSettings): string | null {
  if (!TIMESERIES_INTERVALS_SEC.includes(s.intervalSec)) return `--timeseries-interval: expected one of ${TIMESERIES_INTERVALS_SEC.join(', ')} seconds, got ${s.intervalSec}`;
  if (!(s.rawRetentionHours > 0)) return '--timeseries-raw-hours: expected a number > 0';
  if (!(s.minuteRetentionDays > 0)) return '--timeseries-minute-days: expected a number > 0';
  if (!(s.hourRetentionDays > 0)) return '--timeseries-hour-days: expected a number > 0';
  if (!(s.maxMb >= 1)) return '--timeseries-max-mb: expected a number >= 1';
  return null;
}
