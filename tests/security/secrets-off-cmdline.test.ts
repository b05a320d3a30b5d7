/**
 * Attack: anyone on the machine reads other processes' command lines (`ps`, /proc/PID/cmdline). Secrets given as
 * `--auth USER:PASS` or `--core http://user:pass@…` show there. Run against the real headless server: the API
 * password comes from `--auth-file`, a remote Core's credentials from CORE_SESSIONS_CORES; the process's command
 * line holds neither, the login works with the file's password and the remote Core is polled with its credentials.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, tempDataDir, type Headless } from '../support/headless.ts';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { waitFor } from '../support/wait.ts';
import { rawRequest } from './support.ts';

const API_PASSWORD = 'file-secret-4f9c';
let core: TestCore;
let h: Headless;

beforeAll(async () => {
  core = await startTestCore({ username: 'remote-admin', password: 'env-secret-7b21', failedLoginDelayMs: 100 });
  const secrets = tempDataDir();
  const authFile = join(secrets, 'auth');
  writeFileSync(authFile, `admin:${API_PASSWORD}\n`, { mode: 0o600 });
  h = await startHeadless(['--no-persist', '--poll-interval', '300', '--auth-file', authFile], { env: { CORE_SESSIONS_CORES: core.urlWithCredentials } });
}, 40_000);

afterAll(async () => {
  await h?.stop();
  await core?.close();
});

describe('secrets off the command line', () => {
  it('neither the API password nor the remote Core password shows in /proc/PID/cmdline', () => {
    const cmdline = readFileSync(`/proc/${h.proc.pid}/cmdline`, 'utf8').split('\0').join(' ');
    expect(cmdline).toContain('--auth-file');
    expect(cmdline).not.toContain(API_PASSWORD);
    expect(cmdline).not.toContain('env-secret-7b21');
  });

  it('the password from the file logs in; the remote Core from the environment comes online with its credentials', async () => {
    const login = (password: string) =>
      rawRequest(`${h.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    const ok = await login(API_PASSWORD);
    expect(ok.status).toBe(200);
    const token = (JSON.parse(ok.body) as { access_token: string }).access_token;
    let cores: Array<{ kind: string; state: string }> = [];
    await waitFor(async () => {
      const res = await rawRequest(`${h.url}/api/v3/cores`, { headers: { authorization: `Bearer ${token}` } });
      cores = JSON.parse(res.body) as typeof cores;
      return cores.some((c) => c.kind === 'remote' && c.state === 'online');
    }, () => `the remote Core online: ${JSON.stringify(cores)}`, 20_000, 100);
    expect(cores.find((c) => c.kind === 'remote')?.state).toBe('online');
    expect(core.loginsOk).toBeGreaterThan(0);
  }, 30_000);
});
