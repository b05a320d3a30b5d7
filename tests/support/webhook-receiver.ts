/** A loopback receiver of the alerts' webhook for tests: it answers 204 and keeps the body of each JSON POST. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver<T> {
  /** e.g. http://127.0.0.1:40123/core-sessions */
  url: string;
  /** The JSON POSTs received, in order. */
  deliveries: T[];
  close(): Promise<void>;
}

/** Listens on a loopback port; `path` is the URL's path (any path is answered alike). */
export async function startWebhookReceiver<T>(path = '/core-sessions'): Promise<WebhookReceiver<T>> {
  const deliveries: T[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.headers['content-type'] === 'application/json') deliveries.push(JSON.parse(text) as T);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    deliveries,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
