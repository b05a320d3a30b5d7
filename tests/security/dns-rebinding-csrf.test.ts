/**
 * Attack: with auth off (the default), a web page reconfigures the app. Run against the real headless server:
 * DNS rebinding (the browser sends `Host: attacker.example`), cross-site POSTs (`Origin: http://attacker.example`,
 * text/plain or JSON), exposure-widening settings from the page itself, the limits on what clients can make the
 * server hold (owner-only since stop 39), and server-side requests to link-local and cloud metadata addresses through
 * `cores:test` / `cores:add`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../support/headless.ts';
import { invoke, rawRequest } from './support.ts';

let h: Headless;
let port: string;

beforeAll(async () => {
  // Admission limits set, so that the page's attempt to lift them (to 0: none) is a change.
  h = await startHeadless(['--no-persist', '--max-sessions', '100', '--max-bitrate-mbit', '50']);
  port = new URL(h.url).port;
}, 30_000);
afterAll(async () => {
  await h?.stop();
});

const settingsFile = (): string => join(h.dataDir, 'settings.json');

describe('DNS rebinding: a Host that is not this server', () => {
  it('is answered 421 on every route, and nothing is changed', async () => {
    const host = `attacker.example:${port}`;
    for (const path of ['/api', '/api/v3/session/active', '/ui/', '/memfs/x.m3u8', '/metrics', '/api/ui/events']) {
      const r = await rawRequest(`${h.url}${path}`, { headers: { Host: host } });
      expect(r.status, path).toBe(421);
    }
    const put = await rawRequest(`${h.url}/api/ui/invoke/settings:update`, {
      method: 'POST',
      headers: { Host: host, 'Content-Type': 'application/json', Origin: `http://${host}` },
      body: JSON.stringify([{ values: { listen: '0.0.0.0:8787', apiAuthEnabled: true, apiUsername: 'evil', apiPassword: 'evil' } }]),
    });
    expect(put.status).toBe(421);
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('still serves the names of this server', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, `app.localhost:${port}`]) {
      const r = await rawRequest(`${h.url}/api`, { headers: { Host: host } });
      expect(r.status, host).toBe(200);
    }
  });
});

describe('cross-site requests', () => {
  it('a text/plain or JSON POST from another origin is refused (403) and saves nothing', async () => {
    for (const type of ['text/plain', 'application/json']) {
      const r = await rawRequest(`${h.url}/api/ui/invoke/settings:update`, {
        method: 'POST',
        headers: { 'Content-Type': type, Origin: 'http://attacker.example' },
        body: JSON.stringify([{ values: { listen: '0.0.0.0:8787' } }]),
      });
      expect(r.status, type).toBe(403);
    }
    const nullOrigin = await invoke(h.url, 'settings:update', [{ values: { pollIntervalMs: '5000' } }], { Origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('a cross-site upload to /memfs is refused too', async () => {
    const r = await rawRequest(`${h.url}/memfs/evil.html`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: 'http://attacker.example' }, body: '<script>1</script>' });
    expect(r.status).toBe(403);
    expect((await rawRequest(`${h.url}/memfs/evil.html`)).status).toBe(404);
  });

  it('the dashboard itself (same origin) and clients without Origin still work', async () => {
    const current = (await invoke(h.url, 'settings:get', [], { Origin: h.url })).json as { ok: boolean; value: { values: Record<string, string | boolean> } };
    expect(current.ok).toBe(true);
    const s = current.value.values;
    // Unchanged exposure fields sent again beside the one change pass.
    const form = { values: { listen: s.listen!, apiAuthEnabled: s.apiAuthEnabled!, apiUsername: s.apiUsername!, pollIntervalMs: '2500' } };
    const saved = (await invoke(h.url, 'settings:update', [form], { Origin: h.url })).json as { ok: boolean; value: { values: Record<string, string> } };
    expect(saved).toMatchObject({ ok: true, value: { values: { pollIntervalMs: '2500' } } });
    const noOrigin = (await invoke(h.url, 'settings:get', [])).json as { ok: boolean };
    expect(noOrigin.ok).toBe(true);
  });
});

describe('exposure-widening settings from the page with auth off', () => {
  it('a non-loopback address, auth switched, or API credentials are refused with a clear message', async () => {
    const patches = [{ listen: '0.0.0.0:8787' }, { apiAuthEnabled: true }, { apiUsername: 'evil' }, { apiPassword: 'evil' }].map((values) => ({ values }));
    for (const patch of patches) {
      const r = (await invoke(h.url, 'settings:update', [patch], { Origin: h.url })).json as { ok: boolean; error?: { code: string; message: string } };
      expect(r.ok, JSON.stringify(patch)).toBe(false);
      expect(r.error?.code).toBe('forbidden');
      expect(r.error?.message).toMatch(/--auth/);
    }
    const settings = (await invoke(h.url, 'settings:get', [])).json as { value: { values: { listen: string; apiAuthEnabled: boolean } } };
    expect(settings.value.values.listen).toBe('127.0.0.1:0'); // as started (--listen 127.0.0.1:0)
    expect(settings.value.values.apiAuthEnabled).toBe(false);
  });

  it('the Prometheus auth: a new one may be set, but not removed, nor the URL moved under it', async () => {
    const update = async (values: Record<string, string>): Promise<{ ok: boolean; error?: { code: string; message: string } }> =>
      (await invoke(h.url, 'settings:update', [{ values }], { Origin: h.url })).json as { ok: boolean; error?: { code: string; message: string } };
    expect(await update({ prometheusUrl: 'http://127.0.0.1:9090', prometheusAuth: 'Bearer t0ken' })).toMatchObject({ ok: true });
    expect(await update({ prometheusAuth: '' })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('the Prometheus auth to none') } });
    expect(await update({ prometheusUrl: 'http://127.0.0.2:9090' })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('the Prometheus URL while its auth is set') } });
    const after = (await invoke(h.url, 'settings:get', [])).json as { value: { values: Record<string, string>; secretsSet: string[]; keptSecrets?: { keys: string[]; reason: string } } };
    expect([after.value.values.prometheusUrl, after.value.secretsSet]).toEqual(['http://127.0.0.1:9090', ['prometheusAuth']]);
    // The page is told which set secrets it may not remove, and why, so it does not offer what the guard refuses.
    expect(after.value.keptSecrets?.keys).toEqual(expect.arrayContaining(['prometheusAuth', 'rtmpToken', 'srtToken', 'apiPassword']));
    expect(after.value.keptSecrets?.reason).toMatch(/API auth off/);
  });
});

describe('limits on what clients can make the server hold, from the page with auth off (stop 39)', () => {
  it('raising or lowering memfs, sessions, bitrate, the session timeout or the time series\' size is refused, nothing saved; the page is told they are read-only, and why', async () => {
    const raises = { memfsMaxMb: '100000', maxSessions: '0', maxBitrateMbit: '0', sessionTimeoutSec: '86400', timeseriesMaxMb: '100000' };
    const before = (await invoke(h.url, 'settings:get', [])).json as { value: { values: Record<string, string> } };
    for (const [key, value] of [...Object.entries(raises), ['maxSessions', '1'], ['memfsMaxMb', '1']]) {
      const r = (await invoke(h.url, 'settings:update', [{ values: { [key]: value } }], { Origin: h.url })).json as { ok: boolean; error?: { code: string; message: string } };
      expect({ key, value, r }).toMatchObject({ key, value, r: { ok: false, error: { code: 'forbidden', message: expect.stringMatching(/^with API auth off, the web page cannot change the limit ".*--auth/) } } });
    }
    // With no Origin (a local program, not a browser) it is the same page bridge: refused too.
    const program = (await invoke(h.url, 'settings:update', [{ values: raises }])).json as { ok: boolean };
    expect(program.ok).toBe(false);
    const after = (await invoke(h.url, 'settings:get', [])).json as { value: { values: Record<string, string>; ownerOnly?: { keys: string[]; reason: string } } };
    for (const key of Object.keys(raises)) expect({ key, value: after.value.values[key] }).toEqual({ key, value: before.value.values[key] });
    expect(existsSync(settingsFile()) ? Object.keys(JSON.parse(readFileSync(settingsFile(), 'utf8')) as object).filter((k) => k in raises) : []).toEqual([]);
    expect(after.value.ownerOnly?.keys).toEqual(expect.arrayContaining(Object.keys(raises)));
    expect(after.value.ownerOnly?.reason).toMatch(/API auth off/);
  });
});

describe('server-side requests to link-local and metadata addresses', () => {
  it('cores:test, cores:add and cores:update refuse them', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]:8080', 'http://[::ffff:169.254.169.254]/', 'http://100.100.100.200/']) {
      const test = (await invoke(h.url, 'cores:test', [{ url, name: 'x' }], { Origin: h.url })).json as { ok: boolean; error?: { code: string; message: string } };
      expect(test.ok, url).toBe(false);
      expect(test.error?.code).toBe('forbidden-address');
      expect(test.error?.message).toMatch(/metadata/);
      const add = (await invoke(h.url, 'cores:add', [{ url, name: 'x' }], { Origin: h.url })).json as { ok: boolean; error?: { code: string } };
      expect(add.error?.code, url).toBe('forbidden-address');
    }
    const list = (await invoke(h.url, 'cores:configs', [])).json as { value: unknown[] };
    expect(list.value).toEqual([]);
  });

  it('an ordinary address is still tested (and found unreachable)', async () => {
    const r = (await invoke(h.url, 'cores:test', [{ url: 'http://127.0.0.1:9', name: 'x' }], { Origin: h.url })).json as { ok: boolean; value: { ok: boolean; state: string } };
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.value.state).toBe('unreachable');
  });
});
