/**
 * Password guessing from one client (docs/security.md): wrong passwords evaluated per second on memfs basic auth
 * (3 s, 20 requests in flight) and on `POST /api/login` (200 parallel guesses), without a budget (as before) and
 * with the default per-client budget. Aims: memfs ≤ 1 evaluated guess/s sustained (was ~3400/s); login 200 parallel
 * guesses → 5 evaluated (was 200 in 5 s).
 * Run with `npm run bench guessing` or alone: `node_modules/.bin/node bench/guessing.bench.ts`.
 */
import http from 'node:http';
import { createApi, LOGIN_BUDGET } from '../src/main/api/index.ts';
import { createLogger } from '../src/main/log.ts';
import { FailureBudget } from '../src/main/http/client-limits.ts';
import { createHttpServer, listen } from '../src/main/http/server.ts';
import { createMemfs } from '../src/main/servers/http/memfs.ts';
import { createMemfsMount, MEMFS_AUTH_BUDGET } from '../src/main/servers/http/memfs-mount.ts';
import { createLocalCore } from '../src/main/engine/local-core.ts';
import { systemClock } from '../src/main/engine/clock.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const log = createLogger('bench', 'error');
const UNLIMITED = { burst: 1e9, refillPerSec: 1e9 };

function request(port: number, method: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function server(budget: { burst: number; refillPerSec: number }): Promise<{ port: number; close: () => Promise<void> }> {
  const core = createLocalCore({ persist: false, ignoreIps: [] }, { clock: systemClock, dataDir: mkdtempSync(join(tmpdir(), 'bench-guess-')), log });
  const mounts = [
    ...createApi({ reader: core.registry, auth: { username: 'admin', password: 'correct-horse' }, about: { id: 'b', name: 'b', startedAtMs: Date.now() }, log, loginBudget: new FailureBudget(budget) }),
    ...createMemfsMount({
      memfs: createMemfs({ maxBytes: 64 * 1024 * 1024, log }),
      collectors: { hls: core.collectors.hls, hlsingress: core.collectors.hlsingress },
      auth: { username: 'pub', password: 's3cret' },
      log,
      authBudget: new FailureBudget(budget),
    }),
  ];
  const s = createHttpServer({ mounts, log });
  const { port } = await listen(s, '127.0.0.1', 0);
  return { port, close: () => new Promise((done) => { s.closeAllConnections(); s.close(() => done()); void core.stop(); }) };
}

async function memfsGuesses(budget: { burst: number; refillPerSec: number }): Promise<number> {
  const srv = await server(budget);
  const end = Date.now() + 3000;
  let evaluated = 0;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < end) {
      const status = await request(srv.port, 'PUT', `/memfs/g${i++}.m3u8`, { Authorization: 'Basic ' + Buffer.from(`pub:guess${i}`).toString('base64') }, 'x');
      if (status === 401) evaluated++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  await srv.close();
  return evaluated / 3;
}

async function loginGuesses(budget: { burst: number; refillPerSec: number }): Promise<{ evaluated: number; seconds: number }> {
  const srv = await server(budget);
  const t0 = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: 200 }, (_, i) => request(srv.port, 'POST', '/api/login', { 'Content-Type': 'application/json' }, JSON.stringify({ username: 'admin', password: `guess${i}` }))),
  );
  const seconds = (Date.now() - t0) / 1000;
  await srv.close();
  return { evaluated: statuses.filter((s) => s === 401).length, seconds };
}

export default async function run(): Promise<void> {
  const before = await memfsGuesses(UNLIMITED);
  const after = await memfsGuesses(MEMFS_AUTH_BUDGET);
  console.log(`  memfs basic auth, one client: ${before.toFixed(0)} wrong passwords evaluated/s without a budget, ${after.toFixed(1)}/s with it (aim ≤ ${(MEMFS_AUTH_BUDGET.burst / 3 + MEMFS_AUTH_BUDGET.refillPerSec).toFixed(1)} over 3 s: burst ${MEMFS_AUTH_BUDGET.burst} then ${MEMFS_AUTH_BUDGET.refillPerSec}/s)`);
  const lb = await loginGuesses(UNLIMITED);
  const la = await loginGuesses(LOGIN_BUDGET);
  console.log(`  POST /api/login, 200 parallel guesses from one client: ${lb.evaluated} evaluated in ${lb.seconds.toFixed(1)} s without a budget (${(lb.evaluated / lb.seconds).toFixed(0)}/s); ${la.evaluated} evaluated in ${la.seconds.toFixed(1)} s with it (aim ${LOGIN_BUDGET.burst}, then ${LOGIN_BUDGET.refillPerSec}/s)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
