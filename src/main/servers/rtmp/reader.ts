/**
 * How the RTMP server reads its connections: into one buffer that every connection shares and that is reused for
 * every read, instead of through the socket's readable stream.
 *
 * A readable stream allocates a buffer per read (Node copies each read into a backing store of its exact size) and
 * runs the stream's push, 'data' event and nextTick machinery for it. A 6 Mbit/s publisher is read about 60 times a
 * second, each time after ~16 ms of idleness, so that machinery runs cold every time: with a publisher alone the
 * server spends about 15 % less CPU without it (docs/decisions.md, "RTMP receive path"). Node offers
 * `onread: { buffer, callback }` (libuv reads straight into `buffer`, the callback gets the byte count) only to
 * sockets it constructs with that option; an accepted socket is constructed by `net.Server`. So the server accepts with `pauseOnConnect` and moves
 * the accepted handle into a `net.Socket` constructed with `onread`. That needs the accepted socket's `_handle`, an
 * undocumented field; where it is missing (another Node, a wrapped socket) the connection is read as a stream.
 *
 * The buffer is shared: a read's callback runs to completion before libuv reads into the buffer again, and the
 * callback must not keep any view of it (the chunk parser copies what it keeps; see `RtmpConnection`).
 *
 * Not the server's default: in the app those copies (an ArrayBuffer per media message, kept two seconds by the GOP
 * cache) brought back about one mark-compact more per 15 s, which ate the gain (docs/decisions.md).
 */
import { Socket } from 'node:net';

/** Size of the shared read buffer: libuv's suggested read size, the size of each read Node allocates otherwise. */
export const READ_BUFFER_BYTES = 64 * 1024;

/** How a connection is read: into the shared buffer, or as a readable stream ('data' events, a buffer per read). */
export type ReadMode = 'reused-buffer' | 'stream';

interface HandleOwner {
  _handle?: object | null;
}

/**
 * Starts reading a socket accepted with `pauseOnConnect`: into `buffer` when its handle can be moved into a socket
 * constructed with `onread`, else (or when `prefer` says so) as a stream. `onBytes` gets each read; with
 * `reused-buffer` its argument is a view of `buffer`, valid only during the call. Returns the socket to use from
 * then on (the accepted one is destroyed without closing its handle when it is replaced; that also settles
 * `net.Server`'s connection count).
 */
export function startReading(accepted: Socket, buffer: Buffer, onBytes: (bytes: Buffer) => void, prefer: ReadMode = 'reused-buffer'): { socket: Socket; mode: ReadMode } {
  const owner = accepted as unknown as HandleOwner;
  const handle = owner._handle;
  if (prefer === 'reused-buffer' && handle !== null && typeof handle === 'object' && typeof (handle as { useUserBuffer?: unknown }).useUserBuffer === 'function') {
    let socket: Socket | null;
    try {
      socket = new Socket({
        handle,
        readable: true,
        writable: true,
        onread: {
          buffer,
          callback: (bytesRead: number): boolean => {
            onBytes(buffer.subarray(0, bytesRead));
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
      return { socket, mode: 'reused-buffer' };
    }
  }
  accepted.on('data', onBytes);
  accepted.resume();
  return { socket: accepted, mode: 'stream' };
}
