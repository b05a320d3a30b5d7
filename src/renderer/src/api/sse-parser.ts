/**
 * Splits a `text/event-stream` into events (the dashboard's push channel in a browser, /api/ui/events).
 *
 * A snapshot of 10 000 sessions is a few MB in one `data:` line and arrives in many network chunks. The reader this
 * replaces appended each chunk to one string and searched it from the start for the blank line that ends an event,
 * which flattened and scanned the whole growing string once per chunk (quadratic in the event's size: 30 ms per
 * update at 10 000 sessions, in tasks that delay frames). Here each chunk is searched once, kept as a part, and the
 * parts are joined once per event.
 */
export class SseParser {
  #parts: string[] = [];
  /** The pending text (the parts) ends with `\n`: a chunk starting with `\n` completes the blank line. */
  #pendingEndsWithNewline = false;
  readonly #onEvent: (event: string, data: string) => void;

  /** `onEvent(name, data)`: `name` is `message` unless the event has an `event:` line; data lines are joined by `\n`. */
  constructor(onEvent: (event: string, data: string) => void) {
    this.#onEvent = onEvent;
  }

  /** Feeds decoded text; calls `onEvent` for each event it completes. */
  push(text: string): void {
    let from = 0;
    if (this.#pendingEndsWithNewline && text.startsWith('\n')) {
      const pending = this.#parts.join('');
      this.#parts = [];
      this.#emit(pending.slice(0, -1));
      from = 1;
    }
    for (;;) {
      const end = text.indexOf('\n\n', from);
      if (end === -1) break;
      this.#parts.push(text.slice(from, end));
      const block = this.#parts.join('');
      this.#parts = [];
      this.#emit(block);
      from = end + 2;
    }
    if (from < text.length) this.#parts.push(from === 0 ? text : text.slice(from));
    this.#pendingEndsWithNewline = this.#parts.length > 0 && this.#parts[this.#parts.length - 1]!.endsWith('\n');
  }

  #emit(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(line[5] === ' ' ? 6 : 5));
    }
    if (data.length > 0) this.#onEvent(event, data.join('\n'));
  }
}
