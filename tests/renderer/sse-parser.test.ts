import { describe, expect, it } from 'vitest';
import { SseParser } from '../../src/renderer/src/api/sse-parser.ts';

/** The stream cut where the strings are cut, fed as bytes; each event's data decoded for the comparison. */
function parse(chunks: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const p = new SseParser((e, d) => out.push([e, new TextDecoder().decode(d)]));
  for (const c of chunks) p.push(new TextEncoder().encode(c));
  return out;
}

const STREAM = 'event: sessions:update\ndata: {"a":1}\n\n: keep-alive comment\n\ndata:x\ndata: y\n\nevent:alerts\ndata: []\n\nevent: partial\ndata: never ends';
const EVENTS: Array<[string, string]> = [
  ['sessions:update', '{"a":1}'],
  ['message', 'x\ny'],
  ['alerts', '[]'],
];

describe('SseParser', () => {
  it('reads events, named and unnamed, multi-line data, and skips comment-only blocks', () => {
    expect(parse([STREAM])).toEqual(EVENTS);
  });

  it('gives the same events however the stream is cut into chunks (every split point, every pair of split points)', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      expect(parse([STREAM.slice(0, i), STREAM.slice(i)])).toEqual(EVENTS);
      for (let j = i; j <= STREAM.length; j += 3) expect(parse([STREAM.slice(0, i), STREAM.slice(i, j), STREAM.slice(j)])).toEqual(EVENTS);
    }
    expect(parse([...STREAM])).toEqual(EVENTS); // one character at a time
  });

  it('joins a multi-MB data line sent in 64 KiB chunks once, intact', () => {
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, rxBitsPerSec: i * 7, remote: `198.51.100.${i % 250}` })));
    const text = `event: sessions:update\ndata: ${big}\n\nevent: sessions:update\ndata: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 65_536) chunks.push(text.slice(i, i + 65_536));
    expect(chunks.length).toBeGreaterThan(20);
    const events = parse(chunks);
    expect(events).toHaveLength(2);
    expect(events[1]![0]).toBe('sessions:update');
    expect(events[1]![1]).toBe(big);
  });

  it("hands each event's data in a buffer of its own (the stream's chunks are not kept), UTF-8 intact across chunks", () => {
    const text = 'event: sessions:update\ndata: {"name":"Käse ☕ 🎥"}\n\n';
    const bytes = new TextEncoder().encode(text);
    for (let i = 1; i < bytes.length; i++) {
      const got: Uint8Array[] = [];
      const p = new SseParser((_e, d) => got.push(d));
      const first = bytes.slice(0, i);
      const second = bytes.slice(i);
      p.push(first);
      p.push(second);
      first.fill(0);
      second.fill(0);
      expect(got).toHaveLength(1);
      expect(got[0]!.buffer).not.toBe(first.buffer);
      expect(got[0]!.buffer).not.toBe(second.buffer);
      expect(new TextDecoder().decode(got[0])).toBe('{"name":"Käse ☕ 🎥"}');
    }
  });
});
