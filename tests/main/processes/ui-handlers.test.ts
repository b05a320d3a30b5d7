/** The Processes view's channels check what the page sends and answer coded errors, never a crash. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { ProcessManager } from '../../../src/main/processes/manager.ts';
import { processUiHandlers } from '../../../src/main/processes/ui-handlers.ts';

const ffmpeg = new Collector('ffmpeg', { clock: systemClock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5000 });
const manager = new ProcessManager({
  dataDir: mkdtempSync(join(tmpdir(), 'processes-ui-')),
  ffmpegBinary: 'ffmpeg',
  endpoints: () => ({ memfsUrl: 'http://127.0.0.1:1/memfs', diskDir: null, rtmpUrl: 'rtmp://127.0.0.1:2', rtmpApp: '/', rtmpToken: '', srtHostPort: null, srtToken: '' }),
  clock: systemClock,
  log: memoryLogger(),
  collectors: { ffmpeg, marked: { byPeer: [], byConnection: [] } },
});
const h = processUiHandlers(manager, 'owner');
const call = (fn: (...a: never[]) => Promise<unknown>, ...args: unknown[]): Promise<unknown> => (fn as (...a: unknown[]) => Promise<unknown>)(...args);
const codeOf = async (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? 'none');

afterAll(async () => {
  await manager.stop();
  await ffmpeg.stop();
});

describe('processes:* handlers', () => {
  it('create: bad arguments, bad JSON and refused configurations are coded errors', async () => {
    await manager.init();
    expect(await codeOf(call(h['processes:create']))).toBe('bad-args');
    expect(await codeOf(call(h['processes:create'], { id: 'x' }))).toBe('bad-args');
    expect(await codeOf(call(h['processes:create'], '{oops'))).toBe('invalid');
    await expect(call(h['processes:create'], JSON.stringify({ id: 'x', input: [{ address: '{nope}' }], output: [{ address: '-', options: ['-f', 'null'] }] }))).rejects.toThrow(/unknown placeholder \{nope\}/);
    expect((await h['processes:list']()).processes).toEqual([]);
  });

  it('create, list, command and delete a process', async () => {
    const row = await h['processes:create'](JSON.stringify({ id: 'p', reference: 'r', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '{memfs}/p.m3u8' }] }));
    expect(row).toMatchObject({ id: 'p', reference: 'r', order: 'stop', exec: 'finished', autostart: false });
    expect(JSON.parse(row.configJson)).toMatchObject({ id: 'p', input: [{ address: '{rtmp,name=cam}' }] });
    const list = await h['processes:list']();
    expect(list.ffmpeg).toMatchObject({ ok: true, binary: 'ffmpeg', message: '' });
    expect(list.processes.map((p) => p.id)).toEqual(['p']);
    expect(await codeOf(call(h['processes:command'], 'p', 'explode'))).toBe('bad-args');
    expect(await codeOf(call(h['processes:command'], 'nope', 'start'))).toBe('not-found');
    expect(await codeOf(call(h['processes:log'], 42))).toBe('bad-args');
    // update: the same checks as create, the id may change to an unused one, a stopped process stays stopped.
    expect(await codeOf(call(h['processes:update'], 'p'))).toBe('bad-args');
    expect(await codeOf(call(h['processes:update'], 'p', { id: 'p' }))).toBe('bad-args');
    expect(await codeOf(call(h['processes:update'], 'p', '{oops'))).toBe('invalid');
    expect(await codeOf(call(h['processes:update'], 'nope', row.configJson))).toBe('not-found');
    await expect(call(h['processes:update'], 'p', JSON.stringify({ ...JSON.parse(row.configJson), output: [{ address: '/etc/evil.mp4' }] }))).rejects.toThrow(/writes outside memfs/);
    const edited = await h['processes:update']('p', JSON.stringify({ ...JSON.parse(row.configJson), reference: 'r2', autostart: true }));
    expect(edited).toMatchObject({ id: 'p', reference: 'r2', order: 'stop', exec: 'finished' });
    expect((await h['processes:list']()).processes.map((x) => [x.id, x.reference])).toEqual([['p', 'r2']]);
    await h['processes:delete']('p');
    expect((await h['processes:list']()).processes).toEqual([]);
    expect(await codeOf(call(h['processes:delete'], 'p'))).toBe('not-found');
  });
});
