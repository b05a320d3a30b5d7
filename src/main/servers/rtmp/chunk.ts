/**
 * The RTMP chunk stream (RTMP 1.0 §5.3): an incremental parser that turns received bytes into messages, and a
 * serializer that turns messages into chunks.
 *
 * The serializer has two forms with the same bytes: `serializeParts` copies a body into one buffer of chunks (small
 * messages: one write), `chunkViews` lists the buffers to write without copying the body (large media, whose body
 * is views of a publisher's read buffers; see docs/decisions.md, "RTMP players' messages as one chunk").
 *
 * The parser is a streaming state machine: it consumes chunk bodies as they arrive, so the only input it keeps
 * between calls is an incomplete chunk header (< 18 bytes). A message's body is allocated as its bytes arrive, never
 * at the length its header announces: at first its first chunk's bytes (a message in one chunk, as a publisher's small
 * messages at its chunk size: one allocation and one copy), then at least doubling, so what an incomplete message
 * holds is less than twice what was received of it (a peer announcing 8 MiB and sending one byte holds one byte;
 * docs/decisions.md, "What one client can make the RTMP server hold"). Large media messages (`viewTypes`, ≥ `VIEW_MIN_BYTES`) are not
 * copied at all: they are delivered to `onParts` as views of the received buffers, charged at the full size of
 * every buffer they keep alive (this is the publisher's hot path, see docs/decisions.md, "RTMP fan-out cost").
 * Limits (message size, bytes held for incomplete messages, number of chunk streams) are checked before anything
 * is held, so a hostile peer cannot make it hold more than the caps.
 */
import type { HeldAccount } from '../../http/client-limits.ts';

/** Protocol control message types (§5.4) and the other message types this server handles. */
export const MSG = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  sharedObjectAmf3: 16,
  commandAmf3: 17,
  dataAmf0: 18,
  sharedObjectAmf0: 19,
  commandAmf0: 20,
  aggregate: 22,
} as const;

/** One complete RTMP message. `timestamp` is the absolute 32-bit timestamp in milliseconds. */
export interface RtmpMessage {
  csid: number;
  typeId: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * A media message whose body is the views of the received chunk bodies it arrived in (no copy). `buffers` are the
 * distinct buffers those views keep alive: what caching the message costs in memory is their size.
 */
export interface RtmpMessageParts {
  csid: number;
  typeId: number;
  streamId: number;
  timestamp: number;
  length: number;
  parts: Buffer[];
  /** The distinct buffers the views keep alive. */
  buffers: ArrayBufferLike[];
}

/** Messages this long or longer, of a type in `ChunkParser.viewTypes`, are delivered as views (`onParts`). */
export const VIEW_MIN_BYTES = 4096;

/** A violation that ends the connection (the caller logs `message` and closes). */
export class RtmpProtocolError extends Error {
  override name = 'RtmpProtocolError';
}

/** The server's budget for incomplete messages (its client's share or the whole) is spent: the connection ends. */
export class RtmpBudgetError extends RtmpProtocolError {
  override name = 'RtmpBudgetError';
}

export interface ChunkParserLimits {
  /** Largest message body accepted (the header's 24-bit length can announce up to 16 MiB). */
  maxMessageBytes: number;
  /**
   * Largest sum of what incomplete messages hold: a copied body what is allocated for it so far (see `grow`), a body
   * of views the size of every buffer it keeps alive.
   */
  maxPartialBytes: number;
  /** Largest number of distinct chunk stream ids seen on one connection. */
  maxChunkStreams: number;
}

export const DEFAULT_CHUNK_SIZE = 128;
/** RTMP 1.0 §5.4.1: the chunk size is 31 bits, 1 .. 0x7FFFFFFF. */
export const MAX_CHUNK_SIZE = 0x7fffffff;
const EXTENDED = 0xffffff;
const EMPTY = Buffer.alloc(0);

interface ChunkStreamState {
  /** Absolute timestamp of the current (or last) message. */
  timestamp: number;
  /** Delta applied by a type-3 chunk that starts a new message: the last type-1/2 delta, 0 after a type 0. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last type 0/1/2 header carried an extended timestamp, so type-3 chunks of this stream carry one too. */
  extended: boolean;
  hasHeader: boolean;
  /** The current message's body so far, grown as its bytes arrive up to its length (null before its first byte). */
  body: Buffer | null;
  /** Or its views, when the message is delivered as parts (null otherwise). */
  parts: Buffer[] | null;
  /** The distinct buffers `parts` keep alive. */
  buffers: ArrayBufferLike[];
  /** Bytes charged to `partialBytes` for the current message. */
  held: number;
  received: number;
}

/**
 * Incremental chunk parser. `push()` bytes as they come; complete messages go to `onMessage` in order.
 * Set Chunk Size (type 1) and Abort (type 2) are applied by the parser itself (they change how the following bytes
 * are read) and are still delivered to `onMessage`. Throws `RtmpProtocolError` on invalid input; after that the
 * parser is unusable.
 */
export class ChunkParser {
  /** Chunk size of the incoming direction (changed by the peer's Set Chunk Size). */
  chunkSize = DEFAULT_CHUNK_SIZE;
  limits: ChunkParserLimits;
  private readonly onMessage: (m: RtmpMessage) => void;
  private streams = new Map<number, ChunkStreamState>();
  /** An incomplete chunk header carried over to the next push (at most 17 bytes). */
  private headerRest: Buffer | null = null;
  /** Chunk stream whose chunk body is being read, and how many body bytes of that chunk are still due. */
  private bodyCsid = -1;
  private bodyLeft = 0;
  private partialBytes = 0;
  private stopped = false;
  /** Whether the bytes of the current push may be kept as views (see `push`). */
  private stable = true;

