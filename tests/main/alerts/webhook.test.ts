import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhook, redactUrl, type WebhookPayload } from '../../../src/main/alerts/webhook.ts';
import { memoryLogger } from '../../../src/main/log.ts';

/** A loopback receiver that answers `statuses` in turn (then 204), recording each body; `hang` never answers. */
async function receiver(statuses: Array<number | 'hang'>): Promise<{ url: string; bodies: unknown[]; times: number[]; server: Server }> {
  const bodies: unknown[] = [];
  const times: number[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      times.push(Date.now());
      const status = statuses.shift() ?? 204;
      if (status === 'hang') return;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, times, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const payload = (key: string): WebhookPayload => ({
  source: 'core-sessions',
  event: 'raised',
  alert: { key, ruleId: 'r', kind: 'publisher-gone', core: 'studio', coreName: 'Studio', message: 'm', raisedAtMs: 1 },
  atMs: 2,
});

describe('alert webhook', () => {
  it('retries a failing receiver with growing waits, then delivers the same JSON', async () => {
    const r = await receiver([500, 503]);
    const hook = createWebhook({ log: memoryLogger(), firstRetryDelayMs: 50, attempts: 4 });
    const result = await hook.deliver(r.url, payload('a'));
    expect(result).toEqual({ ok: true, status: 204, attempts: 3 });
    expect(r.bodies).toEqual([payload('a'), payload('a'), payload('a')]);
    // Back-off: the second wait is about twice the first.
    const [w1, w2] = [r.times[1]! - r.times[0]!, r.times[2]! - r.times[1]!];
    expect(w1).toBeGreaterThanOrEqual(45);
    expect(w2).toBeGreaterThanOrEqual(95);
  });

  it('a receiver that never answers is a timeout per attempt; gives up after the attempts with one warning', async () => {
    const r = await receiver(['hang', 'hang']);
    const log = memoryLogger();
    const hook = createWebhook({ log, firstRetryDelayMs: 10, attempts: 2, attemptTimeoutMs: 200 });
    const result = await hook.deliver(r.url.replace('http://', 'http://user:secret@'), payload('b'));
    expect(result).toEqual({ ok: false, error: 'no answer within 200 ms', attempts: 2 });
    expect(log.lines.filter((l) => l.includes('gave up'))).toHaveLength(1);
    expect(log.lines.join('\n')).not.toContain('secret');
  });

  it('user:password in the URL is sent as Basic auth, not refused', async () => {
    let auth = '';
    const server = createServer((req, res) => {
      auth = req.headers.authorization ?? '';
      req.resume().on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    const hook = createWebhook({ log: memoryLogger(), attempts: 1 });
    const result = await hook.deliver(`http://ops:s%40cret@127.0.0.1:${(server.address() as AddressInfo).port}/`, payload('d'));
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(Buffer.from(auth.replace('Basic ', ''), 'base64').toString()).toBe('ops:s@cret');
  });

  it('refused connections are said plainly; deliveries keep their order', async () => {
    const hook = createWebhook({ log: memoryLogger(), firstRetryDelayMs: 1, attempts: 1 });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await hook.deliver(`http://127.0.0.1:${freePort}/hook`, payload('c'));
    expect(refused).toMatchObject({ ok: false, error: 'connection refused: nothing listens at that address and port (ECONNREFUSED)' });
    const r = await receiver([500]);
    const slow = createWebhook({ log: memoryLogger(), firstRetryDelayMs: 30, attempts: 2 });
    await Promise.all([slow.deliver(r.url, payload('first')), slow.deliver(r.url, payload('second'))]);
    expect((r.bodies as WebhookPayload[]).map((b) => b.alert.key)).toEqual(['first', 'first', 'second']);
  });

  it('redacts credentials from URLs it shows', () => {
    expect(redactUrl('https://u:p@hooks.example/x?y=1')).toBe('https://hooks.example/x?y=1');
  });
});
