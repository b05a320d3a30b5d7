/**
 * The fleet: the local core and every remote Core in one model (a `SessionSource` for the UI, tray, exports and
 * alerts) plus a merged `SessionReader` for the Core-compatible API.
 *
 * - Every session of the merged view carries `core` (its core's id); totals are kept per core and merged.
 * - The merged reader adds up the numbers and joins the lists sorted by `createdAtMs` (stable: ties keep core
 *   order, local first). Remote numbers come in kbit/mbit/MB and are converted back to raw units in parse.ts;
 *   remote MB become bytes = MB × 1024², so the merged MB of remote Cores is exactly the sum of their MB.
 * - A remote Core contributes its last good answer while it is not paused and that answer is at most `staleAfterMs`
 *   old (default max(5 s, 3 intervals)): one failed poll does not make its sessions flicker, a dead Core's sessions
 *   do not linger. Its CoreInfo always tells the truth (state, lastError, lastSuccessMs).
 */
import type { Clock, CollectorSummary, HistorySummary, HistoryTotals, OwnPeerShare, OwnShare, SessionReader, SessionSnapshot, TimerHandle } from '../engine/types.ts';
import { COLLECTOR_IDS } from '../engine/types.ts';
import type { CoreInfo, CollectorTotals, HistoryGroup, HistoryRow, SessionRow, Snapshot } from '../../shared/types.ts';
import type { HistoryQuery } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';
import type { SessionSource } from '../source.ts';
import type { ClientTimeouts } from './client.ts';
import type { ClusterNodeOffer } from './parse.ts';
import { sortByCreated } from './parse.ts';
import { RemotePoller, type PollerStats, type RemoteCoreConfig } from './poller.ts';
import { zeroSummary } from '../engine/registry.ts';
import { isProcessSession } from '../../shared/totals.ts';

export interface LocalCoreRef {
  id: string;
  name: string;
  reader: SessionReader;
  /** The local API address shown in CoreInfo.url. */
  url?: string;
}

export interface FleetOptions {
  local: LocalCoreRef;
  clock: Clock;
  log: Logger;
  /** Random source for the back-off jitter. */
  random?: () => number;
  /** Client timeouts for every remote Core (tests shorten them). */
  timeouts?: Partial<ClientTimeouts>;
  /** Floor of the back-off (default 250 ms). */
  minBackoffMs?: number;
  /** How long a remote Core's last answer stays in the merged view after failures. Default max(5 s, 3 intervals). */
  staleAfterMs?: number;
  /** Period of `onUpdate` pushes. Default 1000 ms. */
  updateIntervalMs?: number;
}

/** A node a clustered remote Core lists, with the id of the fleet's Core at its address when it is in the fleet. */
export interface ClusterNodeListing extends ClusterNodeOffer {
  addedAs?: string;
}

export interface Fleet extends SessionSource {
  /** Adds a remote Core and starts polling it. Throws on a duplicate id or an invalid URL. */
  addCore(config: RemoteCoreConfig): CoreInfo;
  /** Changes a remote Core (URL, name, interval, credentials, enabled). Throws for an unknown id. */
  updateCore(id: string, patch: Partial<Omit<RemoteCoreConfig, 'id'>>): Promise<CoreInfo>;
  /** Stops polling and forgets the Core. False when unknown. */
  removeCore(id: string): Promise<boolean>;
  /** Pauses one remote Core, or all without an id. */
  pause(id?: string): void;
  resume(id?: string): void;
  /** Polls now, also after `auth-failed`. */
  retry(id: string): void;
  /** The configured remote Cores (no credentials). */
  remoteConfigs(): ReturnType<RemotePoller['config']>[];
  hasRemotes(): boolean;
  /** A merged reader over the given core ids (local and/or remote), or all cores. Sessions carry `core`. */
  reader(coreIds?: readonly string[]): SessionReader;
  /** Every node a clustered remote Core lists (empty for a single Core), those in the fleet marked `addedAs`. */
  listClusterNodes(coreId: string): Promise<ClusterNodeListing[]>;
  /** The nodes a clustered remote Core offers that are not in the fleet yet (empty for a single Core). */
  clusterNodes(coreId: string): Promise<ClusterNodeOffer[]>;
  /**
   * Adds the cluster's nodes as Cores of their own, with the Core's credentials. A node on another host than the
   * Core would receive those credentials: without `toOtherHosts` that is refused (OtherHostsError, nothing added).
   */
  addClusterNodes(coreId: string, nodeIds?: readonly string[], toOtherHosts?: boolean): Promise<CoreInfo[]>;
  /** The credentials a remote Core uses (main process only: never shown, logged or sent to a page). */
  credentialsOf(coreId: string): RemoteCoreConfig['credentials'];
  /** Poller counters per remote Core (bench, tests, diagnostics). */
  stats(): Record<string, ReturnType<RemotePoller['stats']>>;
  /** Stops every poller and the update timer. */
  stop(): Promise<void>;
}