  /** Message types delivered as views to `onParts` when they are at least `VIEW_MIN_BYTES` long. */
  viewTypes: ReadonlySet<number> = new Set();
  private readonly onParts: ((m: RtmpMessageParts) => void) | null;
  /** Charged with every byte `partialBytes` is charged (the server's budget); null: the parser's own cap only. */
  account: HeldAccount | null = null;

  constructor(limits: ChunkParserLimits, onMessage: (m: RtmpMessage) => void, onParts?: (m: RtmpMessageParts) => void) {
    this.limits = limits;
    this.onMessage = onMessage;
    this.onParts = onParts ?? null;
  }

  /** Bytes held for incomplete messages (allocated bodies, buffers kept alive by views) and headers. */
  bufferedBytes(): number {
    return this.partialBytes + (this.headerRest?.length ?? 0);
  }

  /** True while a chunk header or body is incomplete (the peer is mid-chunk). */
  midChunk(): boolean {
    return this.headerRest !== null || this.bodyLeft > 0;
  }

  /** Stops parsing: the rest of the current and every later push is ignored (the connection is closing). */
  stop(): void {
    this.stopped = true;
    this.streams.clear();
    this.headerRest = null;
    this.account?.release(this.partialBytes);
    this.partialBytes = 0;
  }

  /**
   * Parses the next received bytes. `stable`: `data` stays valid after the call, so messages may keep views of it;
   * false for a buffer the caller reuses (the server's shared read buffer), whose bytes are copied.
   */
  push(data: Buffer, stable = true): void {
    if (this.stopped) return;
    let buf = data;
    if (this.headerRest) {
      buf = Buffer.concat([this.headerRest, data]);
      this.headerRest = null;
    }
    this.stable = stable;
    let pos = 0;
    while (pos < buf.length && !this.stopped) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, buf.length - pos);
        this.appendBody(buf, pos, pos + n);
        pos += n;
        continue;
      }
      const used = this.readHeader(buf, pos);
      if (used === 0) {
        this.headerRest = Buffer.from(buf.subarray(pos));
        return;
      }
      pos += used;
    }
  }

  private state(csid: number): ChunkStreamState {
    let st = this.streams.get(csid);
    if (!st) {
      if (this.streams.size >= this.limits.maxChunkStreams) {
        throw new RtmpProtocolError(`too many chunk streams (> ${this.limits.maxChunkStreams})`);
      }
      st = {
        timestamp: 0,
        delta: 0,
        length: 0,
        typeId: 0,
        streamId: 0,
        extended: false,
        hasHeader: false,
        body: null,
        parts: null,
        buffers: [],
        held: 0,
        received: 0,
      };
      this.streams.set(csid, st);
    }
    return st;
  }

  /** Parses one chunk header at `pos`. Returns the bytes used, or 0 when the header is not complete yet. */
  private readHeader(buf: Buffer, pos: number): number {
    const avail = buf.length - pos;
    const b0 = buf[pos]!;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let p = pos + 1;
    if (csid === 0) {
      if (avail < 2) return 0;
      csid = 64 + buf[p]!;
      p += 1;
    } else if (csid === 1) {
      if (avail < 3) return 0;
      csid = 64 + buf[p]! + buf[p + 1]! * 256;
      p += 2;
    }
    const mhLen = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (buf.length < p + mhLen) return 0;

    const known = this.streams.get(csid);
    if (fmt !== 0 && (!known || !known.hasHeader)) {
      throw new RtmpProtocolError(`chunk type ${fmt} on chunk stream ${csid} without a previous header`);
    }
    let tsField = 0;
    let length = known?.length ?? 0;
    let typeId = known?.typeId ?? 0;
    let streamId = known?.streamId ?? 0;
    if (fmt <= 2) {
      tsField = buf.readUIntBE(p, 3);
      if (fmt <= 1) {
        length = buf.readUIntBE(p + 3, 3);
        typeId = buf[p + 6]!;
      }
      if (fmt === 0) streamId = buf.readUInt32LE(p + 7);
      p += mhLen;
    }
    const extended = fmt <= 2 ? tsField === EXTENDED : (known?.extended ?? false);
    let extValue = 0;
    if (extended) {
      if (buf.length < p + 4) return 0;
      extValue = buf.readUInt32BE(p);
      p += 4;
    }

    // The header is complete: commit it.
    const st = this.state(csid);
    if (fmt === 3) {
      if (st.received === 0) {
        // A type-3 chunk that starts a new message repeats the previous delta (0 after a type-0 header).
        st.timestamp = (st.timestamp + st.delta) >>> 0;
      }
      // else: continuation of the current message; the (repeated) extended timestamp is read and ignored.
    } else {
      if (st.received > 0) {
        // A new header while a message is incomplete: the peer gave up on it (as after an Abort).
        this.dropPartial(st);
      }
      const value = extended ? extValue : tsField;
      if (fmt === 0) {
        st.timestamp = value;
        st.delta = 0;
      } else {
        st.timestamp = (st.timestamp + value) >>> 0;
        st.delta = value;
      }
      st.extended = extended;
      st.length = length;
      st.typeId = typeId;
      st.streamId = streamId;
      st.hasHeader = true;
    }
    if (st.received === 0 && st.length > this.limits.maxMessageBytes) {
      throw new RtmpProtocolError(`message length ${st.length} exceeds the limit of ${this.limits.maxMessageBytes}`);
    }
    this.bodyCsid = csid;
    this.bodyLeft = Math.min(this.chunkSize, st.length - st.received);
    if (this.bodyLeft === 0) this.complete(st, csid); // zero-length message
    return p - pos;
  }

  /** Takes `buf[start, end)`, the next bytes of the current chunk body, into its message (copied, or as a view). */
  private appendBody(buf: Buffer, start: number, end: number): void {
    const st = this.streams.get(this.bodyCsid)!;
    if (st.received === 0) {
      if (this.stable && this.onParts !== null && st.length >= VIEW_MIN_BYTES && this.viewTypes.has(st.typeId)) st.parts = [];
    } else if (st.parts !== null && !this.stable) {
      this.copyParts(st); // begun as views, continued in bytes that will be overwritten
    }
    const n = end - start;
    const parts = st.parts;
    if (parts !== null) {
      // A view: charged at the size of the whole buffer it keeps alive, once per buffer and message.
      const last = st.buffers.length > 0 ? st.buffers[st.buffers.length - 1]! : null;
      if (last !== buf.buffer) {
        this.hold(st, buf.buffer.byteLength);
        st.buffers.push(buf.buffer);
      }
      parts.push(buf.subarray(start, end));
    } else {
      // Its own copy (pooled when small): the socket's read buffer must not be kept alive by a message.
      if (st.body === null || st.body.length < st.received + n) this.grow(st, st.received + n);
      buf.copy(st.body!, st.received, start, end);
    }
    st.received += n;
    this.bodyLeft -= n;
    if (st.received === st.length) this.complete(st, this.bodyCsid);
  }

  private hold(st: ChunkStreamState, bytes: number): void {
    if (this.partialBytes + bytes > this.limits.maxPartialBytes) {
      throw new RtmpProtocolError(`more than ${this.limits.maxPartialBytes} bytes of incomplete messages`);
    }
    if (this.account !== null && !this.account.charge(bytes)) {
      throw new RtmpBudgetError(`the server's budget for incomplete messages is spent (${this.partialBytes} bytes held here)`);
    }
    this.partialBytes += bytes;
    st.held += bytes;
  }

  /**
   * Makes a copied body hold at least `need` bytes (what has arrived of it with the current chunk), or twice what it
   * held, never more than the message's length. Charged by what is allocated.
   */
  private grow(st: ChunkStreamState, need: number): void {
    const old = st.body;
    const size = Math.min(st.length, Math.max(need, old === null ? 0 : 2 * old.length));
    this.hold(st, size - (old?.length ?? 0));
    const body = Buffer.allocUnsafe(size);
    if (old !== null) old.copy(body, 0, 0, st.received);
    st.body = body;
  }

  /** Turns a message received so far as views into its own body (charged at its length from then on). */
  private copyParts(st: ChunkStreamState): void {
    const parts = st.parts!;
    this.account?.release(st.held);
    this.partialBytes -= st.held;
    st.held = 0;
    st.parts = null;
    st.buffers = [];
    this.hold(st, st.received);
    st.body = Buffer.allocUnsafe(st.received);
    let o = 0;
    for (const p of parts) o += p.copy(st.body, o);
  }

  private dropPartial(st: ChunkStreamState): void {
    this.account?.release(st.held);
    this.partialBytes -= st.held;
    st.held = 0;
    st.body = null;
    st.parts = null;
    st.buffers = [];
    st.received = 0;
  }

  private complete(st: ChunkStreamState, csid: number): void {
    const parts = st.parts;
    const buffers = st.buffers;
    const payload = st.body ?? EMPTY;
    this.dropPartial(st);
    this.bodyLeft = 0;
    if (parts !== null) {
      this.onParts!({ csid, typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, length: st.length, parts, buffers });
      return;
    }
    const msg: RtmpMessage = { csid, typeId: st.typeId, streamId: st.streamId, timestamp: st.timestamp, payload };
    if (msg.typeId === MSG.setChunkSize) {
      if (payload.length < 4) throw new RtmpProtocolError('short Set Chunk Size message');
      const size = payload.readUInt32BE(0);
      if (size < 1 || size > MAX_CHUNK_SIZE) throw new RtmpProtocolError(`invalid chunk size ${size}`);
      this.chunkSize = size;
    } else if (msg.typeId === MSG.abort) {
      if (payload.length < 4) throw new RtmpProtocolError('short Abort message');
      const target = this.streams.get(payload.readUInt32BE(0));
      if (target) this.dropPartial(target);
    }
    this.onMessage(msg);
  }
}

