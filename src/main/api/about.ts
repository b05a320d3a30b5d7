/**
 * `GET /api` (spec §4.5): the full identity for an authorised caller (or when auth is off), the short form
 * `{"app","auths","version":{"number":"16.0.0"}}` otherwise. Clients detect "needs login" by a missing `id`.
 */
import { stringifyGo } from '../engine/go-json.ts';

/**
 * The Core version this API is compatible with. We report a Core 16.x number so that Core clients
 * (restreamer-ui, core-client-go/python, our own remote client) accept us: they require major 16 and
 * ≥ 16.7.2 for sessions and ≥ 16.9.0 for `srt`. 16.14.0 is the release whose responses the fixtures record.
 * Our own product version goes into `repository_branch`/`compiler`-style fields, never into `number`.
 */
export const CORE_COMPATIBLE_VERSION = '16.14.0';

export interface AboutInfo {
  /** Config `name` (Core: a random haiku name). */
  name: string;
  /** Config `id` (Core: a UUID). Also the `core` label of the Prometheus metrics. */
  id: string;
  /** Start time (Unix ms) for `created_at` and `uptime_seconds`. */
  startedAtMs: number;
  version?: Partial<AboutVersion>;
}

export interface AboutVersion {
  number: string;
  repository_commit: string;
  repository_branch: string;
  build_date: string;
  arch: string;
  compiler: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

/** Our values for the version block, Core-shaped (`arch` as GOOS/GOARCH). */
export function defaultVersion(): AboutVersion {
  return {
    number: CORE_COMPATIBLE_VERSION,
    repository_commit: '',
    repository_branch: 'core-sessions',
    build_date: '',
    arch: `${process.platform}/${GO_ARCH[process.arch] ?? process.arch}`,
    compiler: `node ${process.version}`,
  };
}

/** RFC 3339 with seconds precision in UTC (`2026-11-26T01:14:11Z`), as Go's time.RFC3339. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `{"app":…,"auths":…,"version":{"number":"<major>.0.0"}}` without `id`/`name`. */
export function buildAboutShort(auths: string[], version: AboutVersion): string {
  const major = version.number.split('.')[0] ?? '16';
  return stringifyGo({ app: 'datarhei-core', auths, version: { number: `${major}.0.0` } });
}

export function buildAboutFull(auths: string[], info: AboutInfo, version: AboutVersion, nowMs: number): string {
  return stringifyGo({
    app: 'datarhei-core',
    auths,
    name: info.name,
    id: info.id,
    created_at: rfc3339(info.startedAtMs),
    uptime_seconds: Math.max(0, Math.floor((nowMs - info.startedAtMs) / 1000)),
    version: { ...version },
  });
}
