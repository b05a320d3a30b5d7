import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../src/main/log.ts';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { parseHistory, serializeHistory } from '../../../src/main/engine/history.ts';
import { compareUtf8 } from '../../../src/main/engine/go-json.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'engine-persist-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const opts = (clock: FakeClock, persistDir: string, extra: Record<string, unknown> = {}) => ({ clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000, persistDir, ...extra });

describe('history persistence (spec §3.3, §6 items 45–46)', () => {
  it('45: stop writes <dir>/<id>.json in Core\'s format, byte for byte; a fresh collector reports the same summary', async () => {
    const clock = new FakeClock(0);
    const persistDir = join(dir, 'sessions');
    const c = new Collector('hls', opts(clock, persistDir));
    c.registerAndActivate('s1', 'abc', '/memfs/abc.m3u8', 'www.example.com');
    c.egress('s1', 1_520_435_200);
    c.registerAndActivate('s2', 'abc', '/memfs/abc.m3u8', 'www.example.com');
    c.registerAndActivate('s3', '', 'publish:/live/<x>&"y"', '[2001:db8::1]:53422');
    c.ingress('s3', 7);
    c.register('pending', 'abc', '/memfs/abc.m3u8', 'www.example.com');
    c.egress('pending', 99);
    await c.stop();
    expect(c.persistWrites).toBe(1);
    const file = join(persistDir, 'hls.json');
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '{',
        '    "sessions": {',
        '        "/memfs/abc.m3u8:www.example.com:abc": {',
        '            "location": "/memfs/abc.m3u8",',
        '            "peer": "www.example.com",',
        '            "reference": "abc",',
        '            "total_sessions": 2,',
        '            "total_rxbytes": 0,',
        '            "total_txbytes": 1520435200',
        '        },',
        '        "publish:/live/\\u003cx\\u003e\\u0026\\"y\\":[2001:db8::1]:53422:": {',
        '            "location": "publish:/live/\\u003cx\\u003e\\u0026\\"y\\"",',
        '            "peer": "[2001:db8::1]:53422",',
        '            "reference": "",',
        '            "total_sessions": 1,',
        '            "total_rxbytes": 7,',
        '            "total_txbytes": 0',
        '        }',
        '    }',
        '}',
      ].join('\n'),
    );
    expect(statSync(persistDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(persistDir)).toEqual(['hls.json']); // no temp file left behind

    const again = new Collector('hls', opts(new FakeClock(0), persistDir));
    expect(again.summary()).toEqual(c.summary());
    expect(again.historyEntries()).toEqual(c.historyEntries());
    await again.stop();
    expect(readFileSync(file, 'utf8')).toContain('"total_sessions": 2');
  });

  it('writes an empty history as Go does, and sorts keys by UTF-8 bytes', () => {
    expect(serializeHistory(new Map())).toBe('{\n    "sessions": {}\n}');
    const keys = ['b', 'a', 'B', '\u{1F600}', '\uFF5E', 'a:'];
    expect([...keys].sort(compareUtf8)).toEqual(['B', 'a', 'a:', 'b', '\uFF5E', '\u{1F600}']);
    const entries = new Map(keys.map((k) => [k, { location: k, peer: '', reference: '', totalSessions: 1, totalRxBytes: 0, totalTxBytes: 0 }]));
    const text = serializeHistory(entries);
    expect(JSON.parse(text)).toMatchObject({ sessions: Object.fromEntries(keys.map((k) => [k, { location: k, total_sessions: 1 }])) });
    expect(parseHistory(text)).toEqual(entries);
  });

  it('writes every persistInterval while running (only when the history changed), and on stop', async () => {
    const clock = new FakeClock(0);
    const c = new Collector('rtmp', opts(clock, dir, { persistIntervalMs: 10_000 }));
    c.registerAndActivate('a', 'r', 'l', 'p');
    c.unregister('a');
    clock.advance(10_000);
    await c.persistNow(); // waits for the interval's write as writes are serialised
    expect(JSON.parse(readFileSync(join(dir, 'rtmp.json'), 'utf8')).sessions['l:p:r'].total_sessions).toBe(1);
    const writes = c.persistWrites;
    clock.advance(30_000); // unchanged: no writes
    await c.persistNow();
    expect(c.persistWrites).toBe(writes + 1);
    await c.stop();
    expect(c.persistWrites).toBe(writes + 2);
  });

  it('46: a corrupt file is moved aside (not deleted), logged, and the collector starts empty', async () => {
    const log = memoryLogger();
    writeFileSync(join(dir, 'hls.json'), '{"sessions": {"x": {"location": "l", "tot');
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const c = new Collector('hls', opts(clock, dir, { log }));
    expect(c.summary().history.totals).toEqual({ sessions: 0, rxBytes: 0, txBytes: 0 });
    const names = readdirSync(dir);
    expect(names).toEqual(['hls.json.corrupt-2026-01-02T03-04-05-000Z']);
    expect(readFileSync(join(dir, names[0]), 'utf8')).toBe('{"sessions": {"x": {"location": "l", "tot');
    expect(log.lines.some((l) => l.includes('WARN') && l.includes('moved it aside') && l.includes('hls.json.corrupt-'))).toBe(true);
    c.registerAndActivate('a', 'r', 'l', 'p');
    await c.stop();
    expect(readdirSync(dir).sort()).toEqual(['hls.json', 'hls.json.corrupt-2026-01-02T03-04-05-000Z']);
  });

  it('treats valid JSON of the wrong shape, and an unreadable path, as corrupt', () => {
    for (const bad of ['[]', '42', '{"sessions": []}', '{"sessions": {"k": {"total_sessions": -1}}}', '{"sessions": {"k": {"total_rxbytes": 1.5}}}', '{"sessions": {"k": {"peer": 5}}}', '']) {
      const sub = mkdtempSync(join(dir, 'c-'));
      writeFileSync(join(sub, 'x.json'), bad);
      const log = memoryLogger();
      const c = new Collector('x', opts(new FakeClock(1), sub, { log }));
      expect(c.historyEntries(), bad).toEqual([]);
      expect(readdirSync(sub).some((n) => n.startsWith('x.json.corrupt-')), bad).toBe(true);
      expect(log.lines.length).toBeGreaterThan(0);
    }
    const sub = mkdtempSync(join(dir, 'd-'));
    mkdirSync(join(sub, 'x.json')); // a directory where the file should be: EISDIR
    const log = memoryLogger();
    const c = new Collector('x', opts(new FakeClock(1), sub, { log }));
    expect(c.historyEntries()).toEqual([]);
    expect(log.lines.some((l) => l.includes('x.json'))).toBe(true);
  });

  it('accepts Core files with missing fields or a null sessions map; a missing file is not an error', () => {
    writeFileSync(join(dir, 'a.json'), '{"sessions": null}');
    writeFileSync(join(dir, 'b.json'), '{"sessions": {"l:p:": {"location": "l", "peer": "p", "total_sessions": 3}}}');
    const log = memoryLogger();
    expect(new Collector('a', opts(new FakeClock(), dir, { log })).historyEntries()).toEqual([]);
    const b = new Collector('b', opts(new FakeClock(), dir, { log }));
    expect(b.historyEntries()).toEqual([['l:p:', { location: 'l', peer: 'p', reference: '', totalSessions: 3, totalRxBytes: 0, totalTxBytes: 0 }]]);
    expect(new Collector('missing', opts(new FakeClock(), dir, { log })).historyEntries()).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.includes('corrupt'))).toEqual([]);
  });

  it('removes stale temp files of its own id on load and never reads them', () => {
    writeFileSync(join(dir, '.hls.json.123.4.tmp'), '{"sessions": {"torn');
    writeFileSync(join(dir, '.rtmp.json.1.1.tmp'), 'other');
    const c = new Collector('hls', opts(new FakeClock(), dir));
    expect(c.historyEntries()).toEqual([]);
    expect(readdirSync(dir)).toEqual(['.rtmp.json.1.1.tmp']);
  });

  it('a write error is logged, never thrown', async () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, 'x');
    const log = memoryLogger();
    const c = new Collector('hls', opts(new FakeClock(), join(blocker, 'sessions'), { log }));
    c.registerAndActivate('a', 'r', 'l', 'p');
    await expect(c.stop()).resolves.toBeUndefined();
    expect(c.persistWrites).toBe(0);
    expect(log.lines.some((l) => l.includes('could not write the session history'))).toBe(true);
  });
});