// ------------------------------------------------------------------------------------------------ serializing

/** Bytes of a chunk header: the basic header (1-3 bytes by `csid`), the message header by `fmt`, the extended timestamp. */
function chunkHeaderLength(fmt: 0 | 1 | 2 | 3, csid: number, extended: boolean): number {
  if (csid < 2 || csid > 65599) throw new RangeError(`invalid chunk stream id ${csid}`);
  return (csid < 64 ? 1 : csid < 320 ? 2 : 3) + (fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0) + (extended ? 4 : 0);
}

type ChunkHeaderFields = { time?: number; length?: number; typeId?: number; streamId?: number; extended3?: boolean };

/** Whether a chunk header carries the 4-byte extended timestamp (fmt 3: when told, `extended3`; else a large `time`). */
function carriesExtended(fmt: 0 | 1 | 2 | 3, h: ChunkHeaderFields): boolean {
  return fmt === 3 ? h.extended3 === true : (h.time ?? 0) >>> 0 >= EXTENDED;
}

/**
 * Writes one chunk header into `out` at `o` and returns the offset after it. For fmt 0 `time` is the absolute
 * timestamp, for fmt 1/2 the delta; fmt 3 carries only the extended timestamp `time` when `extended3` is set (the
 * type-3 rule: repeat it when the stream's last type 0/1/2 header had one).
 */
