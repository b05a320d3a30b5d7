/**
 * Attack: password guessing against the real headless server, from one client (127.0.0.2) with 200 parallel
 * guesses, on `POST /api/login` (Core's 5 s delay per failure alone let all 200 finish in 5 s) and on memfs basic
 * auth (no delay at all: 3400 guesses/s). Only the client's budget of guesses may be evaluated; the rest get 429
 * unchecked, and a legitimate client (127.0.0.1) still logs in and uploads meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_BUDGET } from '../../src/main/api/index.ts';
import { MEMFS_AUTH_BUDGET } from '../../src/main/servers/http/memfs-mount.ts';
import { startHeadless, type Headless } from '../support/headless.ts';
import { rawRequest, type RawResponse } from './support.ts';

const ATTACKER = '127.0.0.2';
const USER = '127.0.0.1';
const GUESSES = 200;
let h: Headless;

beforeAll(async () => {
  // The connection bound is tested elsewhere: here every guess must reach the login route.
  h = await startHeadless(['--no-persist', '--auth', 'admin:correct-horse', '--memfs-auth', 'pub:s3cret', '--max-conns-per-ip', '0']);
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

const login = (password: string, localAddress: string): Promise<RawResponse> =>
  rawRequest(`${h.url}/api/login`, {
    method: 'POST',
    localAddress,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });

const upload = (password: string, localAddress: string, name: string): Promise<RawResponse> =>
  rawRequest(`${h.url}/memfs/${name}`, {
    method: 'PUT',
    localAddress,
    headers: { Authorization: 'Basic ' + Buffer.from(`pub:${password}`).toString('base64') },
    body: '#EXTM3U\n',
  });

function tally(rs: RawResponse[]): Record<number, number> {
  const t: Record<number, number> = {};
  for (const r of rs) t[r.status] = (t[r.status] ?? 0) + 1;
  return t;
}

describe('POST /api/login', () => {
  it('200 parallel guesses from one client: only its budget is evaluated, the rest get 429; another client logs in', async () => {
    const guesses = Array.from({ length: GUESSES }, (_, i) => login(`guess-${i}`, ATTACKER));
    const legit = await login('correct-horse', USER);
    expect(legit.status).toBe(200);
    expect(JSON.parse(legit.body)).toHaveProperty('access_token');
    const results = await Promise.all(guesses);
    const t = tally(results);
    expect(t[401] ?? 0).toBeLessThanOrEqual(LOGIN_BUDGET.burst);
    expect(t[429]).toBeGreaterThanOrEqual(GUESSES - LOGIN_BUDGET.burst);
    expect((t[401] ?? 0) + t[429]!).toBe(GUESSES);
    expect(results.find((r) => r.status === 429)!.headers['retry-after']).toMatch(/^\d+$/);
  }, 30_000);
});

describe('memfs basic auth', () => {
  it('200 parallel wrong passwords from one client: only its budget is checked; another client still uploads', async () => {
    const guesses = Array.from({ length: GUESSES }, (_, i) => upload(`guess-${i}`, ATTACKER, `g${i}.m3u8`));
    const legit = await upload('s3cret', USER, 'legit.m3u8');
    expect(legit.status).toBe(201);
    const t = tally(await Promise.all(guesses));
    expect(t[401] ?? 0).toBeLessThanOrEqual(MEMFS_AUTH_BUDGET.burst);
    expect(t[429]).toBeGreaterThanOrEqual(GUESSES - MEMFS_AUTH_BUDGET.burst);
    expect((await rawRequest(`${h.url}/memfs/legit.m3u8`)).status).toBe(200);
  }, 30_000);

  it('requests without credentials (ffmpeg first try) cost nothing from the budget', async () => {
    for (let i = 0; i < 3 * MEMFS_AUTH_BUDGET.burst; i++) {
      const r = await rawRequest(`${h.url}/memfs/x.m3u8`, { method: 'PUT', localAddress: '127.0.0.3', body: 'x' });
      expect(r.status).toBe(401);
    }
    expect((await upload('s3cret', '127.0.0.3', 'after.m3u8')).status).toBe(201);
  });
});
