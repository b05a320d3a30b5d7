/**
 * Live streams: one publisher each, any number of players. A stream keeps what a joining player needs to start
 * cleanly (metadata, the audio/video sequence headers and the messages since the last keyframe, "the GOP") and
 * fans each published message out as the same list of buffers written to every player's socket.
 */
import { chunkViews, MSG, serializeParts, VIEW_MIN_BYTES, type RtmpMessage, type RtmpMessageParts } from './chunk.ts';
import { isAudioSequenceHeader, isVideoKeyframe, isVideoSequenceHeader } from './media.ts';
import type { HeldAccount } from '../../http/client-limits.ts';

/** Chunk stream ids and the message stream id the server uses towards players. */
export const OUT = { controlCsid: 2, commandCsid: 3, audioCsid: 4, dataCsid: 5, videoCsid: 6, streamId: 1 } as const;

export type MediaKind = 'audio' | 'video' | 'data';

/**
 * One media message, shared by every player. Its chunks (`wire`) are made on first use, once: a stream without
 * players makes none (the publisher's base cost, see docs/decisions.md, "RTMP fan-out cost"). A message under
 * `VIEW_MIN_BYTES` is copied into one buffer of chunks (one write per player) and then lets its body go; a larger one
 * is written as its body's own buffers between chunk headers, not copied: with the players' chunk size (64 KiB) a
 * video frame is one chunk, `[header, ...views of the publisher's read buffers]` (docs/decisions.md, "RTMP players'
 * messages as one chunk"). Such a message keeps its views, and the buffers they keep alive, as long as it is cached.
 */
export class OutMessage {
  readonly kind: MediaKind;
  readonly keyframe: boolean;
  /** Metadata and sequence headers: never dropped for a slow player (tiny, and nothing decodes without them). */
  readonly essential: boolean;
  readonly timestamp: number;
  readonly typeId: number;
  /** Body length in bytes. */
  readonly bytes: number;
  /** The body is its own copy (not views of a publisher's read buffers or slabs). */
  readonly copied: boolean;
  readonly #chunkSize: number;
  /** The body; let go once copied into the chunks, unless essential (a joining player may need it re-stamped). */
  #parts: readonly Buffer[] | null;
  /** The distinct buffers the body's views keep alive; let go with the body (a reference would keep a slab alive). */
  #held: readonly ArrayBufferLike[];
  #wire: readonly Buffer[] | null = null;

  constructor(kind: MediaKind, typeId: number, timestamp: number, body: { parts: readonly Buffer[]; length: number; buffers?: readonly ArrayBufferLike[] }, chunkSize: number, keyframe = false, essential = false) {
    this.kind = kind;
    this.typeId = typeId;
    this.timestamp = timestamp;
    this.keyframe = keyframe;
    this.essential = essential;
    this.bytes = body.length;
    this.copied = body.buffers === undefined;
    this.#held = body.buffers ?? [];
    this.#chunkSize = chunkSize;
    this.#parts = body.parts;
  }

  /**
   * The distinct buffers its body's views keep alive (a publisher's read buffers or slabs): none when the body is its
   * own copy, or once a small message is copied into its chunks. The GOP cache charges each buffer once, however
   * many messages view it.
   */
  get held(): readonly ArrayBufferLike[] {
    return this.#held;
  }

  /**
   * Bytes the message holds of its own, beside the buffers in `held`: a small message's chunks (a copy of its body)
   * and its own body while kept; a large one's own body when it is a copy (its chunks are views of it). Chunk headers
   * are not counted (a few bytes a message; the GOP's message cap bounds them).
   */
  get ownBytes(): number {
    if (this.bytes < VIEW_MIN_BYTES) return this.copied ? 2 * this.bytes : this.bytes;
    return this.copied ? this.bytes : 0;
  }

  /** The body in one piece (essential messages, large ones, and small ones before their chunks exist). */
  get payload(): Buffer {
    if (this.#parts === null) throw new Error('the payload of a serialized media message is released');
    return this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.bytes);
  }

  /** True once the chunks exist (tests: a stream without players serializes nothing). */
  get serialized(): boolean {
    return this.#wire !== null;
  }

