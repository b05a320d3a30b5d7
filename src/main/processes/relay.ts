/**
 * A counting TCP relay on loopback: FFmpeg connects to `127.0.0.1:<relay port>` instead of the real host, the relay
 * connects on to the real host and counts every byte both ways. This is how the app gets per-input and per-output
 * byte counts from a stock FFmpeg (which prints only its total output size). It also tells which local sockets are
 * the app's own FFmpeg connections (`localPeers`), so the local core's servers can recognise them.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';

/** Byte counters of one relay, cumulative over all its connections. */
export interface RelayCounts {
  /** Bytes from the real host to FFmpeg. */
  downBytes: number;
  /** Bytes from FFmpeg to the real host. */
  upBytes: number;
}

export interface CountingRelay {
  /** The port FFmpeg connects to on 127.0.0.1. */
  readonly port: number;
  readonly counts: RelayCounts;
  /** `ip:port` of the relay's own sockets towards the real host (what that host sees as the peer). */
  readonly localPeers: ReadonlySet<string>;
  /** The real host's IP as last connected (for the collector's ignore list), or '' before a connection. */
  readonly remoteIp: string;
  /** Connections (TCP) still carrying bytes; 0 for UDP. */
  readonly openConnections: number;
  /**
   * Takes no new connections; open ones end by themselves (FFmpeg's last bytes still reach the host: destroying
   * them at FFmpeg's exit could cut e.g. the final HLS playlist) and are destroyed after `graceMs`.
   */
  close(graceMs?: number): void;
}

function joinHostPort(ip: string, port: number): string {
  const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return plain.includes(':') ? `[${plain}]:${port}` : `${plain}:${port}`;
}

/** Opens a relay to `host:port`; resolves once it listens. At most `maxConnections` at once (FFmpeg needs a few). */
export function openRelay(host: string, port: number, onError?: (message: string) => void, maxConnections = 16): Promise<CountingRelay> {
  const counts: RelayCounts = { downBytes: 0, upBytes: 0 };
  const localPeers = new Set<string>();
  const sockets = new Set<Socket>();
  let remoteIp = '';
  let open = 0;
  const server: Server = createServer((client) => {
    if (sockets.size >= maxConnections * 2) {
      client.destroy();
      return;
    }
    const upstream = connect({ host, port });
    open++;
    sockets.add(client);
    sockets.add(upstream);
    let peerKey = '';
    upstream.on('connect', () => {
      remoteIp = upstream.remoteAddress ?? '';
      if (upstream.localAddress && upstream.localPort) {
        peerKey = joinHostPort(upstream.localAddress, upstream.localPort);
        localPeers.add(peerKey);
      }
    });
    client.on('data', (d: Buffer) => (counts.upBytes += d.length));
    upstream.on('data', (d: Buffer) => (counts.downBytes += d.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      if (sockets.delete(client)) open--;
      sockets.delete(upstream);
      // Keep the peer a little: the server may still hold the session while it times out.
      if (peerKey !== '') setTimeout(() => localPeers.delete(peerKey), 60_000).unref();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // FFmpeg only sees a closed connection: the reason goes to the process's log.
      if (!upstream.remoteAddress) onError?.(`cannot reach ${host}:${port}: ${err.code ?? err.message}`);
      end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const addr = server.address();
      const boundPort = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({
        port: boundPort,
        counts,
        localPeers,
        get remoteIp() {
          return remoteIp;
        },
        get openConnections() {
          return open;
        },
        close(graceMs = 0) {
          server.close();
          const destroyAll = (): void => {
            for (const s of sockets) s.destroy();
            sockets.clear();
            open = 0;
          };
          if (graceMs <= 0 || sockets.size === 0) destroyAll();
          else setTimeout(destroyAll, graceMs).unref();
        },
      });
    });
  });
}

/** How long a UDP flow without packets keeps its upstream socket. */
const UDP_IDLE_MS = 30_000;

/**
 * The UDP form for SRT (caller mode): FFmpeg sends to `127.0.0.1:<relay port>`, the relay keeps one upstream socket
 * per FFmpeg socket and forwards datagrams both ways, counting their payload bytes. The real host sees the upstream
 * socket as the peer (`localPeers`).
 */
