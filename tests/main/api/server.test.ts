import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../src/main/log.ts';
import { createHttpServer, listen, matchMount, requestPath } from '../../../src/main/http/server.ts';
import type { HttpMount } from '../../../src/main/http/types.ts';
import { get } from './support.ts';

/** Sends raw bytes and returns everything the server answers until it closes (or 5 s pass). */
function raw(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.end(data));
    sock.on('data', (c: Buffer) => chunks.push(c));
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    sock.on('close', done);
    sock.on('error', done);
    sock.setTimeout(5000, () => sock.destroy());
  });
}

describe('createHttpServer', () => {
  const log = memoryLogger();
  const seen: string[] = [];
  const mounts: HttpMount[] = [
    { prefix: '/', handler: (_req, res) => void res.end('root') },
    { prefix: '/api', handler: (_req, res) => void res.end('api') },
    { prefix: '/api/v3', handler: (_req, res) => void res.end('v3') },
    { prefix: '/boom', handler: () => { throw new Error('sync boom'); } },
    { prefix: '/aboom', handler: async () => { await Promise.resolve(); throw new Error('async boom'); } },
  ];
  let port = 0;
  const server = createHttpServer({
    mounts,
    log,
    middleware: [
      async (req, _res, next) => { seen.push(`before ${req.url}`); await next(); seen.push(`after ${req.url}`); },
      (req, res, next) => (req.url === '/blocked' ? void res.end('blocked') : next()),
    ],
  });
  beforeAll(async () => {
    port = (await listen(server, '127.0.0.1', 0)).port;
  });
  afterAll(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

  it('routes by longest prefix at segment boundaries', async () => {
    expect((await get(`http://127.0.0.1:${port}/api/v3/session`)).body).toBe('v3');
    expect((await get(`http://127.0.0.1:${port}/api/v3`)).body).toBe('v3');
    expect((await get(`http://127.0.0.1:${port}/api/v30`)).body).toBe('api');
    expect((await get(`http://127.0.0.1:${port}/apix`)).body).toBe('root');
    expect((await get(`http://127.0.0.1:${port}/api?x=1`)).body).toBe('api');
    expect(matchMount(mounts.slice(1), '/other')).toBeUndefined();
    expect(requestPath('http://h:1/a/b?c')).toBe('/a/b');
    expect(requestPath('*')).toBeNull();
  });

  it('runs middleware around every request, which may answer itself', async () => {
    seen.length = 0;
    await get(`http://127.0.0.1:${port}/api`);
    expect(seen).toEqual(['before /api', 'after /api']);
    expect((await get(`http://127.0.0.1:${port}/blocked`)).body).toBe('blocked');
  });

  it('answers 404 in Core\'s shape when nothing is mounted', async () => {
    const bare = createHttpServer({ mounts: [{ prefix: '/api', handler: (_q, s) => void s.end() }], log });
    const p = (await listen(bare, '127.0.0.1', 0)).port;
    const r = await get(`http://127.0.0.1:${p}/nothing`);
    expect(r.status).toBe(404);
    expect(r.body).toBe('{"code":404,"message":"Not Found","details":["Not Found"]}\n');
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    await new Promise<void>((res) => bare.close(() => res()));
  });

  it('turns handler errors into 500 JSON plus a log line, and keeps serving', async () => {
    for (const path of ['/boom', '/aboom']) {
      const r = await get(`http://127.0.0.1:${port}${path}`);
      expect(r.status).toBe(500);
      expect(r.body).toBe('{"code":500,"message":"Internal Server Error","details":["Internal Server Error"]}\n');
    }
    expect(log.lines.filter((l) => l.includes('request handler failed')).length).toBe(2);
    expect(log.lines.some((l) => l.includes('async boom'))).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/api`)).body).toBe('api');
  });

  it('rejects malformed requests with a 4xx in Core\'s shape, never crashing', async () => {
    const bad = await raw(port, 'GET /a%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect(bad).toContain('{"code":400,"message":"Bad Request"');
    const garbage = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    const space = await raw(port, 'GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(space).toMatch(/^HTTP\/1\.1 400 /);
    const longUrl = await raw(port, `GET /api?${'q'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(longUrl).toMatch(/^HTTP\/1\.1 414 /);
    const flood = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('')}\r\n`);
    expect(flood).toMatch(/^HTTP\/1\.1 431 /);
    expect(flood).toContain('"code":431');
    const binary = await raw(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(binary).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get(`http://127.0.0.1:${port}/api`)).body).toBe('api');
  });

  it('listen rejects a taken port with EADDRINUSE and a message naming the address', async () => {
    const other = createHttpServer({ mounts: [], log });
    await expect(listen(other, '127.0.0.1', port)).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    const addr = server.address() as AddressInfo;
    expect(addr.port).toBe(port);
  });
});
