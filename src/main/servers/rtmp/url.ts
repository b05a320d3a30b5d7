/**
 * Stream addressing as datarhei Core does it (rtmp/rtmp.go, rtmp/url/url.go, joy4's createURL): the URL path is
 * the connect `app` and the publish/play name joined with `/`, empty segments dropped; the query strings of both are
 * merged. A token comes from `?token=` or, when there is none, from the last path element.
 */
import { sameSecret } from '../../http/secret.ts';

export interface StreamAddress {
  /** `/` + app + `/` + name, percent-decoded, without the query, e.g. `/live/channel1.stream`. */
  path: string;
  query: URLSearchParams;
}

function splitQuery(s: string): [string, string] {
  const i = s.indexOf('?');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Builds the URL path and query from the connect command's `app` and the publish/play stream name. */
export function streamAddress(app: string, name: string): StreamAddress {
  const [appPath, appQuery] = splitQuery(app);
  const [namePath, nameQuery] = splitQuery(name);
  const segments = `${appPath}/${namePath}`.split('/').filter((s) => s.length > 0);
  const query = new URLSearchParams(appQuery);
  for (const [k, v] of new URLSearchParams(nameQuery)) query.append(k, v);
  return { path: '/' + segments.map(decodeSegment).join('/'), query };
}

/**
 * Core's GetToken: a `token` query parameter wins and leaves the path alone; otherwise the last path element is
 * the token (only when the path has at least two elements) and the path is what precedes it.
 */
export function splitToken(addr: StreamAddress): { path: string; token: string; inPath: boolean } {
  if (addr.query.has('token')) return { path: addr.path, token: addr.query.get('token') ?? '', inPath: false };
  const segments = addr.path.split('/').filter((s) => s.length > 0);
  if (segments.length <= 1) return { path: addr.path, token: '', inPath: false };
  return { path: '/' + segments.slice(0, -1).join('/'), token: segments[segments.length - 1]!, inPath: true };
}

/** Compares tokens in constant time (hashes first, so the length does not leak either). */
export function tokenMatches(expected: string, given: string): boolean {
  return sameSecret(given, expected);
}

/** Go's filepath.Ext: the suffix from the last `.` of the last path element, or `""`. */
function ext(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) {
    if (path[i] === '.') return path.slice(i);
  }
  return '';
}

/** Spec §1.4: the play path without its extension, with `app + "/"` stripped (nothing is stripped for app `/`). */
export function streamReference(path: string, app: string): string {
  const noExt = path.slice(0, path.length - ext(path).length);
  const prefix = app + '/';
  return noExt.startsWith(prefix) ? noExt.slice(prefix.length) : noExt;
}

