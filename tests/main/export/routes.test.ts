import type { Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvToString } from '../../../src/main/export/csv.ts';
import { exportCsv, exportFileName } from '../../../src/main/export/exports.ts';
import { writeCsvFile } from '../../../src/main/export/file.ts';
import { createExportRoutes, listParam } from '../../../src/main/export/routes.ts';
import { createApi } from '../../../src/main/api/index.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import type { HistoryRow } from '../../../src/shared/types.ts';
import { fixedSource, session } from './fixtures.ts';

const sessions = Array.from({ length: 3000 }, (_, i) =>
  session({ core: i % 3 === 0 ? 'b' : 'local', collector: ['hls', 'rtmp', 'srt'][i % 3], id: `s${i}`, peer: i % 7 === 0 ? '=evil,"x"' : `peer-${i} ü`, txBytes: i * 1000, txBitsPerSec: i * 3.3 }),
);
const history: HistoryRow[] = [
  { core: 'local', collector: 'hls', group: 'remote', key: 'www.example.com', sessions: 2, rxBytes: 0, txBytes: 99 },
  { core: 'b', collector: 'rtmp', group: 'reference', key: 'live', sessions: 1, rxBytes: 5, txBytes: 0 },
];
const source = fixedSource(sessions, history);
const NOW = Date.UTC(2026, 10, 26, 1, 2, 3);
const emptyReader = { ids: () => [], summary: () => zeroSummary(), active: () => [] };

let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  // Mounted as the app mounts them: routes of the API (no auth here).
  const log = memoryLogger();
  const api = createApi({ reader: emptyReader, about: { name: 'test', id: 'test', startedAtMs: NOW }, log, extraRoutes: createExportRoutes({ source, now: () => NOW }) });
  server = createHttpServer({ mounts: api, log });
  const { port } = await listen(server, '127.0.0.1', 0);
  base = `http://127.0.0.1:${port}`;
  dir = await mkdtemp(join(tmpdir(), 'csv-export-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('headless export endpoints', () => {
  it.each([
    ['/api/export/sessions.csv', { kind: 'sessions' as const }],
    ['/api/export/sessions.csv?collectors=hls,rtmp&core=local', { kind: 'sessions' as const, collectors: ['hls', 'rtmp'], core: ['local'] }],
    ['/api/export/sessions.csv?collectors=srt&collectors=hls&text=EVIL', { kind: 'sessions' as const, collectors: ['srt', 'hls'], text: 'EVIL' }],
    ['/api/export/history.csv', { kind: 'history' as const }],
    ['/api/export/history.csv?core=b', { kind: 'history' as const, core: ['b'] }],
  ])('%s equals the app export function and the saved file, byte for byte', async (path, query) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${exportFileName(query.kind, NOW)}"`);
    const expected = Buffer.from(await csvToString(exportCsv(source, query)), 'utf8');
    expect(res.body.equals(expected)).toBe(true);
    const file = join(dir, `${query.kind}.csv`);
    await writeCsvFile(file, exportCsv(source, query));
    expect((await readFile(file)).equals(expected)).toBe(true);
    expect((await readdir(dir)).some((f) => f.endsWith('.partial'))).toBe(false);
  });

  it('answers 404 for other paths and, as every API route (Core\'s router), for other methods', async () => {
    expect((await get('/api/export/nope.csv')).status).toBe(404);
    const res = await fetch(base + '/api/export/sessions.csv', { method: 'POST', signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });

  it('file name has no characters Windows rejects', () => {
    expect(exportFileName('history', NOW)).toBe('core-history-2026-11-26T01-02-03Z.csv');
  });

  it('parses list parameters', () => {
    expect(listParam(new URLSearchParams('collectors=a,b&collectors=c&collectors='), 'collectors')).toEqual(['a', 'b', 'c']);
    expect(listParam(new URLSearchParams('collectors='), 'collectors')).toBeUndefined();
  });

  it('a failed file export leaves nothing behind', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield 'a,b\r\n';
      throw new Error('source died');
    }
    const file = join(dir, 'broken.csv');
    await expect(writeCsvFile(file, broken())).rejects.toThrow('source died');
    expect((await readdir(dir)).filter((f) => f.startsWith('broken'))).toEqual([]);
  });
});
