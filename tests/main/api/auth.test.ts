import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { JwtAuth } from '../../../src/main/api/auth.ts';
import { decodeJwtPart, FakeReader, get, login, startApi, type TestServer } from './support.ts';

const UNAUTH = '{"code":401,"message":"Unauthorized","details":["Missing or invalid JWT token"]}\n';
const JSON_HDR = { 'content-type': 'application/json' };

describe('JWT auth and login (spec §4.4, §6.32–36)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startApi({
      reader: new FakeReader({ hls: {} }),
      auth: { username: 'admin', password: 'datarhei', jwtSecret: 'secret', loginDelayMs: 50 },
    });
  });
  afterAll(() => srv.close());

  it('§6.33 login returns two HS256 JWTs with Core claims', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await get(`${srv.base}/api/login`, JSON_HDR, 'POST', '{"username":"admin","password":"datarhei"}');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    const body = JSON.parse(r.body) as { access_token: string; refresh_token: string };
    expect(Object.keys(body)).toEqual(['access_token', 'refresh_token']);
    for (const [tok, use, exi] of [[body.access_token, 'access', 600], [body.refresh_token, 'refresh', 86400]] as const) {
      expect(Buffer.from(tok.split('.')[0]!, 'base64url').toString()).toBe('{"alg":"HS256","typ":"JWT"}');
      const claims = decodeJwtPart(tok, 1);
      expect(Object.keys(claims)).toEqual(['exi', 'exp', 'iat', 'iss', 'jti', 'sub', 'usefor']); // as Core's tokens
      expect(claims).toMatchObject({ exi, iss: 'datarhei-core', sub: 'admin', usefor: use });
      expect((claims.exp as number) - (claims.iat as number)).toBe(exi);
      expect(claims.iat as number).toBeGreaterThanOrEqual(before);
      expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // signed with username + password + secret
      const [h, p, s] = tok.split('.') as [string, string, string];
      expect(createHmac('sha256', 'admindatarheisecret').update(`${h}.${p}`).digest('base64url')).toBe(s);
    }
  });

  it('§6.32 session routes need an access token: none, garbage and refresh tokens give Core\'s 401 body', async () => {
    const { refresh_token, access_token } = await login(srv.base);
    for (const path of ['/api/v3/session?collectors=hls', '/api/v3/session/active?collectors=hls', '/api/v3/nothing-here']) {
      for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${refresh_token}` }, { authorization: access_token }] as Array<Record<string, string>>) {
        const r = await get(srv.base + path, headers);
        expect(r.status).toBe(401);
        expect(r.body).toBe(UNAUTH);
        expect(r.headers.vary).toBe('Origin');
      }
    }
    // the Bearer prefix is case-insensitive
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const r = await get(`${srv.base}/api/v3/session/active?collectors=hls`, { authorization: `${scheme} ${access_token}` });
      expect(r.status).toBe(200);
      expect(r.body).toBe('{"hls":[]}\n');
    }
    // with a token, unknown v3 routes and wrong methods are 404
    const auth = { authorization: `Bearer ${access_token}` };
    expect((await get(`${srv.base}/api/v3/nothing-here`, auth)).status).toBe(404);
    expect((await get(`${srv.base}/api/v3/session/active`, auth, 'POST')).body).toBe('{"code":404,"message":"Not Found","details":["Not Found"]}\n');
  });

  it('rejects tampered, expired, alg=none and foreign-secret tokens', async () => {
    const { access_token } = await login(srv.base);
    const [h, p] = access_token.split('.') as [string, string, string];
    const claims = decodeJwtPart(access_token, 1);
    const forge = (payload: object, key: string, header = h): string => {
      const pp = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${header}.${pp}.${createHmac('sha256', key).update(`${header}.${pp}`).digest('base64url')}`;
    };
    const none = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
    const bad = [
      `${h}.${p}.AAAA`,
      forge({ ...claims, sub: 'root' }, 'admindatarheisecret'),
      forge({ ...claims, exp: 1000 }, 'admindatarheisecret'),
      forge(claims, 'admindatarheiother'),
      `${none}.${p}.`,
      'a.b',
    ];
    for (const tok of bad) {
      const r = await get(`${srv.base}/api/v3/session`, { authorization: `Bearer ${tok}` });
      expect(r.status).toBe(401);
    }
    expect((await get(`${srv.base}/api/v3/session`, { authorization: `Bearer ${forge(claims, 'admindatarheisecret')}` })).status).toBe(200);
  });

  it('§6.35 refresh returns only a new access token; an access token cannot refresh', async () => {
    const { refresh_token, access_token } = await login(srv.base);
    const r = await get(`${srv.base}/api/login/refresh`, { authorization: `Bearer ${refresh_token}` });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, string>;
    expect(Object.keys(body)).toEqual(['access_token']);
    expect(decodeJwtPart(body.access_token!, 1)).toMatchObject({ usefor: 'access', exi: 600 });
    expect((await get(`${srv.base}/api/v3/session`, { authorization: `Bearer ${body.access_token}` })).status).toBe(200);
    const wrong = await get(`${srv.base}/api/login/refresh`, { authorization: `Bearer ${access_token}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toBe(UNAUTH);
    expect((await get(`${srv.base}/api/login/refresh`)).status).toBe(401);
  });

  it('§6.34 (short delay) wrong credentials → 401, missing/unparseable → 400, oversized → 413', async () => {
    const wrong = await get(`${srv.base}/api/login`, JSON_HDR, 'POST', '{"username":"admin","password":"nope"}');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toBe('{"code":401,"message":"Unauthorized","details":["Invalid authorization credentials: invalid username or password"]}\n');
    const wrongUser = await get(`${srv.base}/api/login`, JSON_HDR, 'POST', '{"username":"root","password":"datarhei"}');
    expect(wrongUser.status).toBe(401);
    const missing = '{"code":400,"message":"Bad Request","details":["Missing authorization credentials"]}\n';
    const cases: Array<[Record<string, string>, string | undefined]> = [
      [JSON_HDR, ''],
      [JSON_HDR, '{'],
      [JSON_HDR, 'null'],
      [JSON_HDR, '[1]'],
      [JSON_HDR, '{"username":"admin"}'],
      [JSON_HDR, '{"username":"","password":"datarhei"}'],
      [JSON_HDR, '{"username":1,"password":"datarhei"}'],
      [{ 'content-type': 'text/plain' }, '{"username":"admin","password":"datarhei"}'],
      [{}, '{"username":"admin","password":"datarhei"}'],
    ];
    for (const [headers, body] of cases) {
      const r = await get(`${srv.base}/api/login`, headers, 'POST', body);
      expect(r.status, `${JSON.stringify(headers)} ${body}`).toBe(400);
      expect(r.body).toBe(missing);
    }
    // Content-Type with parameters still counts as JSON
    const withCharset = await get(`${srv.base}/api/login`, { 'content-type': 'application/json; charset=utf-8' }, 'POST', '{"username":"admin","password":"datarhei"}');
    expect(withCharset.status).toBe(200);
    const huge = await get(`${srv.base}/api/login`, JSON_HDR, 'POST', `{"username":"${'a'.repeat(100 * 1024)}","password":"x"}`);
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.body)).toMatchObject({ code: 413 });
    expect((await get(`${srv.base}/api/login`)).status).toBe(404); // GET /api/login: wrong method
  });

  it('§6.36 GET /api: short form without a valid token, full form with one', async () => {
    const short = await get(`${srv.base}/api`);
    expect(short.status).toBe(200);
    expect(short.body).toBe('{"app":"datarhei-core","auths":["localjwt"],"version":{"number":"16.0.0"}}\n');
    const { access_token, refresh_token } = await login(srv.base);
    expect((await get(`${srv.base}/api`, { authorization: `Bearer ${refresh_token}` })).body).toBe(short.body);
    const full = await get(`${srv.base}/api`, { authorization: `Bearer ${access_token}` });
    const j = JSON.parse(full.body) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['app', 'auths', 'name', 'id', 'created_at', 'uptime_seconds', 'version']);
    expect(j).toMatchObject({ app: 'datarhei-core', auths: ['localjwt'], name: 'test-core', id: 'test-core-id', created_at: '2026-11-26T01:14:11Z' });
    expect(Object.keys(j.version as object)).toEqual(['number', 'repository_commit', 'repository_branch', 'build_date', 'arch', 'compiler']);
    expect((j.version as { number: string }).number).toBe('16.14.0');
  });

  it('without auth: /api is the full form with auths [] and /api/login does not exist', async () => {
    const open = await startApi({ reader: new FakeReader() });
    try {
      const j = JSON.parse((await get(`${open.base}/api`)).body) as Record<string, unknown>;
      expect(j.auths).toEqual([]);
      expect(j.id).toBe('test-core-id');
      expect((await get(`${open.base}/api/login`, JSON_HDR, 'POST', '{"username":"a","password":"b"}')).status).toBe(404);
      expect((await get(`${open.base}/api/login/refresh`)).status).toBe(404);
    } finally {
      await open.close();
    }
  });

  it('a random 32-character secret when none is given: tokens do not survive a restart', () => {
    const clock = { now: () => Date.now() };
    const a = new JwtAuth({ username: 'u', password: 'p' }, clock);
    const b = new JwtAuth({ username: 'u', password: 'p' }, clock);
    const tok = a.issue('access');
    expect(a.verify(tok, 'access')).not.toBeNull();
    expect(a.verify(tok, 'refresh')).toBeNull();
    expect(b.verify(tok, 'access')).toBeNull();
  });

  it('expires access tokens after 600 s and refresh tokens after 86400 s', () => {
    let now = 1_700_000_000_000;
    const auth = new JwtAuth({ username: 'u', password: 'p', jwtSecret: 's' }, { now: () => now });
    const access = auth.issue('access');
    const refresh = auth.issue('refresh');
    now += 600_000;
    expect(auth.verify(access, 'access')).not.toBeNull();
    now += 1000;
    expect(auth.verify(access, 'access')).toBeNull();
    now += 86_400_000 - 601_000;
    expect(auth.verify(refresh, 'refresh')).not.toBeNull();
    now += 1000;
    expect(auth.verify(refresh, 'refresh')).toBeNull();
  });
});

describe('failed logins with the real default delay (5 s)', () => {
  it('§6.34 both failure paths answer after at least 5 s', async () => {
    const srv = await startApi({ reader: new FakeReader(), auth: { username: 'admin', password: 'datarhei' } });
    try {
      const t0 = performance.now();
      const [wrong, missing] = await Promise.all([
        get(`${srv.base}/api/login`, JSON_HDR, 'POST', '{"username":"admin","password":"nope"}').then((r) => ({ r, ms: performance.now() - t0 })),
        get(`${srv.base}/api/login`, JSON_HDR, 'POST', '').then((r) => ({ r, ms: performance.now() - t0 })),
      ]);
      expect(wrong.r.status).toBe(401);
      expect(missing.r.status).toBe(400);
      expect(wrong.ms).toBeGreaterThanOrEqual(4990);
      expect(missing.ms).toBeGreaterThanOrEqual(4990);
    } finally {
      await srv.close();
    }
  }, 20_000);
});
