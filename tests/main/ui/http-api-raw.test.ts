/** The page's HTTP api (src/renderer/src/api/http-api.ts) against a loopback event stream: here, with Node's types, as it needs a server. */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApi } from '../../../src/renderer/src/api/http-api.ts';

/** A loopback server whose event stream (`/api/ui/events`) the test writes to; it counts the streams opened. */
async function eventServer(): Promise<{ url: string; send(event: string, data: string): void; streams: () => number; open: () => number; server: Server }> {
  const clients = new Set<ServerResponse>();
  let opened = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/api/ui/events') return void res.writeHead(404).end();
    opened++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': hello\n\n');
    clients.add(res);
    res.on('close', () => clients.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    send: (event, data) => clients.forEach((c) => c.write(`event: ${event}\ndata: ${data}\n\n`)),
    streams: () => clients.size,
    open: () => opened,
    server,
  };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.closeAllConnections?.() ?? s.close()));

describe('HTTP api: raw pushes (the sessions worker parses them)', () => {
  it('hands a channel its events as bytes, parsed to `on` listeners only, and closes the stream after the last listener', async () => {
    const ev = await eventServer();
    servers.push(ev.server);
    const api = createHttpApi(ev.url);
    const raw: string[] = [];
    const parsed: unknown[] = [];
    const alerts: unknown[] = [];
    const offRaw = api.onRaw('sessions:update', (bytes) => raw.push(new TextDecoder().decode(bytes)));
    const offAlerts = api.on('alerts:update', (list) => alerts.push(list));
    await until(() => ev.streams() === 1);
    ev.send('sessions:update', '{"kind":"delta","seq":2}');
    ev.send('alerts:update', '{"active":[],"recent":[]}');
    await until(() => raw.length === 1 && alerts.length === 1);
    expect(raw).toEqual(['{"kind":"delta","seq":2}']);
    expect(alerts).toEqual([{ active: [], recent: [] }]);

    // A parsed listener beside the raw one gets the object; a malformed event reaches only the raw one.
    const offParsed = api.on('sessions:update', (u) => parsed.push(u));
    ev.send('sessions:update', '{"kind":"delta","seq":3}');
    ev.send('sessions:update', '{"kind":');
    ev.send('sessions:update', '{"kind":"delta","seq":4}');
    await until(() => raw.length === 4);
    expect(raw.slice(1)).toEqual(['{"kind":"delta","seq":3}', '{"kind":', '{"kind":"delta","seq":4}']);
    await until(() => parsed.length === 2);
    expect(parsed).toEqual([
      { kind: 'delta', seq: 3 },
      { kind: 'delta', seq: 4 },
    ]);

    offParsed();
    offAlerts();
    expect(ev.streams()).toBe(1); // the raw listener still reads
    offRaw();
    await until(() => ev.streams() === 0);
    expect(ev.open()).toBe(1);
  });
});
