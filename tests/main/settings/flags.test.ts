import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, HELP, parseArgs } from '../../../src/main/config.ts';
import { defaultTextOf, flagOf, onByDefault, settingSpec, SETTINGS, VIEW_KEYS, VIEW_SETTINGS } from '../../../src/shared/settings-schema.ts';
import { parseSettingText, settingText } from '../../../src/main/settings/values.ts';
import { DEFAULT_DESKTOP_PREFS } from '../../../src/main/shell/prefs.ts';

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

  it("builds defaultConfig() from the schema's defaults (one source), the values they always had, and documents them from it", () => {
    expect({ ...defaultConfig(), dataDir: '' }).toEqual({
      listen: { host: '127.0.0.1', port: 8787 }, dataDir: '', auth: null, jwtSecret: '', ignoreIps: [], sessionTimeoutSec: 30, persist: true,
      persistIntervalSec: 60, maxSessions: 0, maxBitrateMbit: 0, rtmp: { host: '127.0.0.1', port: 1935 }, rtmpToken: '', rtmpApp: '/',
      rtmpWriteHoldMs: 100, srt: { host: '127.0.0.1', port: 6000 }, srtToken: '', memfsAuth: null, memfsMaxMb: 256, trustedProxies: [],
      diskDir: null, cores: [], coreCredentialsFile: null, pollIntervalMs: 1000, logLevel: 'info', ffmpeg: 'ffmpeg', allowedHosts: [],
      metricsAuth: false, maxConnsPerIp: 100, maxProcesses: 64, historyMaxEntries: 10_000, timeseries: true, timeseriesIntervalSec: 10, timeseriesRawHours: 48,
      timeseriesMinuteDays: 30, timeseriesHourDays: 730, timeseriesMaxMb: 512, metricsMaxStreamsPerCore: 50, shard: null,
      historyBackend: 'embedded', prometheusUrl: '', prometheusAuth: '', prometheusTimeoutMs: 5000,
    });
    const documented = (key: string): string => defaultTextOf(settingSpec(key)!);
    expect(['listen', 'rtmp', 'ffmpeg', 'jwtSecret', 'rtmpToken', 'ignoreIps', 'diskDir', 'auth', 'metricsAuth', 'maxSessions', 'persist', 'historyMaxEntries', 'trayScaleMbit'].map(documented)).toEqual([
      '127.0.0.1:8787', '127.0.0.1:1935', 'ffmpeg (on PATH)', 'random per start', 'none', 'none', 'none', 'off', 'off (open, as Core)', '0 (none)', 'on', '10000', '0 (follow the peak)',
    ]);
    // A changed default is one edit: the config and the help text follow it.
    const spec = settingSpec('memfsMaxMb')!;
    spec.default = 300;
    try {
      expect([defaultConfig().memfsMaxMb, defaultTextOf(spec)]).toEqual([300, '300']);
    } finally {
      spec.default = 256;
    }
    // Both booleans on by default are documented as --no-FLAG.
    expect(SETTINGS.filter(onByDefault).map((s) => s.key)).toEqual(['persist', 'timeseries']);
  });

  it('parses every flag of the schema through node:util parseArgs', () => {
    for (const spec of SETTINGS) {
      const flag = flagOf(spec)!;
      const text = spec.kind === 'number' || spec.kind === 'integer' ? String(Math.max(spec.min ?? 0, 1)) : spec.kind === 'choice' ? spec.choices!.at(-1)! : SAMPLE[spec.kind];
      const argv = spec.kind === 'boolean' ? [onByDefault(spec) ? `--no-${flag}` : `--${flag}`] : [`--${flag}`, text];
      const config = parseArgs(argv, noFile, defaultConfig(), {}).config as unknown as Record<string, unknown>;
      expect(config[spec.key], flag).not.toEqual((defaultConfig() as unknown as Record<string, unknown>)[spec.key]);
    }
  });

  it("gives a choice's view text only for a value the choice accepts", () => {
    const texts = SETTINGS.filter((s) => s.choiceText !== undefined);
    expect(texts.map((s) => s.key)).toEqual(['historyBackend']);
    for (const spec of texts) expect(spec.choices).toEqual(expect.arrayContaining(Object.keys(spec.choiceText!)));
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
      const shown = spec.kind === 'boolean' && onByDefault(spec) ? `--no-${flag}` : `--${flag}`;
      expect(HELP.match(new RegExp(`^  ${shown}(\\s|$)`, 'gm'))?.length, shown).toBe(1);
      if (spec.secretEnv) expect(HELP).toContain(spec.secretEnv);
    }
    for (const group of new Set(SETTINGS.map((s) => s.group))) expect(HELP).toContain(`\n${group}:\n`);
  });

  it('says which settings the command line set, and with what (the Settings view marks them)', () => {
    const file = JSON.stringify({ rtmpApp: '/live', ignoreCidrs: ['10.0.0.0/8'] });
    const { setBy } = parseArgs(['--rtmp', '127.0.0.1:1940', '--config', 'c.json', '--no-timeseries', '--session-timeout', '9'], () => file, defaultConfig(), { CORE_SESSIONS_SRT_TOKEN: 't' });
    expect(setBy).toEqual({ rtmp: '--rtmp', rtmpApp: '--config c.json', ignoreIps: '--config c.json', timeseries: '--no-timeseries', sessionTimeoutSec: '--session-timeout', srtToken: 'CORE_SESSIONS_SRT_TOKEN' });
    expect(parseArgs([], noFile, defaultConfig(), {}).setBy).toEqual({});
  });

  it('gives every setting a short label, and the Settings view only keys the schema has', () => {
    for (const spec of [...SETTINGS, ...VIEW_SETTINGS]) expect(spec.label.length, spec.key).toBeGreaterThan(0);
    expect(new Set([...SETTINGS, ...VIEW_SETTINGS].map((s) => s.label)).size).toBe(SETTINGS.length + VIEW_SETTINGS.length);
    for (const key of VIEW_KEYS) expect(settingSpec(key), key).toBeDefined();
  });

  it("the view's own settings carry their default as a value (never read back out of the help text), one their parser takes", () => {
    for (const spec of VIEW_SETTINGS) {
      expect(spec.default, spec.key).toBeDefined();
      expect(VIEW_KEYS, spec.key).toContain(spec.key);
      if (spec.kind === 'boolean') expect(typeof spec.default, spec.key).toBe('boolean');
      else if (!(spec.kind === 'string' && spec.default === '')) expect(parseSettingText(spec, settingText(spec, spec.default) as string, spec.label), spec.key).toEqual(spec.default);
    }
    // The desktop shell's defaults are the schema's.
    expect(DEFAULT_DESKTOP_PREFS).toEqual({ startHidden: settingSpec('startHidden')!.default, trayScaleMbit: settingSpec('trayScaleMbit')!.default });
  });
});

