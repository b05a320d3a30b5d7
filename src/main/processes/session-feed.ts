/**
 * Feeds the `ffmpeg` collector from the runs' counting relays (spec §1.4): one session per process run, id = process
 * id, reference = process reference, location and peer `unknown`. Registered on the run's first progress block (or
 * first byte), activated on the first byte of an input/output whose real host is collectable (not in the ignore
 * list), then once per second: input bytes → Ingress, output bytes → Egress, of the inputs and outputs that do not go
 * through this core's own servers: by the placeholder (`countedByOwnServer`), or, for an address typed out (the local
 * server's `rtmp://127.0.0.1:1935/live/cam`, whatever host names it), because an own server saw the relay's socket
 * (its session asked the owner hook about it: marked as the process's). Those bytes are already counted once where
 * they cross the edge (the person's publisher and players on rtmp/srt/hls); Core's `ffmpeg` collector leaves them out the same way,
 * its default ignore list (127.0.0.1/32, ::1/128: spec §1.4, §3.6) holding its own address. So, as there, a run
 * whose every byte goes through those servers is registered but never activated: it is not in the active list and
 * leaves no History entry (spec §6, 44); its marked sessions on rtmp/srt/hlsingress stand for it.
 *
 * It also marks the local core's own sessions whose peer is one of these runs' relay sockets: their `extra` becomes
 * `ffmpeg:<process id>` (OWN_PROCESS_EXTRA_PREFIX and ownProcessOf in src/shared/processes.ts). That is how the
 * RTMP/SRT session of a process that pulls or pushes a local stream, and the HLS ingest of a process that writes to
 * the memfs (its upload comes in on the relay's socket; the session's peer stays `unknown` as Core's), are told apart
 * from a person's player or encoder. Such a session is never a user (src/shared/totals.ts); per stream it counts as
 * role `process`, and a process's HLS ingest is the stream's ingest only while no person publishes to the stream
 * (src/shared/stream-groups.ts). The collectors ask as a session registers (`setOwnerOf`, with the connection it came
 * in on), so no reader sees it unmarked (it counted as a viewer for an update, into the day's peak); the tick marks
 * the RTMP/SRT sessions that registered before their run's relay knew the socket, and walks only those collectors
 * (an HLS upload's peer is `unknown`, which no relay socket is).
 */
import type { SessionCollector, SessionSnapshot } from '../engine/types.ts';
import { OWN_PROCESS_EXTRA_PREFIX } from '../../shared/processes.ts';
import type { RunView } from './runner.ts';

/** What the feed needs of a collector: the producer calls, the ignore list, and (for marking) the active list and the owner hook. */
export interface FeedCollector extends SessionCollector {
  isCollectableIp(ip: string): boolean;
  active(): SessionSnapshot[];
  setOwnerOf(ownerOf: ((peer: string) => string | undefined) | null): void;
}

/**
 * True when an input or output's address (as configured) goes through one of this core's own servers: `{rtmp,…}`,
 * `{srt,…}` or `{memfs}…`. Its bytes are not the `ffmpeg` collector's (the rule in src/shared/totals.ts).
 */
export function countedByOwnServer(address: string): boolean {
  return /^\{(rtmp|srt|memfs)[,}]/.test(address.trimStart());
}

interface RunFeed {
  registered: boolean;
  activated: boolean;
  lastIn: number[];
  lastOut: number[];
}

/**
 * The collectors whose sessions of own processes get marked: `byPeer`, whose session's peer is the connection (RTMP,
 * SRT), marked as they register and by the tick; `byConnection`, whose session's peer is `unknown` as Core's (the HLS
 * upload, spec §1.4), marked only as they register, by the connection they came in on (the tick could never match).
 */
export interface MarkedCollectors {
  byPeer: FeedCollector[];
  byConnection: FeedCollector[];
}

