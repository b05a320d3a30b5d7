/** A loopback server with the real local core's collectors, the memfs mounts and the http collector middleware. */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../../../src/main/api/index.ts';
import { createLocalCore, type EngineSettings, type LocalCore } from '../../../../src/main/engine/local-core.ts';
import { memoryLogger } from '../../../../src/main/log.ts';
import type { HttpMount } from '../../../../src/main/http/types.ts';
import { createHttpServer, listen } from '../../../../src/main/http/server.ts';
import { createMemfs, type Memfs } from '../../../../src/main/servers/http/memfs.ts';
import { createMemfsMount, type MemfsMountOptions } from '../../../../src/main/servers/http/memfs-mount.ts';
import { createFsApiRoutes } from '../../../../src/main/servers/http/fs-api.ts';
import { createHttpCollectorMiddleware } from '../../../../src/main/servers/http/http-collector.ts';
import { headerMapSize } from '../../../../src/main/servers/http/meter.ts';

/** One finished response as the test saw it, counted independently of the code under test. */
export interface SeenResponse {
  method: string;
  url: string;
  status: number;
  headerBytes: number;
  bodyBytes: number;
}

export interface Harness {
  port: number;
  base: string;
  core: LocalCore;
  memfs: Memfs;
  seen: SeenResponse[];
  close(): Promise<void>;
}

/**
 * Independent byte count: wraps the mount handler so every response's body bytes (write/end) and header bytes
 * (Core's formula over the headers set, computed here) are recorded. Handlers under test only use setHeader.
 */
function observe(mount: HttpMount, seen: SeenResponse[]): HttpMount {
  return {
    ...mount,
    handler: (req: IncomingMessage, res: ServerResponse) => {
      let body = 0;
      const w = res.write.bind(res);
      const e = res.end.bind(res);
      const isHead = req.method === 'HEAD';
      const size = (c: unknown): number => (typeof c === 'string' ? Buffer.byteLength(c) : c instanceof Uint8Array ? c.byteLength : 0);
      res.write = ((c: unknown, ...rest: unknown[]) => {
        if (!isHead) body += size(c);
        return (w as (...a: unknown[]) => boolean)(c, ...rest);
      }) as typeof res.write;
      res.end = ((c?: unknown, ...rest: unknown[]) => {
        if (!isHead && !res.writableEnded) body += size(c);
        return (e as (...a: unknown[]) => ServerResponse)(c, ...rest);
      }) as typeof res.end;
      res.once('close', () => {
        const h = res.getHeaders();
        let headerBytes = 0;
        for (const k of Object.keys(h)) {
          const v = h[k];
          for (const one of Array.isArray(v) ? v : [v]) headerBytes += `${k}: ${String(one)}\r\n`.length;
        }
        seen.push({ method: req.method ?? '', url: req.url ?? '', status: res.statusCode, headerBytes, bodyBytes: body });
      });
      return mount.handler(req, res);
    },
  };
}

export async function startHarness(
  o: { settings?: Partial<EngineSettings>; memfsMaxBytes?: number; mount?: Partial<MemfsMountOptions>; observe?: boolean } = {},
): Promise<Harness> {
  const log = memoryLogger();
  const dataDir = mkdtempSync(join(tmpdir(), 'cs-http-'));
  const core = createLocalCore({ persist: false, sessionTimeoutSec: 30, ignoreIps: [], ...o.settings }, { dataDir, log });
  const memfs = createMemfs({ maxBytes: o.memfsMaxBytes ?? 64 * 1024 * 1024, log });
  const seen: SeenResponse[] = [];
  let mounts = createMemfsMount({
    memfs,
    prefix: '/memfs',
    collectors: { hls: core.collectors.hls, hlsingress: core.collectors.hlsingress },
    log,
    ...o.mount,
  });
  if (o.observe !== false) mounts = mounts.map((m) => observe(m, seen));
  const server = createHttpServer({
    mounts: [
      ...mounts,
      ...createApi({ reader: core.registry, about: { name: 'test', id: 'test', startedAtMs: Date.now() }, log, extraRoutes: createFsApiRoutes({ memfs, log }) }),
    ],
    middleware: [createHttpCollectorMiddleware({ collector: core.collectors.http, log })],
    log,
  });
  const { port } = await listen(server, '127.0.0.1', 0);
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    core,
    memfs,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await core.stop();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** A request with an exact, unnormalised path (fetch would resolve `..`). */
export function request(
  port: number,
  method: string,
  path: string,
  o: { headers?: Record<string, string | number>; body?: Buffer | string; keepAlive?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: o.headers, agent: o.keepAlive === false ? false : agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

export { headerMapSize };

