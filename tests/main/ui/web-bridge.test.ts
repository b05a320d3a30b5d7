import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../src/main/log.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import { UI_CSP, UI_CSP_META } from '../../../src/main/ui/csp.ts';
import { createUiService } from '../../../src/main/ui/service.ts';
import { createWebBridge } from '../../../src/main/ui/web-bridge.ts';
import { FakeSource, snap } from './fake-source.ts';
import { waitFor } from '../../support/wait.ts';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let base: { host: string; port: number };
let dir: string;
const source = new FakeSource(snap(1000, 2));
const service = createUiService({ source, appInfo: { version: '1', mode: 'headless', listeners: {} } });
/** Event-stream subscriptions the bridge holds open right now. */
let openStreams = 0;
const countingService = {
  ...service,
  onPush(cb: Parameters<typeof service.onPush>[0]) {
    openStreams++;
    const off = service.onPush(cb);
    return () => {
      openStreams--;
      off();
    };
  },
};

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.host, port: base.port, method, path, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const json = { 'Content-Type': 'application/json' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ui-static-'));
  mkdirSync(join(dir, 'assets'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'app-1.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt').replace('secret.txt', '../outside-secret.txt'), 'nope');
  const mounts = createWebBridge({
    service: countingService,
    staticDir: dir,
    auth: (req) => req.headers.authorization === 'Bearer good',
    heartbeatMs: 50,
  });
  server = createHttpServer({ mounts, middleware: [], log: memoryLogger() });
  base = await listen(server, '127.0.0.1', 0);
});

afterAll(async () => {
  service.dispose();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(dir, '../outside-secret.txt'), { force: true });
});

describe('static /ui/', () => {
  it('serves index.html with the CSP header, and assets with their types', async () => {
    const r = await call('GET', '/ui/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(UI_CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect((await call('GET', '/ui/assets/app-1.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    const css = await call('GET', '/ui/assets/app-1.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toContain('immutable');
  });
  it('redirects / and /ui to /ui/', async () => {
    expect((await call('GET', '/')).headers.location).toBe('/ui/');
    expect((await call('GET', '/ui')).headers.location).toBe('/ui/');
    expect((await call('GET', '/nothing')).status).toBe(404);
  });
  it('lists no directory and never leaves the static dir', async () => {
    expect((await call('GET', '/ui/sub')).status).toBe(404);
    expect((await call('GET', '/ui/assets')).status).toBe(404);
    for (const p of ['/ui/../outside-secret.txt', '/ui/%2e%2e/outside-secret.txt', '/ui/assets/..%2f..%2foutside-secret.txt', '/ui/..%5coutside-secret.txt', '/ui/%00']) {
      const r = await call('GET', p);
      expect(r.status, p).not.toBe(200);
      expect(r.body).not.toContain('nope');
    }
    expect((await call('POST', '/ui/', '')).status).toBe(405);
  });
  it('the page and the bridge carry the same CSP (index.html meta = the header less frame-ancestors, which a meta cannot carry)', () => {
    const html = readFileSync(join(import.meta.dirname, '../../../src/renderer/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(UI_CSP_META);
    expect(meta).not.toContain('frame-ancestors');
    expect(UI_CSP).toBe(`${UI_CSP_META}; frame-ancestors 'none'`);
    expect(UI_CSP).toContain("script-src 'self'");
  });
});

describe('invoke', () => {
  it('needs auth, JSON, and a known channel', async () => {
    expect((await call('POST', '/api/ui/invoke/app:info', '[]', json)).status).toBe(401);
    const auth = { ...json, Authorization: 'Bearer good' };
    expect((await call('POST', '/api/ui/invoke/app:info', '[]', { Authorization: 'Bearer good', 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await call('POST', '/api/ui/invoke/nope', '[]', auth)).status).toBe(404);
    expect((await call('GET', '/api/ui/invoke/app:info', undefined, auth)).status).toBe(405);
    const ok = await call('POST', '/api/ui/invoke/sessions:snapshot', '[]', auth);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { atMs: 1000 } });
    const bad = JSON.parse((await call('POST', '/api/ui/invoke/history:list', '["x"]', auth)).body);
    expect(bad).toEqual({ ok: false, error: { code: 'bad-args', message: 'query must be an object' } });
    const notArray = JSON.parse((await call('POST', '/api/ui/invoke/app:info', '{}', auth)).body);
    expect(notArray.error.code).toBe('bad-args');
    const unsupported = JSON.parse((await call('POST', '/api/ui/invoke/settings:get', '[]', auth)).body);
    expect(unsupported.error.code).toBe('unsupported');
  });
});

describe('events', () => {
  it('needs auth; streams pushes and heartbeats; unsubscribes on close', async () => {
    expect((await call('GET', '/api/ui/events')).status).toBe(401);
    const before = source.listenerCount;
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: base.host, port: base.port, path: '/api/ui/events', headers: { Authorization: 'Bearer good' } }, (res) => {
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          if (buf.includes('event: sessions:update') && buf.includes(': ping')) {
            req.destroy();
            resolve(buf);
          }
        });
        setTimeout(() => source.emit(snap(2000, 1)), 20);
      });
      req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? undefined : reject(e)));
      req.end();
    });
    const data = /event: sessions:update\ndata: (.*)\n\n/.exec(text)?.[1];
    expect(JSON.parse(data!).atMs).toBe(2000);
    // The source keeps one subscription (the service's); the closed stream's push listener is released.
    expect(source.listenerCount).toBe(before);
    await waitFor(() => openStreams === 0, () => `the closed stream released (${openStreams} open)`, 1000, 20);
  });

  it('sends every open stream the same event text for a push', async () => {
    const open = (): Promise<{ events: () => string[]; close: () => void }> =>
      new Promise((resolve) => {
        const req = request({ host: base.host, port: base.port, path: '/api/ui/events', headers: { Authorization: 'Bearer good' } }, (res) => {
          let buf = '';
          res.on('data', (c: Buffer) => void (buf += c.toString('utf8')));
          resolve({ events: () => buf.split('\n\n').filter((e) => e.startsWith('event: sessions:update')), close: () => req.destroy() });
        });
        req.on('error', () => undefined);
        req.end();
      });
    const [a, b] = [await open(), await open()];
    await waitFor(() => openStreams === 2, () => `both streams open (${openStreams})`, 1000, 20);
    source.emit(snap(3000, 3));
    source.emit(snap(4000, 2));
    await waitFor(() => a.events().length >= 2 && b.events().length >= 2, () => `two pushes on each stream (${a.events().length}, ${b.events().length})`, 2000, 20);
    expect(b.events().slice(-2)).toEqual(a.events().slice(-2));
    expect(a.events().slice(-2).map((e) => (JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { atMs: number }).atMs)).toEqual([3000, 4000]);
    a.close();
    b.close();
    await waitFor(() => openStreams === 0, () => `the closed streams released (${openStreams} open)`, 1000, 20);
  });
});
