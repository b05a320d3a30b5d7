import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_CHARS, historyCsv, sessionsCsv } from '../../../src/main/export/csv.ts';
import type { HistoryRow, SessionRow } from '../../../src/shared/types.ts';
import { session } from './fixtures.ts';

const ROWS = 200_000;

describe('200 000-row export streams with bounded memory', () => {
  it('history: pulls rows lazily and yields bounded chunks', async () => {
    let pulled = 0;
    function* rows(): Generator<HistoryRow> {
      for (let i = 0; i < ROWS; i++) {
        pulled++;
        yield { core: 'local', collector: 'hls', group: 'remote', key: `peer-${i}.example.com`, sessions: i, rxBytes: i * 7, txBytes: i * 1_000_003 };
      }
    }
    let maxChunk = 0;
    let chunks = 0;
    let total = 0;
    let maxAhead = 0;
    let progress = 0;
    for await (const chunk of historyCsv(rows(), { onProgress: (n) => (progress = n) })) {
      chunks++;
      total += chunk.length;
      maxChunk = Math.max(maxChunk, chunk.length);
      // Rows pulled from the source but not yet handed out never exceed one chunk's worth.
      maxAhead = Math.max(maxAhead, pulled - progress);
    }
    expect(progress).toBe(ROWS);
    expect(pulled).toBe(ROWS);
    expect(maxChunk).toBeLessThan(DEFAULT_CHUNK_CHARS + 200);
    expect(chunks).toBeGreaterThan(total / (DEFAULT_CHUNK_CHARS + 200));
    expect(maxAhead).toBeLessThan(2000);
  });

  it('sessions: same bound, filters applied on the fly', async () => {
    function* rows(): Generator<SessionRow> {
      for (let i = 0; i < ROWS; i++) yield session({ id: `s${i}`, collector: i % 2 ? 'hls' : 'rtmp', extra: 'x'.repeat(i % 50) });
    }
    let maxChunk = 0;
    let written = 0;
    for await (const chunk of sessionsCsv(rows(), { collectors: ['hls'] }, { chunkChars: 16 * 1024, onProgress: (n) => (written = n) })) {
      maxChunk = Math.max(maxChunk, chunk.length);
    }
    expect(written).toBe(ROWS / 2);
    expect(maxChunk).toBeLessThan(16 * 1024 + 300);
  });

  it('stops when aborted', async () => {
    function* rows(): Generator<HistoryRow> {
      for (let i = 0; ; i++) yield { core: 'l', collector: 'hls', group: 'local', key: String(i), sessions: 1, rxBytes: 1, txBytes: 1 };
    }
    const ac = new AbortController();
    let n = 0;
    await expect(
      (async () => {
        for await (const _chunk of historyCsv(rows(), { signal: ac.signal })) if (++n === 3) ac.abort(new Error('cancelled'));
      })(),
    ).rejects.toThrow('cancelled');
    expect(n).toBe(3);
  });
});
