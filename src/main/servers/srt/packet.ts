/**
 * SRT wire format (draft-sharabayko-srt, libsrt): the 16-byte packet header, data and control packets, the HSv5
 * handshake with its extensions, ACK and NAK bodies, and 31-bit sequence arithmetic. Pure functions, no I/O.
 * Decoders return null for anything malformed; they never throw on network input.
 */

export const HEADER_SIZE = 16;
/**
 * Largest packet (header and payload) of a 1500-byte MTU, the most this server negotiates: 1500 less the IPv4 and UDP
 * headers (28). Its payload is libsrt's SRT_LIVE_MAX_PLSIZE (1456). A larger datagram (loopback carries up to 64 KiB)
 * is no SRT packet: decoded as malformed, so a receive window of 8192 packets holds at most ~12 MB, not 512 MiB.
 */
export const MAX_PACKET_SIZE = 1472;
/** Handshake body without extensions: 10 32-bit words + the 128-bit peer address. */
export const HANDSHAKE_SIZE = 48;
export const SEQ_MASK = 0x7fffffff;
export const MSGNO_MASK = 0x03ffffff;

/** Control packet types. */
export const CTRL = {
  handshake: 0,
  keepalive: 1,
  ack: 2,
  nak: 3,
  congestion: 4,
  shutdown: 5,
  ackack: 6,
  dropreq: 7,
  peerError: 8,
} as const;

/** Handshake Type field values (besides rejections, which are `REJECT_BASE + reason`). */
export const HS_TYPE = {
  done: 0xfffffffd,
  agreement: 0xfffffffe,
  conclusion: 0xffffffff,
  waveahand: 0,
  induction: 1,
} as const;

/** The Extension field of an HSv5 induction response. */
export const SRT_MAGIC = 0x4a17;
/** Extension field flags of a conclusion handshake. */
export const HS_EXT_FLAG = { hsreq: 1, kmreq: 2, config: 4 } as const;
/** Handshake extension block types. */
export const EXT = { hsreq: 1, hsrsp: 2, kmreq: 3, kmrsp: 4, sid: 5, congestion: 6, filter: 7, group: 8 } as const;
/** SRT flags in HSREQ/HSRSP. */
export const SRT_FLAG = {
  tsbpdSnd: 0x01,
  tsbpdRcv: 0x02,
  crypt: 0x04,
  tlpktDrop: 0x08,
  periodicNak: 0x10,
  rexmitFlag: 0x20,
  stream: 0x40,
  packetFilter: 0x80,
} as const;

/** Rejection reasons (libsrt SRT_REJ_* and the HTTP-like SRT_REJX_*). On the wire: `REJECT_BASE + reason`. */
export const REJECT = {
  unknown: 0,
  peer: 2,
  rogue: 4,
  backlog: 5,
  close: 7,
  version: 8,
  unsecure: 11,
  messageApi: 12,
  congestion: 13,
  filter: 14,
  group: 15,
  badRequest: 1400,
  unauthorized: 1401,
  notFound: 1404,
  conflict: 1409,
} as const;
export const REJECT_BASE = 1000;

/** The version we announce in HSRSP (1.5.3, as 0x00XXYYZZ). */
export const SRT_VERSION = 0x010503;

export interface DataPacket {
  control: false;
  seq: number;
  /** PP bits: 3 = solo message (live mode), 2 = first, 1 = last, 0 = middle. */
  position: number;
  inOrder: boolean;
  /** KK bits: 0 = not encrypted. */
  encryption: number;
  retransmitted: boolean;
  msgNo: number;
  timestamp: number;
  destSocketId: number;
  payload: Buffer;
}

export interface ControlPacket {
  control: true;
  type: number;
  subtype: number;
  /** Type-specific information (ACK number for ACK/ACKACK, message number for DROPREQ). */
  info: number;
  timestamp: number;
  destSocketId: number;
  /** Control information field. */
  cif: Buffer;
}

export type Packet = DataPacket | ControlPacket;

export function decodePacket(buf: Buffer): Packet | null {
  if (buf.length < HEADER_SIZE || buf.length > MAX_PACKET_SIZE) return null;
  const w0 = buf.readUInt32BE(0);
  const w1 = buf.readUInt32BE(4);
  const timestamp = buf.readUInt32BE(8);
  const destSocketId = buf.readUInt32BE(12);
  if (w0 & 0x80000000) {
    return { control: true, type: (w0 >>> 16) & 0x7fff, subtype: w0 & 0xffff, info: w1, timestamp, destSocketId, cif: buf.subarray(HEADER_SIZE) };
  }
  return {
    control: false,
    seq: w0 & SEQ_MASK,
    position: w1 >>> 30,
    inOrder: ((w1 >>> 29) & 1) === 1,
    encryption: (w1 >>> 27) & 3,
    retransmitted: ((w1 >>> 26) & 1) === 1,
    msgNo: w1 & MSGNO_MASK,
    timestamp,
    destSocketId,
    payload: buf.subarray(HEADER_SIZE),
  };
}

