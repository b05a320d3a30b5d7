import { describe, expect, it } from 'vitest';
import { compareUtf8, indentGo, quote, RawNumber, sortUtf8, stringifyGo, toNumber, toNumberExact } from '../../../src/main/engine/go-json.ts';

describe('toNumber (spec §2.5)', () => {
  it.each([
    [0, '0'],
    [10, '10'],
    [100, '100'],
    [-3, '-3'],
    [1536 / 1024, '1.500'], // §6.20
    [2510028.8 / 1024 / 1024, '2.394'], // §6.20
    [2510028.8 / 1024, '2451.200'],
    [6000000 / 1024, '5859.375'],
    [6000000 / 1024 / 1024, '5.722'],
    [410 / 1024, '0.400'],
    [410 / 1024 / 1024, '0.000'],
    [1e-9, '0.000'], // §6.21
    [(2 * 524288) / 1024 / 1024, '1'], // §6.19
    [7.8125, '7.812'], // ties: half to even
    [0.0625, '0.062'],
    [0.1875, '0.188'],
    [0.3125, '0.312'],
    [0.4375, '0.438'],
    [-7.8125, '-7.812'],
    [-0.0625, '-0.062'],
    [8000 / 1024, '7.812'], // §6.18: a steady 1000 B/s
    [0.0005, '0.001'], // not a tie: the double is above 0.0005
    [0.0015, '0.002'],
    [1.0005, '1.000'], // the double is below 1.0005
    [2.675, '2.675'],
    [1e17 + 0.5, '100000000000000000'], // integral after rounding to a double
    [1e20, '100000000000000000000.000'], // integral but outside int64: Go prints 3 decimals
    [1e15 + 0.5, '1000000000000000.500'],
    [2 ** 63, '9223372036854775808.000'], // outside int64: Go prints 3 decimals
    [-(2 ** 63), '-9223372036854775808'], // int64 min is integral
    [1e22, '10000000000000000000000.000'],
    [Number.NaN, '0'],
    [Number.POSITIVE_INFINITY, '0'],
  ])('%s → %s', (x, text) => {
    expect(toNumber(x)).toBe(text);
    expect(toNumberExact(x)).toBe(text);
  });

  it('agrees with the exact BigInt algorithm on random values and on every sixteenth', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 50_000; i++) {
      const a = rnd() * 10 ** Math.floor(rnd() * 15) * (rnd() < 0.2 ? -1 : 1);
      const b = Math.floor(rnd() * 1e8) / 16;
      const c = Math.floor(rnd() * 1e6) / 2048;
      for (const x of [a, b, c]) expect(toNumber(x)).toBe(toNumberExact(x));
    }
  });

  it('renders what toFixed gets wrong on ties', () => {
    expect((7.8125).toFixed(3)).toBe('7.813');
    expect(toNumber(7.8125)).toBe('7.812');
  });
});

describe('quote (Go encoding/json strings)', () => {
  it('escapes HTML, U+2028/9 and control characters like Go', () => {
    expect(quote('<a href="x">&</a>')).toBe('"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"');
    expect(quote('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(quote('a\nb\rc\td')).toBe('"a\\nb\\rc\\td"');
    expect(quote('\u0000\u0001\u0008\u000b\u000c\u001f\u007f')).toBe('"\\u0000\\u0001\\u0008\\u000b\\u000c\\u001f\u007f"');
    expect(quote('back\\slash')).toBe('"back\\\\slash"');
  });
  it('keeps valid non-ASCII text and replaces lone surrogates with \\ufffd', () => {
    expect(quote('Grüße 😀 ☃')).toBe('"Grüße 😀 ☃"');
    expect(quote('a\ud800b')).toBe('"a\\ufffdb"');
    expect(quote('\udc00')).toBe('"\\ufffd"');
    expect(quote('x\ud83d')).toBe('"x\\ufffd"');
  });
});

describe('key order (Go sorts map keys bytewise)', () => {
  it('sorts by UTF-8 bytes, which differs from UTF-16 order above U+E000', () => {
    const keys = ['\uffff', '😀', 'b', '', 'B', ' hls', 'a', '\u00e9'];
    expect(sortUtf8([...keys])).toEqual(['', ' hls', 'B', 'a', 'b', '\u00e9', '\uffff', '😀']);
    expect([...keys].sort()).not.toEqual(sortUtf8([...keys]));
    const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
    const pool = ['a', 'ab', '\u00ff', '\ue000', '\uffee', '😀', '𝄞', 'z', ''];
    for (const x of pool) for (const y of pool) expect(Math.sign(compareUtf8(x, y))).toBe(Math.sign(Buffer.compare(bytes(x), bytes(y))));
  });
});

describe('stringifyGo and indentGo', () => {
  it('keeps struct (object) order and sorts Map keys', () => {
    const v = { z: 1, a: new Map([['b', 2], ['a', 1]]), n: new RawNumber('1.500'), l: [], o: {}, s: '<' };
    expect(stringifyGo(v)).toBe('{"z":1,"a":{"a":1,"b":2},"n":1.500,"l":[],"o":{},"s":"\\u003c"}');
  });
  it('indents like json.MarshalIndent with two spaces', () => {
    expect(indentGo('{"a":[],"b":{"c":[1,"x,{}:\\""],"d":{}},"e":1.500}')).toBe(
      '{\n  "a": [],\n  "b": {\n    "c": [\n      1,\n      "x,{}:\\""\n    ],\n    "d": {}\n  },\n  "e": 1.500\n}',
    );
  });
});

describe('sortedOrder (radix order of many keys)', () => {
  it('equals a comparator sort by UTF-8 bytes, for shared prefixes, prefixes of each other, and non-Latin-1 units', async () => {
    const { compareUtf8, sortedOrder } = await import('../../../src/main/engine/go-json.ts');
    let seed = 1;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const alphabet = ['a', 'b', '.', ':', '0', '9', '\u00fe', '\u00ff', '\u0100', '\ue000', '\u{1F600}', '\u0000', '~'];
    const set = new Set<string>(['', 'a', 'aaaaaaaa', 'aaaaaaaab', 'aaaaaaa']);
    for (let i = 0; i < 20_000; i++) {
      const prefix = ['viewer-1', '198.51.100.', 'x', ''][rnd(4)]!;
      let k = prefix;
      const len = rnd(14);
      for (let j = 0; j < len; j++) k += rnd(20) === 0 ? alphabet[rnd(alphabet.length)] : String.fromCharCode(0x2e + rnd(12));
      set.add(k);
    }
    const keys = [...set];
    const order = sortedOrder(keys);
    expect(Array.from(order, (i) => keys[i])).toEqual([...keys].sort(compareUtf8));
    expect(Array.from(sortedOrder([]))).toEqual([]);
  });
});