/** A read-only view over one core's data, tagged with its id. */
interface CoreView {
  id: string;
  ids(): string[];
  summary(collector: string): CollectorSummary | undefined;
  active(collector: string): SessionSnapshot[] | undefined;
}

function addTotals(into: HistoryTotals, t: HistoryTotals): void {
  into.sessions += t.sessions;
  into.rxBytes += t.rxBytes;
  into.txBytes += t.txBytes;
}

function mergeTotalsMap(into: Map<string, HistoryTotals>, from: ReadonlyMap<string, HistoryTotals>): void {
  for (const [k, t] of from) {
    const cur = into.get(k);
    if (cur) addTotals(cur, t);
    else into.set(k, { sessions: t.sessions, rxBytes: t.rxBytes, txBytes: t.txBytes });
  }
}

function mergeHistory(into: HistorySummary, from: HistorySummary): void {
  for (const [peer, p] of from.peers) {
    let cur = into.peers.get(peer);
    if (!cur) {
      cur = { sessions: 0, rxBytes: 0, txBytes: 0, locations: new Map() };
      into.peers.set(peer, cur);
    }
    addTotals(cur, p);
    mergeTotalsMap(cur.locations, p.locations);
  }
  mergeTotalsMap(into.locations, from.locations);
  mergeTotalsMap(into.references, from.references);
  addTotals(into.totals, from.totals);
}

function tag(list: readonly SessionSnapshot[], core: string): SessionSnapshot[] {
  return list.map((s) => ({ ...s, core }));
}

/** Sums summaries of several cores (sessions tagged with their core) into one. */
export function mergeSummaries(parts: readonly { core: string; summary: CollectorSummary }[]): CollectorSummary {
  const out = zeroSummary();
  const lists: SessionSnapshot[] = [];
  for (const { core, summary: s } of parts) {
    lists.push(...tag(s.active, core));
    out.activeSessions += s.activeSessions;
    out.rxBitsPerSec += s.rxBitsPerSec;
    out.txBitsPerSec += s.txBitsPerSec;
    out.maxSessions += s.maxSessions;
    out.maxRxBitsPerSec += s.maxRxBitsPerSec;
    out.maxTxBitsPerSec += s.maxTxBitsPerSec;
    mergeHistory(out.history, s.history);
  }
  out.active = sortByCreated(lists);
  return out;
}

class MergedReader implements SessionReader {
  readonly #views: () => CoreView[];

  constructor(views: () => CoreView[]) {
    this.#views = views;
  }

