/**
 * The SRT stream id as datarhei Core reads it (srt/url/url.go): after URL-unescaping, either
 *   resource[,token:TOKEN][,mode:publish|request]        (Core's own form; the order of token/mode is free)
 * or the older key/value form
 *   #!:m=publish,r=resource,token=TOKEN
 * The mode defaults to `request`. Validation (empty resource, unknown mode, token) is the server's job.
 */

export interface StreamInfo {
  resource: string;
  /** `publish`, `request`, or whatever else the client sent (the server refuses it). */
  mode: string;
  token: string;
}

/** Go's url.QueryUnescape: `+` is a space; an invalid escape leaves the input as it was. */
function queryUnescape(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const KEY = /,(token|mode):(.+)/;

export function parseStreamId(raw: string): StreamInfo {
  const streamId = queryUnescape(raw);
  if (streamId.startsWith('#!:')) return parseKeyValueStreamId(streamId);
  const results = new Map<string, string>();
  let resourceEnd = -1;
  let value = streamId;
  let key = '';
  for (;;) {
    const m = KEY.exec(value);
    if (!m) break;
    if (resourceEnd < 0) resourceEnd = m.index;
    if (key !== '') results.set(key, value.slice(0, m.index));
    key = m[1]!;
    value = m[2]!;
    results.set(key, value);
  }
  return {
    resource: resourceEnd < 0 ? streamId : streamId.slice(0, resourceEnd),
    mode: results.get('mode') ?? 'request',
    token: results.get('token') ?? '',
  };
}

/**
 * `#!:key=value,...` (keys m, r, token; others ignored). Core strips exactly `#!:`, so the SRT access-control
 * spelling `#!::r=...` would leave a key `:r` and no resource; we also strip the second colon (docs/decisions.md).
 */
function parseKeyValueStreamId(streamId: string): StreamInfo {
  const si: StreamInfo = { resource: '', mode: 'request', token: '' };
  let body = streamId.slice(3);
  if (body.startsWith(':')) body = body.slice(1);
  for (const kv of body.split(',')) {
    const eq = kv.indexOf('=');
    if (eq < 0) continue;
    const k = kv.slice(0, eq);
    const v = kv.slice(eq + 1);
    if (k === 'm') si.mode = v;
    else if (k === 'r') si.resource = v;
    else if (k === 'token') si.token = v;
  }
  return si;
}
