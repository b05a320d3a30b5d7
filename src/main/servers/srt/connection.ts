/**
 * One established SRT connection (after the handshake), as a publisher (we receive: ACK, NAK, in-order delivery
 * with a bounded reorder window) or as a player (we send: a bounded send buffer for retransmissions, ACKACK).
 * Runs on datagrams plus the server's 10 ms tick; owns no timers.
 */
import type { SessionCollector } from '../../engine/types.ts';
import { clientKey, type HeldAccount, type HeldBudget } from '../../http/client-limits.ts';
import type { Logger } from '../../log.ts';
import {
  CTRL,
  decodeAckSeq,
  decodeLossList,
  encodeAck,
  encodeControl,
  encodeDataHeader,
  encodeLossList,
  HEADER_SIZE,
  MSGNO_MASK,
  seqAdd,
  seqDiff,
  seqNext,
  type ControlPacket,
  type DataPacket,
  type SeqRange,
} from './packet.ts';

/** Every bound the server enforces; see `DEFAULT_SRT_LIMITS` and docs/decisions.md (SRT). */
export interface SrtLimits {
  maxConnections: number;
  /** Connections one client (IPv4 address, IPv6 /64) may hold, below `maxConnections`; 0 = no bound. */
  maxConnectionsPerClient: number;
  /** A connection that receives nothing for this long is closed (libsrt's SRTO_PEERIDLETIMEO default). */
  peerIdleTimeoutMs: number;
  /** Our TSBPD latency; the negotiated one is the larger of this and the peer's. */
  latencyMs: number;
  /** Publisher side: packets held ahead of a gap (and largest accepted jump in sequence numbers). */
  receiveWindowPackets: number;
  /**
   * Receive windows in use (from the first packet missing to the highest received: the packets held and the losses
   * tracked) summed over one client's publishers (`HeldBudget`); a packet that would widen a window past it is
   * dropped, as if lost. 0 = no bound.
   */
  maxWindowPacketsPerClient: number;
  /** The same summed over every publisher. 0 = no bound. */
  maxWindowPacketsTotal: number;
  /** Player side: packets kept for retransmission (a power of two). */
  sendBufferPackets: number;
  /** Player side: retransmitted packets per player per second, beyond which NAKs are ignored. */
  maxRetransmitsPerSec: number;
  /** Longest stream id accepted (libsrt's limit). */
  maxStreamIdBytes: number;
}

export const DEFAULT_SRT_LIMITS: SrtLimits = {
  maxConnections: 1000,
  maxConnectionsPerClient: 100,
  peerIdleTimeoutMs: 5000,
  latencyMs: 120,
  receiveWindowPackets: 8192,
  // Four full windows behind one address (a 20 Mbit/s stream with 2 s latency uses under half of one in a loss
  // burst); sixteen in all, ~200 MB of 1456-byte packets (docs/decisions.md, "RTMP GOP caches and SRT receive windows").
  maxWindowPacketsPerClient: 4 * 8192,
  maxWindowPacketsTotal: 16 * 8192,
  sendBufferPackets: 8192,
  maxRetransmitsPerSec: 20_000,
  maxStreamIdBytes: 512,
};

/** Server-wide counters the connections bump. */
export interface SrtCounters {
  retransmitted: number;
  naksSent: number;
  /** Packets from publishers given up on (still missing after the latency). */
  lostPackets: number;
  /** NAKed packets no longer in a player's send buffer, or over its retransmit budget. */
  unrecoverable: number;
  /** Packets from publishers dropped because they would widen a receive window past the server's budget. */
  windowDropped: number;
}

/**
 * A publisher's receive window charges the server's budget in steps of this many packets, not per packet: a charge
 * when a gap widens the window past what it charged, and one release when it is empty again.
 */
export const WINDOW_CHARGE_STEP = 256;

/** What a connection needs from its server. */
export interface SrtContext {
  log: Logger;
  collector: SessionCollector;
  limits: SrtLimits;
  counters: SrtCounters;
  /** The server's budget for publishers' receive windows (packets), per client and in all. */
  windowBudget: HeldBudget;
  /** A packet dropped for the budget: one WARN line per 10 s (throttled-warn.ts). */
  overBudget(fields: Record<string, unknown>): void;
  send(buf: Buffer | Buffer[], port: number, address: string): void;
  closed(conn: SrtConnection, reason: string): void;
}