/** The 16-byte header of a data packet (the payload is sent after it as a second buffer). */
export function encodeDataHeader(seq: number, msgNo: number, retransmitted: boolean, timestamp: number, destSocketId: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER_SIZE);
  b.writeUInt32BE(seq & SEQ_MASK, 0);
  // PP = 11 (solo message), O = 0, KK = 00, R as given.
  b.writeUInt32BE(((3 << 30) | ((retransmitted ? 1 : 0) << 26) | (msgNo & MSGNO_MASK)) >>> 0, 4);
  b.writeUInt32BE(timestamp >>> 0, 8);
  b.writeUInt32BE(destSocketId >>> 0, 12);
  return b;
}

export function encodeControl(type: number, info: number, timestamp: number, destSocketId: number, cif: Buffer = Buffer.alloc(4)): Buffer {
  const b = Buffer.allocUnsafe(HEADER_SIZE + cif.length);
  b.writeUInt32BE((0x80000000 | ((type & 0x7fff) << 16)) >>> 0, 0);
  b.writeUInt32BE(info >>> 0, 4);
  b.writeUInt32BE(timestamp >>> 0, 8);
  b.writeUInt32BE(destSocketId >>> 0, 12);
  cif.copy(b, HEADER_SIZE);
  return b;
}

// ------------------------------------------------------------------------------------------------ handshake

export interface HsExtension {
  type: number;
  data: Buffer;
}

export interface Handshake {
  version: number;
  /** Encryption field: 0 = none, 2/3/4 = AES-128/192/256 requested. */
  encryption: number;
  /** Extension field: SRT_MAGIC in an induction response, HS_EXT_FLAG bits in a conclusion. */
  extension: number;
  isn: number;
  mtu: number;
  flowWindow: number;
  type: number;
  socketId: number;
  cookie: number;
  /** 16 bytes, as on the wire. */
  peerIp: Buffer;
  extensions: HsExtension[];
}

export function decodeHandshake(cif: Buffer): Handshake | null {
  if (cif.length < HANDSHAKE_SIZE) return null;
  const extensions: HsExtension[] = [];
  let off = HANDSHAKE_SIZE;
  while (off + 4 <= cif.length) {
    const type = cif.readUInt16BE(off);
    const len = cif.readUInt16BE(off + 2) * 4;
    if (off + 4 + len > cif.length) return null;
    extensions.push({ type, data: cif.subarray(off + 4, off + 4 + len) });
    off += 4 + len;
  }
  return {
    version: cif.readUInt32BE(0),
    encryption: cif.readUInt16BE(4),
    extension: cif.readUInt16BE(6),
    isn: cif.readUInt32BE(8) & SEQ_MASK,
    mtu: cif.readUInt32BE(12),
    flowWindow: cif.readUInt32BE(16),
    type: cif.readUInt32BE(20),
    socketId: cif.readUInt32BE(24),
    cookie: cif.readUInt32BE(28),
    peerIp: cif.subarray(32, 48),
    extensions,
  };
}

export function encodeHandshake(h: Handshake): Buffer {
  const extLen = h.extensions.reduce((n, e) => n + 4 + padded(e.data.length), 0);
  const b = Buffer.alloc(HANDSHAKE_SIZE + extLen);
  b.writeUInt32BE(h.version >>> 0, 0);
  b.writeUInt16BE(h.encryption & 0xffff, 4);
  b.writeUInt16BE(h.extension & 0xffff, 6);
  b.writeUInt32BE(h.isn & SEQ_MASK, 8);
  b.writeUInt32BE(h.mtu >>> 0, 12);
  b.writeUInt32BE(h.flowWindow >>> 0, 16);
  b.writeUInt32BE(h.type >>> 0, 20);
  b.writeUInt32BE(h.socketId >>> 0, 24);
  b.writeUInt32BE(h.cookie >>> 0, 28);
  h.peerIp.copy(b, 32, 0, 16);
  let off = HANDSHAKE_SIZE;
  for (const e of h.extensions) {
    const len = padded(e.data.length);
    b.writeUInt16BE(e.type, off);
    b.writeUInt16BE(len / 4, off + 2);
    e.data.copy(b, off + 4);
    off += 4 + len;
  }
  return b;
}

const padded = (n: number): number => (n + 3) & ~3;

/** HSREQ / HSRSP body. Latencies in ms; "receiver" is the sender of this block's own receive side. */
export interface SrtHsBlock {
  version: number;
  flags: number;
  rcvLatencyMs: number;
  sndLatencyMs: number;
}

