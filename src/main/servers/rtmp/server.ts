/**
 * The local core's RTMP server (issue 4): publish and play over RTMP, rtmp sessions per spec §1.4.
 *
 *   const rtmp = createRtmpServer({ collector: core.collectors.rtmp, log, app: '/', token: '' });
 *   const { host, port } = await rtmp.listen('127.0.0.1', 1935);
 *   ...
 *   await rtmp.close();
 *
 * One 1 s interval serves the whole server: it feeds each session's byte deltas to the collector and enforces the
 * connection timeouts. See docs/decisions.md, section RTMP, for the choices made here.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { clientKey, ConnectionsPerClient, HeldBudget } from '../../http/client-limits.ts';
import { systemClock } from '../../engine/clock.ts';
import type { SessionCollector, TimerHandle } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import { DEFAULT_LIMITS, RtmpConnection, type ConnectionContext, type RtmpCounters, type RtmpLimits } from './connection.ts';
import type { LiveStream } from './stream-hub.ts';
import { READ_BUFFER_BYTES, type ReadMode } from './reader.ts';
import { throttledWarn } from '../../http/throttled-warn.ts';

export { DEFAULT_LIMITS, type RtmpLimits } from './connection.ts';

/** Default listen address of the local core's RTMP server (`--rtmp HOST:PORT`). Loopback, Core's default port. */
export const DEFAULT_RTMP_ADDRESS = { host: '127.0.0.1', port: 1935 } as const;

export interface RtmpServerOptions {
  /** The `rtmp` collector. */
  collector: SessionCollector;
  log: Logger;
  /** Core's `rtmp.app`: publish paths must start with it; it is stripped from references. Default `/`. */
  app?: string;
  /** Core's `rtmp.token`: when set, publish and play need it (`?token=` or last path element). */
  token?: string;
  /** Overrides of the bounds in `DEFAULT_LIMITS`. */
  limits?: Partial<RtmpLimits>;
  /** Interval of the session deltas and timeout checks. Default 1000 ms (spec §1.4). */
  tickMs?: number;
  /**
   * How connections are read (reader.ts). Default `slab`: a publisher into slab regions, the others into the shared
   * buffer (docs/decisions.md, "RTMP read slabs"); `stream` and `reused-buffer` are kept for the benches and tests.
   */
  readMode?: ReadMode;
}

export interface RtmpServerStats {
  connections: number;
  streams: number;
  publishers: number;
  players: number;
  /** Bytes received / sent by every connection since the server started (closed ones included). */
  rxBytes: number;
  txBytes: number;
  /** Input held for incomplete messages plus output not yet taken by the kernel, over all connections. */
  bufferedBytes: number;
  /** Socket reads of every connection since the server started (a wake-up of the process each, at most). */
  reads: number;
  /** Slabs publishers' reads have taken since the server started (`readMode: 'slab'`). */
  readSlabs: number;
  droppedMessages: number;
  slowPlayersClosed: number;
  protocolErrors: number;
  refusedConnections: number;
  /** Players' write holds let go (`limits.writeHoldMs`; stream-hub.ts), and of them by the tick (reads had stopped). */
  holdFlushes: number;
  holdTickFlushes: number;
}

export interface RtmpServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  stats(): RtmpServerStats;
  /** Paths of the streams being published now. */
  streams(): string[];
  /** Closes the connection of a collector session (an operator's disconnect); false when there is none. */
  disconnect(sessionId: string): boolean;
}

