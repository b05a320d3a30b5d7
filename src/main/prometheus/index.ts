/**
 * The app's Prometheus parts (issue 18), wired by app.ts: the fleet's series for `/metrics` (fed by every fleet
 * update, filtered to this instance's shard) and, with `--history-backend prometheus`, the history read from a
 * Prometheus-compatible query API.
 */
import type { AppConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import type { SessionSource } from '../source.ts';
import { FleetMetrics } from './fleet-metrics.ts';
import { PrometheusHistory } from './history.ts';
import { inShard } from './shard.ts';

export interface PrometheusParts {
  /** The fleet's exposition text, appended to Core's families on `/metrics`. */
  metricsText(): string;
  /** The history backend when `--history-backend prometheus`, else null (the embedded store answers). */
  history: PrometheusHistory | null;
  stop(): void;
}

export interface PrometheusPartsOptions {
  config: Pick<AppConfig, 'metricsMaxStreamsPerCore' | 'shard' | 'historyBackend' | 'prometheusUrl' | 'prometheusAuth' | 'prometheusTimeoutMs'>;
  source: SessionSource;
  /** This instance's Core id (identity.json): the `core` label of its local core. */
  localExportId: string;
  aliases: ReadonlyMap<string, string>;
  log: Logger;
}

export function startPrometheusParts(options: PrometheusPartsOptions): PrometheusParts {
  const { config } = options;
  const metrics = new FleetMetrics({
    maxStreamsPerCore: config.metricsMaxStreamsPerCore,
    localExportId: options.localExportId,
    aliases: options.aliases,
    exports: (id) => inShard(id, config.shard),
  });
  const off = options.source.onUpdate((snapshot) => metrics.update(snapshot));
  const history =
    config.historyBackend === 'prometheus'
      ? new PrometheusHistory({ url: config.prometheusUrl, auth: config.prometheusAuth, timeoutMs: config.prometheusTimeoutMs, localExportId: options.localExportId })
      : null;
  if (history) options.log.info('history read from Prometheus', { url: history.client.where });
  if (config.shard) options.log.info('sharded', { shard: `${config.shard.index}/${config.shard.count}` });
  return { metricsText: () => metrics.render(), history, stop: off };
}
