import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { CoreClient } from '../../../src/main/remote/client.ts';
import { RemoteError } from '../../../src/main/remote/errors.ts';
import { decodeJwtPayload, holdToken, renewAfterSec } from '../../../src/main/remote/jwt.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { SHORT_TIMEOUTS } from './helpers.ts';

const SESSION = '/api/v3/session?collectors=' + encodeURIComponent('hls,hlsingress,http,https,rtmp,srt,ffmpeg');

let cores: TestCore[] = [];
let clients: CoreClient[] = [];
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(cores.map((c) => c.close()));
  cores = [];
  clients = [];
});

async function setup(opts: Parameters<typeof startTestCore>[0] = {}, password = 'datarhei') {
  const core = await startTestCore({ failedLoginDelayMs: 50, ...opts });
  cores.push(core);
  const clock = new FakeClock(Date.now());
  const lines: string[] = [];
  const client = new CoreClient({ url: core.url, credentials: { username: 'admin', password }, clock, log: memoryLogger(lines), timeouts: SHORT_TIMEOUTS });
  clients.push(client);
  return { core, clock, client, lines };
}

describe('jwt', () => {
  it('decodes the recorded login token without verifying it and schedules renewal', () => {
    const token = JSON.parse(
      '{"access_token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleGkiOjYwMCwiZXhwIjoxNzk1NjU2NDU5LCJpYXQiOjE3OTU2NTU4NTksImlzcyI6ImRhdGFyaGVpLWNvcmUiLCJqdGkiOiIxYWUxZTc0NS1iYjNmLTRjZTAtOTJmOS04Yzc5ZTdjOGVjYzkiLCJzdWIiOiJhZG1pbiIsInVzZWZvciI6ImFjY2VzcyJ9.fzaGrFZoanjJcRbK8cu7vPuc8FYS_IwdWlWG5oEcFqI"}',
    ).access_token as string;
    expect(decodeJwtPayload(token)).toEqual({ exp: 1795656459, iat: 1795655859, exi: 600, usefor: 'access' });
    const held = holdToken(token, 1_000_000);
    expect(held.renewAtMs).toBe(1_000_000 + 540_000); // exp − 60 s
    expect(held.expiresAtMs).toBe(1_000_000 + 600_000);
    expect(renewAfterSec(86400)).toBe(86340);
    expect(renewAfterSec(10)).toBe(8); // 80 % for short tokens
    expect(holdToken('opaque', 5).renewAtMs).toBe(Infinity);
    expect(decodeJwtPayload('a.%%%.c')).toBeUndefined();
  });
});

