/**
 * The running app's AppControl (src/main/ui/app-control.ts): the remote Cores (core-store.ts) and the settings
 * (settings-store.ts) the dashboard manages, side by side.
 */
import type { AppConfig } from '../config.ts';
import type { Clock } from '../engine/types.ts';
import { MemorySecretStore, type SecretStore } from '../remote/config.ts';
import type { Fleet } from '../remote/fleet.ts';
import type { AppControl } from '../ui/app-control.ts';
import type { Logger } from '../log.ts';
import { createCoreStore, type CoreStore } from './core-store.ts';
import { createSettingsStore } from './settings-store.ts';

export { CORES_FILE } from './core-store.ts';
export { applySavedSettings, loadSavedSecrets, loadSavedSettings, SETTINGS_FILE, type SavedSettings } from './settings-store.ts';

export interface AppControlOptions {
  config: AppConfig;
  fleet: Fleet;
  clock: Clock;
  log: Logger;
  secrets?: SecretStore;
  /** What the command line set at this start, by key (ParsedFlags.setBy): the Settings view marks those. */
  setAtStart?: Record<string, string>;
}

/** AppControl and the restore of the saved Cores at start. */
export type RunningControl = AppControl & Pick<CoreStore, 'restoreCores'>;

export function createAppControl(options: AppControlOptions): RunningControl {
  const secrets = options.secrets ?? new MemorySecretStore();
  return { ...createCoreStore({ ...options, secrets }), ...createSettingsStore({ ...options, secrets }) };
}
