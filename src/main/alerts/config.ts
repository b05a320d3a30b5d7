import { readFileSync } from 'node:fs';
import { DEFAULT_ALERT_RULES, validateAlertRules, type AlertRule } from './rules.ts';

/**
 * Alert rules from `alerts.json` (in userData for the app): `{ "rules": [ ...AlertRule ] }`. A missing file gives
 * the defaults; a broken one is reported through `onError` and also gives the defaults, so a typo never disables
 * the app, only the user's custom rules.
 */
export function loadAlertRules(path: string, onError: (message: string) => void = () => {}): AlertRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(`${path}: ${(err as Error).message}`);
    return [...DEFAULT_ALERT_RULES];
  }
  try {
    const parsed = JSON.parse(text) as { rules?: unknown };
    if (!parsed || !Array.isArray(parsed.rules)) throw new Error('expected {"rules": [...]}');
    return validateAlertRules(parsed.rules as AlertRule[]);
  } catch (err) {
    onError(`${path}: ${(err as Error).message}; using the default rules`);
    return [...DEFAULT_ALERT_RULES];
  }
}
