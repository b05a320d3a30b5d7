/**
 * `/metrics` behind the API's auth (`--metrics-auth`), against the real headless server; without the flag it stays
 * open as in Core (scrapers cannot log in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../support/headless.ts';
import { rawRequest } from './support.ts';

let locked: Headless;
let open: Headless;

beforeAll(async () => {
  [locked, open] = await Promise.all([
    startHeadless(['--no-persist', '--auth', 'admin:correct-horse', '--metrics-auth']),
    startHeadless(['--no-persist', '--auth', 'admin:correct-horse']),
  ]);
}, 30_000);
afterAll(async () => {
  await Promise.all([locked?.stop(), open?.stop()]);
});

async function token(base: string): Promise<string> {
  const r = await rawRequest(`${base}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'correct-horse' }) });
  return (JSON.parse(r.body) as { access_token: string }).access_token;
}

describe('/metrics', () => {
  it('with --metrics-auth: 401 without a token, the metrics with one', async () => {
    expect((await rawRequest(`${locked.url}/metrics`)).status).toBe(401);
    const r = await rawRequest(`${locked.url}/metrics`, { headers: { Authorization: `Bearer ${await token(locked.url)}` } });
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^# HELP /m);
  });
  it('without it: open, as Core', async () => {
    const r = await rawRequest(`${open.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^# HELP /m);
  });
});