function writeChunkHeader(
  out: Buffer,
  o: number,
  fmt: 0 | 1 | 2 | 3,
  csid: number,
  h: ChunkHeaderFields,
): number {
  const time = (h.time ?? 0) >>> 0;
  if (csid < 64) out[o++] = (fmt << 6) | csid;
  else if (csid < 320) {
    out[o++] = fmt << 6;
    out[o++] = csid - 64;
  } else {
    const v = csid - 64;
    out[o++] = (fmt << 6) | 1;
    out[o++] = v & 0xff;
    out[o++] = v >> 8;
  }
  const ext = carriesExtended(fmt, h);
  if (fmt !== 3) {
    o = out.writeUIntBE(ext ? EXTENDED : time, o, 3);
    if (fmt <= 1) {
      o = out.writeUIntBE(h.length ?? 0, o, 3);
      out[o++] = h.typeId ?? 0;
    }
    if (fmt === 0) o = out.writeUInt32LE(h.streamId ?? 0, o);
  }
  return ext ? out.writeUInt32BE(time, o) : o;
}

/** One chunk header in its own buffer (`writeChunkHeader`'s bytes). */
export function chunkHeader(
  fmt: 0 | 1 | 2 | 3,
  csid: number,
  h: ChunkHeaderFields,
): Buffer {
  const out = Buffer.allocUnsafe(chunkHeaderLength(fmt, csid, carriesExtended(fmt, h)));
  writeChunkHeader(out, 0, fmt, csid, h);
  return out;
}