/** Core's accumulated SRT statistics of one connection (the subset this server tracks; the rest is 0). */
export interface SrtConnectionStats {
  pktSent: number;
  pktRecv: number;
  pktRcvLoss: number;
  /** Packets the player reported lost (NAKed), whether or not they could be retransmitted. */
  pktSndLoss: number;
  pktRetrans: number;
  pktRcvRetrans: number;
  pktSentACK: number;
  pktRecvACK: number;
  pktSentNAK: number;
  pktRecvNAK: number;
  byteRetrans: number;
}

function newStats(): SrtConnectionStats {
  return { pktSent: 0, pktRecv: 0, pktRcvLoss: 0, pktSndLoss: 0, pktRetrans: 0, pktRcvRetrans: 0, pktSentACK: 0, pktRecvACK: 0, pktSentNAK: 0, pktRecvNAK: 0, byteRetrans: 0 };
}

/**
 * IP + UDP header bytes of a datagram from or to `ip`: 20 + 8 on IPv4 (also an IPv4-mapped IPv6 address on a
 * dual-stack socket: the wire is IPv4), 40 + 8 on IPv6. Core (gosrt) counts them in every data packet's bytes.
 */
export function ipUdpHeaderBytes(ip: string): number {
  return ip.includes(':') && !ip.toLowerCase().startsWith('::ffff:') ? 48 : 28;
}

/** A live stream: one publisher, its players, and the mapping of the publisher's clock onto ours. */
export class SrtStream {
  readonly resource: string;
  readonly publisher: SrtConnection;
  readonly players = new Set<SrtConnection>();
  /** Server time (µs) minus the publisher's extended timestamp: minima over the current and previous 10 s. */
  private baseCur = Infinity;
  private basePrev = Infinity;
  private baseBucket = -1;
  private lastTsExt = -1;

  constructor(resource: string, publisher: SrtConnection) {
    this.resource = resource;
    this.publisher = publisher;
  }

  /** The publisher's 32-bit timestamp unwrapped to a monotonic µs count. */
  extend(ts: number): number {
    if (this.lastTsExt < 0) return (this.lastTsExt = ts);
    const wrap = 0x100000000;
    let cand = this.lastTsExt - (this.lastTsExt % wrap) + ts;
    if (cand - this.lastTsExt > wrap / 2) cand -= wrap;
    else if (this.lastTsExt - cand > wrap / 2) cand += wrap;
    if (cand > this.lastTsExt) this.lastTsExt = cand;
    return cand;
  }

  /**
   * Learns the publisher's start time on our clock from a packet that arrived at `arrivalUs`: the smallest
   * `arrival - timestamp` seen (the least-delayed packet), over a rolling window so clock drift is followed.
   */
  observe(tsExt: number, arrivalUs: number): void {
    const bucket = Math.floor(arrivalUs / 10_000_000);
    if (bucket !== this.baseBucket) {
      this.basePrev = this.baseBucket === bucket - 1 ? this.baseCur : Infinity;
      this.baseCur = Infinity;
      this.baseBucket = bucket;
    }
    const off = arrivalUs - tsExt;
    if (off < this.baseCur) this.baseCur = off;
  }

  /** When the publisher sent the packet with this extended timestamp, on our clock (µs). */
  sourceTimeUs(tsExt: number): number {
    return Math.min(this.baseCur, this.basePrev) + tsExt;
  }

  deliver(payload: Buffer, sourceUs: number, nowUs: number): void {
    for (const p of this.players) p.sendLive(payload, sourceUs, nowUs);
  }
}

interface Held {
  payload: Buffer;
  tsExt: number;
}

interface SendSlot {
  seq: number;
  msgNo: number;
  timestamp: number;
  sentUs: number;
  payload: Buffer;
}

export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

