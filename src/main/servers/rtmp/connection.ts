/**
 * One RTMP client connection: handshake, chunk stream, control messages, AMF0 commands, and its role as the
 * publisher of a stream or as a player. Everything runs on socket events plus the server's 1 s tick (timeouts,
 * session byte deltas); a connection owns no timers of its own.
 */
import type { Socket } from 'node:net';
import type { SessionCollector } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import { AmfError, decodeAmf0, decodeAmf0Value, encodeAmf0, type AmfObject, type AmfValue } from './amf0.ts';
import { ChunkParser, MSG, RtmpBudgetError, RtmpProtocolError, serializeMessage, type RtmpMessage } from './chunk.ts';
import { C0C1_SIZE, HANDSHAKE_SIZE, RTMP_VERSION, serverHandshake } from './handshake.ts';
import { DEFAULT_WRITE_HOLD_MAX_BYTES, LiveStream, OUT, type HoldCounters, type OutMessage, type PlayerSink } from './stream-hub.ts';
import { splitToken, streamAddress, streamReference, tokenMatches } from './url.ts';
import { joinHostPort, normalizeIp } from '../../http/net-util.ts';
import { clientKey, type HeldBudget } from '../../http/client-limits.ts';
import { ReadBuffers, startReading, type ReadMode } from './reader.ts';

/** Every bound the server enforces; see `DEFAULT_LIMITS` for the values and docs/decisions.md (RTMP) for why. */
export interface RtmpLimits {
  /** Handshake (C0..C2) must be done within this time. */
  handshakeTimeoutMs: number;
  /** A connection that is not playing and sends nothing for this long is closed. */
  idleTimeoutMs: number;
  /** A peer that stops in the middle of a chunk for this long is closed (players included). */
  midChunkTimeoutMs: number;
  /** A connection that is ending (status sent, `end()` called) is destroyed after this long. */
  lingerMs: number;
  maxConnections: number;
  /** Connections one client (IPv4 address, IPv6 /64) may hold, below `maxConnections`; 0 = no bound. */
  maxConnectionsPerClient: number;
  /** Largest message of a publisher (a keyframe of a high-bitrate 4K stream stays well below). */
  maxMessageBytes: number;
  /** Largest message before a connection publishes (commands only): keeps unauthenticated peers cheap. */
  maxControlMessageBytes: number;
  /** Largest sum of what a publisher's incomplete messages hold (see `ChunkParserLimits.maxPartialBytes`). */
  maxPartialBytes: number;
  /** Largest sum of what all connections of one client hold for incomplete messages (`HeldBudget`); 0 = no bound. */
  maxPartialBytesPerClient: number;
  /** Largest sum of what all connections hold for incomplete messages (`HeldBudget`); 0 = no bound. */
  maxPartialBytesTotal: number;
  maxChunkStreams: number;
  /** Largest GOP cache of one stream (see `StreamLimits.maxGopBytes`). */
  maxGopBytes: number;
  maxGopMessages: number;
  /** Largest sum of the GOP caches of one client's streams (`HeldBudget`); past it a growing cache is cut; 0 = no bound. */
  maxGopBytesPerClient: number;
  /** Largest sum of all streams' GOP caches (`HeldBudget`); past it a growing cache is cut; 0 = no bound. */
  maxGopBytesTotal: number;
  /** A player whose socket holds more than this unsent drops audio and non-key video until it catches up. */
  playerDropBytes: number;
  /** After dropping, a player resumes at the next keyframe only once its backlog is below this. */
  playerResumeBytes: number;
  /** A player whose backlog exceeds this is closed. */
  playerMaxBufferedBytes: number;
  /** A player that stays above `playerDropBytes` this long is closed. */
  playerStallMs: number;
  /** Unknown commands are answered with `_error`; more than this many close the connection. */
  maxUnknownCommands: number;
  /**
   * Outgoing chunk size (announced with Set Chunk Size after connect): 64 KiB, as Core sends, so a video frame goes to
   * players as one chunk of views (docs/decisions.md, "RTMP players' messages as one chunk"). ffmpeg as a publisher
   * echoes it and sends its own chunks at that size.
   */
  outChunkSize: number;
  /** Window acknowledgement size / peer bandwidth announced to clients. */
  windowAckSize: number;
  /**
   * How long players' writes are held across a publisher's reads (`--rtmp-write-hold-ms`; 0: written at the end of
   * each read, as Core does). See `StreamLimits.writeHoldMs` and docs/decisions.md, "RTMP players' writes held".
   */
  writeHoldMs: number;
  /** Held bytes past which the hold is let go at once (far below `playerDropBytes`). */
  writeHoldMaxBytes: number;
}

