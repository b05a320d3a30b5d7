import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { systemClock } from './clock.ts';
import { Collector } from './collector.ts';
import { IpLimiter } from './ip-limiter.ts';
import { Registry } from './registry.ts';
import { COLLECTOR_IDS, type Clock, type CollectorId } from './types.ts';

/** The app's `sessions` settings (Core's config section, spec §3.6, with the app's defaults). */
export interface EngineSettings {
  /** Idle timeout of a session, seconds (Core: `session_timeout_sec`). */
  sessionTimeoutSec: number;
  /** Persist the history to `<dataDir>/sessions/<id>.json`. */
  persist: boolean;
  /** Periodic write interval, seconds; 0 = only on stop. */
  persistIntervalSec: number;
  /** 0 = unlimited (active sessions, HLS admission only). */
  maxSessions: number;
  /** 0 = unlimited; the tx limit is `maxBitrateMbit × 1024 × 1024` bit/s. */
  maxBitrateMbit: number;
  /** CIDRs whose addresses are not counted. Empty by default: on a desktop OBS publishes from loopback. */
  ignoreIps: string[];
  /** History entries per collector; beyond it the least recent are folded into `(other)` (sums exact). 0 = unbounded. */
  historyMaxEntries: number;
}

export const DEFAULT_ENGINE_SETTINGS: Readonly<EngineSettings> = Object.freeze({
  sessionTimeoutSec: 30,
  persist: true,
  persistIntervalSec: 300,
  maxSessions: 0,
  maxBitrateMbit: 0,
  ignoreIps: [],
  historyMaxEntries: 10_000,
});

/** Core's fixed 5 s timeout of sessions that never see a byte. */
export const INACTIVE_TIMEOUT_MS = 5000;
/** hlsingress's hard-coded timeouts. */
export const HLS_INGRESS_TIMEOUT_MS = 30_000;

export interface LocalCoreDeps {
  clock?: Clock;
  /** The persist directory is `<dataDir>/sessions/`. */
  dataDir: string;
  log?: Logger;
}

export interface LocalCore {
  registry: Registry;
  collectors: Record<CollectorId, Collector>;
  /** Starts every collector (they also start on construction; idempotent). */
  start(): void;
  /** Stops every collector: open sessions go to the history, which is persisted. */
  stop(): Promise<void>;
  settings: Readonly<EngineSettings>;
}

/**
 * Core's 7 collectors (spec §1.1) in a registry: hls, hlsingress (30 s/30 s, no limits, empty limiter),
 * http, https (never fed), rtmp, srt, ffmpeg; hls/rtmp/srt/ffmpeg are each other's companions.
 * Throws on an invalid CIDR in `ignoreIps` (like Core's startup error).
 */
export function createLocalCore(settings: Partial<EngineSettings> = {}, deps: LocalCoreDeps): LocalCore {
  const s: EngineSettings = { ...DEFAULT_ENGINE_SETTINGS, ...settings, ignoreIps: [...(settings.ignoreIps ?? DEFAULT_ENGINE_SETTINGS.ignoreIps)] };
  const clock = deps.clock ?? systemClock;
  const limiter = IpLimiter.fromCidrs(s.ignoreIps);
  const persistDir = s.persist ? join(deps.dataDir, 'sessions') : undefined;
  const persistIntervalMs = s.persistIntervalSec > 0 ? s.persistIntervalSec * 1000 : 0;
  const sessionTimeoutMs = s.sessionTimeoutSec > 0 ? s.sessionTimeoutSec * 1000 : 30_000;
  const maxTxBitsPerSec = s.maxBitrateMbit > 0 ? s.maxBitrateMbit * 1024 * 1024 : 0;

  const make = (id: CollectorId): Collector => {
    const log = deps.log?.child(`sessions.${id}`);
    if (id === 'hlsingress') {
      return new Collector(id, { clock, sessionTimeoutMs: HLS_INGRESS_TIMEOUT_MS, inactiveTimeoutMs: HLS_INGRESS_TIMEOUT_MS, maxSessions: 0, maxTxBitsPerSec: 0, limiter: IpLimiter.empty(), persistDir, persistIntervalMs, historyMaxEntries: s.historyMaxEntries, log });
    }
    return new Collector(id, { clock, sessionTimeoutMs, inactiveTimeoutMs: INACTIVE_TIMEOUT_MS, maxSessions: s.maxSessions, maxTxBitsPerSec, limiter, persistDir, persistIntervalMs, historyMaxEntries: s.historyMaxEntries, log });
  };

  const collectors = {} as Record<CollectorId, Collector>;
  const registry = new Registry();
  for (const id of COLLECTOR_IDS) {
    collectors[id] = make(id);
    registry.register(collectors[id]);
  }
  const group = [collectors.hls, collectors.rtmp, collectors.srt, collectors.ffmpeg];
  for (const c of group) for (const other of group) if (other !== c) c.addCompanion(other);

  return {
    registry,
    collectors,
    settings: s,
    start() {
      for (const id of COLLECTOR_IDS) collectors[id].start();
    },
    async stop() {
      await Promise.all(COLLECTOR_IDS.map((id) => collectors[id].stop()));
    },
  };
}
