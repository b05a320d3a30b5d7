/**
 * One parser per kind of setting (src/shared/settings-schema.ts): a flag's text or a JSON value in, the typed
 * value out, or a ConfigError that names the setting and says what was expected.
 */
import type { SettingSpec } from '../../shared/settings-schema.ts';
import { parseShard } from '../prometheus/shard.ts';

/** A user-facing configuration error: printed as one line, exit code 2, never a stack trace. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** host:port of a listener; `null` means off. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** A user name and password (`USER:PASS`). */
export interface Credentials {
  username: string;
  password: string;
}

/** `HOST:PORT`, IPv6 in brackets. */
export function parseHostPort(value: string, what: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) throw new ConfigError(`${what}: expected HOST:PORT (IPv6 as [::1]:PORT), got "${value}"`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`${what}: port ${port} is out of range`);
  if (host === '') throw new ConfigError(`${what}: missing host in "${value}"`);
  return { host, port };
}

/** `USER:PASS` (the password may contain ':'). */
export function parseCredentials(value: string, what: string): Credentials {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1) throw new ConfigError(`${what}: expected USER:PASS`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function parseNumber(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`${what}: expected a number ${range}, got "${value}"`);
  }
  return n;
}

/**
 * The typed value of `spec` from a flag's text (`what` names it in errors, e.g. `--listen` or `config.json listen`).
 * Booleans are not parsed here (a flag's presence, a JSON true/false).
 */
export function parseSettingText(spec: SettingSpec, text: string, what: string): unknown {
  switch (spec.kind) {
    case 'string':
    case 'repeated':
      return text;
    case 'list':
      return parseList(text);
    case 'hostPort':
      return parseHostPort(text, what);
    case 'hostPortOrOff':
      return text === 'off' ? null : parseHostPort(text, what);
    case 'credentials':
      return parseCredentials(text, what);
    case 'number':
    case 'integer': {
      const n = parseNumber(text, what, spec.min ?? Number.NEGATIVE_INFINITY, spec.max ?? Number.POSITIVE_INFINITY);
      if (spec.kind === 'integer' && !Number.isInteger(n)) throw new ConfigError(`${what}: expected a whole number, got "${text}"`);
      if (spec.divides !== undefined && spec.divides % n !== 0) throw new ConfigError(`${what}: expected a divisor of ${spec.divides} (1, 2, 5, 10, 15, 30, 60…), got ${n}`);
      return n;
    }
    case 'choice':
      if (!spec.choices?.includes(text)) throw new ConfigError(`${what}: expected ${spec.choices?.join('|')}, got "${text}"`);
      return text;
    case 'shard':
      try {
        return text === '' ? null : parseShard(text, what);
      } catch (err) {
        throw new ConfigError((err as Error).message);
      }
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new ConfigError(`${what}: expected true or false, got "${text}"`);
  }
}

/** `HOST:PORT` of a listener, IPv6 hosts bracketed (as parseHostPort reads it). */
export function hostPortText({ host, port }: ListenAddress): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * A typed value as the text its flag takes, the inverse of parseSettingText (`off` for a listener that is off, ''
 * for none); a boolean stays a boolean. The Settings view shows and sends settings in this form.
 */
export function settingText(spec: SettingSpec, value: unknown): string | boolean {
  if (spec.kind === 'boolean') return value === true;
  if (value === null || value === undefined) return spec.kind === 'hostPortOrOff' ? 'off' : '';
  switch (spec.kind) {
    case 'hostPort':
    case 'hostPortOrOff':
      return hostPortText(value as ListenAddress);
    case 'credentials': {
      const c = value as Credentials;
      return `${c.username}:${c.password}`;
    }
    case 'list':
      return (value as string[]).join(',');
    case 'shard': {
      const s = value as { index: number; count: number };
      return `${s.index}/${s.count}`;
    }
    default:
      return String(value);
  }
}
