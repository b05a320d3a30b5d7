/**
 * The time-series history as one part of the app: samples the fleet every interval (on the interval's grid, so
 * rounds of different runs line up), writes each round in one transaction, and runs upkeep in small steps on later
 * turns of the event loop. A failing or full database never stops the live app: the error is logged and reported
 * by `status()`, sampling goes on, and the next round is tried again.
 */
import { join } from 'node:path';
import type { Snapshot } from '../../shared/types.ts';
import type { ReportQuery, ReportResult, TimeseriesQuery, TimeseriesResult, TimeseriesStatus } from '../../shared/timeseries.ts';
import type { Clock, TimerHandle } from '../engine/types.ts';
import { unrefTimer } from '../engine/clock.ts';
import type { Logger } from '../log.ts';
import { Sampler } from './sampler.ts';
import { localDayOf, TimeseriesStore, type RoundInput } from './store.ts';
import { dailyReport, querySeries } from './query.ts';
import { tiersOf, type TimeseriesSettings } from './settings.ts';
import { historyForUi, type HistoryForUi } from './backend.ts';

/** The database's file name in the data dir. */
export const TIMESERIES_FILE = 'timeseries.sqlite';

export interface TimeseriesServiceOptions {
  settings: TimeseriesSettings;
  dataDir: string;
  /** The live fleet (src/main/remote/fleet.ts or the local core alone). */
  snapshot: () => Snapshot;
  clock: Clock;
  log: Logger;
  /** Local calendar day of a time (default: this machine's time zone). */
  dayOf?: (ms: number) => string;
  /** Runs upkeep on a later turn (default setImmediate; tests pass a synchronous runner). */
  defer?: (fn: () => void) => void;
}

export interface TimeseriesService {
  start(): void;
  /** Takes one sample now for the interval that just ended (the timer calls this; tests may too). */
  sampleNow(): boolean;
  query(q: TimeseriesQuery): TimeseriesResult;
  report(q: ReportQuery): ReportResult;
  status(): TimeseriesStatus;
  /** What the UI service needs (src/main/ui/service.ts `timeseries`): the page's queries, checked. */
  forUi(): HistoryForUi;
  readonly store: TimeseriesStore;
  stop(): void;
}

export function createTimeseriesService(options: TimeseriesServiceOptions): TimeseriesService {
  const { settings, clock, log } = options;
  const intervalMs = settings.intervalSec * 1000;
  const dayOf = options.dayOf ?? localDayOf;
  const defer = options.defer ?? ((fn: () => void) => void setImmediate(fn));
  const store = new TimeseriesStore({
    file: join(options.dataDir, TIMESERIES_FILE),
    maxBytes: settings.maxMb * 1_000_000,
    tiers: tiersOf(settings),
    log,
    now: () => clock.now(),
    dayOf,
  });
  const sampler = new Sampler({ intervalSec: settings.intervalSec, dayOf, loadUniques: (d, c, s) => store.loadUniques(d, c, s) });
  let lastEndMs = store.lastRoundEndMs() ?? 0;
  let timer: TimerHandle | null = null;
  let stopped = false;
  let upkeepQueued = false;
  /** Sketches of rounds that could not be written: a register only grows, so a later round writes them. */
  const pendingUniques = new Map<string, RoundInput['uniques'][number]>();

  function upkeep(): void {
    upkeepQueued = false;
    if (stopped) return;
    if (store.maintain()) queueUpkeep();
  }

  function queueUpkeep(): void {
    if (upkeepQueued) return;
    upkeepQueued = true;
    defer(upkeep);
  }

  function sampleNow(): boolean {
    const endMs = Math.floor(clock.now() / intervalMs) * intervalMs;
    if (endMs <= lastEndMs) return false;
    let snapshot: Snapshot;
    try {
      snapshot = options.snapshot();
    } catch (err) {
      log.warn('time series: could not take a snapshot', { error: (err as Error).message });
      return false;
    }
    const round = sampler.round(snapshot, endMs);
    for (const u of round.uniques) pendingUniques.set(`${u.day}\u0000${u.core}\u0000${u.stream}`, u);
    round.uniques = [...pendingUniques.values()];
    lastEndMs = endMs;
    const ok = store.writeRound(round);
    if (ok) pendingUniques.clear();
    queueUpkeep();
    return ok;
  }

  function schedule(): void {
    if (stopped) return;
    const now = clock.now();
    // A little after the next grid point, so the round that ends there is complete.
    const delay = intervalMs - (now % intervalMs) + 20;
    timer = clock.setTimeout(() => {
      timer = null;
      try {
        sampleNow();
      } finally {
        schedule();
      }
    }, delay);
    unrefTimer(timer);
  }

  return {
    store,
    start() {
      if (timer === null && !stopped) {
        schedule();
        queueUpkeep();
      }
    },
    sampleNow,
    query: (q) => querySeries(store, q, clock.now()),
    report: (q) => dailyReport(store, q),
    status: () => store.status(),
    forUi() {
      return historyForUi(this, () => clock.now());
    },
    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      store.close();
    },
  };
}

/**
 * The service from the app's config, or null when it is off or its database cannot be opened at all (a read-only
 * data dir): logged, and the rest of the app runs without a history.
 */
export function startTimeseries(options: TimeseriesServiceOptions): TimeseriesService | null {
  if (!options.settings.enabled) return null;
  try {
    const service = createTimeseriesService(options);
    service.start();
    return service;
  } catch (err) {
    options.log.error('the time-series history is off: its database could not be opened', { error: (err as Error).message });
    return null;
  }
}