export class SrtConnection {
  readonly socketId: number;
  readonly peerSocketId: number;
  readonly ip: string;
  readonly port: number;
  /** `ip:port` / `[ip]:port`. */
  readonly remote: string;
  readonly role: 'publisher' | 'player';
  readonly resource: string;
  /** Our clock at the connection's start: control and data timestamps count from here. */
  readonly startUs: number;
  /** Negotiated TSBPD latency (ms) of the direction we serve. */
  readonly latencyMs: number;
  /** The conclusion response, re-sent when the caller repeats its conclusion. */
  readonly response: Buffer;
  stream: SrtStream | null = null;
  /** Collector session id, when registered. */
  sessionId: string | null = null;
  /** Data bytes as Core counts them (gosrt's ByteRecv/ByteSent): payload + SRT header + IP and UDP headers. */
  rxDataBytes = 0;
  txDataBytes = 0;
  /** Per-connection statistics for `GET /api/v3/srt` (Core's SRTStatistics, accumulated). */
  readonly stats: SrtConnectionStats = newStats();
  /** IP + UDP header bytes of one datagram on this connection's address family. */
  private readonly ipUdpBytes: number;
  private reportedRx = 0;
  private reportedTx = 0;
  lastRxUs: number;
  private lastTxUs: number;
  closed = false;
  private readonly ctx: SrtContext;

  // RTT (both roles measure it: publisher from our ACK/its ACKACK).
  private rttUs = 100_000;
  private rttVarUs = 50_000;

  // Publisher (receive) state. For a player, `nextSeq` is the first sequence it has not acknowledged.
  private nextSeq: number;
  private maxSeq: number;
  private readonly held = new Map<number, Held>();
  /** Missing sequence numbers → when the loss was detected (µs; 0 = give up now). In ascending order. */
  private readonly loss = new Map<number, number>();
  private ackNo = 0;
  private lastAckedSeq = -1;
  private lastAckUs = 0;
  private readonly ackTimes = new Map<number, number>();
  private lastPeriodicNakUs = 0;
  private rxPacketsWindow = 0;
  private rxBytesWindow = 0;
  private rxPps = 0;
  private rxBps = 0;
  /** What the receive window charges the server's budget (packets); null for a player. */
  private readonly windowAccount: HeldAccount | null;
  /** The budget's key of this peer (`clientKey`). */
  private readonly client: string;
  /** Packets charged to `windowAccount` now: the window's width rounded up to a step, or 0 when nothing is held. */
  private windowCharged = 0;

  // Player (send) state.
  private sendSeq: number;
  private msgNo = 1;
  private readonly slots: Array<SendSlot | undefined>;
  private retransmitBudget: number;

  constructor(
    ctx: SrtContext,
    init: {
      socketId: number;
      peerSocketId: number;
      ip: string;
      port: number;
      remote: string;
      role: 'publisher' | 'player';
      resource: string;
      isn: number;
      latencyMs: number;
      startUs: number;
      response: Buffer;
    },
  ) {
    this.ctx = ctx;
    this.socketId = init.socketId;
    this.peerSocketId = init.peerSocketId;
    this.ip = init.ip;
    this.port = init.port;
    this.remote = init.remote;
    this.ipUdpBytes = ipUdpHeaderBytes(this.ip);
    this.role = init.role;
    this.resource = init.resource;
    this.latencyMs = init.latencyMs;
    this.startUs = init.startUs;
    this.response = init.response;
    this.lastRxUs = init.startUs;
    this.lastTxUs = init.startUs;
    this.nextSeq = init.isn;
    this.maxSeq = seqAdd(init.isn, -1);
    this.sendSeq = init.isn;
    this.slots = init.role === 'player' ? new Array<SendSlot | undefined>(ctx.limits.sendBufferPackets) : [];
    this.retransmitBudget = ctx.limits.maxRetransmitsPerSec;
    this.client = clientKey(init.ip);
    this.windowAccount = init.role === 'publisher' ? ctx.windowBudget.account(this.client) : null;
  }

  /** Smoothed round-trip time, ms. */
  get rttMs(): number {
    return this.rttUs / 1000;
  }

  /** Time since the connection started, ms (Core's `timestamp_ms`). */
  ageMs(now: number): number {
    return Math.max(0, Math.floor((now - this.startUs) / 1000));
  }

  private elapsed(now: number): number {
    return (now - this.startUs) >>> 0;
  }

  private sendControl(type: number, info: number, now: number, cif?: Buffer): void {
    this.ctx.send(encodeControl(type, info, this.elapsed(now), this.peerSocketId, cif), this.port, this.ip);
    this.lastTxUs = now;
  }

  // ------------------------------------------------------------------------------------------------ input

