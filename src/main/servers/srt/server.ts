/**
 * The local core's SRT server: a listener for live-mode SRT (HSv5 handshake, no encryption) that ffmpeg/libsrt can
 * publish to (`streamid=NAME,mode:publish`) and play from (`streamid=NAME` or `NAME,mode:request`), with srt
 * sessions per spec §1.4.
 *
 *   const srt = createSrtServer({ collector: core.collectors.srt, log, token: '' });
 *   const { host, port } = await srt.listen('127.0.0.1', 6000);
 *   ...
 *   await srt.close();
 *
 * One UDP socket serves every connection. Inductions are answered statelessly with a SYN cookie (a keyed hash of
 * the caller's address and the minute); state is created only for a conclusion that carries a valid cookie.
 * A 10 ms interval sends ACKs/NAKs/keepalives and enforces the idle timeout; a 1 s interval feeds the session byte
 * deltas to the collector. See docs/decisions.md, section SRT.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { SessionCollector } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import { tokenMatches } from '../rtmp/url.ts';
import { joinHostPort, normalizeIp } from '../../http/net-util.ts';
import { DEFAULT_SRT_LIMITS, nowUs, SrtConnection, SrtStream, type SrtConnectionStats, type SrtContext, type SrtCounters, type SrtLimits } from './connection.ts';
import {
  CTRL,
  decodeHandshake,
  decodeHsBlock,
  decodePacket,
  decodeSwappedString,
  encodeControl,
  encodeHandshake,
  encodeHsBlock,
  encodePeerIp,
  EXT,
  HS_EXT_FLAG,
  HS_TYPE,
  REJECT,
  REJECT_BASE,
  SRT_FLAG,
  SRT_MAGIC,
  SRT_VERSION,
  type ControlPacket,
  type Handshake,
} from './packet.ts';
import { parseStreamId } from './stream-id.ts';
import { clientKey, ConnectionsPerClient, HeldBudget } from '../../http/client-limits.ts';
import { throttledWarn } from '../../http/throttled-warn.ts';

export { DEFAULT_SRT_LIMITS, type SrtLimits } from './connection.ts';

/** Default listen address of the local core's SRT server (`--srt HOST:PORT`). Loopback, Core's default port. */
export const DEFAULT_SRT_ADDRESS = { host: '127.0.0.1', port: 6000 } as const;

export interface SrtServerOptions {
  /** The `srt` collector. */
  collector: SessionCollector;
  log: Logger;
  /** Core's `srt.token`: when set, publish and play need `token:TOKEN` (or `token=TOKEN`) in the stream id. */
  token?: string;
  /** Core's `srt.passphrase`. Encryption is not supported: a non-empty passphrase makes createSrtServer throw. */
  passphrase?: string;
  limits?: Partial<SrtLimits>;
  /** Interval of the session deltas. Default 1000 ms (spec §1.4). */
  tickMs?: number;
}

export interface SrtServerStats {
  connections: number;
  streams: number;
  publishers: number;
  players: number;
  /** Datagrams and their bytes, all kinds, since the server started. */
  rxBytes: number;
  txBytes: number;
  rxDatagrams: number;
  txDatagrams: number;
  inductions: number;
  /** Conclusions refused (stream id, token, conflict, encryption, ...). */
  rejected: number;
  /** Conclusions with a cookie we did not issue (or an expired one): dropped silently. */
  badCookies: number;
  /** Datagrams that are not SRT, are truncated, or are larger than an SRT packet (`MAX_PACKET_SIZE`). */
  malformed: number;
  /** Datagrams for no connection of ours (unknown socket id or wrong source address). */
  strays: number;
  retransmitted: number;
  naksSent: number;
  lostPackets: number;
  unrecoverable: number;
  /** Publishers' packets dropped for the server's budget of receive windows (`SrtLimits.maxWindowPackets*`). */
  windowDropped: number;
  /** Reorder-held packets of publishers plus unacknowledged packets of players. */
  bufferedPackets: number;
  /** Whether the connection ticks run (only with connections: an idle server never wakes up). */
  ticking: boolean;
}

