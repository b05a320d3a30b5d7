/** The local core's own servers as its FFmpeg processes reach them: loopback URLs built from the bound listeners. */
import { resolve } from 'node:path';
import type { AppConfig } from '../config.ts';
import type { LocalEndpoints } from './command.ts';

/** `http://0.0.0.0:8787` → `http://127.0.0.1:8787` (a wildcard bind is reached on loopback). */
function loopback(url: string): string {
  return url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
}

/** From the config and the bound listeners (`{ api, rtmp, srt }` URLs); a server that is off gives null. */
export function localEndpoints(config: Pick<AppConfig, 'memfsAuth' | 'diskDir' | 'rtmpApp' | 'rtmpToken' | 'srtToken'>, listeners: Record<string, string>): LocalEndpoints {
  let memfsUrl: string | null = null;
  if (listeners.api) {
    const base = loopback(listeners.api);
    const auth = config.memfsAuth ? `${encodeURIComponent(config.memfsAuth.username)}:${encodeURIComponent(config.memfsAuth.password)}@` : '';
    memfsUrl = base.replace('://', `://${auth}`) + '/memfs';
  }
  return {
    memfsUrl,
    diskDir: config.diskDir !== null ? resolve(config.diskDir) : null,
    rtmpUrl: listeners.rtmp ? loopback(listeners.rtmp) : null,
    rtmpApp: config.rtmpApp,
    rtmpToken: config.rtmpToken,
    srtHostPort: listeners.srt ? loopback(listeners.srt).replace(/^srt:\/\//, '') : null,
    srtToken: config.srtToken,
  };
}