export async function openUdpRelay(host: string, port: number, maxFlows = 16): Promise<CountingRelay> {
  const counts: RelayCounts = { downBytes: 0, upBytes: 0 };
  const localPeers = new Set<string>();
  const { address: remoteIp, family } = await lookup(host);
  const type = family === 6 ? 'udp6' : 'udp4';
  const flows = new Map<string, { upstream: UdpSocket; lastMs: number; peerKey: string }>();
  const front = createSocket('udp4');
  front.on('error', () => undefined);
  front.on('message', (msg: Buffer, from: RemoteInfo) => {
    const key = `${from.address}:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      if (flows.size >= maxFlows) return;
      const upstream = createSocket(type);
      const f = { upstream, lastMs: Date.now(), peerKey: '' };
      flow = f;
      flows.set(key, f);
      upstream.on('error', () => undefined);
      upstream.on('message', (back: Buffer) => {
        counts.downBytes += back.length;
        f.lastMs = Date.now();
        front.send(back, from.port, from.address);
      });
      // Towards a loopback host, bind to its address: the host then sees exactly this socket as the peer.
      const loopbackTarget = remoteIp.startsWith('127.') || remoteIp === '::1';
      upstream.bind(0, loopbackTarget ? remoteIp : type === 'udp6' ? '::' : '0.0.0.0', () => {
        f.peerKey = joinHostPort(upstream.address().address, upstream.address().port);
        localPeers.add(f.peerKey);
      });
    }
    counts.upBytes += msg.length;
    flow.lastMs = Date.now();
    flow.upstream.send(msg, port, remoteIp);
  });
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, f] of flows) {
      if (now - f.lastMs < UDP_IDLE_MS) continue;
      f.upstream.close();
      flows.delete(key);
      localPeers.delete(f.peerKey);
    }
  }, 5000);
  sweep.unref();
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.bind(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    port: front.address().port,
    counts,
    localPeers,
    remoteIp,
    openConnections: 0,
    close() {
      clearInterval(sweep);
      for (const f of flows.values()) f.upstream.close();
      flows.clear();
      front.close();
    },
  };
}

const DEFAULT_PORTS: Record<string, number> = { rtmp: 1935, http: 80 };
/** Schemes that need an explicit port to be relayed. */
const PORT_REQUIRED = new Set(['srt']);
const URL_PARTS = /^([A-Za-z]+):\/\/(?:([^@/?#]*)@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?(.*)$/s;

/** The parts of an address a relay can carry (plain `rtmp://` and `http://` over TCP, `srt://` caller over UDP), or null. */
export function relayTarget(address: string): { scheme: string; userinfo: string; host: string; port: number; rest: string } | null {
  const m = URL_PARTS.exec(address);
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  if (DEFAULT_PORTS[scheme] === undefined && !PORT_REQUIRED.has(scheme)) return null;
  // SRT in listener or rendezvous mode: FFmpeg itself listens, nothing to relay.
  if (scheme === 'srt' && /[?&]mode=(listener|rendezvous)(&|$)/.test(m[5])) return null;
  const port = m[4] !== undefined ? Number(m[4]) : DEFAULT_PORTS[scheme];
  if (port === undefined || !(port > 0 && port < 65536)) return null;
  const host = m[3].startsWith('[') ? m[3].slice(1, -1) : m[3];
  return { scheme, userinfo: m[2] ?? '', host, port, rest: m[5] };
}

/** The address with its host:port replaced by the relay's loopback port. */
export function rewriteToRelay(address: string, relayPort: number): string {
  const t = relayTarget(address);
  if (t === null) return address;
  return `${t.scheme}://${t.userinfo !== '' ? t.userinfo + '@' : ''}127.0.0.1:${relayPort}${t.rest}`;
}

/** One relayed input or output: the address FFmpeg was given (the relay's loopback port) and what it stands for. */
export interface RelayedName {
  /** The address with the relay's port, as FFmpeg prints it. */
  relayed: string;
  /** The address before the relay (placeholders resolved): what Core's `command` shows. */
  resolved: string;
  /** The address as configured (placeholders unresolved): what the user wrote. */
  configured: string;
  /** `127.0.0.1:<relay port>` and the real `host:port` it carries to. */
  relayHostPort: string;
  hostPort: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The names of one relay (`address` is the resolved address, `relayPort` the relay's port). */
export function relayedName(address: string, configured: string, relayPort: number): RelayedName | null {
  const t = relayTarget(address);
  if (t === null) return null;
  return {
    relayed: rewriteToRelay(address, relayPort),
    resolved: address,
    configured,
    relayHostPort: `127.0.0.1:${relayPort}`,
    hostPort: `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`,
  };
}

/**
 * A line of FFmpeg's output without the relays' ports (new each run, the user never chose them): a relayed address
 * as FFmpeg was given it reads as `to` wants (`configured`: `{rtmp,name=cam}`; `resolved`: the local server's own
 * address), any other mention of a relay's `127.0.0.1:<port>` (a segment's URL, a TCP error) as the real host:port.
 */
export function withoutRelayPorts(text: string, names: readonly RelayedName[], to: 'configured' | 'resolved'): string {
  let out = text;
  // Longest first: a relayed address without a path could begin another relay's (port 4533 in 45333).
  for (const n of [...names].sort((a, b) => b.relayed.length - a.relayed.length)) if (out.includes(n.relayed)) out = out.split(n.relayed).join(n[to]);
  for (const n of names) if (out.includes(n.relayHostPort)) out = out.replace(new RegExp(`${escapeRegExp(n.relayHostPort)}(?!\\d)`, 'g'), n.hostPort);
  return out;
}
