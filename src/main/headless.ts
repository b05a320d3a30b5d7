/**
 * Headless mode (`npm run serve`): the same main-process wiring as the Electron app under plain Node, with the
 * dashboard served at /ui/. Prints `listening http://HOST:PORT` (and `rtmp rtmp://HOST:PORT`) on stdout once ready,
 * for people and for tests. SIGINT/SIGTERM close open sessions into the history, persist, and exit 0.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, defaultConfig, HELP, parseArgs, validateConfig } from './config.ts';
import { startApp, StartError } from './app.ts';
import { applySavedSettings, loadSavedSecrets, loadSavedSettings } from './control/index.ts';
import { FileSecretStore, RemoteConfigError } from './remote/config.ts';
import { createLogger, LogRing } from './log.ts';

async function main(argv: string[]): Promise<number> {
  const readFile = (p: string): string => readFileSync(p, 'utf8');
  let parsed;
  try {
    parsed = parseArgs(argv, readFile);
    if (parsed.help) {
      process.stdout.write(HELP);
      return 0;
    }
    // What the Settings view saved in the data dir sits between the defaults and the flags.
    const saved = loadSavedSettings(parsed.config.dataDir);
    if (Object.keys(saved).length > 0) {
      const secrets = await loadSavedSecrets(new FileSecretStore(parsed.config.dataDir));
      parsed = parseArgs(argv, readFile, applySavedSettings(defaultConfig(), saved, secrets));
    }
    validateConfig(parsed.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`core-sessions: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const config = parsed.config;
  const logRing = new LogRing();
  const log = createLogger('core-sessions', config.logLevel, undefined, logRing);
  let app;
  try {
    app = await startApp(config, { log, logRing, mode: 'headless', secrets: new FileSecretStore(config.dataDir, log.child('secrets')), setAtStart: parsed.setBy });
  } catch (err) {
    if (err instanceof StartError || err instanceof ConfigError || err instanceof RemoteConfigError) {
      process.stderr.write(`core-sessions: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  for (const [name, url] of Object.entries(app.listeners)) process.stdout.write(`${name === 'api' ? 'listening' : name} ${url}\n`);
  process.stdout.write(`dashboard ${app.listeners.api}/ui/\n`);

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: closing sessions into the history and persisting`);
      app.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error('stop failed', { error: String(err) });
          resolve(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`core-sessions: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
