/**
 * A JSON writer that produces what Go's encoding/json (as used by datarhei Core's echo server) produces:
 * compact output plus "\n", struct fields in declaration order, map keys sorted bytewise (UTF-8 order),
 * HTML characters and U+2028/U+2029 escaped, control characters escaped like Go, lone surrogates as \ufffd,
 * and `?pretty` indentation like json.Indent with two spaces (spec §4.1, §7.23).
 *
 * Numbers that Core renders with `toNumber` (spec §2.5) are pre-rendered strings wrapped in `RawNumber`.
 *
 * The one Go-compatible JSON module: the API, the servers' routes and the engine's history file all write with it
 * (it lives in the engine, the lowest layer that needs it). Reading stays `JSON.parse`, which also reads what older
 * versions wrote (a history file with `\ud800` escapes for lone surrogates).
 */

/** A number already rendered as JSON text (e.g. `1.500`); the writer emits it verbatim. */
export class RawNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Values the generic writer accepts. Plain objects keep insertion order (Go structs); `Map`s are sorted (Go maps). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | RawNumber
  | readonly JsonValue[]
  | ReadonlyMap<string, JsonValue>
  | { readonly [key: string]: JsonValue | undefined };

// ---------------------------------------------------------------------------------------------------------------
// Strings

/** Characters that need more than copying: controls, quote, backslash, HTML, U+2028/9 and any surrogate. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;
const HEX = '0123456789abcdef';

/** Quotes a string the way Go's encoder (with HTML escaping on, the default) does. */
export function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20) {
      if (c === 0x0a) rep = '\\n';
      else if (c === 0x0d) rep = '\\r';
      else if (c === 0x09) rep = '\\t';
      else rep = '\\u00' + HEX[c >> 4] + HEX[c & 15];
    } else if (c === 0x22) rep = '\\"';
    else if (c === 0x5c) rep = '\\\\';
    else if (c === 0x3c) rep = '\\u003c';
    else if (c === 0x3e) rep = '\\u003e';
    else if (c === 0x26) rep = '\\u0026';
    else if (c === 0x2028) rep = '\\u2028';
    else if (c === 0x2029) rep = '\\u2029';
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: copied as is (UTF-8 output)
        continue;
      }
      rep = '\\ufffd'; // a lone surrogate has no UTF-8 form; Go writes invalid bytes as \ufffd
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

// ---------------------------------------------------------------------------------------------------------------
// Key order

/** Orders strings by their UTF-8 bytes (= code points), as Go sorts map keys. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (code points >= U+10000) sort after U+E000..U+FFFF in code-point order.
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** A character where UTF-16 order and UTF-8 order can differ. */
const HIGH = /[\ud800-\uffff]/;

/** Sorts in place bytewise by UTF-8 (the native sort when no key holds a character where UTF-16 order differs). */
export function sortUtf8(keys: string[]): string[] {
  for (let i = 0; i < keys.length; i++) if (HIGH.test(keys[i]!)) return keys.sort(compareUtf8);
  return keys.sort();
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

const TWO_63 = 9223372036854775808; // 2^63

/** Go's `float64(int64(f)) == f` on amd64: integral and inside int64 (out-of-range converts to -2^63). */
function isGoIntegral(x: number): boolean {
  return Number.isInteger(x) && x >= -TWO_63 && x < TWO_63;
}

/**
 * Core's `toNumber` (spec §2.5): integral values without decimals, everything else with exactly three
 * decimals, correctly rounded from the exact binary value with exact ties rounded half to even (Go's `%.3f`).
 *
 * Fast path: `toFixed(3)` is correctly rounded except that it breaks exact ties upwards. An exact tie at the
 * third decimal means x·1000 = k + ½, which for a binary double means x·16 is an odd integer; only those go
 * through the exact path.
 */
export function toNumber(x: number): string {
  if (isGoIntegral(x)) return x === 0 && 1 / x < 0 ? '-0' : Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
  if (!Number.isFinite(x)) return '0'; // Go would fail to encode NaN/Inf; we render 0 rather than break the body
  const ax = Math.abs(x);
  if (ax < 1e21) {
    const x16 = x * 16;
    if (!Number.isInteger(x16) || x16 % 2 === 0) return x.toFixed(3);
  }
  return toNumberExact(x);
}

/** The exact algorithm (BigInt on the double's mantissa and exponent); also the reference for tests. */
export function toNumberExact(x: number): string {
  if (isGoIntegral(x)) return x === 0 && 1 / x < 0 ? '-0' : BigInt(x).toString();
  if (!Number.isFinite(x)) return '0';
  const { mantissa, exponent, negative } = decompose(x);
  // |x| = mantissa · 2^exponent. Scaled by 1000: numerator / denominator.
  let num = mantissa * 1000n;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  let q = num / den;
  const r = num - q * den;
  const twice = r * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  const digits = q.toString().padStart(4, '0');
  const text = digits.slice(0, -3) + '.' + digits.slice(-3);
  return negative ? '-' + text : text;
}

function decompose(x: number): { mantissa: bigint; exponent: number; negative: boolean } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  return { mantissa, exponent, negative };
}

