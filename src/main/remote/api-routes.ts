/**
 * The fleet's part of the local Core-compatible API (wired through `createApi({ readerFor, extraRoutes })`):
 * - `GET /api/v3/session` and `/api/v3/session/active` read the merged view of all cores; `?core=ID[,ID]` selects
 *   cores (ids of `GET /api/v3/cores`; unknown ids select nothing, as unknown collectors give zero entries). Each
 *   listed session of the merged view carries an added `"core"` field after Core's fields.
 * - With no remote Core configured and no `core` parameter, the local reader answers: byte-compatible with Core.
 * - `GET /api/v3/cores`: the cores and their states (no credentials, no tokens), behind the same auth as `/api/v3/*`.
 */
import type { SessionReader, SessionSelection } from '../engine/types.ts';
import type { CoreInfo } from '../../shared/types.ts';
import type { ApiContext, ApiRoute } from '../http/types.ts';
import { quote, toInt, toNumber } from '../engine/go-json.ts';
import type { Fleet } from './fleet.ts';

/** `core` query value(s) → ids: first value, split on ",", trimmed, empties dropped; undefined when absent/empty. */
export function selectedCores(query: Map<string, string[]>): string[] | undefined {
  const raw = query.get('core')?.[0];
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return ids.length > 0 ? ids : undefined;
}

/** One CoreInfo as JSON: snake_case like Core's API, fixed field order, optional fields omitted when unknown. */
export function writeCoreInfo(c: CoreInfo): string {
  let out = `{"id":${quote(c.id)},"name":${quote(c.name)},"kind":${quote(c.kind)},"url":${quote(c.url)},"state":${quote(c.state)}`;
  if (c.version !== undefined) out += `,"version":${quote(c.version)}`;
  if (c.lastError !== undefined) out += `,"last_error":${quote(c.lastError)}`;
  if (c.lastSuccessMs !== undefined) out += `,"last_success_ms":${toInt(c.lastSuccessMs)}`;
  if (c.rttMs !== undefined) out += `,"rtt_ms":${toNumber(c.rttMs)}`;
  return out + '}';
}

export interface FleetApiHooks {
  readerFor: (ctx: ApiContext) => SessionSelection;
  extraRoutes: ApiRoute[];
}

/** The `createApi` options that put the fleet behind the local API. `localReader` answers when there is no remote. */
export function fleetApi(fleet: Fleet, localReader: SessionReader): FleetApiHooks {
  return {
    readerFor: (ctx) => {
      const ids = selectedCores(ctx.query);
      // Keys: the same cores in any order or repetition read the same (views keep the fleet's order).
      if (ids) return { reader: fleet.reader(ids), key: 'cores:' + [...new Set(ids)].sort().join(',') };
      return fleet.hasRemotes() ? { reader: fleet.reader(), key: 'all' } : { reader: localReader, key: 'local' };
    },
    extraRoutes: [
      {
        method: 'GET',
        path: '/api/v3/cores',
        handler: (ctx) => ctx.json(200, '[' + fleet.cores().map(writeCoreInfo).join(',') + ']'),
      },
    ],
  };
}
