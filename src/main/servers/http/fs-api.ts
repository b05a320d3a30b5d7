/**
 * Core's filesystem API (`http/handler/api/filesystems.go`), mounted behind the API's auth:
 * - `GET /api/v3/fs`: the filesystems, `[{"name","type","mount"}]` (`mem` at /memfs; `disk` at /disk when a disk
 *   folder is served).
 * - `GET /api/v3/fs/{name}`: its files `[{"name","size_bytes","last_modified"}]` (Unix seconds), with Core's `glob`
 *   (gobwas/glob, `/` as separator), `sort` (`none`|`name`|`size`|`lastmod`) and `order` (`asc`|`desc`).
 * - `GET/HEAD/PUT/DELETE /api/v3/fs/{name}/{path}`: one file. PUT answers 201 (created, empty body) or 204
 *   (replaced) with `Content-Location`; DELETE 200 `Deleted: /path` or 404 `File not found`. memfs is writable with
 *   its own size limits; the disk folder is read-only here (405). Names go through parseMountPath (no traversal).
 * No session is counted here (as Core: the API is not the HLS middleware). File bodies carry the same security
 * headers as /memfs.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../log.ts';
import { stringifyGo } from '../../engine/go-json.ts';
import { BodyTooLargeError, readBody } from '../../http/http.ts';
import { sendError } from '../../http/server.ts';
import { MemfsError, type Memfs } from './memfs.ts';
import { diskSource, memfsSource, setFileSecurityHeaders, type FileSource } from './memfs-mount.ts';
import { parseMountPath } from './paths.ts';
import type { ApiRoute } from '../../http/types.ts';

export const FS_API_PREFIX = '/api/v3/fs';
/** Files listed from a disk folder at the most (a listing is one request: it must stay bounded). */
const MAX_DISK_LISTING = 10_000;

interface Listed {
  name: string;
  size: number;
  lastModified: number;
}

interface Filesystem {
  name: string;
  type: string;
  mount: string;
  source: FileSource;
  list(): Promise<Listed[]>;
  memfs: Memfs | null;
}

export interface FsApiOptions {
  memfs: Memfs;
  diskRoot?: string;
  log: Logger;
}

