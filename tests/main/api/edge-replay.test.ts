/**
 * Replays every request of fixtures/core-v16.14.0/edge/index.tsv against the running headless server
 * (`src/main/headless.ts --listen 127.0.0.1:0 --auth admin:datarhei --data-dir <tmp>`) and compares with Core:
 * status and content type always; the body byte for byte where it does not depend on live traffic, the key
 * structure of the collector entries where it does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, login } from './support.ts';
import { EXACT, FIXTURES, readIndex, shape, STRUCTURAL, type IndexRow } from './fixture-data.ts';

const ROOT = join(import.meta.dirname, '../../..');
const HEADLESS = join(ROOT, 'src/main/headless.ts');
const NODE = join(ROOT, 'node_modules/.bin/node');

/**
 * Request bodies of the rows that need one (index.tsv records no bodies): Core's metrics query for the session
 * metrics over its history. The answer's values depend on traffic, so its status and content type are compared.
 */
const BODIES: Record<string, string> = {
  api_metrics_query_session: JSON.stringify({ timerange_sec: 300, interval_sec: 2, metrics: [{ name: 'session_active' }, { name: 'session_txbytes', labels: { collector: 'hls' } }] }),
};

/** The shape of a sessions response with every list cut to its first element's shape, or [] (traffic differs). */
function loose(v: unknown): unknown {
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.map(([k, x]) => [k, typeof x === 'object' && x !== null && !Array.isArray(x) && /^(remote|local|reference)$/.test(k) ? 'map' : loose(x)]);
  }
  return v === null ? 'null' : typeof v;
}

describe.skipIf(!existsSync(HEADLESS))('edge/index.tsv replayed against the headless server', () => {
  let child: ChildProcess;
  let base = '';
  let token = '';
  let dataDir = '';
  let stderr = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'edge-replay-'));
    child = spawn(NODE, [HEADLESS, '--listen', '127.0.0.1:0', '--auth', 'admin:datarhei', '--data-dir', dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`headless server did not start in 30 s\n${out}\n${stderr}`)), 30_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^listening (http:\/\/\S+)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`headless server exited with ${code}\n${out}\n${stderr}`));
      });
    });
    token = (await login(base)).access_token;
  }, 40_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const rows = readIndex();
  const headersFor = (row: IndexRow): Record<string, string> =>
    row.auth === 'token' ? { authorization: `Bearer ${token}` } : row.auth === 'bad' ? { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.invalid' } : {};

  it.each(rows.map((r) => [r.name, r] as const))('%s', async (name, row) => {
    const body = BODIES[name];
    const r = await get(base + row.url, body ? { ...headersFor(row), 'content-type': 'application/json' } : headersFor(row), row.method as 'GET' | 'POST', body);
    expect(r.status).toBe(row.status);
    expect(r.headers['content-type']).toBe(row.contentType);
    const fixturePath = join(FIXTURES, 'edge', `${name}.json`);
    if (EXACT.includes(name)) {
      expect(r.body).toBe(readFileSync(fixturePath, 'utf8'));
    } else if (STRUCTURAL.includes(name)) {
      const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as unknown;
      const ours = JSON.parse(r.body) as unknown;
      if (name.startsWith('about')) expect(shape(ours)).toEqual(shape(fixture));
      else expect(loose(ours)).toEqual(loose(fixture));
    }
  });
});
