/**
 * How the RTMP server reads its connections: as a readable stream, into one buffer that every connection shares, or
 * (a publisher) into successive regions of a larger slab.
 *
 * A readable stream allocates a buffer per read (Node copies each read into a backing store of its exact size) and
 * runs the stream's push, 'data' event and nextTick machinery for it. A 6 Mbit/s publisher is read about 60 times a
 * second, each time after ~16 ms of idleness, so that machinery runs cold every time: with a publisher alone the
 * server spends about 15 % less CPU without it (docs/decisions.md, "RTMP receive path"). Node offers
 * `onread: { buffer, callback }` (libuv reads straight into `buffer`, the callback gets the byte count) only to
 * sockets it constructs with that option; an accepted socket is constructed by `net.Server`. So the server accepts
 * with `pauseOnConnect` and moves the accepted handle into a `net.Socket` constructed with `onread`. That needs the
 * accepted socket's `_handle`, an undocumented field; where it is missing (another Node, a wrapped socket) the
 * connection is read as a stream.
 *
 * `onread.buffer` is a function here (`ReadBuffers.next`), asked for the buffer of each next read:
 * - `reused-buffer`: always the server's shared buffer. A read's callback runs to completion before libuv reads into
 *   it again, and nothing may keep a view of it: the chunk parser copies every message.
 * - `slab`: the shared buffer until the connection publishes, then successive regions of a slab the connection owns
 *   (`SLAB_BYTES`), never handed out twice, so the parser keeps views of a publisher's media as it does of a
 *   stream's read buffers, without a buffer (and a stream's machinery) per read. A view keeps its whole slab alive;
 *   the GOP cache charges each slab once (stream-hub.ts). Connections that do not publish (players, handshakes,
 *   refused clients) hold no slab.
 */
import { Socket } from 'node:net';

/** Size of the shared read buffer: libuv's suggested read size, the size of each read Node allocates otherwise. */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Size of a publisher's read slab: ~0.35 s of a 6 Mbit/s stream (a new slab about three times a second instead of
 * a buffer per read), a small fraction of what a publisher's GOP cache may hold (`maxGopBytes`, 16 MiB).
 */
export const SLAB_BYTES = 256 * 1024;

/** A slab region shorter than this is not handed out: the next read takes a new slab. */
export const MIN_REGION_BYTES = 16 * 1024;

/**
 * How a connection is read: as a readable stream ('data' events, a buffer per read), into the shared buffer, or a
 * publisher into slab regions.
 */
export type ReadMode = 'stream' | 'reused-buffer' | 'slab';

export const READ_MODES: readonly ReadMode[] = ['stream', 'reused-buffer', 'slab'];

/** Where a connection's reads go, read by read (`onread.buffer`). */
export class ReadBuffers {
  private readonly shared: Buffer;
  private readonly onSlab: () => void;
  private readonly slabBytes: number;
  private slab: Buffer | null = null;
  private offset = 0;
  private slabs = false;
  private lastFromSlab = false;

  /** `onSlab`: called for each slab taken (the server counts them). */
  constructor(shared: Buffer, onSlab: () => void = () => {}, slabBytes = SLAB_BYTES) {
    this.shared = shared;
    this.onSlab = onSlab;
    this.slabBytes = Math.max(slabBytes, MIN_REGION_BYTES);
  }

  /** From the next read on, read into slab regions (a publisher). One way: no region is ever handed out twice. */
  useSlabs(): void {
    this.slabs = true;
  }

  /** True when the last buffer handed out was a slab region: views of what was read into it stay valid. */
  get stable(): boolean {
    return this.lastFromSlab;
  }

  /** The buffer the next read goes into. */
  next(): Buffer {
    this.lastFromSlab = this.slabs;
    if (!this.slabs) return this.shared;
    if (this.slab === null || this.slab.length - this.offset < MIN_REGION_BYTES) {
      // allocUnsafeSlow: a slab of its own, not a piece of Node's pool that other buffers share.
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.offset = 0;
      this.onSlab();
    }
    return this.slab.subarray(this.offset, Math.min(this.offset + READ_BUFFER_BYTES, this.slab.length));
  }

  /** `bytes` were read into the buffer `next` gave last. */
  filled(bytes: number): void {
    if (this.lastFromSlab) this.offset += bytes;
  }
}

interface HandleOwner {
  _handle?: object | null;
}

/**
 * Starts reading a socket accepted with `pauseOnConnect`: into the buffers `buffers` hands out when its handle can
 * be moved into a socket constructed with `onread`, else (or when `prefer` is `stream`) as a stream. `onBytes` gets
 * each read and whether its bytes stay valid after the call (`stable`; false for the shared buffer, true for slab
 * regions and a stream's own buffers). Returns the socket to use from then on (the accepted one is destroyed without
 * closing its handle when it is replaced; that also settles `net.Server`'s connection count) and the mode it reads in.
 */
export function startReading(
  accepted: Socket,
  buffers: ReadBuffers,
  onBytes: (bytes: Buffer, stable: boolean) => void,
  prefer: ReadMode = 'reused-buffer',
): { socket: Socket; mode: ReadMode } {
  const owner = accepted as unknown as HandleOwner;
  const handle = owner._handle;
  if (prefer !== 'stream' && handle !== null && typeof handle === 'object' && typeof (handle as { useUserBuffer?: unknown }).useUserBuffer === 'function') {
    let socket: Socket | null;
    try {
      socket = new Socket({
        handle,
        readable: true,
        writable: true,
        onread: {
          // Asked once now and after every read (Node's `onread.buffer` as a function).
          buffer: () => buffers.next(),
          callback: (bytesRead: number, buffer: Buffer): boolean => {
            buffers.filled(bytesRead);
            onBytes(buffer.subarray(0, bytesRead), buffers.stable);
            return true; // keep reading: each read is handled before the next one
          },
        },
        // `handle` is not in the typed options: the field Node's own server uses to wrap an accepted handle.
      } as unknown as ConstructorParameters<typeof Socket>[0]);
    } catch {
      socket = null;
    }
    if (socket !== null) {
      owner._handle = null;
      accepted.destroy();
      return { socket, mode: prefer };
    }
  }
  accepted.on('data', (bytes: Buffer) => onBytes(bytes, true));
  accepted.resume();
  return { socket: accepted, mode: 'stream' };
}