  onData(p: DataPacket, now: number): void {
    this.lastRxUs = now;
    if (this.role !== 'publisher' || !this.stream) return;
    const wire = this.ipUdpBytes + HEADER_SIZE + p.payload.length;
    this.rxDataBytes += wire;
    this.stats.pktRecv++;
    if (p.retransmitted) this.stats.pktRcvRetrans++;
    this.rxPacketsWindow++;
    this.rxBytesWindow += HEADER_SIZE + p.payload.length;
    const stream = this.stream;
    const tsExt = stream.extend(p.timestamp);
    if (!p.retransmitted) stream.observe(tsExt, now);
    const d = seqDiff(this.nextSeq, p.seq);
    if (d < 0 || d >= this.ctx.limits.receiveWindowPackets) return; // duplicate, too late, or absurdly far ahead
    if (d === 0 && this.held.size === 0) {
      this.nextSeq = seqNext(this.nextSeq);
      if (seqDiff(this.maxSeq, p.seq) > 0) this.maxSeq = p.seq;
      this.loss.delete(p.seq);
      stream.deliver(p.payload, stream.sourceTimeUs(tsExt), now);
      return;
    }
    if (this.held.has(p.seq)) return;
    const ahead = seqDiff(this.maxSeq, p.seq);
    // Only a packet past the highest received widens the window (filling a gap never does).
    if (ahead > 0 && !this.chargeWindow(d + 1)) return;
    this.held.set(p.seq, { payload: p.payload, tsExt });
    if (ahead > 0) {
      if (ahead > 1) {
        // A gap: everything between the highest seen and this one is missing. Report it at once.
        const from = seqNext(this.maxSeq);
        const to = seqAdd(p.seq, -1);
        for (let s = from; s !== p.seq; s = seqNext(s)) {
          this.loss.set(s, now);
          this.stats.pktRcvLoss++;
        }
        this.sendNak([[from, to]], now);
      }
      this.maxSeq = p.seq;
    } else {
      this.loss.delete(p.seq);
    }
    this.drain(now);
  }

  /**
   * Makes the budget cover a window of `packets` (from `nextSeq`): true when it does; false, counted and logged
   * (throttled), when the client's share or the server's budget is spent: the caller drops the packet, which the gap
   * it leaves then reports as lost (the publisher retransmits it while its latency allows).
   */
  private chargeWindow(packets: number): boolean {
    if (packets <= this.windowCharged || this.windowAccount === null) return true;
    const step = Math.ceil((packets - this.windowCharged) / WINDOW_CHARGE_STEP) * WINDOW_CHARGE_STEP;
    if (this.windowAccount.charge(step)) {
      this.windowCharged += step;
      return true;
    }
    this.ctx.counters.windowDropped++;
    const b = this.ctx.windowBudget;
    this.ctx.overBudget({ client: this.client, remote: this.remote, resource: this.resource, window: this.windowCharged, clientHeld: b.heldBy(this.client), held: b.total, maxPerClient: b.maxPerClient, max: b.maxTotal });
    return false;
  }

  /** Gives back what the window charged (nothing is held any more, or the connection ends). */
  private releaseWindow(): void {
    this.windowAccount?.release(this.windowCharged);
    this.windowCharged = 0;
  }

  /** Delivers held packets from `nextSeq` on, as long as they are contiguous; an empty window gives its charge back. */
  private drain(now: number): void {
    const stream = this.stream;
    for (;;) {
      const h = this.held.get(this.nextSeq);
      if (!h) break;
      this.held.delete(this.nextSeq);
      this.nextSeq = seqNext(this.nextSeq);
      stream?.deliver(h.payload, stream.sourceTimeUs(h.tsExt), now);
    }
    if (this.held.size === 0 && this.windowCharged > 0) this.releaseWindow();
  }

