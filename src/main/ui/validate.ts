import type { AppSettingsPatch, HistoryQuery, RemoteCoreInput } from '../../shared/ipc.ts';
import { VIEW_KEYS } from '../../shared/settings-schema.ts';
import { withDefaultScheme } from '../remote/config.ts';
import { UiError } from './app-control.ts';

/**
 * Guards for arguments that arrive from the page (Electron renderer or an HTTP client): the page is not trusted,
 * so every field is checked for type and size before it reaches the app. Unknown fields are dropped.
 */

const MAX_STRING = 2048;

function bad(message: string): never {
  throw new UiError('bad-args', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, name: string, max = MAX_STRING): string {
  if (typeof v !== 'string') bad(`${name} must be a string`);
  if (v.length > max) bad(`${name} is too long`);
  return v;
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}

function strList(v: unknown, name: string, maxItems = 1000): string[] {
  if (!Array.isArray(v) || v.length > maxItems) bad(`${name} must be a list of at most ${maxItems} strings`);
  return v.map((x, i) => str(x, `${name}[${i}]`, 256));
}

export function expectArgCount(args: unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) bad(`expected ${min === max ? min : `${min}-${max}`} arguments, got ${args.length}`);
}

export function parseId(v: unknown): string {
  const id = str(v, 'id', 200);
  if (id === '') bad('id must not be empty');
  return id;
}

/** Node ids of a cluster to add: undefined (or null, as JSON carries an omitted argument) means all. */
export function parseNodeIds(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  const ids = strList(v, 'nodeIds');
  if (ids.some((id) => id === '')) bad('nodeIds must not contain an empty id');
  return ids;
}

export function parseHistoryQuery(v: unknown): HistoryQuery {
  if (v === undefined) return {};
  if (!isObject(v)) bad('query must be an object');
  const q: HistoryQuery = {};
  if (v.core !== undefined) q.core = strList(v.core, 'core');
  if (v.collectors !== undefined) q.collectors = strList(v.collectors, 'collectors');
  return q;
}

export function parseCoreInput(v: unknown): RemoteCoreInput {
  if (!isObject(v)) bad('core must be an object');
  const name = str(v.name, 'name', 200).trim();
  const typed = str(v.url, 'url').trim();
  if (typed === '') bad('the address is empty: enter host:port, e.g. 192.168.1.20:8080');
  // host:port is enough: http:// is assumed.
  const url = withDefaultScheme(typed);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    bad(`"${typed.slice(0, 100)}" is not an address: enter host:port or http(s)://host:port`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') bad(`the address must start with http:// or https://, not ${parsed.protocol}//`);
  // Credentials belong in their own fields: a URL is shown and logged, a password must not be.
  if (parsed.username !== '' || parsed.password !== '') bad('put the username and password in their fields, not in the address');
  const input: RemoteCoreInput = { name: name === '' ? parsed.host : name, url };
  if (v.username !== undefined) input.username = str(v.username, 'username', 256);
  if (v.password !== undefined) input.password = str(v.password, 'password', 1024);
  if (v.pollIntervalMs !== undefined) input.pollIntervalMs = int(v.pollIntervalMs, 'pollIntervalMs', 250, 3_600_000);
  if (v.enabled !== undefined) {
    if (typeof v.enabled !== 'boolean') bad('enabled must be a boolean');
    input.enabled = v.enabled;
  }
  return input;
}

/**
 * A settings patch: `values` only, by key (VIEW_KEYS), each text (a boolean for a boolean setting). What each means and
 * whether it is valid is the settings store's, with the flags' parsers. Any other field is refused, not dropped: a
 * client that sends `{listen: ...}` must not be told it was saved.
 */
export function parseSettingsPatch(v: unknown): AppSettingsPatch {
  if (!isObject(v)) bad('settings must be an object');
  for (const key of Object.keys(v)) if (key !== 'values') bad(`settings.${key.slice(0, 64)} is not a field: send each setting in values, by key, as its flag's text`);
  if (!isObject(v.values)) bad('values must be an object');
  const values: Record<string, string | boolean> = {};
  for (const [key, x] of Object.entries(v.values)) {
    if (!VIEW_KEYS.includes(key)) bad(`values.${key.slice(0, 64)} is not a setting the view edits`);
    values[key] = typeof x === 'boolean' ? x : str(x, `values.${key}`, 4096);
  }
  return { values };
}

/** The fields an alert rule may have (others are dropped). */
const ALERT_RULE_FIELDS: ReadonlySet<string> = new Set([
  'id', 'kind', 'core', 'collector', 'enabled', 'raiseAfterMs', 'clearAfterMs', 'raiseBitsPerSec', 'clearBitsPerSec', 'raiseAbove', 'clearAtOrBelow',
  'belowPercent', 'medianWindowMs', 'moreThan', 'withinMs', 'stream',
]);

/** The alert editor's input: at most 200 rules of plain fields (their meaning is checked by validateAlertRules). */
export function parseAlertConfigInput(v: unknown): { rules: Record<string, unknown>[]; webhookUrl: string } {
  if (!isObject(v)) bad('the alert configuration must be an object');
  if (!Array.isArray(v.rules) || v.rules.length > 200) bad('rules must be a list of at most 200 rules');
  const rules = v.rules.map((r, i) => {
    if (!isObject(r)) bad(`rules[${i}] must be an object`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(r)) {
      if (!ALERT_RULE_FIELDS.has(k)) continue;
      if (typeof x === 'string') out[k] = str(x, `rules[${i}].${k}`, 200);
      else if (typeof x === 'boolean') out[k] = x;
      else if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
      else bad(`rules[${i}].${k} must be a string, a finite number or true/false`);
    }
    return out;
  });
  return { rules, webhookUrl: v.webhookUrl === undefined ? '' : str(v.webhookUrl, 'webhookUrl') };
}

/** A webhook URL argument (checked for its form by the alert service). */
export function parseWebhookUrl(v: unknown): string {
  return str(v, 'url');
}
