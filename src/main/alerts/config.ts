import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../atomic-file.ts';
import { DEFAULT_ALERT_RULES, validateAlertRules, type AlertRule } from './rules.ts';

/** What `alerts.json` holds: the rules, and where raised and cleared alerts are POSTed ('' = nowhere). */
export interface AlertConfig {
  rules: AlertRule[];
  webhookUrl: string;
}

/** A webhook URL as the editor may save it: http(s) with a host, or '' for none. Throws a RangeError naming it. */
export function checkWebhookUrl(url: string): string {
  const u = url.trim();
  if (u === '') return '';
  if (!/^https?:\/\/[^/]/i.test(u)) throw new RangeError(`the webhook URL must start with http:// or https:// and name a host, got "${u}"`);
  try {
    new URL(u);
  } catch {
    throw new RangeError(`the webhook URL is not a URL: "${u}"`);
  }
  return u;
}

/**
 * Alert settings from `alerts.json` (in userData for the app): `{ "rules": [ ...AlertRule ], "webhookUrl": "…" }`. A
 * missing file gives the default rules; a broken one is reported through `onError` and also gives the defaults, so a
 * typo never disables the app, only the user's custom rules.
 */
export function loadAlertConfig(path: string, onError: (message: string) => void = () => {}): AlertConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(`${path}: ${(err as Error).message}`);
    return { rules: [...DEFAULT_ALERT_RULES], webhookUrl: '' };
  }
  let webhookUrl = '';
  try {
    const parsed = JSON.parse(text) as { rules?: unknown; webhookUrl?: unknown };
    if (!parsed || !Array.isArray(parsed.rules)) throw new Error('expected {"rules": [...]}');
    if (typeof parsed.webhookUrl === 'string') webhookUrl = checkWebhookUrl(parsed.webhookUrl);
    return { rules: validateAlertRules(parsed.rules as AlertRule[]), webhookUrl };
  } catch (err) {
    onError(`${path}: ${(err as Error).message}; using the default rules`);
    return { rules: [...DEFAULT_ALERT_RULES], webhookUrl };
  }
}

/** Validates and writes `alerts.json` atomically (what the editor saves); throws a RangeError naming what is wrong. */
export function saveAlertConfig(path: string, config: AlertConfig): AlertConfig {
  const checked: AlertConfig = { rules: validateAlertRules(config.rules), webhookUrl: checkWebhookUrl(config.webhookUrl) };
  writeFileAtomicSync(path, JSON.stringify(checked, null, 2) + '\n', 0o600);
  return checked;
}