  onControl(p: ControlPacket, now: number): void {
    this.lastRxUs = now;
    switch (p.type) {
      case CTRL.ackack: {
        const sent = this.ackTimes.get(p.info);
        if (sent !== undefined) {
          this.ackTimes.delete(p.info);
          this.updateRtt(now - sent);
        }
        return;
      }
      case CTRL.ack: {
        this.stats.pktRecvACK++;
        if (this.role !== 'player') return;
        // Full ACKs (more than the sequence number) are answered with ACKACK so the player can measure RTT.
        if (p.cif.length >= 16) this.sendControl(CTRL.ackack, p.info, now);
        const ackSeq = decodeAckSeq(p.cif);
        if (ackSeq !== null && seqDiff(this.nextSeq, ackSeq) > 0 && seqDiff(ackSeq, this.sendSeq) >= 0) this.nextSeq = ackSeq;
        if (p.cif.length >= 8) this.updateRtt(p.cif.readUInt32BE(4), true);
        return;
      }
      case CTRL.nak:
        this.stats.pktRecvNAK++;
        if (this.role === 'player') this.retransmit(decodeLossList(p.cif), now);
        return;
      case CTRL.dropreq: {
        // The publisher will not retransmit these: give up on them now.
        if (p.cif.length < 8) return;
        const first = p.cif.readUInt32BE(0) & 0x7fffffff;
        const last = p.cif.readUInt32BE(4) & 0x7fffffff;
        const n = seqDiff(first, last);
        if (n < 0 || n > this.ctx.limits.receiveWindowPackets) return;
        for (let i = 0, s = first; i <= n; i++, s = seqNext(s)) if (this.loss.has(s)) this.loss.set(s, 0);
        return;
      }
      case CTRL.shutdown:
        this.close('peer shutdown', false);
        return;
      default:
        return; // keepalive (lastRxUs is enough), congestion warning, peer error, user-defined
    }
  }

  private updateRtt(sampleUs: number, fromPeer = false): void {
    if (sampleUs <= 0 || sampleUs > 10_000_000) return;
    if (fromPeer) {
      this.rttUs = sampleUs;
      return;
    }
    this.rttVarUs = Math.round((3 * this.rttVarUs + Math.abs(this.rttUs - sampleUs)) / 4);
    this.rttUs = Math.round((7 * this.rttUs + sampleUs) / 8);
  }

  // ------------------------------------------------------------------------------------------------ publisher

  private sendNak(ranges: SeqRange[], now: number): void {
    if (ranges.length === 0) return;
    this.sendControl(CTRL.nak, 0, now, encodeLossList(ranges));
    this.stats.pktSentNAK++;
    this.ctx.counters.naksSent++;
  }