/** A Go integer field (uint64/int counters): whole number text; non-integral input is truncated. */
export function toInt(x: number): string {
  if (Number.isSafeInteger(x)) return String(x);
  if (!Number.isFinite(x)) return '0';
  return BigInt(Math.trunc(x)).toString();
}

// ---------------------------------------------------------------------------------------------------------------
// Generic writer (small bodies: errors, about, login). Session bodies use the specialised writers in sessions.ts.

/** Serialises a value compactly, without the trailing newline. */
export function stringifyGo(value: JsonValue): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Number.isInteger(value) ? toInt(value) : Number.isFinite(value) ? String(value) : '0';
    case 'boolean':
      return value ? 'true' : 'false';
  }
  if (value instanceof RawNumber) return value.text;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stringifyGo(value[i] as JsonValue);
    return out + ']';
  }
  if (value instanceof Map) {
    const keys = sortUtf8([...value.keys()] as string[]);
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += (i ? ',' : '') + quote(keys[i]!) + ':' + stringifyGo(value.get(keys[i]!) as JsonValue);
    return out + '}';
  }
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, JsonValue | undefined>)) {
    if (v === undefined) continue;
    out += (first ? '' : ',') + quote(k) + ':' + stringifyGo(v);
    first = false;
  }
  return out + '}';
}

/**
 * Re-indents compact JSON like Go's json.Indent(prefix "", indent "  "): empty objects and arrays stay `{}`/`[]`,
 * `": "` after keys, one element per line.
 */
export function indentGo(compact: string): string {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  const n = compact.length;
  const newline = (d: number): string => '\n' + '  '.repeat(d);
  for (let i = 0; i < n; i++) {
    const c = compact.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      const next = compact.charCodeAt(i + 1);
      if (next === (c === 0x7b ? 0x7d : 0x5d)) {
        i++; // empty: keep compact
        continue;
      }
      depth++;
      parts.push(compact.slice(start, i + 1), newline(depth));
      start = i + 1;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      parts.push(compact.slice(start, i), newline(depth));
      start = i;
    } else if (c === 0x2c) {
      parts.push(compact.slice(start, i + 1), newline(depth));
      start = i + 1;
    } else if (c === 0x3a) {
      parts.push(compact.slice(start, i + 1), ' ');
      start = i + 1;
    }
  }
  parts.push(compact.slice(start));
  return parts.join('');
}

