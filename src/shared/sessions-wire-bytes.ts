/**
 * A `sessions:update` read from the UTF-8 bytes of its JSON (the sessions worker's event stream, stop 33), with its
 * big `hot` number arrays read straight from the bytes into number buffers the reader keeps, and only the rest decoded
 * to text and parsed. At 10 000 sessions a delta is ~330 KiB, nearly all of it the sessions' and streams' hot numbers
 * (sessions-wire.ts); read whole, it cost per push a 330 KiB string (TextDecoder) and, from JSON.parse, a ~320 KiB
 * array of boxed or unboxed numbers, both garbage by the next push: most of what the worker allocates.
 *
 * Only what parses exactly as JSON.parse would is taken from the bytes: a `hot` key of an object at depth 2 (a list
 * delta in a push), its array written without spaces, every element a number of at most 15 significant digits whose
 * power of ten is within ±22 (then the double is one correctly rounded multiply or divide, as JSON.parse gives); any
 * other array, or one under `MIN_CUT_BYTES`, stays in the text for JSON.parse. So a push reads the same either way,
 * and bad input is JSON.parse's to reject.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const H = 0x68;
const O = 0x6f;
const T = 0x74;

/** Arrays shorter than this (in bytes) stay in the text: the cores' and collectors' few numbers, and empty ones. */
const MIN_CUT_BYTES = 1024;

/** Exact powers of ten as doubles (10^0 … 10^22). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** How the encoder's whole snapshot starts (`SessionsFull`, its `kind` first). */
const FULL = Array.from('{"kind":"full"', (ch) => ch.charCodeAt(0));

/** The lists of a delta whose `hot` may be read from the bytes (the keys of `SessionsDelta`). */
const LISTS = ['cores', 'collectors', 'sessions', 'streams'] as const;

export class SessionsUpdateReader {
  readonly #text = new TextDecoder();
  /** A buffer per cut array of a push, in their order: reused by the next push (the decoder reads them at once). */
  #buffers: Float64Array[] = [];
  /** The numbers written per cut array of the last push. */
  #lengths: number[] = [];

  /**
   * The push as JSON.parse would give it, except that a big `hot` array of a list delta is a `Float64Array` view of a
   * buffer this reader reuses for the next push (valid until then). Throws as JSON.parse does on bad JSON.
   */
  read(bytes: Uint8Array): unknown {
    // A whole snapshot (3-4 MB, once) has no `hot` arrays: parsed as it is.
    let full = bytes.length >= FULL.length;
    for (let i = 0; full && i < FULL.length; i++) full = bytes[i] === FULL[i];
    if (full) return JSON.parse(this.#text.decode(bytes));
    const cuts: number[] = [];
    const n = bytes.length;
    let depth = 0;
    for (let i = 0; i < n; ) {
      const b = bytes[i]!;
      if (b === QUOTE) {
        const start = ++i;
        while (i < n && bytes[i] !== QUOTE) i += bytes[i] === BACKSLASH ? 2 : 1;
        // The string is [start, i); a key "hot" of a depth-2 object directly followed by `:[`.
        if (depth === 2 && i - start === 3 && bytes[start] === H && bytes[start + 1] === O && bytes[start + 2] === T && bytes[i + 1] === COLON && bytes[i + 2] === LBRACKET) {
          const open = i + 2;
          const close = this.#numbers(bytes, open + 1, cuts.length / 2);
          if (close !== -1) {
            cuts.push(open, close);
            i = close + 1;
            continue;
          }
        }
        i++;
        continue;
      }
      if (b === LBRACE || b === LBRACKET) depth++;
      else if (b === RBRACE || b === RBRACKET) depth--;
      i++;
    }
    if (cuts.length === 0) return JSON.parse(this.#text.decode(bytes));
    // The text with each cut array (brackets included) as a marker string: `"hot":"\u0000" + its index`.
    let text = '';
    let from = 0;
    for (let c = 0; c < cuts.length; c += 2) {
      text += `${this.#text.decode(bytes.subarray(from, cuts[c]))}"\\u0000${c / 2}"`;
      from = cuts[c + 1]! + 1;
    }
    text += this.#text.decode(bytes.subarray(from));
    const parsed = JSON.parse(text) as Record<string, unknown> | null;
    // Each cut claimed by one list delta, once; anything else (a cut in another object, a marker in the input) is not a
    // push this reader knows: JSON.parse's reading of the whole.
    const lists: { hot: unknown }[] = [];
    const claimed = new Array<boolean>(cuts.length / 2).fill(false);
    if (parsed && typeof parsed === 'object') {
      for (const list of LISTS) {
        const d = parsed[list] as { hot?: unknown } | null | undefined;
        if (!d || typeof d !== 'object' || typeof d.hot !== 'string' || d.hot[0] !== '\u0000') continue;
        const k = Number(d.hot.slice(1));
        if (claimed[k] !== false) return JSON.parse(this.#text.decode(bytes));
        claimed[k] = true;
        lists.push(d as { hot: unknown });
      }
    }
    if (claimed.includes(false)) return JSON.parse(this.#text.decode(bytes));
    for (const d of lists) {
      const k = Number((d.hot as string).slice(1));
      d.hot = this.#buffers[k]!.subarray(0, this.#lengths[k]);
    }
    return parsed;
  }

  /**
   * Reads the numbers of an array from `at` (after its `[`) into buffer `k`; returns the index of its `]`, or -1 when
   * the array is short or holds anything but numbers this reader parses exactly.
   */
  #numbers(bytes: Uint8Array, at: number, k: number): number {
    const n = bytes.length;
    let buffer = this.#buffers[k] ?? new Float64Array(1024);
    let count = 0;
    let i = at;
    if (bytes[i] === RBRACKET) return -1;
    for (;;) {
      // -?(0|[1-9][0-9]*)(\.[0-9]+)?, no exponent: JSON.stringify writes one only beyond 1e21 or below 1e-6.
      let negative = false;
      if (bytes[i] === MINUS) {
        negative = true;
        i++;
      }
      let mantissa = 0;
      let digits = 0;
      let scale = 0;
      let c = bytes[i]!;
      if (c < ZERO || c > NINE) return -1;
      if (c === ZERO) {
        i++;
        c = bytes[i]!;
      } else {
        while (c >= ZERO && c <= NINE) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
          c = bytes[++i]!;
        }
      }
      if (c === DOT) {
        c = bytes[++i]!;
        if (c < ZERO || c > NINE) return -1;
        while (c >= ZERO && c <= NINE) {
          mantissa = mantissa * 10 + (c - ZERO);
          if (mantissa !== 0) digits++;
          scale++;
          c = bytes[++i]!;
        }
      }
      // Up to 15 digits the mantissa is exact (< 2^53), and so is 10^scale up to 22: one rounding, JSON.parse's value.
      if (digits > 15 || scale > 22) return -1;
      const v = scale === 0 ? mantissa : mantissa / POW10[scale]!;
      if (count === buffer.length) {
        const grown = new Float64Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      buffer[count++] = negative ? -v : v;
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c !== RBRACKET || i - at < MIN_CUT_BYTES || i >= n) return -1;
      this.#buffers[k] = buffer;
      this.#lengths[k] = count;
      return i;
    }
  }
}
