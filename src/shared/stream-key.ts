/**
 * Which stream a session belongs to, and in which role: the one rule every count of streams, viewers and
 * publishers uses (Streams view, time-series history, /metrics, alerts). Pure, no node:* (the page uses it too).
 *
 * Restreamer (Core's own UI) names one channel `<id>` everywhere; each protocol spells it its own way:
 * - RTMP: `/<id>.stream`, `/live/<id>`, `/<app>/<id>` → reference (Core strips the extension and the app)
 *   `/<id>`, `/live/<id>`, … → the last path segment.
 * - HLS: `/memfs/<id>.m3u8` with variant playlists `<id>_<n>.m3u8` → reference `<id>` or `<id>_<n>` → `<id>`.
 * - SRT: stream id `<id>` or `<id>.stream` → resource `<id>`.
 * - FFmpeg process: reference `<id>`.
 * The `http` and `https` collectors are one aggregate each, not people: they belong to no stream.
 */
import { Key3Map } from './key3-map.ts';

/** How a session reaches its stream: the collector that tracks it. */
export type StreamProtocol = 'hls' | 'hlsingress' | 'rtmp' | 'srt' | 'ffmpeg';

/**
 * `publisher`: brings the stream in (RTMP/SRT publish, HLS upload). `viewer`: a person watching (HLS viewer,
 * RTMP/SRT player). `process`: an FFmpeg process run that reads from or writes to the stream; it moves bytes but is
 * neither a person watching nor a publisher a person runs (Restreamer does not count it as a viewer either).
 */
export type StreamRole = 'publisher' | 'viewer' | 'process';

export interface SessionStreamRef {
  /** The stream's key on its core (before user aliases). Never empty. */
  key: string;
  protocol: StreamProtocol;
  role: StreamRole;
}

const VARIANT_SUFFIX = /_\d+$/;
const STREAM_SUFFIX = /\.stream$/;

/** The last non-empty segment of a path-like reference, without a trailing `.stream`. */
function lastSegment(reference: string): string {
  const parts = reference.split('/').filter((p) => p !== '');
  const last = parts.length > 0 ? parts[parts.length - 1] : '';
  return last.replace(STREAM_SUFFIX, '');
}

/**
 * The stream of one session from its collector, reference and `location` (`local` in Core's JSON), or null for sessions
 * that belong to no stream (the `http`/`https` aggregates, unknown collectors, empty references).
 */
export function classifySession(collector: string, reference: string, location: string): SessionStreamRef | null {
  let ref: SessionStreamRef | null;
  switch (collector) {
    case 'hls':
      ref = { key: reference.replace(VARIANT_SUFFIX, ''), protocol: 'hls', role: 'viewer' };
      break;
    case 'hlsingress':
      ref = { key: reference.replace(VARIANT_SUFFIX, ''), protocol: 'hlsingress', role: 'publisher' };
      break;
    case 'rtmp':
    case 'srt':
      ref = { key: lastSegment(reference), protocol: collector, role: location.startsWith('publish:') ? 'publisher' : 'viewer' };
      break;
    case 'ffmpeg':
      ref = { key: reference, protocol: 'ffmpeg', role: 'process' };
      break;
    default:
      ref = null;
  }
  return ref !== null && ref.key !== '' ? ref : null;
}

/** Entries a SessionClassifier holds before it starts again (distinct collector, reference and location triples). */
const CLASSIFIED_MAX = 50_000;

/**
 * classifySession memoised by collector, reference and location, for a caller that classifies every session of every
 * update (streams change rarely): the same triple gives the same ref object, with no string built per lookup. Bounded:
 * emptied when it holds CLASSIFIED_MAX entries.
 */
export class SessionClassifier {
  readonly #refs = new Key3Map<SessionStreamRef | null>();

  classify(collector: string, reference: string, location: string): SessionStreamRef | null {
    let ref = this.#refs.get(collector, reference, location);
    if (ref === undefined) {
      ref = classifySession(collector, reference, location);
      if (this.#refs.size >= CLASSIFIED_MAX) this.#refs.clear();
      this.#refs.set(collector, reference, location, ref);
    }
    return ref;
  }
}
