/**
 * The wiring both roots use (src/main/index.ts in Electron, src/main/headless.ts under plain Node): the local core's
 * engine, its servers (HTTP with memfs/HLS, RTMP), the Core-compatible API, the fleet of remote Cores, the UI
 * service and, in headless mode, the web bridge that serves the dashboard at /ui/.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AppInfo } from '../shared/ipc.ts';
import { LOCAL_CORE_ID } from '../shared/types.ts';
import { ConfigError, isLoopbackHost, type AppConfig } from './config.ts';
import { systemClock } from './engine/clock.ts';
import { createLocalCore, type LocalCore } from './engine/local-core.ts';
import type { Clock } from './engine/types.ts';
import { createApi, type ApiRoute } from './api/index.ts';
import { JwtAuth, randomSecret } from './api/auth.ts';
import { createHttpServer, listen } from './http/server.ts';
import { createFsApiRoutes, createHttpCollectorMiddleware, createMemfs, createMemfsMount, type Memfs } from './servers/http/index.ts';
import type { HttpMiddleware, HttpMount } from './http/types.ts';
import { createRequestGuards } from './servers/http/request-guards.ts';
import { createRtmpServer, type RtmpServer } from './servers/rtmp/server.ts';
import { createSrtServer, type SrtServer } from './servers/srt/server.ts';
import { createFleet, type Fleet } from './remote/fleet.ts';
import { fleetApi } from './remote/api-routes.ts';
import { createExportRoutes } from './export/routes.ts';
import { createAlertService, type AlertService } from './alerts/service.ts';
import { loadAlertConfig } from './alerts/config.ts';
import { createUiService, type UiService } from './ui/service.ts';
import { createWebBridge } from './ui/web-bridge.ts';
import { createAppControl } from './control/index.ts';
import type { SecretStore } from './remote/config.ts';
import { writeFileAtomicSync } from './atomic-file.ts';
import type { LogRing, Logger } from './log.ts';
import { SessionMetrics } from './api/core-metrics.ts';
import { createCoreRoutes } from './api/core-routes.ts';
import { StreamGroups } from '../shared/stream-groups.ts';
import { StreamModel } from '../shared/streams.ts';
import { loadStreamAliases } from './streams/aliases.ts';
import { createStreamRoutes } from './streams/routes.ts';
import { rtmpChannelsJson, srtChannelsJson } from './servers/channels-api.ts';
import { startTimeseries, type TimeseriesService } from './timeseries/service.ts';
import { createTimeseriesRoutes } from './timeseries/routes.ts';
import { ProcessManager } from './processes/manager.ts';
import { processApiRoutes } from './processes/api-routes.ts';
import type { CallerTrust } from './processes/command.ts';
import { processUiHandlers } from './processes/ui-handlers.ts';
import { localEndpoints } from './processes/endpoints.ts';
import { startPrometheusParts } from './prometheus/index.ts';
import { shardFleet } from './prometheus/shard.ts';
import { historyForUi, type HistoryBackend } from './timeseries/backend.ts';

/** A start-up failure the user can act on (taken port, unwritable data dir): one line, no stack trace. */
export class StartError extends Error {
  override name = 'StartError';
}

export interface StartDeps {
  log: Logger;
  mode: AppInfo['mode'];
  clock?: Clock;
  /** Where remote Cores' passwords live: Electron safeStorage in the app, an owner-only file headless. */
  secrets?: SecretStore;
  /** The built renderer served at /ui/ in headless mode. Default `out/renderer` beside package.json. */
  staticDir?: string;
  /** The app's version for /api and the UI. */
  version?: string;
  /** The recent log events the root's logger keeps, served at `GET /api/v3/log`. */
  logRing?: LogRing;
  /** Settings the command line (or the desktop app's config.json) set at this start, by key, with what set it. */
  setAtStart?: Record<string, string>;
}

export interface RunningApp {
  config: AppConfig;
  localCore: LocalCore;
  memfs: Memfs;
  fleet: Fleet;
  ui: UiService;
  /** Alert rules (`alerts.json` in the data dir) evaluated on every fleet update; served to the page by `ui`. */
  alerts: AlertService;
  /** The time-series history (`timeseries.sqlite` in the data dir); null when off or its file cannot be opened. */
  timeseries: TimeseriesService | null;
  server: Server;
  rtmp: RtmpServer | null;
  srt: SrtServer | null;
  /** The local core's FFmpeg processes (Core's process API). */
  processes: ProcessManager;
  /** Bound addresses, e.g. { api: 'http://127.0.0.1:8787', rtmp: 'rtmp://127.0.0.1:1935' }. */
  listeners: Record<string, string>;
  /** Closes servers and pollers, closes open sessions into the history and persists it. Idempotent. */
  stop(): Promise<void>;
}

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/** Paths of the app's own dashboard: not counted by the `http` collector (the app's own traffic, left out by identity). */
function isDashboardPath(url: string | undefined): boolean {
  const u = url ?? '/';
  return u === '/' || u.startsWith('/ui/') || u === '/ui' || u.startsWith('/api/ui/');
}