/** gobwas/glob with `/` as separator, as Core's `?glob=`: `*` and `?` stay inside a segment, `**` crosses them. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 's');
}

/** The files of a folder, recursively, as `/a/b.ts` names; at most MAX_DISK_LISTING, symlinks not followed. */
async function walk(root: string): Promise<Listed[]> {
  const out: Listed[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const n of names) {
      if (out.length >= MAX_DISK_LISTING) return;
      const full = join(dir, n);
      const st = await lstat(full).catch(() => null);
      if (!st) continue;
      if (st.isDirectory()) await visit(full, `${prefix}/${n}`);
      else if (st.isFile()) out.push({ name: `${prefix}/${n}`, size: st.size, lastModified: st.mtimeMs });
    }
  };
  await visit(root, '');
  return out;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function sendJsonBody(req: IncomingMessage, res: ServerResponse, value: Parameters<typeof stringifyGo>[0]): void {
  const body = stringifyGo(value) + '\n';
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json; charset=UTF-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Core's filesystem API as routes of the API (behind its auth): `/api/v3/fs` and everything under it. */
export function createFsApiRoutes(options: FsApiOptions): ApiRoute[] {
  const fsApi = createFsApi(options);
  const route = (method: ApiRoute['method'], path: string): ApiRoute => ({ method, path, handler: (ctx) => fsApi(ctx.req, ctx.res) });
  return [...(['GET', 'HEAD'] as const).map((m) => route(m, FS_API_PREFIX)), ...(['GET', 'HEAD', 'PUT', 'DELETE'] as const).map((m) => route(m, `${FS_API_PREFIX}/*`))];
}

/** One handler for every `/api/v3/fs…` request (auth is checked by the API before it). */
export function createFsApi(options: FsApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { memfs } = options;
  const filesystems: Filesystem[] = [
    {
      name: 'mem',
      type: 'mem',
      mount: '/memfs',
      source: memfsSource(memfs),
      memfs,
      list: async () => memfs.list().map((f) => ({ name: f.name, size: f.size, lastModified: f.lastModified })),
    },
  ];
  if (options.diskRoot) {
    const root = options.diskRoot;
    filesystems.push({ name: 'disk', type: 'disk', mount: '/disk', source: diskSource(root, options.log), memfs: null, list: () => walk(root) });
  }

  const listFiles = async (req: IncomingMessage, res: ServerResponse, fs: Filesystem, query: URLSearchParams): Promise<void> => {
    let files = await fs.list();
    const glob = query.get('glob');
    if (glob) {
      const re = globToRegExp(glob.slice(0, 1024));
      files = files.filter((f) => re.test(f.name));
    }
    const sort = query.get('sort') ?? 'none';
    const desc = (query.get('order') ?? 'asc') === 'desc';
    const cmp =
      sort === 'name'
        ? (a: Listed, b: Listed) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
        : sort === 'size'
          ? (a: Listed, b: Listed) => a.size - b.size
          : sort === 'lastmod'
            ? (a: Listed, b: Listed) => a.lastModified - b.lastModified
            : null;
    if (cmp) files.sort((a, b) => (desc ? -cmp(a, b) : cmp(a, b)));
    sendJsonBody(req, res, files.map((f) => ({ name: f.name, size_bytes: f.size, last_modified: Math.floor(f.lastModified / 1000) })));
  };

  const readFile = async (req: IncomingMessage, res: ServerResponse, fs: Filesystem, name: string): Promise<void> => {
    const file = await fs.source.open(name);
    if (!file) return sendError(res, 404, [name], 'File not found');
    setFileSecurityHeaders(res);
    res.statusCode = 200;
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', file.size);
    res.setHeader('Last-Modified', new Date(file.lastModified).toUTCString());
    if (req.method === 'HEAD' || file.size === 0) res.end();
    else file.pipe(res, 0, file.size - 1);
  };

  const writeFile = async (req: IncomingMessage, res: ServerResponse, store: Memfs, name: string): Promise<void> => {
    const cap = store.maxBytes > 0 ? Math.min(store.maxBytes, store.maxFileBytes) : store.maxFileBytes;
    let body: Buffer;
    try {
      body = await readBody(req, cap);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendError(res, 413, [`File is too big (limit ${cap} bytes)`]);
      throw err;
    }
    let replaced: boolean;
    try {
      replaced = store.put(name, body).replaced;
    } catch (err) {
      if (err instanceof MemfsError) return sendError(res, err.status, [err.message]);
      throw err;
    }
    res.setHeader('Content-Location', req.url ?? '');
    if (replaced) {
      res.statusCode = 204;
      res.end();
    } else sendText(res, 201, '');
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const rest = url.pathname.slice(FS_API_PREFIX.length).replace(/^\/+/, '');
    const method = req.method ?? 'GET';
    if (rest === '') {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405);
      return sendJsonBody(req, res, filesystems.map((f) => ({ name: f.name, type: f.type, mount: f.mount })));
    }
    const slash = rest.indexOf('/');
    const fsName = slash < 0 ? rest : rest.slice(0, slash);
    const fs = filesystems.find((f) => f.name === fsName);
    if (!fs) return sendError(res, 404, [`unknown filesystem: ${fsName.slice(0, 100)}`], 'File not found');
    if (slash < 0 || slash === rest.length - 1) {
      if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405);
      return listFiles(req, res, fs, url.searchParams);
    }
    const p = parseMountPath(req.url ?? '', `${FS_API_PREFIX}/${fs.name}`);
    if (!p.ok) return sendError(res, p.status, [p.detail]);
    if (method === 'GET' || method === 'HEAD') return readFile(req, res, fs, p.name);
    if (method !== 'PUT' && method !== 'DELETE') {
      res.setHeader('Allow', fs.memfs ? 'GET, HEAD, PUT, DELETE' : 'GET, HEAD');
      return sendError(res, 405);
    }
    if (!fs.memfs) {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, [`the ${fs.name} filesystem is read-only here`]);
    }
    if (method === 'DELETE') {
      if (!fs.memfs.delete(p.name)) return sendError(res, 404, [p.name], 'File not found');
      return sendText(res, 200, `Deleted: ${p.name}`);
    }
    return writeFile(req, res, fs.memfs, p.name);
  };
}
