/**
 * Splits a `text/event-stream` into events (the dashboard's push channel in a browser, /api/ui/events), in bytes.
 *
 * A snapshot of 10 000 sessions is a few MB in one `data:` line and arrives in many network chunks. The reader before
 * stop 25 appended each chunk to one string and searched it from the start for the blank line that ends an event,
 * which flattened and scanned the whole growing string once per chunk (quadratic in the event's size: 30 ms per
 * update at 10 000 sessions, in tasks that delay frames). Here each chunk is searched once, kept as a part, and the
 * parts are copied once per event into the event's own buffer.
 *
 * Bytes, not text (stop 32): the page's main thread no longer decodes a push it only hands on. The `sessions:update`
 * event's data goes to the sessions worker as the UTF-8 bytes of its JSON, which the worker decodes and parses; only
 * the small channels are decoded here (their listeners want objects).
 */

const LF = 0x0a;
const EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74, 0x3a]; // "event:"
const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // "data:"

function startsWith(bytes: Uint8Array, from: number, prefix: readonly number[]): boolean {
  if (bytes.length - from < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[from + i] !== prefix[i]) return false;
  return true;
}

/** The parts joined into one new buffer (the event's own: it can be posted or moved without the stream's chunks). */
function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export class SseParser {
  #parts: Uint8Array[] = [];
  /** The pending bytes (the parts) end with `\n`: a chunk starting with `\n` completes the blank line. */
  #pendingEndsWithNewline = false;
  readonly #onEvent: (event: string, data: Uint8Array<ArrayBuffer>) => void;
  readonly #text = new TextDecoder();

  /**
   * `onEvent(name, data)`: `name` is `message` unless the event has an `event:` line; `data` is the UTF-8 bytes of the
   * data lines joined by `\n`, a view of a buffer of this event's alone (a few bytes of the event's other lines beside).
   */
  constructor(onEvent: (event: string, data: Uint8Array<ArrayBuffer>) => void) {
    this.#onEvent = onEvent;
  }

  /**
   * Feeds a chunk of the stream; calls `onEvent` for each event it completes. The part of the chunk after its last
   * complete event is kept, not copied, until that event completes (a fetch stream's chunks are new buffers, never
   * refilled; copying them cost a second copy of every multi-chunk event, ~330 KiB per `sessions:update` at 10 000
   * sessions, stop 33): the caller must not change a chunk after pushing it.
   */
  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.#pendingEndsWithNewline && chunk[0] === LF) {
      const pending = concat(this.#parts);
      this.#parts = [];
      this.#emit(pending.subarray(0, pending.length - 1));
      from = 1;
    }
    for (;;) {
      let end = chunk.indexOf(LF, from);
      while (end !== -1 && chunk[end + 1] !== LF) end = chunk.indexOf(LF, end + 1);
      if (end === -1) break;
      // The stream's chunk is the reader's: the event is copied out of it (with the parts before, once).
      const block = this.#parts.length === 0 ? chunk.slice(from, end) : concat([...this.#parts, chunk.subarray(from, end)]);
      this.#parts = [];
      this.#emit(block);
      from = end + 2;
    }
    if (from < chunk.length) this.#parts.push(from === 0 ? chunk : chunk.subarray(from));
    const last = this.#parts[this.#parts.length - 1];
    this.#pendingEndsWithNewline = last !== undefined && last[last.length - 1] === LF;
  }

  #emit(block: Uint8Array<ArrayBuffer>): void {
    let event = 'message';
    const data: Uint8Array<ArrayBuffer>[] = [];
    for (let start = 0; start <= block.length; ) {
      let end = block.indexOf(LF, start);
      if (end === -1) end = block.length;
      if (startsWith(block, start, EVENT)) event = this.#text.decode(block.subarray(start + EVENT.length, end)).trim();
      else if (startsWith(block, start, DATA)) data.push(block.subarray(start + DATA.length + (block[start + DATA.length] === 0x20 ? 1 : 0), end));
      start = end + 1;
    }
    if (data.length === 0) return;
    if (data.length === 1) return this.#onEvent(event, data[0]!);
    const joined: Uint8Array[] = [];
    for (const d of data) joined.push(d, new Uint8Array([LF]));
    joined.pop();
    this.#onEvent(event, concat(joined));
  }
}