  /**
   * The chunks (type-0 header, absolute timestamp, stream id 1, the players' chunk size) as the buffers to write in
   * order: one buffer for a message under `VIEW_MIN_BYTES`, else headers and the body's own buffers (`chunkViews`).
   */
  get wire(): readonly Buffer[] {
    if (this.#wire === null) {
      if (this.#parts === null) throw new Error('unreachable: a media message without body or chunks');
      const csid = this.kind === 'audio' ? OUT.audioCsid : this.kind === 'video' ? OUT.videoCsid : OUT.dataCsid;
      const h = { csid, typeId: this.typeId, streamId: OUT.streamId, timestamp: this.timestamp };
      if (this.bytes >= VIEW_MIN_BYTES) {
        this.#wire = chunkViews(h, this.#parts, this.bytes, this.#chunkSize);
      } else {
        this.#wire = [serializeParts(h, this.#parts, this.bytes, this.#chunkSize)];
        if (!this.essential) {
          this.#parts = null;
          this.#held = [];
        }
      }
    }
    return this.#wire;
  }
}

/** What a stream needs from a playing connection. */
export interface PlayerSink {
  /** Sends one live message; the sink decides to drop it when its socket is backed up. */
  sendMedia(m: OutMessage): void;
  /** The publisher left: send UnpublishNotify and end the connection. */
  unpublished(): void;
  /** Hold writes until `uncork` (the messages of one read of the publisher go out in one write). */
  cork(): void;
  uncork(): void;
}

export interface StreamLimits {
  /** Largest GOP cache; beyond it the cache is emptied until the next keyframe (players then join at that one). */
  maxGopBytes: number;
  maxGopMessages: number;
  /**
   * How long players' writes are held (ms): the messages of a publisher's reads stay corked until a read ends with
   * the oldest of them at least this old (or comes this long after the previous read), or the server's 1 s tick finds
   * them this old (the reads stopped). 0 (or absent): every read's messages go out at the end of that read.
   */
  writeHoldMs?: number;
  /** Held bytes (message bodies) past which the hold is flushed at the end of the read, whatever their age. */
  writeHoldMaxBytes?: number;
}

/** What the write hold counts, for the server's stats. */
export interface HoldCounters {
  /** Times a hold was let go (one write per held player each). */
  holdFlushes: number;
  /** Of them, let go by the server's tick: the publisher's reads had stopped for `writeHoldMs` or more. */
  holdTickFlushes: number;
}

/**
 * The GOP cache charges the server's budget (`LiveStream.gopAccount`) in steps of this many bytes, not per message:
 * one charge per MiB the cache grows and one release per keyframe, instead of a Map update per audio/video message.
 */
export const GOP_CHARGE_STEP = 1024 * 1024;

/** The hold's byte cap when the limits name none: ~350 ms of a 6 Mbit/s stream, far below a slow player's drop. */
export const DEFAULT_WRITE_HOLD_MAX_BYTES = 256 * 1024;

export class LiveStream {
  /** Stream key: the publish path without the token. */
  readonly path: string;
  readonly reference: string;
  readonly players = new Set<PlayerSink>();
  metadata: OutMessage | null = null;
  videoHeader: OutMessage | null = null;
  audioHeader: OutMessage | null = null;
  /** Messages from the last keyframe on (empty when the stream has no video or the cache overflowed). */
  gop: OutMessage[] = [];
  /** What the GOP cache may hold: each buffer its messages' views keep alive once, plus each message's `ownBytes`. */
  gopBytes = 0;
  /**
   * The buffers charged to `gopBytes` so far (views of one slab or read buffer are charged for it once). Weak: the
   * cache must not keep a buffer alive once its messages are serialized and have let their views go.
   */
  private gopBuffers = new WeakSet<ArrayBufferLike>();
  /**
   * The server's budget for GOP caches (this stream's client's share and the whole): the cache charges it in
   * `GOP_CHARGE_STEP`s; a step refused cuts the cache as the stream's own `maxGopBytes` does. Null: no budget.
   */
  gopAccount: HeldAccount | null = null;
  /** Called with the cache's bytes when the budget cut it (the server logs it, throttled). */
  onGopCut: ((cachedBytes: number) => void) | null = null;
  /** Bytes charged to `gopAccount` now: `gopBytes` rounded up to a step. */
  private gopCharged = 0;
  private readonly chunkSize: number;
  private readonly limits: StreamLimits;
  private readonly counters: HoldCounters | undefined;
  private readonly holdMs: number;
  private readonly holdMaxBytes: number;
  /** Players the stream has corked (once each) for the hold in progress. */
  private readonly held = new Set<PlayerSink>();
  /** `Date.now()` of the read that began the hold in progress (its oldest held message), or -1 when none is. */
  private heldSinceMs = -1;
  /** Bodies' bytes fanned out into the hold in progress. */
  private heldBytes = 0;
  /** `Date.now()` at the start of the latest read (`batch`: the one being parsed, while it is). */
  private readAtMs = -Infinity;