function urlOf(scheme: string, a: { host: string; port: number }): string {
  return `${scheme}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** The generated name's prefix: a name without it was chosen by the user. */
const DEFAULT_NAME_PREFIX = 'core-sessions@';

/** The local core's stable identity (Core's config `id` and `name`), created on first start. */
function loadIdentity(dataDir: string, log: Logger): { id: string; name: string } {
  const file = join(dataDir, 'identity.json');
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown; name?: unknown };
    if (typeof parsed.id === 'string' && parsed.id !== '' && typeof parsed.name === 'string') return { id: parsed.id, name: parsed.name };
  } catch {
    // Missing or unreadable: make a new one below.
  }
  const identity = { id: randomUUID(), name: `${DEFAULT_NAME_PREFIX}${hostname()}` };
  try {
    writeFileAtomicSync(file, JSON.stringify(identity, null, 2) + '\n', 0o600);
  } catch (err) {
    log.warn('could not save the local core identity', { error: String(err) });
  }
  return identity;
}

/**
 * Seeds the streams' "Peak today" from the history's report of the local day so far (per core and stream: the local
 * core's and remote Cores'), so a restart does not start it again at 0. A backend that fails (a Prometheus that does
 * not answer) leaves the peaks to the live updates, with a warning.
 */
function seedPeaksToday(streams: StreamModel, history: HistoryBackend, nowMs: number, log: Logger): void {
  const dayStartMs = new Date(nowMs).setHours(0, 0, 0, 0);
  void (async () => {
    try {
      const report = await history.report({ fromMs: dayStartMs, toMs: nowMs + 1, period: 'day' });
      streams.seedPeaks(nowMs, report.rows);
    } catch (err) {
      log.warn('could not read today\'s stream peaks from the history', { error: (err as Error).message });
    }
  })();
}

export async function startApp(config: AppConfig, deps: StartDeps): Promise<RunningApp> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const startedAtMs = clock.now();
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new StartError(`cannot create the data directory ${config.dataDir}: ${(err as Error).message}`);
  }
  const identity = loadIdentity(config.dataDir, log);

  let localCore: LocalCore;
  try {
    localCore = createLocalCore(
      {
        sessionTimeoutSec: config.sessionTimeoutSec,
        persist: config.persist,
        persistIntervalSec: config.persistIntervalSec,
        historyMaxEntries: config.historyMaxEntries,
        maxSessions: config.maxSessions,
        maxBitrateMbit: config.maxBitrateMbit,
        ignoreIps: config.ignoreIps,
      },
      { clock, dataDir: config.dataDir, log },
    );
  } catch (err) {
    throw new ConfigError(`--ignore-ips: ${(err as Error).message}`);
  }
  const { collectors } = localCore;
  localCore.start();
  // Core's metrics monitor over the local core's session collectors (GET/POST /api/v3/metrics).
  const sessionMetrics = new SessionMetrics({ reader: localCore.registry, clock });
  sessionMetrics.start();

  const memfs = createMemfs({ maxBytes: config.memfsMaxMb * 1024 * 1024, log: log.child('memfs') });
  const listeners: Record<string, string> = {};

  const fleet = shardFleet(createFleet({
    // Shown as "This computer" unless renamed (the `name` in identity.json); /api keeps Core's `name` field.
    local: { id: LOCAL_CORE_ID, name: identity.name.startsWith(DEFAULT_NAME_PREFIX) ? 'This computer' : identity.name, reader: localCore.registry },
    clock,
    log: log.child('remote'),
  }), config.shard, log.child('shard'));

  // One secret for every verifier of this run, so the dashboard's bridge accepts the API's tokens.
  const auth = config.auth ? { ...config.auth, jwtSecret: config.jwtSecret !== '' ? config.jwtSecret : randomSecret(32) } : undefined;
  const verifier = auth ? new JwtAuth(auth, clock) : null;

  const processes = new ProcessManager({
    dataDir: config.dataDir,
    ffmpegBinary: config.ffmpeg,
    endpoints: () => localEndpoints(config, listeners),
    clock,
    log: log.child('processes'),
    collectors: { ffmpeg: collectors.ffmpeg, marked: { byPeer: [collectors.rtmp, collectors.srt], byConnection: [collectors.hlsingress] } },
    maxProcesses: config.maxProcesses,
  });
  // Who creates and updates processes (command.ts's CallerTrust): with the API login on, every API caller and every
  // headless page proved it (owner); with it off, anyone who reaches the port is (anonymous). The desktop window's
  // IPC is the owner's own shell.
  const callerTrust: CallerTrust = auth ? 'owner' : 'anonymous';
  const control = createAppControl({ config, fleet, clock, log: log.child('control'), secrets: deps.secrets, setAtStart: deps.setAtStart });
  const appInfo = (): AppInfo => ({ version: deps.version ?? '0.1.0', mode: deps.mode, listeners: { ...listeners } });
  const alertsPath = join(config.dataDir, 'alerts.json');
  // The sessions grouped into streams once per update, for the stream rules and the stream model alike.
  const streamGroups = new StreamGroups();
  const alerts = createAlertService({
    source: fleet,
    config: loadAlertConfig(alertsPath, (m) => log.warn(m)),
    path: alertsPath,
    statePath: join(config.dataDir, 'alert-state.json'),
    log: log.child('alerts'),
    coreName: (id) => fleet.cores().find((c) => c.id === id)?.name ?? id,
    groups: streamGroups,
  });
  const timeseries = startTimeseries({
    settings: {
      enabled: config.timeseries,
      intervalSec: config.timeseriesIntervalSec,
      rawRetentionHours: config.timeseriesRawHours,
      minuteRetentionDays: config.timeseriesMinuteDays,
      hourRetentionDays: config.timeseriesHourDays,
      maxMb: config.timeseriesMaxMb,
    },
    dataDir: config.dataDir,
    snapshot: () => fleet.snapshot(),
    clock,
    log: log.child('timeseries'),
  });
  const aliases = loadStreamAliases(config.dataDir, log);
  const streams = new StreamModel(aliases, streamGroups);
  // The fleet's series on /metrics and, with --history-backend prometheus, the history from Prometheus (issue 18).
  const prom = startPrometheusParts({ config, source: fleet, localExportId: identity.id, aliases, log: log.child('prometheus') });
  const history = prom.history ?? timeseries;
  if (history) seedPeaksToday(streams, history, clock.now(), log);
  // An operator's disconnect of a local RTMP/SRT session (the Streams view); logged, since it ends someone's stream.
  const disconnect = (collector: string, id: string): boolean => {
    const server = collector === 'rtmp' ? rtmp : collector === 'srt' ? srt : null;
    const done = server?.disconnect(id) ?? false;
    log.warn('session disconnected by the dashboard', { collector, session: id.slice(0, 200), done, by: deps.mode === 'electron' ? 'the desktop window' : 'the web dashboard' });
    return done;
  };
  const ui = createUiService({ source: fleet, appInfo, control, alerts, streams, disconnect, processes: processUiHandlers(processes, deps.mode === 'electron' ? 'owner' : callerTrust), timeseries: history ? historyForUi(history, () => clock.now()) : undefined });

  const fleetHooks = fleetApi(fleet, localCore.registry);
  const extraRoutes: ApiRoute[] = [
    ...fleetHooks.extraRoutes,
    ...createExportRoutes({ source: fleet }),
    // Core's filesystem API (servers/http/fs-api.ts), behind the API's auth.
    ...createFsApiRoutes({ memfs, diskRoot: config.diskDir ?? undefined, log: log.child('fs') }),
    // Streams across cores and protocols (src/shared/streams.ts), for other tools.
    ...createStreamRoutes({ model: streams, source: fleet }),
    // Core's channel lists, session metrics and recent log (issue 14).
    ...createCoreRoutes({ metrics: sessionMetrics, logRing: deps.logRing, rtmpChannels: () => rtmpChannelsJson(rtmp), srtChannels: () => srtChannelsJson(srt) }),
    // The time-series history and its report (issue 12).
    ...(history ? createTimeseriesRoutes({ service: history, now: () => clock.now() }) : []),
    ...processApiRoutes(processes, callerTrust),
  ];
  const apiMounts = createApi({
    reader: localCore.registry,
    readerFor: fleetHooks.readerFor,
    auth,
    about: { id: identity.id, name: identity.name, startedAtMs },
    log: log.child('api'),
    clock,
    extraRoutes,
    metricsRequireAuth: config.metricsAuth,
    extraMetricsText: prom.metricsText,
  });

  const mounts: HttpMount[] = [
    ...apiMounts,
    // Core's liveness probe: `GET /ping` → `pong` (no auth, as Core).
    {
      prefix: '/ping',
      handler: (req, res) => {
        const ok = (req.method === 'GET' || req.method === 'HEAD') && (req.url === '/ping' || req.url?.startsWith('/ping?'));
        res.statusCode = ok ? 200 : 404;
        res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
        res.end(ok ? (req.method === 'HEAD' ? undefined : 'pong') : 'Not Found');
      },
    },
    ...createMemfsMount({
      memfs,
      collectors: { hls: collectors.hls, hlsingress: collectors.hlsingress },
      auth: config.memfsAuth ?? undefined,
      trustedProxies: config.trustedProxies,
      log: log.child('memfs'),
      diskRoot: config.diskDir ?? undefined,
    }),
  ];
  if (deps.mode === 'headless') {
    const staticDir = deps.staticDir ?? join(PROJECT_ROOT, 'out', 'renderer');
    if (!existsSync(join(staticDir, 'index.html'))) log.warn(`the dashboard is not built (${staticDir}): run "npm run build", or start with "npm run serve"`);
    mounts.push(
      ...createWebBridge({
        service: ui,
        staticDir,
        auth: verifier ? (req) => verifier.authorize(req) !== null : undefined,
      }),
    );
  }
  const countHttp = createHttpCollectorMiddleware({ collector: collectors.http, log: log.child('http') });
  const middleware: HttpMiddleware[] = [
    // Host allow-list and Origin check first (docs/security.md): nothing else sees a rebound or cross-site request.
    // Off loopback, the machine's own name is how people reach it, so it is allowed too.
    createRequestGuards({
      listenHost: config.listen.host,
      allowedHosts: isLoopbackHost(config.listen.host) ? config.allowedHosts : [...config.allowedHosts, hostname(), `${hostname()}.local`],
      log: log.child('http'),
    }),
    (req, res, next) => (isDashboardPath(req.url) ? next() : countHttp(req, res, next)),
  ];
  const server = createHttpServer({ mounts, middleware, log: log.child('http'), maxConnectionsPerClient: config.maxConnsPerIp });

  let rtmp: RtmpServer | null = null;
  let srt: SrtServer | null = null;
  const stopAll = async (): Promise<void> => {
    sessionMetrics.stop();
    prom.stop();
    timeseries?.stop();
    ui.dispose();
    alerts.dispose();
    // FFmpeg first, while the servers it writes to are still up (it finishes its outputs on SIGTERM).
    await processes.stop();
    await Promise.allSettled([
      fleet.stop(),
      rtmp?.close(),
      srt?.close(),
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
    ]);
    await localCore.stop();
  };

  try {
    const bound = await listen(server, config.listen.host, config.listen.port);
    listeners.api = urlOf('http', bound);
    if (config.rtmp) {
      rtmp = createRtmpServer({
        collector: collectors.rtmp,
        log: log.child('rtmp'),
        app: config.rtmpApp,
        token: config.rtmpToken || undefined,
        limits: { maxConnectionsPerClient: config.maxConnsPerIp, writeHoldMs: config.rtmpWriteHoldMs },
      });
      const rtmpBound = await listen2(rtmp, config.rtmp);
      listeners.rtmp = urlOf('rtmp', rtmpBound);
    }
    if (config.srt) {
      srt = createSrtServer({ collector: collectors.srt, log: log.child('srt'), token: config.srtToken || undefined, limits: { maxConnectionsPerClient: config.maxConnsPerIp } });
      const srtBound = await listenSrt(srt, config.srt);
      listeners.srt = urlOf('srt', srtBound);
    }
  } catch (err) {
    await stopAll();
    throw err instanceof StartError ? err : new StartError((err as Error).message);
  }

  try {
    await control.restoreCores();
    fleet.restored();
  } catch (err) {
    await stopAll();
    throw new ConfigError((err as Error).message);
  }
  await processes.init();
  log.info('started', { ...listeners, dataDir: config.dataDir });

  let stopped: Promise<void> | null = null;
  return {
    config,
    localCore,
    memfs,
    fleet,
    ui,
    alerts,
    timeseries,
    server,
    rtmp,
    srt,
    processes,
    listeners,
    stop: () => (stopped ??= stopAll()),
  };
}

async function listen2(rtmp: RtmpServer, address: { host: string; port: number }): Promise<{ host: string; port: number }> {
  try {
    return await rtmp.listen(address.host, address.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = urlOf('rtmp', address);
    if (code === 'EADDRINUSE') throw new StartError(`the RTMP address ${where} is already in use (choose another with --rtmp HOST:PORT, or --rtmp off)`);
    throw new StartError(`cannot listen for RTMP on ${where}: ${(err as Error).message}`);
  }
}

async function listenSrt(srt: SrtServer, address: { host: string; port: number }): Promise<{ host: string; port: number }> {
  try {
    return await srt.listen(address.host, address.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = urlOf('srt', address);
    if (code === 'EADDRINUSE') throw new StartError(`the SRT address ${where} is already in use (choose another with --srt HOST:PORT, or --srt off)`);
    throw new StartError(`cannot listen for SRT on ${where}: ${(err as Error).message}`);
  }
}