/**
 * Serializes a message as a type-0 chunk followed by type-3 chunks. Every message carrying a full header makes
 * the bytes independent of what was sent before on that chunk stream, so one serialization can be written to any
 * number of players.
 */
export function serializeMessage(m: RtmpMessage, chunkSize: number): Buffer {
  return serializeParts(m, [m.payload], m.payload.length, chunkSize);
}

/** `serializeMessage` of a body given as consecutive pieces (`length` bytes in all), copied once into the chunks. */
export function serializeParts(h: Omit<RtmpMessage, 'payload'>, parts: readonly Buffer[], length: number, chunkSize: number): Buffer {
  if (length > 0xffffff) throw new RangeError('message too large for RTMP');
  const ts = h.timestamp >>> 0;
  const ext = ts >= EXTENDED;
  const nChunks = Math.max(1, Math.ceil(length / chunkSize));
  // The headers are written straight into the chunks' buffer: no buffer per header (the players' send path).
  const out = Buffer.allocUnsafe(chunkHeaderLength(0, h.csid, ext) + length + (nChunks - 1) * chunkHeaderLength(3, h.csid, ext));
  let o = writeChunkHeader(out, 0, 0, h.csid, { time: ts, length, typeId: h.typeId, streamId: h.streamId });
  let inChunk = 0; // body bytes written into the current chunk
  for (const part of parts) {
    let p = 0;
    while (p < part.length) {
      if (inChunk === chunkSize) {
        o = writeChunkHeader(out, o, 3, h.csid, { time: ts, extended3: ext });
        inChunk = 0;
      }
      const n = Math.min(part.length - p, chunkSize - inChunk);
      o += part.copy(out, o, p, p + n);
      p += n;
      inChunk += n;
    }
  }
  return out;
}

/**
 * `serializeParts`' chunks without copying the body: the buffers to write in order (the type-0 header, the pieces cut
 * at `chunkSize`, the type-3 header between chunks, one buffer for all of them). Their concatenation is
 * `serializeParts`' bytes; the pieces themselves are in the list (or views of them where a chunk ends inside one),
 * so they must not change while the list may still be written.
 */
export function chunkViews(h: Omit<RtmpMessage, 'payload'>, parts: readonly Buffer[], length: number, chunkSize: number): Buffer[] {
  if (length > 0xffffff) throw new RangeError('message too large for RTMP');
  const ts = h.timestamp >>> 0;
  const out: Buffer[] = [chunkHeader(0, h.csid, { time: ts, length, typeId: h.typeId, streamId: h.streamId })];
  let next: Buffer | null = null;
  let inChunk = 0; // body bytes in the current chunk
  for (const part of parts) {
    let p = 0;
    while (p < part.length) {
      if (inChunk === chunkSize) {
        out.push((next ??= chunkHeader(3, h.csid, { time: ts, extended3: ts >= EXTENDED })));
        inChunk = 0;
      }
      const n = Math.min(part.length - p, chunkSize - inChunk);
      out.push(n === part.length ? part : part.subarray(p, p + n));
      p += n;
      inChunk += n;
    }
  }
  return out;
}
