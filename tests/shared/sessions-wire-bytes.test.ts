import { describe, expect, it } from 'vitest';
import { SessionsUpdateReader } from '../../src/shared/sessions-wire-bytes.ts';
import { SessionsDecoder, SessionsEncoder, type SessionsUpdate } from '../../src/shared/sessions-wire.ts';
import { StreamModel } from '../../src/shared/streams.ts';
import type { CoreInfo, SessionRow } from '../../src/shared/types.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The reader's result with every typed array made a plain one (what JSON.parse gives), to compare with toEqual. */
function plain(value: unknown): unknown {
  if (value instanceof Float64Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

const CORES: CoreInfo[] = [{ id: 'r1', name: 'Studio A', kind: 'remote', url: 'http://10.0.0.2:8080', state: 'online', rttMs: 3, lastSuccessMs: 1000 }];

/**
 * 1 000 sessions in 200 streams whose rates and counters change every push, some not at all: rates as a Core's kbit/s
 * with three decimals times 1024 (parse.ts), counters by whole bytes, some rates -0.
 */
function pushes(count: number): string[] {
  let seed = 7;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  let rows: SessionRow[] = Array.from({ length: 1000 }, (_, i) => ({
    core: 'r1', collector: i % 5 === 0 ? 'rtmp' : 'hls', id: `s${i} "hot":[1,2] \\ é`, reference: `st${i % 200}`, createdAtMs: 1000,
    location: i % 5 === 0 ? `publish:/live/st${i % 200}` : `/memfs/st${i % 200}.m3u8`, peer: '198.51.100.7:5000', extra: '', rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
  }));
  const encoder = new SessionsEncoder();
  const model = new StreamModel();
  const out: string[] = [];
  for (let p = 0; p < count; p++) {
    rows = rows.map((r, i) => {
      const bits = i % 7 === 0 ? r.txBitsPerSec : (Math.round(rand() * 6e6) / 1000) * 1024;
      return { ...r, txBitsPerSec: bits, txBytes: r.txBytes + Math.round(bits / 8), rxBitsPerSec: i % 11 === 0 ? -0 : r.rxBitsPerSec };
    });
    const snapshot = { atMs: 1000 * (p + 1), cores: CORES, collectors: [], sessions: rows };
    out.push(JSON.stringify(encoder.encode({ ...snapshot, streams: model.update(snapshot) })));
  }
  return out;
}

describe('SessionsUpdateReader', () => {
  it("reads the encoder's pushes as JSON.parse does, the sessions' and streams' hot numbers from the bytes", () => {
    const reader = new SessionsUpdateReader();
    const decoder = new SessionsDecoder({ inPlace: true });
    const parsedDecoder = new SessionsDecoder({ inPlace: true });
    const texts = pushes(6);
    for (const [p, text] of texts.entries()) {
      const read = reader.read(bytes(text)) as SessionsUpdate;
      const parsed = JSON.parse(text) as SessionsUpdate;
      if (p === 0) expect(read.kind).toBe('full');
      else if (read.kind === 'delta') {
        expect(read.sessions.hot).toBeInstanceOf(Float64Array);
        expect(read.sessions.hot.length).toBeGreaterThan(1000);
        // Every number the same double, -0 included.
        const want = (parsed as typeof read).sessions.hot;
        for (let i = 0; i < want.length; i++) expect(Object.is(read.sessions.hot[i], want[i]), `number ${i}`).toBe(true);
      } else throw new Error('expected a delta');
      expect(plain(read)).toEqual(parsed);
      // Applied at once (the reader's buffers are the next push's), the state is the one JSON.parse's push gives.
      const a = decoder.apply(read);
      const b = parsedDecoder.apply(parsed);
      if (!a.ok || !b.ok) throw new Error('not applied');
      expect(a.snapshot).toEqual(b.snapshot);
    }
  });

  it('gives JSON.parse\'s double for every number form, reading from the bytes only what it parses exactly', () => {
    const forms = [0, -0, 1, -1, 7, 123456789012345, 999999999999999, 0.5, -0.125, 1234567.875, 0.1, 0.3, 2.675, 1e-6, 123.456789012345, 0.000001234, 5e-324, 1e21, 1.7976931348623157e308, 0.1 + 0.2, 1 / 3, 2 ** 53 + 2, 2 ** 53 + 1, 2 ** 52 + 0.5];
    let seed = 3;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) forms.push(rand() * 10 ** Math.floor(rand() * 16), Math.round(rand() * 1e9) / 8, -Math.round(rand() * 1e12) / 1000);
    const hot = Array.from({ length: 200 }, (_, i) => forms.slice(i * 31, i * 31 + 31)).flat();
    const text = JSON.stringify({ kind: 'delta', sessions: { removed: [], added: [], replaced: [], hot }, streams: { removed: [], added: [], replaced: [], hot: hot.filter((v) => !String(v).includes('e') && String(v).replace(/[-.]/g, '').replace(/^0+/, '').length <= 15) } });
    const read = new SessionsUpdateReader().read(bytes(text)) as { sessions: { hot: ArrayLike<number> }; streams: { hot: ArrayLike<number> } };
    const parsed = JSON.parse(text) as typeof read;
    // The sessions' array holds numbers past 15 digits and exponents: left to JSON.parse whole.
    expect(Array.isArray(read.sessions.hot)).toBe(true);
    expect(read.streams.hot).toBeInstanceOf(Float64Array);
    expect(read.streams.hot.length).toBeGreaterThan(1000);
    for (const list of ['sessions', 'streams'] as const) {
      expect(read[list].hot.length).toBe(parsed[list].hot.length);
      for (let i = 0; i < parsed[list].hot.length; i++) expect(Object.is(read[list].hot[i], parsed[list].hot[i]), `${list} ${i}: ${parsed[list].hot[i]}`).toBe(true);
    }
  });

  it('bad input: what JSON.parse throws on, it throws on; what it reads, it reads the same', () => {
    const reader = new SessionsUpdateReader();
    const big = Array.from({ length: 600 }, (_, i) => i * 1.5).join(',');
    const bad = [
      `{"kind":"delta","sessions":{"hot":[${big},]}}`,
      `{"kind":"delta","sessions":{"hot":[${big}`,
      `{"kind":"delta","sessions":{"hot":[${big}]}`,
      `{"kind":"delta","sessions":{"hot":[${big},01]}}`,
      `{"kind":"delta","sessions":{"hot":[${big},-]}}`,
      `{"kind":"delta","sessions":{"hot":[${big},1.]}}`,
      `{"kind":"full"`,
      '',
    ];
    for (const text of bad) expect(() => reader.read(bytes(text)), text.slice(-20)).toThrow(SyntaxError);
    const odd = [
      // A marker's look-alike in the input, a `hot` that is no list delta's, one with spaces, one too short, a string holding `"hot":[`.
      `{"kind":"delta","cores":{"hot":"\\u00000"},"sessions":{"hot":[${big}]}}`,
      `{"kind":"delta","other":{"hot":[${big}]},"sessions":{"hot":[${big}]}}`,
      `{"kind":"delta","sessions":{"hot": [${big}]}}`,
      `{"kind":"delta","sessions":{"hot":[1,2,3]}}`,
      `{"kind":"delta","sessions":{"id":"\\"hot\\":[${big}]","hot":[${big}]}}`,
      `[{"hot":[${big}]}, {"x":{"hot":[${big}]}}]`,
      'null',
      '17',
    ];
    for (const text of odd) expect(plain(reader.read(bytes(text))), text.slice(0, 40)).toEqual(JSON.parse(text));
  });
});