/** One connection as `GET /api/v3/srt` shows it (raw numbers; the route renders Core's field names). */
export interface SrtChannelConnection {
  socketId: number;
  ageMs: number;
  rttMs: number;
  rxBytes: number;
  txBytes: number;
  stats: SrtConnectionStats;
}

/** Core's `SRTChannels`: publisher socket per resource, player sockets per resource, and every connection. */
export interface SrtChannels {
  publisher: Map<string, number>;
  subscriber: Map<string, number[]>;
  connections: SrtChannelConnection[];
}

export interface SrtServer {
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  stats(): SrtServerStats;
  /** Resources being published now. */
  streams(): string[];
  /** The channels and their connections' statistics, now. */
  channels(): SrtChannels;
  /** Closes the connection of a collector session with a shutdown (an operator's disconnect); false when there is none. */
  disconnect(sessionId: string): boolean;
}

/** What we support and announce in HSRSP. */
const OUR_FLAGS = SRT_FLAG.tsbpdSnd | SRT_FLAG.tsbpdRcv | SRT_FLAG.tlpktDrop | SRT_FLAG.periodicNak | SRT_FLAG.rexmitFlag;
const REFUSAL_LOGS_PER_SEC = 10;

export function createSrtServer(options: SrtServerOptions): SrtServer {
  if (options.passphrase) throw new Error('SRT encryption (passphrase) is not supported by this server');
  const log = options.log;
  const limits: SrtLimits = { ...DEFAULT_SRT_LIMITS, ...options.limits };
  const token = options.token ?? '';
  const conns = new Map<number, SrtConnection>();
  const perClient = new ConnectionsPerClient(limits.maxConnectionsPerClient);
  /** `remote/callerSocketId` → connection: a repeated conclusion gets the same answer. */
  const byCaller = new Map<string, SrtConnection>();
  const streams = new Map<string, SrtStream>();
  const counters: SrtCounters = { retransmitted: 0, naksSent: 0, lostPackets: 0, unrecoverable: 0, windowDropped: 0 };
  const budgetWarn = throttledWarn(log);
  const totals = { rxBytes: 0, txBytes: 0, rxDatagrams: 0, txDatagrams: 0, inductions: 0, rejected: 0, badCookies: 0, malformed: 0, strays: 0 };
  const cookieSecret = randomBytes(32);
  const listenerSocketId = randomInt(1, 0x3fffffff);
  let refusalsLogged = 0;
  let refusalsUnlogged = 0;
  let socket: Socket | null = null;
  let fast: NodeJS.Timeout | null = null;
  let slow: NodeJS.Timeout | null = null;

  const send = (buf: Buffer | Buffer[], port: number, address: string): void => {
    if (!socket) return;
    const n = Array.isArray(buf) ? buf.reduce((a, b) => a + b.length, 0) : buf.length;
    totals.txBytes += n;
    totals.txDatagrams++;
    socket.send(buf, port, address, () => {}); // UDP: a failed send is a lost packet, which SRT recovers from
  };

  const ctx: SrtContext = {
    log,
    collector: options.collector,
    limits,
    counters,
    windowBudget: new HeldBudget(limits.maxWindowPacketsTotal, limits.maxWindowPacketsPerClient),
    overBudget: (fields) => budgetWarn('srt packets dropped: the client\'s receive windows are over the server\'s budget', fields),
    send,
    closed(conn, reason) {
      // The session stays until Core's timeout (spec §1.4); the mark tells alerts and the page at once.
      if (conn.sessionId !== null) options.collector.markClosed(conn.sessionId);
      if (conns.delete(conn.socketId)) perClient.close(clientKey(conn.ip));
      if (byCaller.get(callerKey(conn.remote, conn.peerSocketId)) === conn) byCaller.delete(callerKey(conn.remote, conn.peerSocketId));
      const stream = conn.stream;
      conn.stream = null;
      if (stream && conn.role === 'publisher') {
        if (streams.get(stream.resource) === stream) streams.delete(stream.resource);
        for (const p of [...stream.players]) p.close('publisher left', true);
        stream.players.clear();
        log.info('srt publish stop', { remote: conn.remote, resource: conn.resource, reason });
      } else if (stream) {
        stream.players.delete(conn);
        log.info('srt play stop', { remote: conn.remote, resource: conn.resource, reason });
      }
    },
  };

  const callerKey = (remote: string, socketId: number): string => `${remote}/${socketId}`;

  /** SYN cookie: keyed hash of the caller's address and the minute; valid for the current and the previous minute. */
  const cookie = (remote: string, minute: number): number =>
    createHmac('sha256', cookieSecret).update(`${remote}|${minute}`).digest().readUInt32BE(0);
  const cookieValid = (remote: string, c: number): boolean => {
    const minute = Math.floor(Date.now() / 60_000);
    return c === cookie(remote, minute) || c === cookie(remote, minute - 1);
  };

  const handshakeReply = (hs: Handshake, type: number, socketId: number, extension: number, ip: string, extensions: Handshake['extensions']): Buffer =>
    encodeHandshake({
      version: 5,
      encryption: 0,
      extension,
      isn: hs.isn,
      mtu: Math.min(hs.mtu || 1500, 1500),
      flowWindow: Math.min(hs.flowWindow || 8192, 8192),
      type,
      socketId,
      cookie: hs.cookie,
      peerIp: encodePeerIp(ip),
      extensions,
    });

  const refuse = (hs: Handshake, rinfo: RemoteInfo, remote: string, reason: number, why: string, streamId: string): void => {
    totals.rejected++;
    const reply = handshakeReply(hs, REJECT_BASE + reason, listenerSocketId, 0, normalizeIp(rinfo.address), []);
    send(encodeControl(CTRL.handshake, 0, 0, hs.socketId, reply), rinfo.port, rinfo.address);
    armTimers();
    if (refusalsLogged < REFUSAL_LOGS_PER_SEC) {
      refusalsLogged++;
      log.info('srt connection refused', { remote, streamId: streamId.slice(0, 128), reason: why, code: reason });
    } else refusalsUnlogged++;
  };

  const onHandshake = (p: ControlPacket, rinfo: RemoteInfo, now: number): void => {
    const hs = decodeHandshake(p.cif);
    if (!hs) {
      totals.malformed++;
      return;
    }
    const ip = normalizeIp(rinfo.address);
    const remote = joinHostPort(ip, rinfo.port);
    if (hs.type === HS_TYPE.induction) {
      totals.inductions++;
      const reply = handshakeReply({ ...hs, cookie: cookie(remote, Math.floor(Date.now() / 60_000)) }, HS_TYPE.induction, listenerSocketId, SRT_MAGIC, ip, []);
      send(encodeControl(CTRL.handshake, 0, 0, hs.socketId, reply), rinfo.port, rinfo.address);
      return;
    }
    if (hs.type !== HS_TYPE.conclusion) return; // waveahand/agreement/done: rendezvous only
    const existing = byCaller.get(callerKey(remote, hs.socketId));
    if (existing) {
      existing.lastRxUs = now;
      send(existing.response, rinfo.port, rinfo.address);
      return;
    }
    if (!cookieValid(remote, hs.cookie)) {
      totals.badCookies++;
      return;
    }
    const ext = (type: number): Buffer | undefined => hs.extensions.find((e) => e.type === type)?.data;
    const sidData = ext(EXT.sid);
    const streamId = sidData ? decodeSwappedString(sidData) : '';
    if (hs.version !== 5) return refuse(hs, rinfo, remote, REJECT.version, `handshake version ${hs.version} (only HSv5)`, streamId);
    if (hs.encryption !== 0 || ext(EXT.kmreq) || hs.extension & HS_EXT_FLAG.kmreq)
      return refuse(hs, rinfo, remote, REJECT.unsecure, 'encryption is not supported (connect without a passphrase)', streamId);
    const hsreq = ext(EXT.hsreq);
    const req = hsreq ? decodeHsBlock(hsreq) : null;
    if (!req) return refuse(hs, rinfo, remote, REJECT.rogue, 'no SRT HSREQ extension', streamId);
    if (req.flags & SRT_FLAG.stream) return refuse(hs, rinfo, remote, REJECT.messageApi, 'stream (file) mode is not supported, only live', streamId);
    const cc = ext(EXT.congestion);
    if (cc && decodeSwappedString(cc) !== 'live') return refuse(hs, rinfo, remote, REJECT.congestion, 'only the live congestion controller is supported', streamId);
    if (ext(EXT.filter)) return refuse(hs, rinfo, remote, REJECT.filter, 'packet filters are not supported', streamId);
    if (ext(EXT.group)) return refuse(hs, rinfo, remote, REJECT.group, 'bonding groups are not supported', streamId);
    if (sidData && sidData.length > limits.maxStreamIdBytes) return refuse(hs, rinfo, remote, REJECT.badRequest, 'stream id too long', streamId);
    const si = parseStreamId(streamId);
    if (si.resource === '') return refuse(hs, rinfo, remote, REJECT.badRequest, 'stream resource not provided', streamId);
    if (si.mode !== 'publish' && si.mode !== 'request') return refuse(hs, rinfo, remote, REJECT.badRequest, `invalid mode "${si.mode}"`, streamId);
    if (token !== '' && !tokenMatches(token, si.token)) return refuse(hs, rinfo, remote, REJECT.unauthorized, 'invalid token', streamId);
    const publishing = si.mode === 'publish';
    const stream = streams.get(si.resource);
    if (publishing && stream) return refuse(hs, rinfo, remote, REJECT.conflict, 'already publishing', streamId);
    if (!publishing && !stream) return refuse(hs, rinfo, remote, REJECT.notFound, 'no publisher for this resource', streamId);
    if (conns.size >= limits.maxConnections) return refuse(hs, rinfo, remote, REJECT.backlog, 'too many connections', streamId);
    // Security guard: one client cannot take every connection slot (the refusal is logged like the others).
    if (!perClient.tryOpen(clientKey(rinfo.address))) {
      return refuse(hs, rinfo, remote, REJECT.backlog, `too many connections from this client (--max-conns-per-ip ${perClient.maxPerClient})`, streamId);
    }

    // Latencies: each direction uses the larger of both sides' wishes (HSv5 negotiation).
    const rcvLatencyMs = Math.max(limits.latencyMs, req.sndLatencyMs);
    const sndLatencyMs = Math.max(limits.latencyMs, req.rcvLatencyMs);
    let socketId = randomInt(1, 0x3fffffff);
    while (conns.has(socketId)) socketId = randomInt(1, 0x3fffffff);
    const hsrsp = encodeHsBlock({ version: SRT_VERSION, flags: OUR_FLAGS, rcvLatencyMs, sndLatencyMs });
    const reply = handshakeReply(hs, HS_TYPE.conclusion, socketId, HS_EXT_FLAG.hsreq, ip, [{ type: EXT.hsrsp, data: hsrsp }]);
    const response = encodeControl(CTRL.handshake, 0, 0, hs.socketId, reply);
    const conn = new SrtConnection(ctx, {
      socketId,
      peerSocketId: hs.socketId,
      ip: rinfo.address,
      port: rinfo.port,
      remote,
      role: publishing ? 'publisher' : 'player',
      resource: si.resource,
      isn: hs.isn,
      latencyMs: publishing ? rcvLatencyMs : sndLatencyMs,
      startUs: now,
      response,
    });
    conns.set(socketId, conn);
    armTimers();
    byCaller.set(callerKey(remote, hs.socketId), conn);
    if (publishing) {
      const s = new SrtStream(si.resource, conn);
      streams.set(si.resource, s);
      conn.stream = s;
    } else {
      conn.stream = stream!;
      stream!.players.add(conn);
    }
    send(response, rinfo.port, rinfo.address);
    log.info(publishing ? 'srt publish start' : 'srt play start', { remote, resource: si.resource, latencyMs: conn.latencyMs });
    // Spec §1.4: publisher id = resource (the client address if there is none), player id = its address.
    if (options.collector.isCollectableIp(ip)) {
      const id = publishing ? si.resource || remote : remote;
      options.collector.registerAndActivate(id, si.resource, (publishing ? 'publish:' : 'play:') + si.resource, remote);
      conn.sessionId = id;
    }
  };

  const onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    totals.rxBytes += msg.length;
    totals.rxDatagrams++;
    const p = decodePacket(msg);
    if (!p) {
      totals.malformed++;
      return;
    }
    const now = nowUs();
    if (p.destSocketId === 0) {
      if (p.control && p.type === CTRL.handshake) onHandshake(p, rinfo, now);
      else totals.strays++;
      return;
    }
    const conn = conns.get(p.destSocketId);
    if (!conn || conn.port !== rinfo.port || conn.ip !== rinfo.address) {
      totals.strays++;
      return;
    }
    if (!p.control) {
      if (p.encryption !== 0) totals.malformed++;
      else conn.onData(p, now);
    } else if (p.type === CTRL.handshake) {
      conn.lastRxUs = now;
      const hs = decodeHandshake(p.cif);
      if (hs?.type === HS_TYPE.conclusion) send(conn.response, rinfo.port, rinfo.address);
    } else {
      conn.onControl(p, now);
    }
  };

  const tick10 = (): void => {
    const now = nowUs();
    for (const c of conns.values()) c.tick10(now);
  };

  const tick1s = (): void => {
    for (const c of conns.values()) c.tick1s();
    if (refusalsUnlogged > 0) log.info('srt connections refused (not logged one by one)', { count: refusalsUnlogged });
    refusalsLogged = 0;
    refusalsUnlogged = 0;
    // Nothing left to time: no wake-ups while idle (the 10 ms tick was most of an idle server's CPU). A connection or
    // a refusal arms the ticks again.
    if (conns.size === 0) stopTimers();
  };

  /** The ticks run while there are connections, and for the second after a refusal (its rate-limited log line). */
  function armTimers(): void {
    if (!socket) return;
    fast ??= setInterval(tick10, 10);
    slow ??= setInterval(tick1s, options.tickMs ?? 1000);
  }

  function stopTimers(): void {
    if (fast) clearInterval(fast);
    if (slow) clearInterval(slow);
    fast = slow = null;
  }

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        const s = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
        const onError = (err: Error): void => {
          s.close();
          reject(err);
        };
        s.once('error', onError);
        s.bind(port, host, () => {
          s.off('error', onError);
          s.on('error', (err) => log.error('srt socket error', { error: err.message }));
          s.on('message', onMessage);
          try {
            s.setRecvBufferSize(4 * 1024 * 1024); // bursts of a few Mbit/s streams; the kernel may cap it
          } catch {
            // keep the system default
          }
          socket = s;
          const a = s.address();
          log.info('srt server listening', { host: a.address, port: a.port, token: token !== '' });
          resolve({ host: a.address, port: a.port });
        });
      });
    },

    close() {
      stopTimers();
      for (const c of [...conns.values()]) c.close('server closing', true);
      const s = socket;
      socket = null;
      if (!s) return Promise.resolve();
      return new Promise((resolve) => s.close(() => resolve()));
    },

    stats() {
      let publishers = 0;
      let players = 0;
      let buffered = 0;
      for (const c of conns.values()) {
        if (c.role === 'publisher') publishers++;
        else players++;
        buffered += c.bufferedPackets();
      }
      return { connections: conns.size, streams: streams.size, publishers, players, ...totals, ...counters, bufferedPackets: buffered, ticking: fast !== null };
    },

    streams() {
      return [...streams.keys()];
    },
    disconnect(sessionId) {
      for (const c of conns.values()) {
        if (c.closed || c.sessionId !== sessionId) continue;
        c.close('disconnected by the operator', true);
        return true;
      }
      return false;
    },
    channels() {
      const now = nowUs();
      const out: SrtChannels = { publisher: new Map(), subscriber: new Map(), connections: [] };
      for (const [resource, s] of streams) {
        out.publisher.set(resource, s.publisher.socketId);
        out.subscriber.set(resource, [...s.players].map((p) => p.socketId));
      }
      for (const c of conns.values()) {
        if (c.closed) continue;
        out.connections.push({ socketId: c.socketId, ageMs: c.ageMs(now), rttMs: c.rttMs, rxBytes: c.rxDataBytes, txBytes: c.txDataBytes, stats: { ...c.stats } });
      }
      return out;
    },
  };
}
