import { describe, expect, it } from 'vitest';
import { AmfEcmaArray, AmfError, decodeAmf0, decodeAmf0Value, encodeAmf0 } from '../../../../src/main/servers/rtmp/amf0.ts';

const hex = (b: Buffer): string => b.toString('hex');

describe('AMF0 encoding', () => {
  it('writes every scalar type with the right marker', () => {
    expect(hex(encodeAmf0(1))).toBe('003ff0000000000000');
    expect(hex(encodeAmf0(true, false))).toBe('01010100');
    expect(hex(encodeAmf0('ab'))).toBe('0200026162');
    expect(hex(encodeAmf0(null, undefined))).toBe('0506');
    expect(hex(encodeAmf0(new Date(0)))).toBe('0b' + '0000000000000000' + '0000');
  });

  it('writes objects, ECMA arrays and strict arrays with their terminators', () => {
    expect(hex(encodeAmf0({ a: 1 }))).toBe('03' + '000161' + '003ff0000000000000' + '000009');
    expect(hex(encodeAmf0(new AmfEcmaArray({ a: true })))).toBe('08' + '00000001' + '000161' + '0101' + '000009');
    expect(hex(encodeAmf0([1, 'x']))).toBe('0a' + '00000002' + '003ff0000000000000' + '02000178');
  });

  it('uses a long string above 65535 bytes', () => {
    const s = 'x'.repeat(70_000);
    const b = encodeAmf0(s);
    expect(b[0]).toBe(0x0c);
    expect(b.readUInt32BE(1)).toBe(70_000);
    expect(decodeAmf0(b)).toEqual([s]);
  });
});

describe('AMF0 decoding', () => {
  it('round-trips a connect command', () => {
    const cmd = [
      'connect',
      1,
      { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', fpad: false, capabilities: 15, audioCodecs: 4071, nested: { d: new Date(1_700_000_000_000) } },
    ];
    const out = decodeAmf0(encodeAmf0(...cmd));
    expect(out).toEqual(cmd);
  });

  it('round-trips null, undefined, ECMA arrays, strict arrays, dates and UTF-8', () => {
    const values = [null, undefined, new AmfEcmaArray({ duration: 0, encoder: 'Lavf' }), [1, [2, { x: 'ü' }]], new Date(5), 'ßtrasse', -0.5];
    const out = decodeAmf0(encodeAmf0(...values));
    expect(out[2]).toBeInstanceOf(AmfEcmaArray);
    expect(out).toEqual(values);
  });

  it('reads XML documents as strings, typed objects as objects, unsupported as undefined', () => {
    const xml = Buffer.from('0f00000003616263', 'hex');
    expect(decodeAmf0(xml)).toEqual(['abc']);
    const typed = Buffer.concat([Buffer.from('10000143', 'hex'), Buffer.from('000161' + '0101' + '000009', 'hex')]);
    expect(decodeAmf0(typed)).toEqual([{ a: true }]);
    expect(decodeAmf0(Buffer.from([0x0d]))).toEqual([undefined]);
  });

  it('returns the offset after a value (to strip @setDataFrame without re-encoding)', () => {
    const b = encodeAmf0('@setDataFrame', 'onMetaData', new AmfEcmaArray({ width: 320 }));
    const first = decodeAmf0Value(b);
    expect(first).toEqual({ value: '@setDataFrame', next: 16 });
    expect(decodeAmf0(b.subarray(first.next))).toEqual(['onMetaData', new AmfEcmaArray({ width: 320 })]);
  });

  it('rejects truncated, unknown and hostile input with AmfError', () => {
    const good = encodeAmf0('connect', 1, { app: 'live' });
    // every cut inside a value (not at a value boundary: 10 = after 'connect', 19 = after the transaction id)
    for (let n = 1; n < good.length; n++) {
      if (n === 10 || n === 19) continue;
      expect(() => decodeAmf0(good.subarray(0, n))).toThrow(AmfError);
    }
    expect(() => decodeAmf0(Buffer.from([0x07, 0, 1]))).toThrow(AmfError); // reference
    expect(() => decodeAmf0(Buffer.from([0x11]))).toThrow(AmfError); // AMF3 switch
    expect(() => decodeAmf0(Buffer.from('0affffffff', 'hex'))).toThrow(/strict array count/);
    const deep = Buffer.concat([...Array.from({ length: 100 }, () => Buffer.from('0a00000001', 'hex')), Buffer.from([5])]);
    expect(() => decodeAmf0(deep)).toThrow(/too deep/);
  });

  it('never throws anything but AmfError on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(Array.from({ length: 1 + (i % 40) }, () => Math.floor(Math.random() * 256)));
      try {
        decodeAmf0(b);
      } catch (e) {
        expect(e).toBeInstanceOf(AmfError);
      }
    }
  });
});