  constructor(path: string, reference: string, chunkSize: number, limits: StreamLimits, counters?: HoldCounters) {
    this.path = path;
    this.reference = reference;
    this.chunkSize = chunkSize;
    this.limits = limits;
    this.counters = counters;
    this.holdMs = Math.max(0, limits.writeHoldMs ?? 0);
    this.holdMaxBytes = limits.writeHoldMaxBytes ?? DEFAULT_WRITE_HOLD_MAX_BYTES;
  }

  private out(kind: MediaKind, typeId: number, timestamp: number, payload: Buffer, keyframe = false, essential = false): OutMessage {
    return new OutMessage(kind, typeId, timestamp, { parts: [payload], length: payload.length }, this.chunkSize, keyframe, essential);
  }

  /**
   * `onMetaData` (already stripped of `@setDataFrame`), as an AMF0 data message body. Sent with timestamp 0: a
   * script tag at a later time makes ffmpeg's FLV demuxer open an extra (subtitle) stream for it.
   */
  setMetadata(payload: Buffer): void {
    this.metadata = this.out('data', MSG.dataAmf0, 0, payload, false, true);
    this.fanOut(this.metadata);
  }

  /** Any other AMF0 data message (`onCuePoint`, `onTextData`, ...): forwarded live, not cached. */
  publishData(payload: Buffer, timestamp: number): void {
    this.fanOut(this.out('data', MSG.dataAmf0, timestamp, payload));
  }

  /** A message from the publisher (its body in one piece, or as the parser's views): cache what joiners need and fan it out. */
  publish(msg: RtmpMessage | RtmpMessageParts): void {
    const isVideo = msg.typeId === MSG.video;
    const body = 'parts' in msg ? msg : { parts: [msg.payload], length: msg.payload.length };
    if (body.length === 0) return;
    // The FLV tag header is in the first two bytes (only a 1-byte first chunk splits them).
    const first = body.parts[0]!;
    const head = first.length >= 2 || body.parts.length === 1 ? first : Buffer.concat(body.parts, body.length).subarray(0, 2);
    if (isVideo ? isVideoSequenceHeader(head) : isAudioSequenceHeader(head)) {
      // Kept for the stream's life: its own copy, not views that would keep the publisher's read buffers alive.
      const payload = 'parts' in msg ? Buffer.concat(msg.parts, msg.length) : msg.payload;
      const m = this.out(isVideo ? 'video' : 'audio', msg.typeId, msg.timestamp, payload, false, true);
      if (isVideo) this.videoHeader = m;
      else this.audioHeader = m;
      this.fanOut(m);
      return;
    }
    const keyframe = isVideo && isVideoKeyframe(head);
    const m = new OutMessage(isVideo ? 'video' : 'audio', msg.typeId, msg.timestamp, body, this.chunkSize, keyframe);
    this.cache(m);
    this.fanOut(m);
  }

  private cache(m: OutMessage): void {
    if (m.keyframe) {
      this.clearGop();
    } else if (this.gop.length === 0) {
      return; // no keyframe yet (or audio-only, or overflowed): players start live
    } else if (this.gopBytes + this.cacheCost(m) > this.limits.maxGopBytes || this.gop.length >= this.limits.maxGopMessages) {
      this.clearGop();
      return;
    }
    const bytes = this.gopBytes + this.cacheCost(m);
    if (bytes > this.gopCharged && this.gopAccount !== null) {
      const step = Math.ceil((bytes - this.gopCharged) / GOP_CHARGE_STEP) * GOP_CHARGE_STEP;
      if (!this.gopAccount.charge(step)) {
        // Over the server's budget: the cache is emptied until the next keyframe, as when it passes `maxGopBytes`.
        this.onGopCut?.(this.gopBytes);
        this.clearGop();
        return;
      }
      this.gopCharged += step;
    }
    this.gopBytes = bytes;
    for (const b of m.held) this.gopBuffers.add(b);
    this.gop.push(m);
  }