  ids(): string[] {
    const seen = new Set<string>();
    for (const v of this.#views()) for (const id of v.ids()) seen.add(id);
    return [...seen];
  }

  summary(collectorId: string): CollectorSummary {
    const parts: { core: string; summary: CollectorSummary }[] = [];
    for (const v of this.#views()) {
      const s = v.summary(collectorId);
      if (s) parts.push({ core: v.id, summary: s });
    }
    return mergeSummaries(parts);
  }

  active(collectorId: string): SessionSnapshot[] {
    const lists: SessionSnapshot[] = [];
    for (const v of this.#views()) {
      const l = v.active(collectorId);
      if (l) lists.push(...tag(l, v.id));
    }
    return sortByCreated(lists);
  }
}

export function createFleet(options: FleetOptions): Fleet {
  const { clock, local } = options;
  const log = options.log.child('fleet');
  const pollers = new Map<string, RemotePoller>();
  const listeners = new Set<(s: Snapshot) => void>();
  let updateTimer: TimerHandle | undefined;
  let stopped = false;

  const localView: CoreView = {
    id: local.id,
    ids: () => local.reader.ids(),
    summary: (c) => local.reader.summary(c),
    active: (c) => local.reader.active(c),
  };

  /** `keepStale`: the last answer however old (finished-session totals stay true through an outage). */
  const remoteView = (p: RemotePoller, keepStale = false): CoreView | undefined => {
    if (p.state === 'paused') return undefined;
    const data = p.data();
    if (!data) return undefined;
    const staleAfter = options.staleAfterMs ?? Math.max(5000, 3 * p.intervalMs);
    if (!keepStale && clock.now() - data.atMs > staleAfter) return undefined;
    return {
      id: p.id,
      ids: () => [...data.summaries.keys()],
      summary: (c) => data.summaries.get(c),
      active: (c) => data.summaries.get(c)?.active,
    };
  };

  const views = (coreIds?: readonly string[], keepStale = false): CoreView[] => {
    const want = coreIds ? new Set(coreIds) : undefined;
    const out: CoreView[] = [];
    if (!want || want.has(local.id)) out.push(localView);
    for (const p of pollers.values()) {
      if (want && !want.has(p.id)) continue;
      const v = remoteView(p, keepStale);
      if (v) out.push(v);
    }
    return out;
  };

  const localInfo = (): CoreInfo => ({ id: local.id, name: local.name, kind: 'local', url: local.url ?? '', state: 'running' });

  const cores = (): CoreInfo[] => [localInfo(), ...[...pollers.values()].map((p) => p.info())];

  const collectorIdsOf = (v: CoreView): string[] => {
    const ids = v.ids();
    return ids.length > 0 ? ids : [...COLLECTOR_IDS];
  };

  const snapshot = (): Snapshot => {
    const collectors: CollectorTotals[] = [];
    const sessions: SessionRow[] = [];
    for (const v of views()) {
      for (const c of collectorIdsOf(v)) {
        const s = v.summary(c);
        if (!s) continue;
        const totals: CollectorTotals = {
          core: v.id,
          collector: c,
          activeSessions: s.activeSessions,
          processSessions: 0,
          rxBitsPerSec: s.rxBitsPerSec,
          txBitsPerSec: s.txBitsPerSec,
          processRxBitsPerSec: 0,
          processTxBitsPerSec: 0,
          maxSessions: s.maxSessions,
          maxTxBitsPerSec: s.maxTxBitsPerSec,
        };
        collectors.push(totals);
        // The engine's shape is the page's: a row is the session tagged with its core and collector. A remote Core's
        // sessions are parsed as such rows (parse.ts): taken as they are (never changed: each poll parses new ones).
        for (const a of v.active(c) ?? s.active) {
          sessions.push(a.core === v.id && (a as Partial<SessionRow>).collector === c ? (a as SessionRow) : { ...a, core: v.id, collector: c });
          // The totals rule's own processes (src/shared/totals.ts), counted as the sessions are listed: their sessions
          // are no people, their bytes a local hop that never crossed the core's edge.
          if (isProcessSession(c, a.extra)) {
            totals.processSessions++;
            totals.processRxBitsPerSec += a.rxBitsPerSec;
            totals.processTxBitsPerSec += a.txBitsPerSec;
          }
        }
      }
    }
    return { atMs: clock.now(), cores: cores(), collectors, sessions };
  };

  const history = (query: HistoryQuery): HistoryRow[] => {
    const rows: HistoryRow[] = [];
    const wantCollectors = query.collectors && query.collectors.length > 0 ? new Set(query.collectors) : undefined;
    const rowOf = (core: string, collector: string, group: HistoryGroup, key: string, t: HistoryTotals): HistoryRow => ({ core, collector, group, key, sessions: t.sessions, rxBytes: t.rxBytes, txBytes: t.txBytes });
    const push = (core: string, collector: string, group: HistoryGroup, map: ReadonlyMap<string, HistoryTotals>, processes?: ReadonlyMap<string, OwnShare>): void => {
      for (const [key, t] of map) {
        const row = rowOf(core, collector, group, key, t);
        // The local core's marks: the app's own processes' sessions in the row; all of them one's: the row is that process.
        const own = processes?.get(key);
        if (own !== undefined) {
          row.processSessions = Math.min(own.sessions, t.sessions);
          row.processRxBytes = Math.min(own.rxBytes, t.rxBytes);
          row.processTxBytes = Math.min(own.txBytes, t.txBytes);
          if (own.process !== undefined && own.sessions >= t.sessions) row.process = own.process;
        }
        rows.push(row);
      }
    };
    // Per remote the peer is the party: a process's wholly own entries are a row of their own (its HLS upload's peer
    // `unknown` is people's uploads' too), the peer's other sessions a row without it.
    const pushPeers = (core: string, collector: string, map: ReadonlyMap<string, HistoryTotals>, processes?: ReadonlyMap<string, OwnPeerShare>): void => {
      for (const [key, t] of map) {
        const own = processes?.get(key);
        const rest = rowOf(core, collector, 'remote', key, t);
        if (own === undefined) {
          rows.push(rest);
          continue;
        }
        for (const [process, p] of own.byProcess) {
          rows.push({ ...rowOf(core, collector, 'remote', key, p), processSessions: p.sessions, process, processRxBytes: p.rxBytes, processTxBytes: p.txBytes });
          rest.sessions -= p.sessions;
          rest.rxBytes -= p.rxBytes;
          rest.txBytes -= p.txBytes;
        }
        if (own.mixed > 0) rest.processSessions = Math.min(own.mixed, rest.sessions);
        if (rest.sessions > 0 || rest.rxBytes > 0 || rest.txBytes > 0) rows.push(rest);
      }
    };
    // A Core that stopped answering keeps its history (the CoreInfo says it is not current), instead of vanishing.
    for (const v of views(query.core && query.core.length > 0 ? query.core : undefined, true)) {
      for (const c of collectorIdsOf(v)) {
        if (wantCollectors && !wantCollectors.has(c)) continue;
        const s = v.summary(c);
        if (!s) continue;
        const own = s.history.processSessions?.();
        pushPeers(v.id, c, s.history.peers, own?.peers);
        push(v.id, c, 'local', s.history.locations, own?.locations);
        push(v.id, c, 'reference', s.history.references, own?.references);
      }
    }
    return rows;
  };

  const emit = (): void => {
    if (listeners.size === 0) return;
    const snap = snapshot();
    for (const cb of [...listeners]) {
      try {
        cb(snap);
      } catch (err) {
        log.error('snapshot listener failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const getPoller = (id: string): RemotePoller => {
    const p = pollers.get(id);
    if (!p) throw new Error(`unknown remote Core ${JSON.stringify(id)}`);
    return p;
  };

  const fleet: Fleet = {
    snapshot,
    history,
    cores,
    onUpdate(callback) {
      listeners.add(callback);
      if (updateTimer === undefined && !stopped) updateTimer = clock.setInterval(emit, options.updateIntervalMs ?? 1000);
      return () => {
        listeners.delete(callback);
        if (listeners.size === 0 && updateTimer !== undefined) {
          clock.clearInterval(updateTimer);
          updateTimer = undefined;
        }
      };
    },

    addCore(config) {
      if (stopped) throw new Error('the fleet is stopped');
      if (pollers.size >= MAX_REMOTE_CORES) throw new TooManyCoresError(pollers.size);
      if (!config.id || config.id === local.id || pollers.has(config.id)) throw new Error(`a core with the id ${JSON.stringify(config.id)} exists already`);
      if (config.id.includes(',')) throw new Error('a core id cannot contain ","');
      const poller = new RemotePoller(config, {
        clock,
        log: options.log,
        random: options.random,
        timeouts: options.timeouts,
        minBackoffMs: options.minBackoffMs,
      });
      pollers.set(config.id, poller);
      log.info('remote Core added', { id: config.id, url: poller.info().url });
      poller.start();
      return poller.info();
    },

    async updateCore(id, patch) {
      const p = getPoller(id);
      await p.update(patch);
      return p.info();
    },

    async removeCore(id) {
      const p = pollers.get(id);
      if (!p) return false;
      pollers.delete(id);
      await p.stop();
      log.info('remote Core removed', { id });
      return true;
    },

    pause(id) {
      if (id !== undefined) getPoller(id).pause();
      else for (const p of pollers.values()) p.pause();
    },

    resume(id) {
      if (id !== undefined) getPoller(id).resume();
      else for (const p of pollers.values()) p.resume();
    },

    retry(id) {
      getPoller(id).retry();
    },

    remoteConfigs: () => [...pollers.values()].map((p) => p.config()),
    hasRemotes: () => pollers.size > 0,

    reader(coreIds) {
      const ids = coreIds ? [...coreIds] : undefined;
      return new MergedReader(() => views(ids));
    },


    async listClusterNodes(coreId) {
      const nodes = await getPoller(coreId).clusterNodes();
      const known = new Map([...pollers.values()].map((p) => [p.info().url, p.id]));
      return nodes.map((n) => {
        const addedAs = known.get(n.url);
        return addedAs === undefined ? { ...n } : { ...n, addedAs };
      });
    },

    async clusterNodes(coreId) {
      const nodes = await fleet.listClusterNodes(coreId);
      return nodes.filter((n) => n.addedAs === undefined).map(({ id, name, url }) => ({ id, name, url }));
    },

    credentialsOf(coreId) {
      const c = getPoller(coreId).credentials();
      return c ? { ...c } : undefined;
    },

    async addClusterNodes(coreId, nodeIds, toOtherHosts = false) {
      const source = getPoller(coreId);
      const offers = await fleet.clusterNodes(coreId);
      const want = nodeIds ? new Set(nodeIds) : undefined;
      const chosen = offers.filter((n) => !want || want.has(n.id));
      const sourceHost = new URL(source.config().url).hostname;
      const others = [...new Set(chosen.map((n) => new URL(n.url).hostname).filter((h) => h !== sourceHost))];
      if (others.length > 0 && source.credentials() !== undefined && !toOtherHosts) throw new OtherHostsError(others);
      if (pollers.size + chosen.length > MAX_REMOTE_CORES) throw new TooManyCoresError(pollers.size);
      const added: CoreInfo[] = [];
      for (const n of chosen) {
        const id = uniqueId(defaultCoreId(n.url));
        added.push(
          fleet.addCore({ id, url: n.url, name: n.name || undefined, credentials: source.credentials(), intervalMs: source.intervalMs }),
        );
      }
      return added;
    },

    stats() {
      const out: Record<string, ReturnType<RemotePoller['stats']>> = {};
      for (const p of pollers.values()) out[p.id] = p.stats();
      return out;
    },

    async stop() {
      stopped = true;
      if (updateTimer !== undefined) clock.clearInterval(updateTimer);
      updateTimer = undefined;
      listeners.clear();
      const all = [...pollers.values()];
      pollers.clear();
      await Promise.all(all.map((p) => p.stop()));
    },
  };

  const uniqueId = (base: string): string => {
    let id = base;
    for (let i = 2; pollers.has(id) || id === local.id; i++) id = `${base}-${i}`;
    return id;
  };

  return fleet;
}

/**
 * Security guard (docs/security.md, "What one client can make the server hold"): remote Cores watched at most. Each
 * one is a poller (a request a second), an entry of cores.json and a row of every push; with auth off any program on
 * the machine may add Cores, and a Core's cluster answer names as many nodes as it likes. Fleets are measured up to
 * 100 Cores (docs/decisions.md).
 */
export const MAX_REMOTE_CORES = 1000;

/** Adding would take the fleet past MAX_REMOTE_CORES: nothing was added. */
export class TooManyCoresError extends Error {
  constructor(watched: number) {
    super(`at most ${MAX_REMOTE_CORES} remote Cores are watched (${watched} now): remove one first`);
    this.name = 'TooManyCoresError';
  }
}

/** Cluster nodes on hosts other than their Core's would be sent its credentials: the user has to agree first. */
export class OtherHostsError extends Error {
  readonly hosts: readonly string[];
  constructor(hosts: readonly string[]) {
    super(`these nodes are on other hosts than the Core (${hosts.join(', ')}): they would receive its username and password; confirm to send them`);
    this.name = 'OtherHostsError';
    this.hosts = hosts;
  }
}

/** The default id of a remote Core: its URL's host:port (with the default port), plus the path when it has one. */
export function defaultCoreId(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.hostname}:${port}${path}`;
}

export type { PollerStats, RemoteCoreConfig };