  /** Loss list as ranges of consecutive numbers (the map is in ascending order of detection = of sequence). */
  private lossRanges(): SeqRange[] {
    const out: SeqRange[] = [];
    for (const s of this.loss.keys()) {
      const last = out[out.length - 1];
      if (last && seqNext(last[1]) === s) last[1] = s;
      else out.push([s, s]);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ player

  /** A packet of the stream, live: restamped on this connection's clock, kept for retransmission. */
  sendLive(payload: Buffer, sourceUs: number, now: number): void {
    if (this.closed) return;
    const ts = Math.max(0, sourceUs - this.startUs) >>> 0;
    const slot: SendSlot = { seq: this.sendSeq, msgNo: this.msgNo, timestamp: ts, sentUs: now, payload };
    this.slots[this.sendSeq & (this.slots.length - 1)] = slot;
    this.sendSeq = seqNext(this.sendSeq);
    this.msgNo = (this.msgNo + 1) & MSGNO_MASK || 1;
    this.transmit(slot, false, now);
  }

  private transmit(s: SendSlot, retransmitted: boolean, now: number): void {
    this.ctx.send([encodeDataHeader(s.seq, s.msgNo, retransmitted, s.timestamp, this.peerSocketId), s.payload], this.port, this.ip);
    const wire = this.ipUdpBytes + HEADER_SIZE + s.payload.length;
    this.txDataBytes += wire;
    this.stats.pktSent++;
    if (retransmitted) {
      this.stats.pktRetrans++;
      this.stats.byteRetrans += wire;
    }
    this.lastTxUs = now;
  }

  private retransmit(ranges: SeqRange[], now: number): void {
    // Older than this, the player has dropped the packet itself (its latency has passed).
    const maxAgeUs = Math.max(1000, 2 * this.latencyMs) * 1000;
    for (const [from, to] of ranges) {
      const n = seqDiff(from, to);
      if (n < 0 || n >= this.slots.length) continue;
      this.stats.pktSndLoss += n + 1;
      for (let i = 0, seq = from; i <= n; i++, seq = seqNext(seq)) {
        const s = this.slots[seq & (this.slots.length - 1)];
        if (!s || s.seq !== seq || now - s.sentUs > maxAgeUs || this.retransmitBudget <= 0) {
          this.ctx.counters.unrecoverable++;
          continue;
        }
        this.retransmitBudget--;
        this.ctx.counters.retransmitted++;
        this.transmit(s, true, now);
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ timers

  /** Every 10 ms: ACK and NAK reports (publisher), keepalive, idle timeout. */
  tick10(now: number): void {
    if (this.closed) return;
    const l = this.ctx.limits;
    if (now - this.lastRxUs > l.peerIdleTimeoutMs * 1000) {
      this.close('timeout (no packets from the peer)', true);
      return;
    }
    if (this.role === 'publisher') this.receiverReports(now);
    if (now - this.lastTxUs >= 1_000_000) this.sendControl(CTRL.keepalive, 0, now);
  }

  private receiverReports(now: number): void {
    // Give up on packets missing for longer than the latency (the publisher dropped them too by then).
    let gaveUp = false;
    for (;;) {
      const since = this.loss.get(this.nextSeq);
      if (since === undefined || now - since <= this.latencyMs * 1000) break;
      this.loss.delete(this.nextSeq);
      this.nextSeq = seqNext(this.nextSeq);
      this.ctx.counters.lostPackets++;
      gaveUp = true;
      this.drain(now);
    }
    if (gaveUp && this.held.size === 0 && this.loss.size > 0) this.loss.clear();
    // Full ACK when there is something new to acknowledge.
    if (this.nextSeq !== this.lastAckedSeq || now - this.lastAckUs > 500_000) {
      this.ackNo = (this.ackNo + 1) >>> 0 || 1;
      this.ackTimes.set(this.ackNo, now);
      if (this.ackTimes.size > 64) this.ackTimes.delete(this.ackTimes.keys().next().value as number);
      const cif = encodeAck({
        ackSeq: this.nextSeq,
        rttUs: this.rttUs,
        rttVarUs: this.rttVarUs,
        availableBuffer: this.ctx.limits.receiveWindowPackets - this.held.size,
        packetsPerSec: this.rxPps,
        linkCapacity: Math.max(this.rxPps, 1000),
        bytesPerSec: this.rxBps,
      });
      this.sendControl(CTRL.ack, this.ackNo, now, cif);
      this.stats.pktSentACK++;
      this.lastAckedSeq = this.nextSeq;
      this.lastAckUs = now;
    }
    // Periodic NAK: repeat the losses still open, every (RTT + 4 RTTVar), at least 20 ms apart.
    const interval = Math.max(20_000, this.rttUs + 4 * this.rttVarUs);
    if (this.loss.size > 0 && now - this.lastPeriodicNakUs >= interval) {
      this.lastPeriodicNakUs = now;
      this.sendNak(this.lossRanges(), now);
    }
  }

  /** Every second: rates for the ACK fields, the retransmit budget, and the session byte deltas (spec §1.4). */
  tick1s(): void {
    this.rxPps = this.rxPacketsWindow;
    this.rxBps = this.rxBytesWindow;
    this.rxPacketsWindow = 0;
    this.rxBytesWindow = 0;
    this.retransmitBudget = this.ctx.limits.maxRetransmitsPerSec;
    this.reportDeltas();
  }

  reportDeltas(): void {
    if (this.sessionId === null) return;
    this.ctx.collector.ingress(this.sessionId, this.rxDataBytes - this.reportedRx);
    this.ctx.collector.egress(this.sessionId, this.txDataBytes - this.reportedTx);
    this.reportedRx = this.rxDataBytes;
    this.reportedTx = this.txDataBytes;
  }

  /** Held reorder packets plus the send buffer's occupancy (packets). */
  bufferedPackets(): number {
    let n = this.held.size;
    if (this.role === 'player') {
      const ackable = Math.min(this.slots.length, Math.max(0, seqDiff(this.nextSeq, this.sendSeq)));
      n += ackable;
    }
    return n;
  }

  /** Ends the connection: tells the peer (unless it told us), reports the last deltas, leaves the stream. */
  close(reason: string, notifyPeer: boolean): void {
    if (this.closed) return;
    if (notifyPeer) this.sendControl(CTRL.shutdown, 0, nowUs());
    this.closed = true;
    this.reportDeltas();
    this.held.clear();
    this.loss.clear();
    this.releaseWindow();
    this.slots.fill(undefined);
    this.ctx.closed(this, reason);
  }
}
