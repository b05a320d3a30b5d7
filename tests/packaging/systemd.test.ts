/**
 * resources/linux/core-sessions.service: a unit systemd accepts (`systemd-analyze verify`, where systemd-analyze is
 * installed), hardened (`systemd-analyze security --offline`), whose command line the headless parser accepts, with a
 * dedicated user, its data under /var/lib/core-sessions and SIGTERM to stop (headless mode persists on SIGTERM).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/main/config.ts';

const UNIT = join(import.meta.dirname, '..', '..', 'resources', 'linux', 'core-sessions.service');
const text = readFileSync(UNIT, 'utf8');
/** Every `Key=value` of the unit, in order (repeated keys kept). */
const entries = text
  .split('\n')
  .filter((l) => /^[A-Za-z]+=/.test(l))
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
const value = (key: string): string | undefined => entries.find(([k]) => k === key)?.[1];
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const hasAnalyze = analyze.status === 0;

describe('systemd unit for the headless command', () => {
  it('runs core-sessions as a dedicated user with its data in /var/lib/core-sessions, stops with SIGTERM, is hardened', () => {
    expect(value('DynamicUser')).toBe('yes');
    expect(value('User')).toBe('core-sessions');
    expect(value('StateDirectory')).toBe('core-sessions');
    expect(value('KillSignal')).toBe('SIGTERM');
    for (const [key, v] of [
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectControlGroups', 'yes'],
      ['RestrictNamespaces', 'yes'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      expect(value(key), key).toBe(v);
    }
    const exec = value('ExecStart')!.split(/\s+/);
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/env', 'core-sessions']);
    // The flags are the headless command's own: its parser accepts them.
    const parsed = parseArgs(exec.slice(2), () => {
      throw new Error('no file expected');
    });
    expect(parsed.config.dataDir).toBe('/var/lib/core-sessions');
    expect(value('WorkingDirectory')).toBe('/var/lib/core-sessions');
  });

  it.skipIf(!hasAnalyze)('systemd-analyze verify accepts it; security exposure stays low (skipped where systemd-analyze is not installed)', () => {
    const verify = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 20_000 });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8', timeout: 20_000 });
    const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security)?.[1]);
    process.stdout.write(`[systemd] ${analyze.stdout.split('\n')[0]}: exposure ${exposure} (0 = locked down, 10 = unprotected)\n`);
    expect(exposure).toBeLessThanOrEqual(2);
  });
});
