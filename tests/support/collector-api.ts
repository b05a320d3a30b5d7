/**
 * A real Collector read through the real Core API on loopback: what a protocol server's end-to-end tests (RTMP,
 * SRT) feed and then check through `/api/v3/session/active` and `/api/v3/session`.
 */
import { createApi } from '../../src/main/api/index.ts';
import { Collector } from '../../src/main/engine/collector.ts';
import { Registry } from '../../src/main/engine/registry.ts';
import { memoryLogger } from '../../src/main/log.ts';
import { createHttpServer, listen } from '../../src/main/http/server.ts';

/** The collector, its log lines, a GET on the API (asserting 200, answering the JSON) and the way to close it all. */
export interface CollectorApi {
  collector: Collector;
  lines: string[];
  log: ReturnType<typeof memoryLogger>;
  api: (path: string) => Promise<unknown>;
  close: () => Promise<void>;
}

/** Starts collector `id` (sessions time out after 2 s) with the API on an ephemeral loopback port. */
export async function startCollectorApi(id: string): Promise<CollectorApi> {
  const log = memoryLogger();
  const collector = new Collector(id, { sessionTimeoutMs: 2000 });
  collector.start();
  const registry = new Registry();
  registry.register(collector);
  const http = createHttpServer({
    mounts: createApi({ reader: registry, about: { name: 'test', id: 'test', startedAtMs: Date.now() }, log }),
    log,
  });
  const addr = await listen(http, '127.0.0.1', 0);
  const api = async (path: string): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${addr.port}${path}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return res.json();
  };
  const close = async (): Promise<void> => {
    await new Promise<void>((r) => http.close(() => r()));
    http.closeAllConnections?.();
    await registry.unregisterAll();
  };
  return { collector, lines: log.lines, log, api, close };
}