export const DEFAULT_LIMITS: RtmpLimits = {
  handshakeTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  midChunkTimeoutMs: 10_000,
  lingerMs: 5_000,
  maxConnections: 1_000,
  maxConnectionsPerClient: 100,
  maxMessageBytes: 8 * 1024 * 1024,
  maxControlMessageBytes: 64 * 1024,
  maxPartialBytes: 16 * 1024 * 1024,
  // Four publishers mid-keyframe of a high-bitrate stream behind one address, with room; 16 such clients in all.
  maxPartialBytesPerClient: 64 * 1024 * 1024,
  maxPartialBytesTotal: 256 * 1024 * 1024,
  maxChunkStreams: 64,
  maxGopBytes: 16 * 1024 * 1024,
  maxGopMessages: 10_000,
  // Eight 20 Mbit/s streams with 4 s GOPs behind one address (10 MB each), or ~60 of 6 Mbit/s with 2 s GOPs; the whole
  // server four times that (docs/decisions.md, "RTMP GOP caches and SRT receive windows: server-wide budgets").
  maxGopBytesPerClient: 128 * 1024 * 1024,
  maxGopBytesTotal: 512 * 1024 * 1024,
  playerDropBytes: 4 * 1024 * 1024,
  playerResumeBytes: 1024 * 1024,
  playerMaxBufferedBytes: 24 * 1024 * 1024,
  playerStallMs: 20_000,
  maxUnknownCommands: 32,
  outChunkSize: 65_536,
  windowAckSize: 2_500_000,
  writeHoldMs: 100,
  writeHoldMaxBytes: DEFAULT_WRITE_HOLD_MAX_BYTES,
};

/** Server-wide counters the connections bump (exposed by `RtmpServer.stats()`). */
export interface RtmpCounters extends HoldCounters {
  /** Reads of all connections' sockets (each one a wake-up of the process, unless several are ready at once). */
  reads: number;
  /** Slabs publishers' reads have taken (reader.ts, `slab` mode). */
  readSlabs: number;
  droppedMessages: number;
  slowPlayersClosed: number;
  protocolErrors: number;
}

/** What a connection needs from its server. */
export interface ConnectionContext {
  log: Logger;
  collector: SessionCollector;
  app: string;
  token: string;
  limits: RtmpLimits;
  streams: Map<string, LiveStream>;
  counters: RtmpCounters;
  startedAtMs: number;
  /** The server's one read buffer, shared by its connections (and by publishers' first reads in `slab` mode; reader.ts). */
  readBuffer: Buffer;
  /** The read mode to use where the socket allows it. */
  readMode: ReadMode;
  /** The server's budget for incomplete messages, which every connection's parser charges. */
  partialBudget: HeldBudget;
  /** A connection closed for the budget: one WARN line per 10 s (throttled-warn.ts), not one per connection. */
  overBudget(fields: Record<string, unknown>): void;
  /** The server's budget for GOP caches, which every published stream charges. */
  gopBudget: HeldBudget;
  /** A stream's GOP cache cut for the budget: one WARN line per 10 s. */
  gopOverBudget(fields: Record<string, unknown>): void;
  closed(conn: RtmpConnection): void;
}

