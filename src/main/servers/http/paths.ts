/**
 * The one place where a request target becomes a file name. Security guard: every file operation of the memfs and
 * disk mounts takes its name from `parseMountPath`, which refuses anything that could leave the mount or alias
 * another file: `.`/`..` segments (raw or %-encoded), encoded slashes (`%2f`), backslashes, NUL and other control
 * characters, empty segments, invalid %-escapes and names that are not valid UTF-8 once decoded.
 */

export type ParsedPath =
  | {
      ok: true;
      /** File name inside the mount, always starting with `/`, e.g. `/live/test.m3u8`. */
      name: string;
      /** Decoded request path including the mount prefix, e.g. `/memfs/live/test.m3u8` (Go's `req.URL.Path`). */
      path: string;
      /** The raw query string without `?` (may be empty). */
      query: string;
    }
  | { ok: false; status: number; detail: string };

/** Longest file name accepted, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 1024;
const MAX_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decodes one segment to UTF-8 text; null when an escape is invalid or the bytes are not UTF-8. */
function decodeSegment(seg: string): string | null {
  if (!seg.includes('%') && /^[\x20-\x7e]*$/.test(seg)) return seg;
  const bytes: number[] = [];
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(seg.charCodeAt(i + 1));
      const lo = hexValue(seg.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return null;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c > 0xff) {
      return null;
    } else {
      // Node hands raw octets of the request line over as latin1 characters.
      bytes.push(c);
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

const bad = (status: number, detail: string): ParsedPath => ({ ok: false, status, detail });

/** Splits `req.url` for a mount at `prefix` (e.g. `/memfs`) and validates the file name (see the module doc). */
export function parseMountPath(url: string, prefix: string): ParsedPath {
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (rawPath !== prefix && !rawPath.startsWith(prefix + '/')) return bad(404, 'Not found');
  const rawName = rawPath.slice(prefix.length);
  if (rawName === '' || rawName === '/') return bad(404, 'Not a file');
  if (rawName.length > MAX_NAME_BYTES * 3) return bad(414, 'File name too long');
  const segments = rawName.slice(1).split('/');
  if (segments.length > MAX_DEPTH) return bad(400, 'Path too deep');
  const out: string[] = [];
  for (const seg of segments) {
    if (seg === '') return bad(400, 'Empty path segment');
    const dec = decodeSegment(seg);
    if (dec === null) return bad(400, 'Path is not valid percent-encoded UTF-8');
    if (dec === '.' || dec === '..') return bad(400, 'Path traversal is not allowed');
    if (dec.includes('/') || dec.includes('\\')) return bad(400, 'Encoded slashes and backslashes are not allowed');
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(dec)) return bad(400, 'Control characters are not allowed in file names');
    out.push(dec);
  }
  const name = '/' + out.join('/');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return bad(414, 'File name too long');
  return { ok: true, name, path: prefix + name, query };
}

/** File extension in lower case including the dot (`.m3u8`), or `''`. */
export function extname(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? name.slice(dot).toLowerCase() : '';
}

const TYPES: Record<string, string> = {
  // As Core sends it (its mime.types), and the type RFC 8216 registers.
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/MP2T',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.m4v': 'video/mp4',
  '.aac': 'audio/aac',
  '.mp3': 'audio/mpeg',
  '.mpd': 'application/dash+xml',
  '.vtt': 'text/vtt',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
};

/** Content-Type by extension (Core ships a mime.types file; this is the subset streaming needs). */
export function contentTypeFor(name: string): string {
  return TYPES[extname(name)] ?? 'application/octet-stream';
}