export class SessionFeed {
  readonly #ffmpeg: FeedCollector;
  /** What the once-a-second pass walks: only collectors whose sessions' peer can be a relay's socket. */
  readonly #byPeer: FeedCollector[];
  readonly #runs = new Map<RunView, RunFeed>();
  /**
   * Inputs and outputs whose relay socket one of this core's own servers has seen (a session of it was marked): their
   * bytes are that server's. An input/output's first bytes wait one tick in `#held` before they are fed, so that the
   * server has registered its session by then (a typed URL's RTMP handshake before the play, an HLS segment uploaded
   * before its playlist).
   */
  readonly #seenByOwnServer = new WeakSet<RunView['inputs'][number]>();
  readonly #held = new WeakSet<RunView['inputs'][number]>();

  constructor(ffmpeg: FeedCollector, marked: MarkedCollectors) {
    this.#ffmpeg = ffmpeg;
    this.#byPeer = marked.byPeer;
    const ownerOf = (peer: string): string | undefined => {
      const process = this.#claim(peer);
      return process === undefined ? undefined : OWN_PROCESS_EXTRA_PREFIX + process;
    };
    for (const c of [...marked.byPeer, ...marked.byConnection]) c.setOwnerOf(ownerOf);
  }

  /** A new run: tracked until it has ended and its last bytes are fed. */
  add(run: RunView): void {
    this.#runs.set(run, { registered: false, activated: false, lastIn: run.inputs.map(() => 0), lastOut: run.outputs.map(() => 0) });
  }

  /** The process id whose relay socket is `peer` (`ip:port`), or undefined. */
  processOfPeer(peer: string): string | undefined {
    return this.#ioOfPeer(peer)?.run.processId;
  }

  #ioOfPeer(peer: string): { run: RunView; io: RunView['inputs'][number] } | undefined {
    for (const run of this.#runs.keys()) {
      for (const ios of [run.inputs, run.outputs]) for (const io of ios) if (io.localPeers.has(peer)) return { run, io };
    }
    return undefined;
  }

  /** An own server's session came in on `peer`: the process whose relay socket it is, that input/output now the server's. */
  #claim(peer: string): string | undefined {
    const found = this.#ioOfPeer(peer);
    if (found === undefined) return undefined;
    this.#seenByOwnServer.add(found.io);
    return found.run.processId;
  }

  /** One step (every second): feeds byte deltas, marks own sessions, forgets ended runs. */
  tick(): void {
    const c = this.#ffmpeg;
    // First: a session registered before its run's relay knew the socket is claimed before its bytes are fed.
    this.#markOwnSessions();
    for (const [run, f] of this.#runs) {
      const collectable = (ip: string): boolean => ip !== '' && c.isCollectableIp(ip);
      const deltas = (ios: RunView['inputs'], last: number[]): number => {
        let sum = 0;
        ios.forEach((io, i) => {
          const d = io.bytes - (last[i] ?? 0);
          // Held once: fed at the next tick with what comes by then, unless an own server claims it first (a settled
          // run has no next tick: its last bytes are fed now).
          if (d > 0 && !this.#held.has(io) && !run.settled) {
            this.#held.add(io);
            return;
          }
          last[i] = io.bytes;
          if (d > 0 && io.counted && !countedByOwnServer(io.address) && !this.#seenByOwnServer.has(io) && collectable(io.remoteIp)) sum += d;
        });
        return sum;
      };
      const anyBytes = [...run.inputs, ...run.outputs].some((io) => io.bytes > 0);
      if (!f.registered && (run.progressBlocks > 0 || anyBytes)) {
        c.register(run.processId, run.reference, 'unknown', 'unknown');
        f.registered = true;
      }
      if (f.registered) {
        const rx = deltas(run.inputs, f.lastIn);
        const tx = deltas(run.outputs, f.lastOut);
        if (!f.activated && rx + tx > 0) f.activated = c.activate(run.processId) || true;
        if (rx > 0) c.ingress(run.processId, rx);
        if (tx > 0) c.egress(run.processId, tx);
      }
      if (run.settled) this.#runs.delete(run);
    }
  }

  #markOwnSessions(): void {
    if (this.#runs.size === 0) return;
    for (const collector of this.#byPeer) {
      for (const s of collector.active()) {
        if (s.extra.startsWith(OWN_PROCESS_EXTRA_PREFIX)) continue;
        const id = this.#claim(s.peer);
        if (id !== undefined) collector.setExtra(s.id, OWN_PROCESS_EXTRA_PREFIX + id);
      }
    }
  }
}