type State = 'c0c1' | 'c2' | 'open' | 'ending' | 'closed';
type Role = 'none' | 'publisher' | 'player';

const MEDIA_TYPES: ReadonlySet<number> = new Set([MSG.audio, MSG.video]);

/** Commands that need no answer and change nothing here. */
const IGNORED_COMMANDS = new Set([
  'receiveAudio',
  'receiveVideo',
  'pause',
  'seek',
  'FCSubscribe',
  'FCUnsubscribe',
  'setBufferLength',
  '_checkbw',
  '_result',
  '_error',
  'onStatus',
  'onBWDone',
]);

export class RtmpConnection implements PlayerSink {
  readonly socket: Socket;
  /** How the socket is read: as a stream, into the server's shared buffer, or into slabs once publishing (reader.ts). */
  readonly readMode: ReadMode;
  /** Where each read goes in `reused-buffer` and `slab` modes. */
  readonly readBuffers: ReadBuffers;
  readonly ip: string;
  /** `ip:port` / `[ip]:port`: the player session id and every session's `remote`. */
  readonly remote: string;
  readonly createdAtMs: number;
  role: Role = 'none';
  stream: LiveStream | null = null;
  /** Media messages dropped for this (slow) player. */
  dropped = 0;

  private readonly ctx: ConnectionContext;
  private state: State = 'c0c1';
  private hs: Buffer = Buffer.alloc(0);
  private readonly parser: ChunkParser;
  private lastRxAtMs: number;
  private endingSinceMs = 0;
  private connected = false;
  private app = '';
  private outChunkSize = 128;
  private ackWindow = 0;
  private ackedBytes = 0;
  private unknownCommands = 0;
  /** The collector session id (publisher: URL path; player: remote ip:port), once registered. */
  sessionId: string | null = null;
  private reportedRx = 0;
  private reportedTx = 0;
  private waitingKeyframe = false;
  private backedUpSinceMs: number | null = null;

  /** `accepted`: a socket accepted with `pauseOnConnect`; the connection starts reading it. */
  constructor(accepted: Socket, ctx: ConnectionContext, nowMs: number) {
    this.readBuffers = new ReadBuffers(ctx.readBuffer, () => ctx.counters.readSlabs++);
    const { socket, mode } = startReading(accepted, this.readBuffers, (bytes, stable) => this.receive(bytes, stable), ctx.readMode);
    this.socket = socket;
    this.readMode = mode;
    this.ctx = ctx;
    this.ip = normalizeIp(socket.remoteAddress ?? '');
    this.remote = joinHostPort(this.ip, socket.remotePort);
    this.createdAtMs = nowMs;
    this.lastRxAtMs = nowMs;
    const l = ctx.limits;
    this.parser = new ChunkParser(
      {
        maxMessageBytes: l.maxControlMessageBytes,
        maxPartialBytes: 2 * l.maxControlMessageBytes,
        maxChunkStreams: l.maxChunkStreams,
      },
      (m) => this.onMessage(m),
      // Large audio/video messages of a publisher arrive as views of the read buffers: no copy on the way in.
      (m) => {
        if (this.state === 'open' && this.role === 'publisher' && this.stream) this.stream.publish(m);
      },
    );
    this.parser.account = ctx.partialBudget.account(clientKey(socket.remoteAddress));
    // Views need input buffers that stay valid: a stream's read buffers and slab regions do; the shared read buffer
    // is overwritten by the next read, so from it every message is copied into its own body (`receive`'s `stable`).
    this.parser.viewTypes = MEDIA_TYPES;
    socket.setNoDelay(true);
    socket.on('error', (err) => this.ctx.log.debug('rtmp socket error', { remote: this.remote, error: err.message }));
    socket.on('close', () => this.onClose());
  }

  // ------------------------------------------------------------------------------------------------ lifecycle