  /** Empties the GOP cache and gives back what it had charged to the server's budget. */
  private clearGop(): void {
    this.gop = [];
    this.gopBytes = 0;
    this.gopBuffers = new WeakSet();
    this.gopAccount?.release(this.gopCharged);
    this.gopCharged = 0;
  }

  /** What caching `m` adds: what it holds of its own, plus the buffers its views keep that are not charged yet. */
  private cacheCost(m: OutMessage): number {
    let bytes = m.ownBytes;
    for (const b of m.held) if (!this.gopBuffers.has(b)) bytes += b.byteLength;
    return bytes;
  }

  /**
   * Runs `fn` (the parsing of one read of the publisher) with every player's writes held, then lets each player's
   * messages go out in one write: a read often carries an audio and a video message, and each write to a socket is
   * a system call plus the loopback's receive path (the bulk of the per-player cost). With `writeHoldMs` > 0 the
   * writes stay held across reads until a read ends with the oldest held message at least that old (or the held
   * bytes past `writeHoldMaxBytes`): one write per player every ~`writeHoldMs` instead of one per read, with no wake-up
   * of its own. A read that comes `writeHoldMs` or more after the previous one is written at once: the stream is slower
   * than the hold, and holding it would only delay it (docs/decisions.md, "RTMP players' writes held a few frames").
   */
  batch(fn: () => void): void {
    const now = Date.now();
    const gapMs = now - this.readAtMs;
    this.readAtMs = now;
    if (this.players.size === 0) return fn();
    for (const p of this.players) {
      if (this.held.has(p)) continue;
      p.cork();
      this.held.add(p);
    }
    try {
      fn();
    } finally {
      if (this.heldSinceMs < 0 || gapMs >= this.holdMs || now - this.heldSinceMs >= this.holdMs || this.heldBytes >= this.holdMaxBytes) this.flush();
    }
  }

  /**
   * The server's 1 s tick: lets a hold go once it is `writeHoldMs` old, when the publisher's reads stopped (while they
   * come, a read lets it go first). Not a timer of the stream's own: a timer due ~`writeHoldMs` after each hold began
   * would wake the process once per hold, however it is cleared or refreshed (docs/decisions.md).
   */
  tick(nowMs: number): void {
    if (this.heldSinceMs < 0 || nowMs - this.heldSinceMs < this.holdMs) return;
    if (this.counters) this.counters.holdTickFlushes++;
    this.flush();
  }

  /** Lets every held player's writes go (one write each) and ends the hold in progress. */
  flush(): void {
    if (this.heldSinceMs >= 0 && this.held.size > 0 && this.counters) this.counters.holdFlushes++;
    this.heldSinceMs = -1;
    this.heldBytes = 0;
    if (this.held.size === 0) return;
    const held = [...this.held];
    this.held.clear();
    for (const p of held) p.uncork();
  }

  /** Removes a player (it stops playing or closes), letting its held writes go; the last one ends the hold. */
  removePlayer(p: PlayerSink): void {
    this.players.delete(p);
    this.release(p);
  }

  /**
   * Lets one player's held writes go now, before the server answers it (a ping, a command): a reply must not wait
   * behind the player's media. The player is corked again by the next read; the last one released ends the hold.
   */
  release(p: PlayerSink): void {
    if (this.held.delete(p)) p.uncork();
    if (this.held.size === 0) this.flush();
  }

  private fanOut(m: OutMessage): void {
    if (this.held.size > 0) {
      if (this.heldSinceMs < 0) this.heldSinceMs = this.readAtMs;
      this.heldBytes += m.bytes;
    }
    for (const p of this.players) p.sendMedia(m);
  }

  /**
   * Messages a joining player gets before the live ones: metadata, sequence headers, then the GOP. The headers are
   * re-stamped with the GOP's first timestamp so the player sees no backwards jump.
   */
  joinBurst(): OutMessage[] {
    const start = this.gop[0]?.timestamp;
    const restamp = (m: OutMessage | null): OutMessage[] => {
      if (!m) return [];
      if (start === undefined || m.timestamp === start) return [m];
      return [this.out(m.kind, m.typeId, start, m.payload, false, true)];
    };
    return [...(this.metadata ? [this.metadata] : []), ...restamp(this.videoHeader), ...restamp(this.audioHeader), ...this.gop];
  }

  /** The publisher left: tell every player, forget the cache. */
  end(): void {
    this.flush();
    const players = [...this.players];
    this.players.clear();
    this.clearGop();
    for (const p of players) p.unpublished();
  }
}
