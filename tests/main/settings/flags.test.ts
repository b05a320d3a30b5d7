import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, HELP, parseArgs } from '../../../src/main/config.ts';
import { flagOf, SETTINGS } from '../../../src/shared/settings-schema.ts';

const noFile = (p: string): string => {
  throw new Error(`ENOENT: ${p}`);
};

/** A valid value per kind, for a flag given once on the command line. */
const SAMPLE: Record<string, string> = {
  string: 'x', repeated: 'http://h:1', list: 'a, b', hostPort: '127.0.0.9:99', hostPortOrOff: 'off', credentials: 'u:p', shard: '1/2',
};

describe('settings schema', () => {
  it('names each AppConfig field once: the schema keys are exactly the config fields', () => {
    expect(SETTINGS.map((s) => s.key).sort()).toEqual(Object.keys(defaultConfig()).sort());
  });

  it('parses every flag of the schema through node:util parseArgs', () => {
    for (const spec of SETTINGS) {
      const flag = flagOf(spec)!;
      const text = spec.kind === 'number' || spec.kind === 'integer' ? String(Math.max(spec.min ?? 0, 1)) : spec.kind === 'choice' ? spec.choices!.at(-1)! : SAMPLE[spec.kind];
      const argv = spec.kind === 'boolean' ? [spec.onByDefault ? `--no-${flag}` : `--${flag}`] : [`--${flag}`, text];
      const config = parseArgs(argv, noFile, defaultConfig(), {}).config as unknown as Record<string, unknown>;
      expect(config[spec.key], flag).not.toEqual((defaultConfig() as unknown as Record<string, unknown>)[spec.key]);
    }
  });

  it('keeps accepting former flag names and JSON keys (read old, same setting)', () => {
    const c = parseArgs(['--session-timeout', '7', '--poll-interval=250', '--max-bitrate', '3', '--timeseries-interval', '30', '--persist-interval', '5'], noFile, defaultConfig(), {}).config;
    expect([c.sessionTimeoutSec, c.pollIntervalMs, c.maxBitrateMbit, c.timeseriesIntervalSec, c.persistIntervalSec]).toEqual([7, 250, 3, 30, 5]);
    const file = JSON.stringify({ sessionTimeout: 9, ignoreCidrs: ['10.0.0.0/8'], core: ['http://h:1'], coreCredentials: '/c.json' });
    const f = parseArgs(['--config', 'c.json'], () => file, defaultConfig(), {}).config;
    expect([f.sessionTimeoutSec, f.ignoreIps, f.cores, f.coreCredentialsFile]).toEqual([9, ['10.0.0.0/8'], ['http://h:1'], '/c.json']);
  });

  it('says clearly what is wrong', () => {
    const msg = (argv: string[]): string => {
      try {
        parseArgs(argv, noFile, defaultConfig(), {});
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(msg(['--nope'])).toBe('unknown flag --nope (see --help)');
    expect(msg(['--no-listen'])).toBe('unknown flag --no-listen (see --help)');
    expect(msg(['--metrics-auth=yes'])).toMatch(/--metrics-auth takes no value/);
    expect(msg(['--timeseries-interval-sec', '7'])).toMatch(/divisor of 60/);
    expect(msg(['--log-level', 'loud'])).toMatch(/expected debug\|info\|warn\|error/);
    expect(msg(['--config', 'x'])).toMatch(/ENOENT/);
  });

  it('--help lists every flag once, grouped', () => {
    for (const spec of SETTINGS) {
      const flag = flagOf(spec)!;
      const shown = spec.kind === 'boolean' && spec.onByDefault ? `--no-${flag}` : `--${flag}`;
      expect(HELP.match(new RegExp(`^  ${shown}(\\s|$)`, 'gm'))?.length, shown).toBe(1);
      if (spec.secretEnv) expect(HELP).toContain(spec.secretEnv);
    }
    for (const group of new Set(SETTINGS.map((s) => s.group))) expect(HELP).toContain(`\n${group}:\n`);
  });
});