  /** Closes now with a log line (protocol violations, timeouts, hopeless players). */
  fail(reason: string, level: 'debug' | 'info' | 'warn' = 'info'): void {
    if (this.state === 'closed') return;
    this.ctx.log[level]('rtmp connection closed', { remote: this.remote, role: this.role, reason });
    this.state = 'closed';
    this.parser.stop();
    this.socket.destroy();
  }

  /** Flushes what was written (a final status), then closes; destroyed by `tick` if the peer does not read. */
  private endGracefully(): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    this.state = 'ending';
    this.endingSinceMs = Date.now();
    this.parser.stop();
    this.socket.end();
  }

  private onClose(): void {
    if (this.state !== 'closed') this.state = 'closed';
    this.parser.stop();
    this.leaveRole();
    this.reportDeltas();
    // The session stays until Core's timeout (spec §1.4); the mark tells alerts and the page at once.
    if (this.sessionId !== null) this.ctx.collector.markClosed(this.sessionId);
    this.ctx.closed(this);
  }

  /** Called by the server once a second: timeouts and the session byte deltas. */
  tick(nowMs: number): void {
    const l = this.ctx.limits;
    if (this.state === 'c0c1' || this.state === 'c2') {
      if (nowMs - this.createdAtMs > l.handshakeTimeoutMs) this.fail('handshake timeout');
    } else if (this.state === 'open') {
      const quietMs = nowMs - this.lastRxAtMs;
      if (this.parser.midChunk() && quietMs > l.midChunkTimeoutMs) this.fail('stalled in the middle of a chunk');
      else if (this.role !== 'player' && quietMs > l.idleTimeoutMs) this.fail('idle timeout');
      else if (this.backedUpSinceMs !== null && nowMs - this.backedUpSinceMs > l.playerStallMs) {
        this.ctx.counters.slowPlayersClosed++;
        this.fail('player too slow (backlog for too long)', 'warn');
      }
    } else if (this.state === 'ending' && nowMs - this.endingSinceMs > l.lingerMs) {
      this.socket.destroy();
    }
    this.reportDeltas();
  }

  /** Spec §1.4: every second, the delta of the connection's rx/tx counters goes to Ingress/Egress. */
  reportDeltas(): void {
    if (this.sessionId === null) return;
    const rx = this.socket.bytesRead;
    const tx = this.socket.bytesWritten;
    this.ctx.collector.ingress(this.sessionId, rx - this.reportedRx);
    this.ctx.collector.egress(this.sessionId, tx - this.reportedTx);
    this.reportedRx = rx;
    this.reportedTx = tx;
  }

  /** Bytes this connection holds: incomplete input plus unsent output. */
  bufferedBytes(): number {
    return this.parser.bufferedBytes() + this.hs.length + this.socket.writableLength;
  }

  // ------------------------------------------------------------------------------------------------ input

  /** One read of the socket; unless `stable`, `data` is a view of the shared read buffer, valid only during this call. */
  receive(data: Buffer, stable = true): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    this.ctx.counters.reads++;
    this.lastRxAtMs = Date.now();
    if (this.state !== 'open') {
      // Copied (concat copies even one piece): the handshake is kept across reads.
      this.hs = Buffer.concat([this.hs, data]);
      if (this.state === 'c0c1') {
        if (this.hs[0] !== RTMP_VERSION) return this.fail(`not an RTMP handshake (version byte ${this.hs[0]})`);
        if (this.hs.length < C0C1_SIZE) return;
        this.socket.write(serverHandshake(this.hs.subarray(1, C0C1_SIZE), Date.now() - this.ctx.startedAtMs));
        this.hs = this.hs.subarray(C0C1_SIZE);
        this.state = 'c2';
      }
      if (this.hs.length < HANDSHAKE_SIZE) return;
      const rest = this.hs.subarray(HANDSHAKE_SIZE);
      this.hs = Buffer.alloc(0);
      this.state = 'open';
      if (rest.length === 0) return;
      data = rest;
      stable = true; // a piece of `hs`, a copy
    }
    try {
      const stream = this.role === 'publisher' ? this.stream : null;
      if (stream) stream.batch(() => this.parser.push(data, stable));
      else this.parser.push(data, stable);
    } catch (err) {
      this.ctx.counters.protocolErrors++;
      if (err instanceof RtmpBudgetError) {
        const b = this.ctx.partialBudget;
        this.ctx.overBudget({ client: clientKey(this.socket.remoteAddress), clientHeld: b.heldBy(clientKey(this.socket.remoteAddress)), held: b.total, maxPerClient: b.maxPerClient, max: b.maxTotal });
        return this.fail(err.message, 'debug');
      }
      if (err instanceof RtmpProtocolError || err instanceof AmfError) return this.fail(err.message);
      // A bug must cost one connection, never the server.
      return this.fail(`internal error: ${err instanceof Error ? err.message : String(err)}`, 'warn');
    }
    if (this.ackWindow > 0 && this.state === 'open') {
      const read = this.socket.bytesRead;
      if (read - this.ackedBytes >= this.ackWindow) {
        this.ackedBytes = read;
        const p = Buffer.allocUnsafe(4);
        p.writeUInt32BE(read >>> 0);
        this.sendControl(MSG.acknowledgement, p);
      }
    }
  }

  private onMessage(m: RtmpMessage): void {
    if (this.state !== 'open') return;
    switch (m.typeId) {
      case MSG.setChunkSize:
        this.ctx.log.debug('rtmp peer chunk size', { remote: this.remote, size: this.parser.chunkSize });
        return;
      case MSG.windowAckSize:
        if (m.payload.length < 4) throw new RtmpProtocolError('short Window Acknowledgement Size message');
        this.ackWindow = m.payload.readUInt32BE(0);
        return;
      case MSG.userControl:
        return this.onUserControl(m.payload);
      case MSG.commandAmf0:
      case MSG.commandAmf3:
        return this.onCommand(m.typeId === MSG.commandAmf3 ? m.payload.subarray(1) : m.payload);
      case MSG.dataAmf0:
      case MSG.dataAmf3:
        return this.onData0(m.typeId === MSG.dataAmf3 ? m.payload.subarray(1) : m.payload, m.timestamp);
      case MSG.audio:
      case MSG.video:
        if (this.role === 'publisher' && this.stream) this.stream.publish(m);
        return;
      default:
        // Abort is applied by the parser; acknowledgements, peer bandwidth, shared objects, aggregates: ignored.
        return;
    }
  }

  private onUserControl(p: Buffer): void {
    if (p.length < 2) throw new RtmpProtocolError('short User Control message');
    const event = p.readUInt16BE(0);
    if (event === 6 && p.length >= 6) {
      // PingRequest → PingResponse with the same timestamp.
      this.sendUserControl(7, p.readUInt32BE(2));
    }
  }

  private onData0(payload: Buffer, timestamp: number): void {
    if (this.role !== 'publisher' || !this.stream) return;
    const first = decodeAmf0Value(payload, 0);
    if (first.value === '@setDataFrame') {
      // Players get `onMetaData, {…}`: the publisher's bytes after the first value, unchanged.
      const second = decodeAmf0Value(payload, first.next);
      if (second.value === 'onMetaData') this.stream.setMetadata(payload.subarray(first.next));
      else this.stream.publishData(payload.subarray(first.next), timestamp);
    } else if (first.value === 'onMetaData') {
      this.stream.setMetadata(payload);
    } else {
      this.stream.publishData(payload, timestamp);
    }
  }

  // ------------------------------------------------------------------------------------------------ commands

  private onCommand(payload: Buffer): void {
    const values = decodeAmf0(payload);
    const name = values[0];
    const tid = typeof values[1] === 'number' ? values[1] : 0;
    const cmdObj = values[2];
    const args = values.slice(3);
    if (typeof name !== 'string') throw new RtmpProtocolError('command without a name');
    if (name !== 'connect' && !this.connected && !IGNORED_COMMANDS.has(name)) {
      throw new RtmpProtocolError(`command ${JSON.stringify(name.slice(0, 64))} before connect`);
    }
    switch (name) {
      case 'connect':
        return this.onConnect(tid, cmdObj);
      case 'releaseStream':
      case 'FCPublish':
        return this.reply(tid, null, undefined);
      case 'createStream':
        return this.reply(tid, null, OUT.streamId);
      case 'publish':
        return this.onPublish(args[0]);
      case 'play':
        return this.onPlay(args[0]);
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        this.reply(tid, null, undefined);
        return this.leaveRole();
      case 'getStreamLength':
        return this.reply(tid, null, 0);
      default:
        if (IGNORED_COMMANDS.has(name)) return;
        this.unknownCommands++;
        if (this.unknownCommands === 1) {
          this.ctx.log.info('rtmp unknown command', { remote: this.remote, command: name.slice(0, 64) });
        }
        if (this.unknownCommands > this.ctx.limits.maxUnknownCommands) {
          return this.fail(`more than ${this.ctx.limits.maxUnknownCommands} unknown commands`);
        }
        if (tid > 0) {
          this.sendCommand(0, '_error', tid, null, {
            level: 'error',
            code: 'NetConnection.Call.Failed',
            description: 'Unknown command',
          });
        }
    }
  }

  private onConnect(tid: number, cmdObj: AmfValue): void {
    if (this.connected) throw new RtmpProtocolError('second connect');
    const obj = (cmdObj && typeof cmdObj === 'object' && !Array.isArray(cmdObj) ? cmdObj : {}) as AmfObject;
    this.app = typeof obj['app'] === 'string' ? obj['app'] : '';
    this.connected = true;
    const l = this.ctx.limits;
    const win = Buffer.allocUnsafe(4);
    win.writeUInt32BE(l.windowAckSize);
    const bw = Buffer.allocUnsafe(5);
    bw.writeUInt32BE(l.windowAckSize);
    bw[4] = 2; // dynamic
    const cs = Buffer.allocUnsafe(4);
    cs.writeUInt32BE(l.outChunkSize);
    this.socket.cork();
    this.sendControl(MSG.windowAckSize, win);
    this.sendControl(MSG.setPeerBandwidth, bw);
    this.sendControl(MSG.setChunkSize, cs);
    this.outChunkSize = l.outChunkSize;
    const encoding = typeof obj['objectEncoding'] === 'number' ? obj['objectEncoding'] : 0;
    this.sendCommand(
      0,
      '_result',
      tid,
      { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
      {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        objectEncoding: encoding,
      },
    );
    this.socket.uncork();
  }

  /** Resolves the stream path of a publish/play name, checking the token. Null when refused (already answered). */
  private resolvePath(name: AmfValue, action: 'publish' | 'play'): string | null {
    if (this.role !== 'none') {
      this.fail(`${action} on a connection that already ${this.role === 'player' ? 'plays' : 'publishes'}`);
      return null;
    }
    if (typeof name !== 'string' || name.length === 0 || name.length > 1024) {
      this.refuse(action, action === 'publish' ? 'NetStream.Publish.BadName' : 'NetStream.Play.StreamNotFound', 'invalid stream name', '');
      return null;
    }
    const addr = streamAddress(this.app, name);
    let path = addr.path;
    if (this.ctx.token !== '') {
      const t = splitToken(addr);
      path = t.path;
      const denied = action === 'publish' ? 'NetStream.Publish.Denied' : 'NetStream.Play.Failed';
      if (t.token === '') {
        this.refuse(action, denied, 'no token', path);
        return null;
      }
      // The token itself is never logged (Core logs it; it is a stream key).
      if (!tokenMatches(this.ctx.token, t.token)) {
        this.refuse(action, denied, 'invalid token', path);
        return null;
      }
    }
    return path;
  }

  /** Sends an error status, logs, and ends the connection (Core closes it without a status). */
  private refuse(action: string, code: string, reason: string, path: string): void {
    this.ctx.log.info(`rtmp ${action} refused`, { remote: this.remote, path, reason });
    this.sendStatus('error', code, reason);
    this.endGracefully();
  }

  private onPublish(name: AmfValue): void {
    const path = this.resolvePath(name, 'publish');
    if (path === null) return;
    const app = this.ctx.app;
    if (!path.startsWith(app)) return this.refuse('publish', 'NetStream.Publish.Denied', 'invalid app', path);
    if (this.ctx.streams.has(path)) {
      return this.refuse('publish', 'NetStream.Publish.BadName', 'already publishing', path);
    }
    const l = this.ctx.limits;
    const stream = new LiveStream(path, streamReference(path, app), l.outChunkSize, l, this.ctx.counters);
    const client = clientKey(this.socket.remoteAddress);
    const budget = this.ctx.gopBudget;
    stream.gopAccount = budget.account(client);
    stream.onGopCut = (cachedBytes) =>
      this.ctx.gopOverBudget({ client, path, cachedBytes, clientHeld: budget.heldBy(client), held: budget.total, maxPerClient: budget.maxPerClient, max: budget.maxTotal });
    this.ctx.streams.set(path, stream);
    this.stream = stream;
    this.role = 'publisher';
    // From the next read on (this one is being parsed out of the shared buffer), into slab regions the views keep.
    if (this.readMode === 'slab') this.readBuffers.useSlabs();
    this.parser.limits = {
      maxMessageBytes: l.maxMessageBytes,
      maxPartialBytes: l.maxPartialBytes,
      maxChunkStreams: l.maxChunkStreams,
    };
    this.socket.cork();
    this.sendUserControl(0, OUT.streamId); // StreamBegin
    this.sendStatus('status', 'NetStream.Publish.Start', `${path} is now published.`);
    this.socket.uncork();
    this.ctx.log.info('rtmp publish start', { remote: this.remote, path });
    this.startSession(path, stream.reference, 'publish:' + path);
  }

  private onPlay(name: AmfValue): void {
    const path = this.resolvePath(name, 'play');
    if (path === null) return;
    const stream = this.ctx.streams.get(path);
    if (!stream) return this.refuse('play', 'NetStream.Play.StreamNotFound', 'stream not found', path);
    this.role = 'player';
    this.stream = stream;
    this.socket.cork();
    this.sendUserControl(0, OUT.streamId); // StreamBegin
    this.sendStatus('status', 'NetStream.Play.Reset', `Playing and resetting ${path}.`);
    this.sendStatus('status', 'NetStream.Play.Start', `Started playing ${path}.`);
    this.sendMessage(OUT.dataCsid, MSG.dataAmf0, OUT.streamId, encodeAmf0('|RtmpSampleAccess', true, true));
    const burst = stream.joinBurst();
    for (const m of burst) for (const b of m.wire) this.socket.write(b);
    this.socket.uncork();
    // With video but no cached keyframe, wait for the next one: a player always starts at a keyframe.
    this.waitingKeyframe = stream.videoHeader !== null && !burst.some((m) => m.keyframe);
    stream.players.add(this);
    this.ctx.log.info('rtmp play start', { remote: this.remote, path });
    this.startSession(this.remote, stream.reference, 'play:' + stream.path);
  }

  private startSession(id: string, reference: string, location: string): void {
    if (!this.ctx.collector.isCollectableIp(this.ip)) return;
    this.ctx.collector.registerAndActivate(id, reference, location, this.remote);
    // Core counts from the connection's start: the first delta includes the handshake and the commands.
    this.sessionId = id;
    this.reportedRx = 0;
    this.reportedTx = 0;
  }

  /** Stops publishing (players are told and ended) or playing; the connection itself stays. */
  private leaveRole(): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = null;
    if (this.role === 'publisher') {
      if (this.ctx.streams.get(stream.path) === stream) this.ctx.streams.delete(stream.path);
      this.ctx.log.info('rtmp publish stop', { remote: this.remote, path: stream.path, players: stream.players.size });
      stream.end();
    } else if (this.role === 'player') {
      stream.removePlayer(this);
      this.ctx.log.info('rtmp play stop', { remote: this.remote, path: stream.path, dropped: this.dropped });
    }
  }

  // ------------------------------------------------------------------------------------------------ player side

  sendMedia(m: OutMessage): void {
    if (this.state !== 'open') return;
    const l = this.ctx.limits;
    const backlog = this.socket.writableLength;
    if (backlog > l.playerMaxBufferedBytes) {
      this.ctx.counters.slowPlayersClosed++;
      return this.fail(`player too slow (${backlog} bytes unsent)`, 'warn');
    }
    if (backlog > l.playerDropBytes) this.backedUpSinceMs ??= Date.now();
    else this.backedUpSinceMs = null;
    if (!m.essential) {
      let drop: boolean;
      if (m.kind === 'video') {
        if (m.keyframe) drop = this.waitingKeyframe ? backlog > l.playerResumeBytes : backlog > l.playerDropBytes;
        else drop = this.waitingKeyframe || backlog > l.playerDropBytes;
        // Once one video frame is dropped the following ones cannot be decoded: skip to the next keyframe.
        this.waitingKeyframe = drop;
      } else {
        drop = backlog > l.playerDropBytes;
      }
      if (drop) {
        this.dropped++;
        this.ctx.counters.droppedMessages++;
        return;
      }
    }
    const wire = m.wire;
    if (wire.length === 1) return void this.socket.write(wire[0]!);
    // A large message's headers and body views: one writev (nested in the read's batch, the cork only counts).
    this.socket.cork();
    for (const b of wire) this.socket.write(b);
    this.socket.uncork();
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  unpublished(): void {
    if (this.state !== 'open') return;
    this.stream = null;
    this.socket.cork();
    this.sendUserControl(1, OUT.streamId); // StreamEOF
    this.sendStatus('status', 'NetStream.Play.UnpublishNotify', 'The stream was unpublished.');
    this.socket.uncork();
    this.endGracefully();
  }

  // ------------------------------------------------------------------------------------------------ output

  private sendMessage(csid: number, typeId: number, streamId: number, payload: Buffer): void {
    if (this.state === 'closed') return;
    // A player's media may be held by its stream: what was held goes first, the reply right behind it.
    if (this.role === 'player') this.stream?.release(this);
    this.socket.write(serializeMessage({ csid, typeId, streamId, timestamp: 0, payload }, this.outChunkSize));
  }

  private sendControl(typeId: number, payload: Buffer): void {
    this.sendMessage(OUT.controlCsid, typeId, 0, payload);
  }

  private sendUserControl(event: number, value: number): void {
    const p = Buffer.allocUnsafe(6);
    p.writeUInt16BE(event, 0);
    p.writeUInt32BE(value >>> 0, 2);
    this.sendControl(MSG.userControl, p);
  }

  private sendCommand(streamId: number, ...values: AmfValue[]): void {
    this.sendMessage(OUT.commandCsid, MSG.commandAmf0, streamId, encodeAmf0(...values));
  }

  private reply(tid: number, ...values: AmfValue[]): void {
    if (tid > 0) this.sendCommand(0, '_result', tid, ...values);
  }

  private sendStatus(level: 'status' | 'error', code: string, description: string): void {
    this.sendCommand(OUT.streamId, 'onStatus', 0, null, { level, code, description });
  }
}
