/**
 * Command line and JSON config files, driven by the schema (src/shared/settings-schema.ts): `node:util` parseArgs
 * reads the flags, this module applies them over a base config, and generates `--help` and the README's flags table.
 * Precedence: the base (defaults, or the defaults plus what the Settings view saved), the --config file, the
 * environment (secrets, CORE_SESSIONS_CORES), then the flags, whatever their order on the line.
 */
import { parseArgs as parseArgv, type ParseArgsOptionsConfig } from 'node:util';
import { defaultTextOf, flagOf, onByDefault, SETTINGS, type SettingSpec } from '../../shared/settings-schema.ts';
import { ConfigError, parseSettingText } from './values.ts';

/** Remote Core URLs with credentials, whitespace-separated (added to --core). */
export const CORES_ENV = 'CORE_SESSIONS_CORES';

/** A config object keyed by the schema's keys (AppConfig). */
type Config = Record<string, unknown>;

/** Flag name (without `--`, old names included) → its setting. */
const BY_FLAG = new Map<string, SettingSpec>();
/** JSON key (old keys included) → its setting. */
const BY_KEY = new Map<string, SettingSpec>();
for (const spec of SETTINGS) {
  const flag = flagOf(spec);
  if (flag !== null) for (const f of [flag, ...(spec.oldFlags ?? [])]) BY_FLAG.set(f, spec);
  for (const k of [spec.key, ...(spec.oldKeys ?? [])]) BY_KEY.set(k, spec);
}
const SECRETS = SETTINGS.filter((s) => s.secretEnv !== undefined);

/** The setting a JSON key names (its current or a former name), or undefined. */
export function settingOfKey(key: string): SettingSpec | undefined {
  return BY_KEY.get(key);
}

/** parseArgs' option table: every flag and former flag, the `-file` twins of secrets, --config and --help. */
function optionTable(): ParseArgsOptionsConfig {
  const options: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' }, config: { type: 'string' } };
  for (const [flag, spec] of BY_FLAG) options[flag] = { type: spec.kind === 'boolean' ? 'boolean' : 'string', multiple: spec.kind === 'repeated' };
  for (const spec of SECRETS) options[`${flagOf(spec)}-file`] = { type: 'string' };
  return options;
}
const OPTIONS = optionTable();

/** Sets one setting from text (a flag, an environment variable, a JSON string or number). */
function setText(config: Config, spec: SettingSpec, text: string, what: string): void {
  const value = parseSettingText(spec, text, what);
  if (spec.kind === 'repeated') (config[spec.key] as string[]).push(value as string);
  else config[spec.key] = value;
}

/** Applies a parsed JSON config object: the schema's keys (e.g. `dataDir`, `ignoreIps`; former names are read too). */
export function applyConfigObject(target: object, obj: unknown, source: string): void {
  const config = target as Config;
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new ConfigError(`${source}: expected a JSON object`);
  for (const [key, raw] of Object.entries(obj as Record<string, unknown>)) {
    const spec = BY_KEY.get(key);
    if (!spec) throw new ConfigError(`${source}: unknown setting "${key}"`);
    const what = `${source} ${key}`;
    if (spec.kind === 'boolean') {
      if (typeof raw !== 'boolean') throw new ConfigError(`${what}: expected true or false`);
      config[spec.key] = raw;
      continue;
    }
    if (spec.kind === 'hostPortOrOff' && raw === null) { config[spec.key] = null; continue; }
    const values = spec.kind === 'repeated' && Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (Array.isArray(value) && spec.kind === 'list') setText(config, spec, value.map(String).join(','), what);
      else if (typeof value === 'string' || typeof value === 'number') setText(config, spec, String(value), what);
      else throw new ConfigError(`${what}: must be a string or number`);
    }
  }
}

/** The first line of a secret file (a trailing newline is not part of the secret). */
function readSecretFile(path: string, flag: string, readFile: (path: string) => string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(`--${flag}-file ${path}: ${(err as Error).message}`);
  }
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  if (line === '') throw new ConfigError(`--${flag}-file ${path}: the file is empty`);
  return line;
}

/** What the command line asked for. */
export interface ParsedFlags<T> {
  config: T;
  help: boolean;
  configFile: string | null;
  /**
   * The settings this command line set, by key, with what set it: the flag as written (`--rtmp`), `--config FILE`, or
   * the environment variable. The Settings view says so beside them (their saved value applies without them).
   */
  setBy: Record<string, string>;
}

/**
 * Parses flags (`--name value` or `--name=value`) over a copy of `base`. `readFile` loads a --config file and secret
 * files. Unknown flags, missing values and positional arguments are a ConfigError naming them.
 */
