/**
 * AMF0 (Action Message Format, version 0) encoder and decoder: the value encoding of RTMP commands and of FLV
 * script data (`onMetaData`). Only what RTMP peers send is supported; reference (0x07), movie clip (0x04),
 * record set (0x0E) and the AMF3 switch (0x11) are rejected, which makes the command that carries them invalid.
 *
 * Mapping: number ↔ number, boolean ↔ boolean, string and long string ↔ string (the encoder picks long string
 * above 65535 UTF-8 bytes), object ↔ plain object, null ↔ null, undefined ↔ undefined, ECMA array ↔ `AmfEcmaArray`,
 * strict array ↔ Array, date ↔ Date (the time-zone field is read and dropped, written as 0), XML document → string,
 * typed object → plain object.
 */

export const AMF0 = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  movieClip: 0x04,
  null: 0x05,
  undefined: 0x06,
  reference: 0x07,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  xmlDocument: 0x0f,
  typedObject: 0x10,
} as const;

export type AmfValue = number | boolean | string | null | undefined | Date | AmfObject | AmfEcmaArray | AmfValue[];
export interface AmfObject {
  [key: string]: AmfValue;
}

/** An associative ("ECMA") array, kept distinct from an object so that re-encoding gives the same type byte. */
export class AmfEcmaArray {
  readonly props: AmfObject;
  constructor(props: AmfObject = {}) {
    this.props = props;
  }
}

/** Thrown for truncated or malformed AMF0 data. */
export class AmfError extends Error {
  override name = 'AmfError';
}

/** Nesting depth limit: malicious input cannot recurse the decoder into a stack overflow. */
const MAX_DEPTH = 32;

// ---------------------------------------------------------------------------------------------------- decoding

class Reader {
  readonly buf: Buffer;
  pos: number;
  constructor(buf: Buffer, pos: number) {
    this.buf = buf;
    this.pos = pos;
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new AmfError(`truncated AMF0 data at ${this.pos} (+${n})`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  utf8(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

function readProps(r: Reader, depth: number): AmfObject {
  const out: AmfObject = Object.create(null) as AmfObject;
  for (;;) {
    const key = r.utf8(r.u16());
    if (key === '') {
      const marker = r.u8();
      if (marker === AMF0.objectEnd) return out;
      // An empty key with a value: legal but odd; keep it.
      r.pos--;
    }
    out[key] = readValue(r, depth + 1);
  }
}

function readValue(r: Reader, depth: number): AmfValue {
  if (depth > MAX_DEPTH) throw new AmfError('AMF0 nesting too deep');
  const marker = r.u8();
  switch (marker) {
    case AMF0.number:
      return r.f64();
    case AMF0.boolean:
      return r.u8() !== 0;
    case AMF0.string:
      return r.utf8(r.u16());
    case AMF0.longString:
    case AMF0.xmlDocument:
      return r.utf8(r.u32());
    case AMF0.object:
      return readProps(r, depth);
    case AMF0.typedObject:
      r.utf8(r.u16()); // class name, dropped
      return readProps(r, depth);
    case AMF0.null:
      return null;
    case AMF0.undefined:
    case AMF0.unsupported:
      return undefined;
    case AMF0.ecmaArray:
      r.u32(); // count: a hint only, the list ends with the object-end marker
      return new AmfEcmaArray(readProps(r, depth));
    case AMF0.strictArray: {
      const n = r.u32();
      // Every element takes at least one byte: a count beyond the remaining bytes is a lie.
      if (n > r.buf.length - r.pos) throw new AmfError(`strict array count ${n} exceeds data`);
      const arr: AmfValue[] = [];
      for (let i = 0; i < n; i++) arr.push(readValue(r, depth + 1));
      return arr;
    }
    case AMF0.date: {
      const ms = r.f64();
      r.u16(); // time zone, reserved (should be 0)
      return new Date(ms);
    }
    default:
      throw new AmfError(`unsupported AMF0 marker 0x${marker.toString(16)}`);
  }
}

/** Decodes one value at `offset`; returns it and the offset after it. */
export function decodeAmf0Value(buf: Buffer, offset = 0): { value: AmfValue; next: number } {
  const r = new Reader(buf, offset);
  const value = readValue(r, 0);
  return { value, next: r.pos };
}

/** Decodes every value in `buf` (a command or data message body). Throws `AmfError` on malformed input. */
export function decodeAmf0(buf: Buffer, offset = 0): AmfValue[] {
  const r = new Reader(buf, offset);
  const out: AmfValue[] = [];
  while (r.pos < buf.length) out.push(readValue(r, 0));
  return out;
}

// ---------------------------------------------------------------------------------------------------- encoding

class Writer {
  private parts: Buffer[] = [];
  u8(v: number): void {
    const b = Buffer.allocUnsafe(1);
    b[0] = v;
    this.parts.push(b);
  }
  u16(v: number): void {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
  }
  u32(v: number): void {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
  }
  f64(v: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(v);
    this.parts.push(b);
  }
  raw(b: Buffer): void {
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeKey(w: Writer, key: string): void {
  const b = Buffer.from(key, 'utf8');
  if (b.length > 0xffff) throw new AmfError('AMF0 property name too long');
  w.u16(b.length);
  w.raw(b);
}

function writeProps(w: Writer, obj: AmfObject, depth: number): void {
  for (const [k, v] of Object.entries(obj)) {
    writeKey(w, k);
    writeValue(w, v, depth + 1);
  }
  w.u16(0);
  w.u8(AMF0.objectEnd);
}

function writeValue(w: Writer, v: AmfValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new AmfError('AMF0 nesting too deep');
  if (v === null) return w.u8(AMF0.null);
  if (v === undefined) return w.u8(AMF0.undefined);
  switch (typeof v) {
    case 'number':
      w.u8(AMF0.number);
      return w.f64(v);
    case 'boolean':
      w.u8(AMF0.boolean);
      return w.u8(v ? 1 : 0);
    case 'string': {
      const b = Buffer.from(v, 'utf8');
      if (b.length > 0xffff) {
        w.u8(AMF0.longString);
        w.u32(b.length);
      } else {
        w.u8(AMF0.string);
        w.u16(b.length);
      }
      return w.raw(b);
    }
    default:
      break;
  }
  if (v instanceof Date) {
    w.u8(AMF0.date);
    w.f64(v.getTime());
    return w.u16(0);
  }
  if (v instanceof AmfEcmaArray) {
    w.u8(AMF0.ecmaArray);
    w.u32(Object.keys(v.props).length);
    return writeProps(w, v.props, depth);
  }
  if (Array.isArray(v)) {
    w.u8(AMF0.strictArray);
    w.u32(v.length);
    for (const e of v) writeValue(w, e, depth + 1);
    return;
  }
  w.u8(AMF0.object);
  writeProps(w, v, depth);
}

/** Encodes the values one after another (a command: name, transaction id, command object, arguments). */
export function encodeAmf0(...values: AmfValue[]): Buffer {
  const w = new Writer();
  for (const v of values) writeValue(w, v, 0);
  return w.done();
}
