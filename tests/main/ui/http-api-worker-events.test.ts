/**
 * The event stream read by the sessions worker (src/renderer/src/store/worker-events.ts) against a loopback server
 * with a bearer token: the page's HTTP api (createHttpApi) hands its stream to the worker's side, here served over a
 * MessageChannel in Node (the real Worker runs in tests/e2e/dashboard.test.ts).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApi, type EventStreamIo } from '../../../src/renderer/src/api/http-api.ts';
import type { EventStream } from '../../../src/renderer/src/api/event-stream.ts';
import { SessionsEncoder } from '../../../src/shared/sessions-wire.ts';
import { row } from '../../renderer/fake-api.ts';

/**
 * The worker's modules need the DOM's types (Worker, Transferable, the canvas), which this Node project has not: they
 * are imported by URL, with the few names used typed here (as bench/sessions-garbage.bench.ts does).
 */
type PushRef = { ref: number };
type Outcome = { ok: true; frame: { total: number } } | { ok: false; reason: string };
type Client = { push(update: PushRef, done: (o: Outcome) => void): void; readEvents(io: EventStreamIo, onPushed: (ref: PushRef) => void): EventStream; close(): void };
const store = (file: string): string => new URL(`../../../src/renderer/src/store/${file}`, import.meta.url).href;
const { engineClient } = (await import(store('sessions-client.ts'))) as { engineClient: (port: MessagePort) => Client };
const { serveSessionsWorker } = (await import(store('worker-events.ts'))) as { serveSessionsWorker: (port: MessagePort) => void };

/** A loopback server: login and refresh hand out tokens; the event stream wants the current one (401 otherwise). */
async function authServer(): Promise<{ url: string; send(event: string, data: string): void; cut(): void; revoke(): void; authorizations: string[]; server: Server }> {
  const clients = new Set<ServerResponse>();
  const authorizations: string[] = [];
  let valid = 'access-1';
  const server = createServer((req, res) => {
    if (req.url === '/api/login' && req.method === 'POST') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: valid, refresh_token: 'refresh-1' }));
    if (req.url === '/api/login/refresh') {
      if (req.headers.authorization !== 'Bearer refresh-1') return void res.writeHead(401).end();
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: valid }));
    }
    if (req.url !== '/api/ui/events') return void res.writeHead(404).end();
    authorizations.push(req.headers.authorization ?? '');
    if (req.headers.authorization !== `Bearer ${valid}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': hello\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    send: (event, data) => clients.forEach((c) => c.write(`event: ${event}\ndata: ${data}\n\n`)),
    cut: () => clients.forEach((c) => c.destroy()),
    /** The access token handed out so far stops working; refresh hands out the next. */
    revoke: () => void (valid = `access-${Number(valid.split('-')[1]) + 1}`),
    authorizations,
    server,
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

const servers: Server[] = [];
const channels: MessageChannel[] = [];
afterEach(() => {
  servers.splice(0).forEach((s) => s.closeAllConnections?.() ?? s.close());
  channels.splice(0).forEach((c) => (c.port1.close(), c.port2.close()));
});

describe('HTTP api: the event stream read by the sessions worker', () => {
  it('keeps sessions:update in the worker (the page gets a reference), hands other channels back, and refreshes the token after a 401', async () => {
    const ev = await authServer();
    servers.push(ev.server);
    const channel = new MessageChannel();
    channels.push(channel);
    serveSessionsWorker(channel.port2);
    const client = engineClient(channel.port1);
    const api = createHttpApi(ev.url);
    const refs: PushRef[] = [];
    api.readEventsWith((io) => client.readEvents(io, (ref) => refs.push(ref)));
    const alerts: unknown[] = [];
    const sessions: unknown[] = [];
    api.on('alerts:update', (list) => alerts.push(list));
    api.on('sessions:update', (u) => sessions.push(u));

    // No token yet: the worker's first connection is refused and the page asks for a login.
    await until(() => api.auth.state() === 'required');
    expect(ev.authorizations).toEqual(['']);
    await api.auth.login('admin', 'pw');
    await until(() => ev.authorizations.at(-1) === 'Bearer access-1');

    const encoder = new SessionsEncoder();
    const push = (atMs: number, ids: string[]): string =>
      JSON.stringify(encoder.encode({ atMs, cores: [], collectors: [], sessions: ids.map((id) => row({ id })), streams: [] }));
    const apply = (ref: PushRef): Promise<Outcome> => new Promise((resolve) => client.push(ref, resolve));
    await until(() => ev.authorizations.length === 2);
    await new Promise((r) => setTimeout(r, 50)); // the stream's first bytes are through
    ev.send('sessions:update', push(1000, ['a', 'b', 'c']));
    ev.send('alerts:update', '{"active":[],"recent":[]}');
    await until(() => refs.length === 1 && alerts.length === 1);
    expect(alerts).toEqual([{ active: [], recent: [] }]);
    expect(sessions).toEqual([]); // the page's listeners never see sessions:update: the worker keeps it
    const first = await apply(refs[0]!);
    expect(first.ok && first.frame.total).toBe(3);
    // A reference is good once (the worker lets the bytes go).
    expect(await apply(refs[0]!)).toEqual({ ok: false, reason: 'malformed' });

    // The token stops working and the stream drops: the worker's reconnect gets a 401, the page refreshes the token,
    // and the worker's retry with it is let in.
    ev.revoke();
    ev.cut();
    await until(() => ev.authorizations.at(-1) === 'Bearer access-2');
    expect(ev.authorizations.slice(-2)).toEqual(['Bearer access-1', 'Bearer access-2']);
    expect(api.auth.state()).toBe('logged-in');
    await new Promise((r) => setTimeout(r, 50));
    ev.send('sessions:update', push(2000, ['a', 'b', 'c', 'd']));
    await until(() => refs.length === 2);
    const second = await apply(refs[1]!);
    expect(second.ok && second.frame.total).toBe(4);
    client.close();
  });
});