/** The response body Core sends: compact (or indented when `pretty`) plus a trailing newline. */
export function encodeBody(compact: string, pretty: boolean): string {
  return (pretty ? indentGo(compact) : compact) + '\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Byte writer (large session bodies): appends into a reusable Buffer and hands out copies of what was written
// (`take`), so a body of many small pieces costs no intermediate strings (and little garbage for the GC).

/** JSON text encoded once as UTF-8, to be copied by `ByteWriter.bytes`. */
export interface Utf8Bytes {
  bytes: Uint8Array;
  ascii: boolean;
}

export function utf8Bytes(text: string): Utf8Bytes {
  const bytes = Buffer.from(text, 'utf8');
  return { bytes, ascii: bytes.length === text.length };
}

const INITIAL = 1 << 16;

/**
 * Writes JSON text into its own growing buffer (kept between uses). `raw` copies text verbatim, `str` quotes like
 * `quote()`, `uint` writes a Go integer. The ASCII fast paths are plain loops; other text goes through `quote()`
 * and a UTF-8 write. Synchronous use only: `begin()` … `end()`.
 */
export class ByteWriter {
  #buf = Buffer.allocUnsafe(INITIAL);
  #pos = 0;
  #ascii = true;

  begin(): this {
    this.#pos = 0;
    this.#ascii = true;
    return this;
  }

  /** Bytes written since `begin()`. */
  get length(): number {
    return this.#pos;
  }

  /** The text written since `begin()`, as one flat string. */
  end(): string {
    return this.#buf.toString(this.#ascii ? 'latin1' : 'utf8', 0, this.#pos);
  }

  /** A copy of the bytes written since `begin()` (the writer's own buffer is reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.#pos);
    this.#buf.copy(out, 0, 0, this.#pos);
    return out;
  }

  /** Copies bytes `start`…`end` written since `begin()` to `target` at `at` (a loop for short ranges: no views). */
  copyTo(target: Uint8Array, at: number, start: number, end: number): void {
    const n = end - start;
    const buf = this.#buf;
    if (n < 256) for (let i = 0; i < n; i++) target[at + i] = buf[start + i]!;
    else target.set(buf.subarray(start, end), at);
  }

  /** Drops a buffer that grew large for a one-off body. */
  release(): void {
    if (this.#buf.length > 1 << 20) this.#buf = Buffer.allocUnsafe(INITIAL);
    this.#pos = 0;
  }

  #room(n: number): Buffer {
    let buf = this.#buf;
    if (this.#pos + n > buf.length) {
      let size = buf.length * 2;
      while (size < this.#pos + n) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      buf.copy(bigger, 0, 0, this.#pos);
      this.#buf = buf = bigger;
    }
    return buf;
  }

  /** Appends a copy of bytes `start`…`end` already written since `begin()`. */
  repeat(start: number, end: number): void {
    const n = end - start;
    const buf = this.#room(n);
    const p = this.#pos;
    for (let i = 0; i < n; i++) buf[p + i] = buf[start + i]!;
    this.#pos += n;
  }

  /** Copies bytes produced by `utf8Bytes` (JSON text as UTF-8). */
  bytes(b: Utf8Bytes): void {
    const n = b.bytes.length;
    const buf = this.#room(n);
    if (n < 64) for (let i = 0, p = this.#pos; i < n; i++) buf[p + i] = b.bytes[i]!;
    else buf.set(b.bytes, this.#pos);
    this.#pos += n;
    if (!b.ascii) this.#ascii = false;
  }

  /** Copies JSON text as is. */
  raw(s: string): void {
    const n = s.length;
    const buf = this.#room(n);
    let p = this.#pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.#pos = p;
        this.#utf8(s.slice(i));
        return;
      }
      buf[p++] = c;
    }
    this.#pos = p;
  }

  /** A quoted JSON string (Go's escaping, see `quote`). */
  str(s: string): void {
    const n = s.length;
    const buf = this.#room(n + 2);
    const start = this.#pos;
    let p = start;
    buf[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
        this.#pos = start;
        this.raw(quote(s));
        return;
      }
      buf[p++] = c;
    }
    buf[p++] = 0x22;
    this.#pos = p;
  }

  /** A Go integer field (see `toInt`). */
  uint(x: number): void {
    if (!(x >= 0 && Number.isSafeInteger(x))) {
      this.raw(toInt(x));
      return;
    }
    const buf = this.#room(16);
    let digits = 1;
    for (let t = x; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.#pos + digits;
    this.#pos = p;
    do {
      const q = Math.floor(x / 10);
      buf[--p] = 0x30 + (x - q * 10);
      x = q;
    } while (x > 0);
  }

  #utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    const buf = this.#room(n);
    this.#pos += buf.write(s, this.#pos, 'utf8');
    this.#ascii = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sorting many keys

/** Ranges this short are sorted with the comparator. */
const RADIX_MIN = 48;

/**
 * The indices of `keys` in bytewise (UTF-8) key order. Keys must be distinct. An MSD radix sort on 8 code units at
 * a time (LSD passes over 16-bit digits of the two 32-bit halves): no string comparison unless 8-unit prefixes tie
 * in a short range or a unit is above U+00FE (then `compareUtf8` for that range).
 */
export function sortedOrder(keys: readonly string[]): Int32Array {
  const n = keys.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n > 1) sortRange(keys, idx, new Int32Array(n), new Uint32Array(n), new Uint32Array(n), 0, n, 0);
  return idx;
}

const counts = new Int32Array(65536);

/** `compareUtf8` of two keys known to be equal before index `at`. */
function compareUtf8From(a: string, b: string, at: number): number {
  const n = Math.min(a.length, b.length);
  for (let i = at; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

function insertionSort(keys: readonly string[], idx: Int32Array, from: number, to: number, at: number): void {
  for (let i = from + 1; i < to; i++) {
    const v = idx[i]!;
    const k = keys[v]!;
    let j = i - 1;
    while (j >= from && compareUtf8From(keys[idx[j]!]!, k, at) > 0) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = v;
  }
}

function sortRange(keys: readonly string[], idx: Int32Array, tmp: Int32Array, hi: Uint32Array, lo: Uint32Array, from: number, to: number, depth: number): void {
  const len = to - from;
  if (len < 2) return;
  const at = depth * 8;
  if (len < RADIX_MIN) {
    insertionSort(keys, idx, from, to, at);
    return;
  }
  // digits: unit + 1 (1..0xff), 0 past the end, so a shorter key sorts first
  for (let i = from; i < to; i++) {
    const k = keys[idx[i]!]!;
    let h = 0;
    let l = 0;
    for (let j = 0; j < 8; j++) {
      const c = at + j < k.length ? k.charCodeAt(at + j) + 1 : 0;
      if (c > 0xff) {
        const part = Array.from(idx.subarray(from, to));
        part.sort((a, b) => compareUtf8From(keys[a]!, keys[b]!, at));
        idx.set(part, from);
        return;
      }
      if (j < 4) h = (h << 8) | c;
      else l = (l << 8) | c;
    }
    hi[i] = h >>> 0;
    lo[i] = l >>> 0;
  }
  // stable LSD passes over lo, then hi
  const src = idx;
  const dst = tmp;
  const hs = new Uint32Array(len);
  const ls = new Uint32Array(len);
  for (let i = 0; i < len; i++) {
    hs[i] = hi[from + i]!;
    ls[i] = lo[from + i]!;
  }
  let order = new Int32Array(len);
  for (let i = 0; i < len; i++) order[i] = i;
  let next = new Int32Array(len);
  // 16-bit digits for long ranges, 8-bit ones for short ranges (fewer buckets to clear)
  const bits = len >= 8192 ? 16 : 8;
  const buckets = 1 << bits;
  const mask = buckets - 1;
  for (let pass = 0; pass < 64 / bits; pass++) {
    const words = pass < 32 / bits ? ls : hs;
    const shift = (pass * bits) % 32;
    counts.fill(0, 0, buckets);
    for (let i = 0; i < len; i++) counts[(words[order[i]!]! >>> shift) & mask]++;
    let sum = 0;
    for (let d = 0; d < buckets; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < len; i++) {
      const o = order[i]!;
      next[counts[(words[o]! >>> shift) & mask]++] = o;
    }
    const t = order;
    order = next;
    next = t;
  }
  for (let i = 0; i < len; i++) dst[from + i] = src[from + order[i]!]!;
  for (let i = 0; i < len; i++) {
    src[from + i] = dst[from + i]!;
    hi[from + i] = hs[order[i]!]!;
    lo[from + i] = ls[order[i]!]!;
  }
  // ties on the 8 units: the keys go on past them (distinct keys), sort those runs on the next 8
  let runStart = from;
  for (let i = from + 1; i <= to; i++) {
    if (i < to && hi[i] === hi[runStart] && lo[i] === lo[runStart]) continue;
    if (i - runStart > 1) sortRange(keys, idx, tmp, hi, lo, runStart, i, depth + 1);
    runStart = i;
  }
}
