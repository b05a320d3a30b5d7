/**
 * The history file is written by the one Go-compatible JSON module (src/main/engine/go-json.ts): a lone surrogate is
 * `\ufffd` as Go writes it (and as the API writes the same string); before, the engine's own copy wrote `\ud800`.
 * A file written that way (and with the short `\b`/`\f` escapes JSON.stringify used) still loads, and is rewritten
 * in Go's form on the next save, which loads too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { quote } from '../../../src/main/engine/go-json.ts';
import { parseHistory, serializeHistory } from '../../../src/main/engine/history.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { writeHistory } from '../../../src/main/api/sessions.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'history-json-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const opts = (persistDir: string, log = memoryLogger()) => ({ clock: new FakeClock(0), sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000, persistDir, log });

/** A history file as the engine's former writer produced it: lone surrogates as `\ud800`, `\b` and `\f` short. */
const OLD_FILE = [
  '{',
  '    "sessions": {',
  '        "/live/a\\ud800:peer\\b:ref": {',
  '            "location": "/live/a\\ud800",',
  '            "peer": "peer\\b",',
  '            "reference": "ref",',
  '            "total_sessions": 3,',
  '            "total_rxbytes": 10,',
  '            "total_txbytes": 2048',
  '        },',
  '        "/live/b:\\udc00x\\f:": {',
  '            "location": "/live/b",',
  '            "peer": "\\udc00x\\f",',
  '            "reference": "",',
  '            "total_sessions": 1,',
  '            "total_rxbytes": 0,',
  '            "total_txbytes": 5',
  '        }',
  '    }',
  '}',
].join('\n');

describe('history file JSON (one Go-compatible writer)', () => {
  it('writes a lone surrogate as \\ufffd, as Go and the API do; \\b and \\f as \\u0008 and \\u000c', () => {
    const entries = new Map([['l\ud800:p:r', { location: 'l\ud800', peer: 'p\b\f', reference: 'r', totalSessions: 1, totalRxBytes: 0, totalTxBytes: 0 }]]);
    const text = serializeHistory(entries);
    expect(text).toContain('"l\\ufffd:p:r": {');
    expect(text).toContain('"location": "l\\ufffd",');
    expect(text).toContain('"peer": "p\\u0008\\u000c",');
    expect(text).not.toMatch(/\\ud8|\\udc/);
    expect(text).toContain(quote('l\ud800')); // the API's quoting of the same string
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text); // valid UTF-8 text, nothing lost in the write
  });

  it('loads a file the former writer wrote (\\ud800 escapes), then saves it in Go\'s form, which loads again', async () => {
    writeFileSync(join(dir, 'rtmp.json'), OLD_FILE);
    const log = memoryLogger();
    const c = new Collector('rtmp', opts(dir, log));
    expect(readFileSync(join(dir, 'rtmp.json'), 'utf8')).toBe(OLD_FILE); // loaded, not moved aside
    expect(log.lines.filter((l) => l.includes('WARN'))).toEqual([]);
    expect(c.summary().history.totals).toEqual({ sessions: 4, rxBytes: 10, txBytes: 2053 });
    expect(c.historyEntries().map(([, e]) => e.location).sort()).toEqual(['/live/a\ud800', '/live/b']);
    // the API renders those keys as Go would (\ufffd)
    expect(writeHistory(c.summary().history)).toContain('"/live/a\\ufffd":{"sessions":3');
    await c.stop();

    const saved = readFileSync(join(dir, 'rtmp.json'), 'utf8');
    expect(saved).toContain('"/live/a\\ufffd:peer\\u0008:ref": {');
    expect(saved).toContain('"peer": "\\ufffdx\\u000c",');
    expect(saved).not.toMatch(/\\ud8|\\udc/);
    expect(parseHistory(saved).size).toBe(2);
    const again = new Collector('rtmp', opts(dir));
    expect(again.summary().history.totals).toEqual({ sessions: 4, rxBytes: 10, txBytes: 2053 });
    expect(again.historyEntries().map(([, e]) => e.location).sort()).toEqual(['/live/a\ufffd', '/live/b']);
    await again.stop();
  });
});
