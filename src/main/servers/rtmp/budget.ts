/**
 * The RTMP server's budget for incomplete messages, over all its connections: each connection's parser may hold
 * `maxPartialBytes` (16 MiB), so 100 connections of one client filling theirs held 1.6 GiB (measured: RSS 108 →
 * 1749 MiB). A client (`clientKey`: an IPv4 address, an IPv6 /64) may hold `maxPerClient` of them in all, and the
 * server `maxTotal`; a charge past either ends the connection that asked (docs/decisions.md, "What one client can
 * make the RTMP server hold").
 */
import type { PartialAccount } from './chunk.ts';

export class PartialBudget {
  readonly maxTotal: number;
  readonly maxPerClient: number;
  /** Bytes charged now, in all and per client (a client with nothing charged has no entry). */
  total = 0;
  private readonly byClient = new Map<string, number>();

  /** 0: no bound. */
  constructor(maxTotal: number, maxPerClient: number) {
    this.maxTotal = maxTotal;
    this.maxPerClient = maxPerClient;
  }

  heldBy(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  /** The account a connection of `client` charges its incomplete messages to. */
  account(client: string): PartialAccount {
    return {
      charge: (bytes) => {
        if (bytes <= 0) return true;
        const mine = this.byClient.get(client) ?? 0;
        if (this.maxTotal > 0 && this.total + bytes > this.maxTotal) return false;
        if (this.maxPerClient > 0 && mine + bytes > this.maxPerClient) return false;
        this.total += bytes;
        this.byClient.set(client, mine + bytes);
        return true;
      },
      release: (bytes) => {
        if (bytes <= 0) return;
        this.total -= bytes;
        const left = (this.byClient.get(client) ?? 0) - bytes;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }
}