export function createRtmpServer(options: RtmpServerOptions): RtmpServer {
  const log = options.log;
  const limits: RtmpLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const conns = new Set<RtmpConnection>();
  const streams = new Map<string, LiveStream>();
  const counters: RtmpCounters = { reads: 0, readSlabs: 0, droppedMessages: 0, slowPlayersClosed: 0, protocolErrors: 0, holdFlushes: 0, holdTickFlushes: 0 };
  let closedRx = 0;
  let closedTx = 0;
  let refused = 0;
  let refusedLogged = 0;
  let ticker: TimerHandle | null = null;
  const budgetWarn = throttledWarn(log);

  const ctx: ConnectionContext = {
    log,
    collector: options.collector,
    app: options.app || '/',
    token: options.token ?? '',
    limits,
    streams,
    counters,
    startedAtMs: Date.now(),
    readBuffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
    readMode: options.readMode ?? 'slab',
    partialBudget: new HeldBudget(limits.maxPartialBytesTotal, limits.maxPartialBytesPerClient),
    overBudget: (fields) => budgetWarn('rtmp connection closed: its incomplete messages are over the server\'s budget', fields),
    gopBudget: new HeldBudget(limits.maxGopBytesTotal, limits.maxGopBytesPerClient),
    gopOverBudget: (fields) => budgetWarn('rtmp GOP cache cut: the client\'s cached GOPs are over the server\'s budget (players joining it start at the next keyframe)', fields),
    closed(conn) {
      if (!conns.delete(conn)) return;
      closedRx += conn.socket.bytesRead;
      closedTx += conn.socket.bytesWritten;
    },
  };

  // Security guard: one client holding idle sockets must not lock every real publisher and player out.
  const perClient = new ConnectionsPerClient(limits.maxConnectionsPerClient);
  // Paused on accept: the connection starts reading the socket itself, in the server's read mode (reader.ts).
  const server: Server = createServer({ noDelay: true, pauseOnConnect: true }, (accepted: Socket) => {
    if (conns.size >= limits.maxConnections) {
      refused++;
      accepted.destroy();
      return;
    }
    const client = clientKey(accepted.remoteAddress);
    if (!perClient.tryOpen(client)) {
      if (refusedByClient.size < 1000 || refusedByClient.has(client)) refusedByClient.set(client, (refusedByClient.get(client) ?? 0) + 1);
      accepted.destroy();
      return;
    }
    const conn = new RtmpConnection(accepted, ctx, Date.now());
    conn.socket.once('close', () => perClient.close(client));
    conns.add(conn);
  });
  /** Refusals by the per-client bound since the last tick, logged once per tick. */
  const refusedByClient = new Map<string, number>();
  server.on('error', (err) => log.error('rtmp server error', { error: err.message }));

  const tick = (): void => {
    const now = Date.now();
    for (const c of conns) c.tick(now);
    for (const s of streams.values()) s.tick(now);
    if (refused > refusedLogged) {
      log.warn('rtmp connections refused: too many connections', { refused: refused - refusedLogged, max: limits.maxConnections });
      refusedLogged = refused;
    }
    // One line per tick names the first client refused; `clients` says how many were.
    const first = refusedByClient.entries().next().value;
    if (first) {
      const [client, n] = first;
      log.warn('rtmp connections refused: too many from one client (--max-conns-per-ip)', { client, refused: n, open: perClient.openOf(client), max: perClient.maxPerClient, clients: refusedByClient.size });
      refusedByClient.clear();
    }
  };

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          // On the clock's shared second (one wake-up with the collectors' and the app's other per-second work).
          ticker ??= systemClock.setInterval(tick, options.tickMs ?? 1000);
          const a = server.address() as AddressInfo;
          log.info('rtmp server listening', { host: a.address, port: a.port, app: ctx.app, token: ctx.token !== '' });
          resolve({ host: a.address, port: a.port });
        });
      });
    },

    disconnect(sessionId) {
      for (const c of conns) {
        if (c.sessionId !== sessionId) continue;
        c.reportDeltas();
        c.socket.destroy();
        return true;
      }
      return false;
    },

    close() {
      if (ticker) systemClock.clearInterval(ticker);
      ticker = null;
      return new Promise((resolve) => {
        for (const c of conns) {
          c.reportDeltas();
          c.socket.destroy();
        }
        if (!server.listening) return resolve();
        server.close(() => resolve());
      });
    },

    stats() {
      let rx = closedRx;
      let tx = closedTx;
      let buffered = 0;
      let publishers = 0;
      let players = 0;
      for (const c of conns) {
        rx += c.socket.bytesRead;
        tx += c.socket.bytesWritten;
        buffered += c.bufferedBytes();
        if (c.stream && c.role === 'publisher') publishers++;
        if (c.stream && c.role === 'player') players++;
      }
      return {
        connections: conns.size,
        streams: streams.size,
        publishers,
        players,
        rxBytes: rx,
        txBytes: tx,
        bufferedBytes: buffered,
        reads: counters.reads,
        readSlabs: counters.readSlabs,
        droppedMessages: counters.droppedMessages,
        slowPlayersClosed: counters.slowPlayersClosed,
        protocolErrors: counters.protocolErrors,
        refusedConnections: refused + perClient.refused,
        holdFlushes: counters.holdFlushes,
        holdTickFlushes: counters.holdTickFlushes,
      };
    },

    streams() {
      return [...streams.keys()];
    },
  };
}