describe('CoreClient', () => {
  it('identifies a Core: GET /api, login because id is empty, GET /api again', async () => {
    const { core, client, lines } = await setup();
    const about = await client.identify();
    expect(about).toMatchObject({ app: 'datarhei-core', id: 'core-peer-v16-14-0', name: 'core-peer', version: '16.14.0' });
    expect(core.count('GET /api')).toBe(2);
    expect(core.loginsOk).toBe(1);
    const res = await client.getJson(SESSION);
    expect(Object.keys(res.body as object)).toEqual(['ffmpeg', 'hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt']);
    expect(lines.join('\n')).not.toMatch(/datarhei"|eyJ/); // neither the password nor a token is logged
  });

  it('needs no login when auth is off', async () => {
    const { core, client } = await setup({ auth: false });
    expect((await client.identify()).id).toBe('core-peer-v16-14-0');
    expect(core.loginsOk).toBe(0);
  });

  it('refreshes proactively before exp − 60 s and logs in again when the refresh token nears its end', async () => {
    const { core, clock, client } = await setup({ accessLifetimeSec: 600, refreshLifetimeSec: 3600 });
    await client.identify();
    clock.advance(539_000);
    await client.getJson(SESSION);
    expect(core.refreshes).toBe(0);
    clock.advance(2_000); // past exp − 60 s (local receipt time + lifetime)
    await client.getJson(SESSION);
    expect(core.refreshes).toBe(1);
    expect(client.stats.reactive401).toBe(0);
    clock.advance(3_540_000); // refresh token at exp − 60 s: full login instead
    await client.getJson(SESSION);
    expect(core.loginsOk).toBe(2);
    expect(core.refreshes).toBe(1);
  });

  it('a token that expires between two polls: 401 → refresh → retry once', async () => {
    const { core, client } = await setup();
    await client.identify();
    await client.getJson(SESSION);
    core.expireAccessTokens();
    const res = await client.getJson(SESSION);
    expect(res.status).toBe(200);
    expect(client.stats).toMatchObject({ reactive401: 1, refreshes: 1, logins: 1 });
  });

  it('a Core restart with a new JWT secret: refresh gets 401 → full login (spec §7.26)', async () => {
    const { core, client } = await setup();
    await client.identify();
    await core.restart();
    const res = await client.getJson(SESSION);
    expect(res.status).toBe(200);
    expect(client.stats).toMatchObject({ reactive401: 1, failedRefreshes: 1, logins: 2 });
  });

  it('a wrong password is an auth error after Core 5 s delay (login timeout > 5 s), not a loop', async () => {
    const { core, client } = await setup({ failedLoginDelayMs: 5000 }, 'wrong');
    const err = await client.identify().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).kind).toBe('auth');
    expect((err as RemoteError).message).toContain('invalid username or password');
    expect((err as RemoteError).message).not.toContain('wrong');
    expect(core.loginsFailed).toBe(1);
  }, 20_000);

  it('HTML instead of /api JSON is incompatible; 500 is an http error; truncated JSON a parse error', async () => {
    const { core, client } = await setup();
    core.setFault({ kind: 'html', scope: 'all' });
    await expect(client.identify()).rejects.toMatchObject({ kind: 'incompatible' });
    core.setFault(undefined);
    await client.identify();
    core.setFault({ kind: 'http500', count: 1 });
    await expect(client.getJson(SESSION)).rejects.toMatchObject({ kind: 'http', status: 500 });
    core.setFault({ kind: 'truncated', count: 1 });
    await expect(client.getJson(SESSION)).rejects.toMatchObject({ kind: 'parse' });
    core.setFault({ kind: 'hang', count: 1 });
    await expect(client.getJson(SESSION)).rejects.toMatchObject({ kind: 'timeout' });
    await expect(client.getJson(SESSION)).resolves.toMatchObject({ status: 200 });
  });

  it('sends no credentials to a server whose short /api says a major version other than 16 (spec §4.6 step 2)', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.setHeader('Content-Type', 'application/json; charset=UTF-8');
      res.end('{"app":"datarhei-core","auths":["localjwt"],"version":{"number":"17.0.0"}}\n');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const client = new CoreClient({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { username: 'admin', password: 'datarhei' },
      clock: new FakeClock(0),
      log: memoryLogger(),
      timeouts: SHORT_TIMEOUTS,
    });
    try {
      await expect(client.identify()).rejects.toMatchObject({ kind: 'incompatible' });
      expect(paths).toEqual(['GET /api']);
    } finally {
      await client.close();
      server.close();
    }
  });

  it('refused connection is a network error', async () => {
    const { core, client } = await setup();
    await core.refuse();
    await expect(client.identify()).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('CoreClient renewal races', () => {
  it('a token refused right after a refresh triggers one login and one more retry, not auth-failed', async () => {
    const core = await startTestCore({ failedLoginDelayMs: 50 });
    cores.push(core);
    const client = new CoreClient({ url: core.url, credentials: { username: 'admin', password: 'datarhei' }, clock: new FakeClock(Date.now()), log: memoryLogger(), timeouts: SHORT_TIMEOUTS });
    clients.push(client);
    await client.identify();
    core.setFault({ kind: 'unauthorized', count: 2 }); // the call and its retry after the refresh
    await expect(client.getJson(SESSION)).resolves.toMatchObject({ status: 200 });
    expect(client.stats).toMatchObject({ refreshes: 1, logins: 2 });
    core.setFault({ kind: 'unauthorized' }); // refused whatever we do: auth error, no loop
    await expect(client.getJson(SESSION)).rejects.toMatchObject({ kind: 'auth' });
    expect(client.stats.logins).toBe(3);
  });
});
