/**
 * Bad input on Core's process API (real headless instance): malformed process configurations each get Core's 400
 * `{code, message, details}` with a message saying what is wrong, and change nothing (the list over the API and the
 * saved processes.json stay byte for byte the same). These are Core's rules for an owner (the API login): the app
 * runs with --auth and the requests carry its token; what an anonymous caller may not do is tests/security/
 * process-access.test.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, tempDataDir, type Headless } from '../../support/headless.ts';
import { login } from '../api/support.ts';

const io = (address: string, options: unknown = []): unknown => ({ address, options });
const valid = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'ok',
  reference: 'r',
  input: [io('{rtmp,name=cam}')],
  output: [io('{memfs}/cam.m3u8', ['-c', 'copy', '-f', 'hls', '-method', 'PUT'])],
  ...over,
});

/** [what is wrong, request body (a string is sent as is), a word the message must contain] */
const CASES: Array<[string, unknown, RegExp]> = [
  ['not JSON', '{"id": "x", ', /Invalid JSON/],
  ['not an object', [], /JSON object/],
  ['no id', valid({ id: undefined }), /id is required/],
  ['id with a space', valid({ id: 'a b' }), /id "a b"/],
  ['duplicate id', valid({ id: 'existing' }), /already exists/],
  ['no input', valid({ input: undefined }), /input must be a non-empty array/],
  ['empty output list', valid({ output: [] }), /output must be a non-empty array/],
  ['output without address', valid({ output: [{ id: 'o', options: [] }] }), /output\[0\]\.address is required/],
  ['options is a string', valid({ options: '-y' }), /options must be an array/],
  ['an option is a number', valid({ options: ['-loglevel', 5] }), /options\[1\] must be a string/],
  ['unknown placeholder', valid({ output: [io('{foo}/x.m3u8')] }), /unknown placeholder \{foo\}/],
  ['rtmp placeholder with a bad name', valid({ input: [io('{rtmp,name=../etc}')] }), /\{rtmp,name=\.\.\.\}/],
  ['srt placeholder with a bad mode', valid({ input: [io('{srt,name=cam,mode=steal}')] }), /mode=\} must be publish or request/],
  ['output file outside the disk folder', valid({ output: [io('/tmp/evil.mp4')] }), /writes outside memfs and the disk folder/],
  ['output file: URL outside the disk folder', valid({ output: [io('file:/etc/cron.d/x')] }), /writes outside/],
  ['segment option writing outside', valid({ output: [io('{memfs}/a.m3u8', ['-f', 'hls', '-hls_segment_filename', '/tmp/seg_%d.ts'])] }), /path outside the disk folder/],
  ['-report writes a file', valid({ options: ['-report'] }), /"-report" is not allowed/],
  ['input file that does not exist', valid({ input: [io('{diskfs}/nope.mp4')] }), /does not exist/],
  ['input file outside the disk folder', valid({ input: [io('/etc/passwd')] }), /outside the disk folder/],
  ['lavfi reading a file', valid({ input: [io('movie=/etc/passwd', ['-f', 'lavfi'])] }), /filter "movie", which loads code or opens files/],
  ['reconnect delay as a string', valid({ reconnect_delay_seconds: '5' }), /reconnect_delay_seconds must be a number/],
  ['autostart as a string', valid({ autostart: 'yes' }), /autostart must be true or false/],
  ['not an ffmpeg process', valid({ type: 'shell' }), /type must be "ffmpeg"/],
  ['protocol not allowed', valid({ input: [io('concat:/etc/passwd|/etc/group')] }), /protocol "concat:" is not allowed/],
];

describe('POST/PUT /api/v3/process with bad configurations', { timeout: 60_000 }, () => {
  let h: Headless;
  let diskDir: string;
  let auth: Record<string, string>;

  beforeAll(async () => {
    const dataDir = tempDataDir();
    diskDir = join(dataDir, 'disk');
    mkdirSync(diskDir);
    h = await startHeadless(['--disk-dir', diskDir, '--auth', 'admin:datarhei'], { dataDir });
    auth = { authorization: `Bearer ${(await login(h.url)).access_token}` };
  }, 30_000);

  afterAll(async () => {
    await h?.stop();
  });

  const post = async (path: string, method: string, body: unknown): Promise<{ status: number; json: { code: number; message: string; details: string[] } }> => {
    const res = await fetch(h.url + path, { method, headers: { 'content-type': 'application/json', ...auth }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { code: number; message: string; details: string[] } };
  };

  it(`answers each of ${CASES.length} malformed configurations with a 400 and a message, and changes nothing`, async () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    const created = await post('/api/v3/process', 'POST', valid({ id: 'existing' }));
    expect(created.status).toBe(200);
    const listBefore = await (await fetch(`${h.url}/api/v3/process?filter=config`, { headers: auth })).text();
    const fileBefore = readFileSync(join(h.dataDir, 'processes.json'), 'utf8');

    for (const [what, body, message] of CASES) {
      const res = await post('/api/v3/process', 'POST', body);
      expect({ what, status: res.status, code: res.json.code, message: res.json.message }).toEqual({ what, status: 400, code: 400, message: 'Bad Request' });
      expect(res.json.details[0], what).toMatch(message);
      // The same body as a replacement of the existing process (the duplicate-id case is a valid PUT of itself).
      if (what !== 'duplicate id') {
        const put = await post('/api/v3/process/existing', 'PUT', body);
        expect({ what, status: put.status }).toEqual({ what, status: 400 });
        expect(put.json.details[0], what).toMatch(message);
      }
    }

    expect(await (await fetch(`${h.url}/api/v3/process?filter=config`, { headers: auth })).text()).toBe(listBefore);
    expect(readFileSync(join(h.dataDir, 'processes.json'), 'utf8')).toBe(fileBefore);
  });

  it('answers unknown ids with 404 and unknown commands with 400', async () => {
    expect((await fetch(`${h.url}/api/v3/process/nope/state`, { headers: auth })).status).toBe(404);
    const bad = await post('/api/v3/process/existing/command', 'PUT', { command: 'explode' });
    expect(bad.status).toBe(400);
    expect(bad.json.details[0]).toMatch(/Unknown command/);
  });

  it('refuses a cross-site web page creating a process (the Origin guard covers the process routes)', async () => {
    const res = await fetch(`${h.url}/api/v3/process`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'http://evil.example', ...auth }, body: JSON.stringify(valid({ id: 'csrf' })) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${h.url}/api/v3/process/csrf`, { headers: auth })).status).toBe(404);
  });
});
