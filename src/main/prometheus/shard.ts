/**
 * Sharding: several headless instances, each given the same list of Cores and `--shard I/N`, each watch and export
 * only the Cores whose id hashes to their shard, so one Prometheus scraping all of them sees every Core exactly once.
 * The hash is 32-bit FNV-1a over the id's UTF-8 bytes, modulo N: stable across runs, machines and versions, cheap,
 * and spread well enough over host:port ids. Each instance's local core is its own (its id is distinct per
 * instance) and is always exported.
 */
import type { CoreInfo } from '../../shared/types.ts';
import type { Logger } from '../log.ts';
import type { Fleet } from '../remote/fleet.ts';

/** This instance's share: shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** 32-bit FNV-1a of a string's UTF-8 bytes. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard a Core id belongs to among `count`. */
export function shardOf(coreId: string, count: number): number {
  return fnv1a32(coreId) % count;
}

/** True when the Core belongs to this shard (always true without sharding). */
export function inShard(coreId: string, shard: Shard | null): boolean {
  return shard === null || shardOf(coreId, shard.count) === shard.index;
}

/** `--shard I/N`: 0 <= I < N, N <= 1024. */
export function parseShard(value: string, what = '--shard'): Shard {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(value);
  if (!m) throw new Error(`${what}: expected I/N (this instance's shard I of N, counted from 0, e.g. 0/2 and 1/2), got "${value}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1024) throw new Error(`${what}: N must be between 1 and 1024, got ${count}`);
  if (index >= count) throw new Error(`${what}: I counts from 0 and must be less than N (${count}), got ${index}`);
  return { index, count };
}

/** A Core of another shard added from the dashboard: refused, naming the shard that watches it. */
export class OtherShardError extends Error {
  override name = 'OtherShardError';
  /** The page's IPC error code. */
  readonly code = 'invalid-argument';
}

/** The fleet of one shard; `restored()` ends the start-up phase in which other shards' Cores are skipped quietly. */
export interface ShardedFleet extends Fleet {
  restored(): void;
}

/**
 * The fleet of one shard. At start-up (--core, --core-credentials, cores.json: every instance gets the same list)
 * a Core of another shard is skipped with an info line; added later from the dashboard it is refused with the
 * shard that should watch it, since no other instance would learn about it. The exporter filters by `inShard` too,
 * so a Core added around this (a cluster's nodes) is watched here but never exported twice.
 */
export function shardFleet(fleet: Fleet, shard: Shard | null, log: Logger): ShardedFleet {
  if (shard === null) return { ...fleet, restored: () => undefined };
  let starting = true;
  return {
    ...fleet,
    restored: () => {
      starting = false;
    },
    addCore(config) {
      if (inShard(config.id, shard)) return fleet.addCore(config);
      const other = `${shardOf(config.id, shard.count)}/${shard.count}`;
      const mine = `${shard.index}/${shard.count}`;
      if (!starting) throw new OtherShardError(`this Core belongs to shard ${other} (this instance runs --shard ${mine}): add it to the instance of that shard`);
      log.info('remote Core left to another shard', { id: config.id, shard: other, thisShard: mine });
      const info: CoreInfo = { id: config.id, name: config.name ?? config.id, kind: 'remote', url: config.url, state: 'paused', lastError: `watched by shard ${other}, not by this instance (${mine})` };
      return info;
    },
  };
}