export function decodeHsBlock(data: Buffer): SrtHsBlock | null {
  if (data.length < 12) return null;
  return { version: data.readUInt32BE(0), flags: data.readUInt32BE(4), rcvLatencyMs: data.readUInt16BE(8), sndLatencyMs: data.readUInt16BE(10) };
}

export function encodeHsBlock(h: SrtHsBlock): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32BE(h.version >>> 0, 0);
  b.writeUInt32BE(h.flags >>> 0, 4);
  b.writeUInt16BE(h.rcvLatencyMs & 0xffff, 8);
  b.writeUInt16BE(h.sndLatencyMs & 0xffff, 10);
  return b;
}

/**
 * Stream id and congestion-controller name extensions carry a string whose bytes are reversed within each 32-bit
 * word (libsrt copies the string into host-order words, then converts each word to network order), NUL-padded.
 */
export function decodeSwappedString(data: Buffer): string {
  const b = Buffer.from(data.subarray(0, data.length & ~3));
  b.swap32();
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return b.subarray(0, end).toString('utf8');
}

export function encodeSwappedString(s: string): Buffer {
  const raw = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(padded(raw.length));
  raw.copy(b);
  return b.swap32();
}

/** The peer address field: IPv4 in the first word, each word byte-reversed as libsrt writes it. */
export function encodePeerIp(ip: string): Buffer {
  const b = Buffer.alloc(16);
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (v4) {
    for (let i = 0; i < 4; i++) b[i] = Number(v4[i + 1]);
  } else {
    const groups = expandIpv6(ip);
    if (groups) groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  }
  return b.swap32();
}

function expandIpv6(ip: string): number[] | null {
  const [head, tail] = ip.split('::');
  const parse = (s: string | undefined): number[] => (s ? s.split(':').map((x) => parseInt(x, 16) || 0) : []);
  const h = parse(head);
  const t = parse(tail);
  if (tail === undefined) return h.length === 8 ? h : null;
  const fill = 8 - h.length - t.length;
  return fill < 0 ? null : [...h, ...new Array<number>(fill).fill(0), ...t];
}

// ------------------------------------------------------------------------------------------------ ACK / NAK

export interface AckBody {
  /** First sequence number not yet received in order ("last acknowledged + 1"). */
  ackSeq: number;
  rttUs: number;
  rttVarUs: number;
  availableBuffer: number;
  packetsPerSec: number;
  linkCapacity: number;
  bytesPerSec: number;
}

export function encodeAck(a: AckBody): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(a.ackSeq & SEQ_MASK, 0);
  b.writeUInt32BE(a.rttUs >>> 0, 4);
  b.writeUInt32BE(a.rttVarUs >>> 0, 8);
  b.writeUInt32BE(Math.max(2, a.availableBuffer) >>> 0, 12);
  b.writeUInt32BE(a.packetsPerSec >>> 0, 16);
  b.writeUInt32BE(a.linkCapacity >>> 0, 20);
  b.writeUInt32BE(a.bytesPerSec >>> 0, 24);
  return b;
}

/** Only the acknowledged sequence (light ACKs carry nothing else). */
export function decodeAckSeq(cif: Buffer): number | null {
  return cif.length >= 4 ? cif.readUInt32BE(0) & SEQ_MASK : null;
}

/** Inclusive ranges of sequence numbers. */
export type SeqRange = [from: number, to: number];

/** NAK loss list: a single number, or a range as `from | 0x80000000` followed by `to`. Stops at `maxBytes`. */
export function encodeLossList(ranges: readonly SeqRange[], maxBytes = 1400): Buffer {
  const words: number[] = [];
  for (const [from, to] of ranges) {
    const need = from === to ? 1 : 2;
    if ((words.length + need) * 4 > maxBytes) break;
    if (from === to) words.push(from & SEQ_MASK);
    else words.push(((from & SEQ_MASK) | 0x80000000) >>> 0, to & SEQ_MASK);
  }
  const b = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => b.writeUInt32BE(w, i * 4));
  return b;
}

export function decodeLossList(cif: Buffer): SeqRange[] {
  const out: SeqRange[] = [];
  for (let off = 0; off + 4 <= cif.length; off += 4) {
    const w = cif.readUInt32BE(off);
    if (w & 0x80000000) {
      if (off + 8 > cif.length) break;
      out.push([w & SEQ_MASK, cif.readUInt32BE(off + 4) & SEQ_MASK]);
      off += 4;
    } else {
      out.push([w, w]);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ sequences

export const seqNext = (s: number): number => (s + 1) & SEQ_MASK;
export const seqAdd = (s: number, n: number): number => (((s + n) % 0x80000000) + 0x80000000) % 0x80000000;
/** `b - a` on the 31-bit circle, in [-2^30, 2^30). */
export function seqDiff(a: number, b: number): number {
  let d = (b - a) & SEQ_MASK;
  if (d >= 0x40000000) d -= 0x80000000;
  return d;
}