export function parseFlags<T extends object>(argv: readonly string[], readFile: (path: string) => string, base: T, env: Readonly<Record<string, string | undefined>>): ParsedFlags<T> {
  // Non-strict with tokens: parseArgs splits the line; the messages (unknown flag, missing value) are ours.
  const { tokens } = parseArgv({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, allowNegative: true, tokens: true });
  const flags: Array<{ spec: SettingSpec; value: string | boolean; name: string }> = [];
  let help = false;
  let configFile: string | null = null;
  for (const token of tokens) {
    if (token.kind === 'positional') throw new ConfigError(`unexpected argument "${token.value}" (see --help)`);
    if (token.kind === 'option-terminator') throw new ConfigError('unexpected argument "--" (see --help)');
    const { name, rawName, value } = token;
    const negated = rawName.startsWith('--no-') && !(rawName.slice(2) in OPTIONS);
    if (name === 'help') { help = true; continue; }
    const option = OPTIONS[name];
    if (!option || (negated && option.type !== 'boolean')) throw new ConfigError(`unknown flag ${rawName} (see --help)`);
    if (option.type === 'boolean') {
      if (value !== undefined) throw new ConfigError(`${rawName} takes no value (got "${value}")`);
      flags.push({ spec: BY_FLAG.get(name)!, value: !negated, name: rawName });
      continue;
    }
    if (value === undefined) throw new ConfigError(`${rawName} needs a value`);
    if (name === 'config') { configFile = value; continue; }
    const secret = SECRETS.find((s) => `${flagOf(s)}-file` === name);
    if (secret) flags.push({ spec: secret, value: readSecretFile(value, flagOf(secret)!, readFile), name: `--${flagOf(secret)}` });
    else flags.push({ spec: BY_FLAG.get(name)!, value, name: rawName });
  }
  const copy = structuredClone(base);
  const config = copy as Config;
  const setBy: Record<string, string> = {};
  if (configFile !== null) {
    let text: string;
    try {
      text = readFile(configFile);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: ${(err as Error).message}`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`--config ${configFile}: invalid JSON (${(err as Error).message})`);
    }
    applyConfigObject(config, obj, `--config ${configFile}`);
    for (const key of Object.keys(obj as object)) setBy[BY_KEY.get(key)!.key] = `--config ${configFile}`;
  }
  for (const spec of SECRETS) {
    const value = env[spec.secretEnv!];
    if (value !== undefined && value !== '') {
      setText(config, spec, value, spec.secretEnv!);
      setBy[spec.key] = spec.secretEnv!;
    }
  }
  const cores = SETTINGS.find((s) => s.key === 'cores');
  for (const url of (env[CORES_ENV] ?? '').split(/\s+/)) {
    if (url !== '' && cores) {
      setText(config, cores, url, CORES_ENV);
      setBy.cores = CORES_ENV;
    }
  }
  // Repeatable --core flags add to the file's list; everything else overrides it.
  for (const { spec, value, name } of flags) {
    if (typeof value === 'boolean') config[spec.key] = value;
    else setText(config, spec, value, name);
    setBy[spec.key] = name;
  }
  return { config: copy, help, configFile, setBy };
}

/** How a setting's flag is written in --help and the README (`--listen HOST:PORT`, `--no-persist`). */
function usage(spec: SettingSpec): string {
  const flag = flagOf(spec)!;
  if (spec.kind === 'boolean') return onByDefault(spec) ? `--no-${flag}` : `--${flag}`;
  return `--${flag} ${spec.arg ?? 'VALUE'}`;
}

const flagSettings = (): SettingSpec[] => SETTINGS.filter((s) => flagOf(s) !== null);

/** The `--help` text, generated from the schema. */
export function helpText(): string {
  const width = 34;
  const line = (left: string, right: string): string => `  ${left.padEnd(width - 2)}${left.length > width - 3 ? `\n${' '.repeat(width)}` : ''}${right}`;
  const out: string[] = [
    'Usage: npm run serve -- [flags]',
    '',
    'Runs Core Sessions without Electron: the local core (collectors, HTTP with memfs/HLS, RTMP, SRT), the',
    'Core-compatible v3 API, remote Cores, and the dashboard at http://HOST:PORT/ui/.',
  ];
  let group = '';
  for (const spec of flagSettings()) {
    if (spec.group !== group) {
      group = spec.group;
      out.push('', `${group}:`);
    }
    const dflt = spec.kind === 'boolean' ? '' : `  [${defaultTextOf(spec)}]`;
    out.push(line(usage(spec), `${spec.help}${dflt}`));
  }
  out.push(
    '',
    'Other:',
    line('--config FILE', 'JSON object with any of the settings above, keys in camelCase (--listen: "listen"); flags win'),
    line('--FLAG-file FILE', `a secret (${SECRETS.map((s) => `--${flagOf(s)}`).join(', ')}) from a file's first line`),
    line('', `or the environment: ${SECRETS.map((s) => s.secretEnv).join(', ')}`),
    line('', `${CORES_ENV}: remote Core URLs with credentials, space-separated, added to --core`),
    line('-h, --help', 'this text'),
    '',
    'Files in the data dir: sessions/<collector>.json (the history, Core\'s format) and <collector>.own.json (which of',
    'its finished sessions were the app\'s own FFmpeg processes\'), timeseries.sqlite (viewers and traffic over time,',
    'with its -wal and -shm files), alerts.json (alert rules, {"rules": [...]}), settings.json and',
    'cores.json (saved by the dashboard), remote-credentials.json (mode 0600), processes.json (the local core\'s FFmpeg',
    'processes), processes.pids.json (their pids, ended after a crash).',
    '',
  );
  return out.map((l) => l.trimEnd()).join('\n');
}

/** Markdown escaping for a table cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The README's flags table (between its `flags:begin`/`flags:end` markers), generated from the schema. */
export function readmeFlagsTable(): string {
  const rows = ['| flag | JSON key | meaning | default |', '| --- | --- | --- | --- |'];
  for (const spec of flagSettings()) {
    const secret = spec.secretEnv ? `; or \`--${flagOf(spec)}-file FILE\`, or \`${spec.secretEnv}\`` : '';
    const old = spec.oldFlags?.length ? ` (was ${spec.oldFlags.map((f) => `\`--${f}\``).join(', ')})` : '';
    rows.push(`| \`${cell(usage(spec))}\`${old} | \`${spec.key}\` | ${cell(spec.help)}${secret} | ${cell(defaultTextOf(spec))} |`);
  }
  rows.push(`| \`--config FILE\` | | a JSON object of the settings above by JSON key; flags win | none |`);
  return rows.join('\n');
}
