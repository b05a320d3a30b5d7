/**
 * The in-memory filesystem served under `/memfs` (Core's `io/fs/mem.go` with purge on): whole files as immutable
 * buffers, so a reader that got a file keeps a consistent copy while a writer replaces it. Over the size limit the
 * oldest files are purged first; a single file larger than the limit is refused.
 */
import type { Logger } from '../../log.ts';
import { contentTypeFor } from './paths.ts';

export interface MemfsFile {
  /** Always starts with `/`, e.g. `/live/test.m3u8`. */
  readonly name: string;
  readonly data: Buffer;
  readonly size: number;
  /** Unix milliseconds of the last write. */
  readonly lastModified: number;
  readonly contentType: string;
}

export interface MemfsOptions {
  /** Size limit of all files together in bytes; 0 or less = unlimited (then `maxFileBytes` still bounds a file). */
  maxBytes: number;
  /** Largest single file; default `maxBytes`, or 1 GiB when `maxBytes` is unlimited. */
  maxFileBytes?: number;
  /** Most files kept; over it the oldest are purged like over the size limit. Default 100 000. */
  maxFiles?: number;
  /** What a file costs beyond its bytes and its name, charged against `maxBytes` (default FILE_OVERHEAD_BYTES). */
  fileOverheadBytes?: number;
  log: Logger;
  /** Injected time (Unix ms), for tests. */
  now?: () => number;
}

/**
 * Security guard (docs/security.md, "What one client can make the server hold"): the memory a file takes beyond its
 * bytes: its entry, its buffer's object and its name (charged twice its length on top). Measured: 100 000 one-byte
 * files took ~0.8 KiB each with short names and ~2.8 KiB with 1 000-byte names, where only their bytes were counted,
 * so tiny files held 80-280 MiB outside `--memfs-max-mb`. Charged against `maxBytes`, the size limit bounds memory.
 */
export const FILE_OVERHEAD_BYTES = 1024;

export class MemfsError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface PutResult {
  /** True when a file of that name existed and was replaced. */
  replaced: boolean;
  /** Names purged to make room, oldest first. */
  purged: string[];
}

export interface Memfs {
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  readonly maxFiles: number;
  get(name: string): MemfsFile | undefined;
  has(name: string): boolean;
  /** Stores a whole file. Throws MemfsError(413) when it alone exceeds the limit. */
  put(name: string, data: Buffer): PutResult;
  delete(name: string): boolean;
  /** All files, oldest write first. */
  list(): MemfsFile[];
  usedBytes(): number;
  fileCount(): number;
}

export function createMemfs(options: MemfsOptions): Memfs {
  const maxBytes = options.maxBytes > 0 ? Math.floor(options.maxBytes) : 0;
  const maxFileBytes = Math.floor(options.maxFileBytes ?? (maxBytes > 0 ? maxBytes : 1024 ** 3));
  const maxFiles = Math.max(1, Math.floor(options.maxFiles ?? 100_000));
  const now = options.now ?? Date.now;
  const log = options.log;
  const overhead = Math.max(0, options.fileOverheadBytes ?? FILE_OVERHEAD_BYTES);
  /** What a file is charged against `maxBytes`: its bytes, its name and the fixed overhead. */
  const costOf = (name: string, size: number): number => size + 2 * name.length + overhead;
  // Insertion order == write order (a rewrite deletes and re-inserts), so the first entry is the oldest file.
  const files = new Map<string, MemfsFile>();
  let used = 0;
  /** The files' costs (`costOf`) together: what `maxBytes` bounds. */
  let charged = 0;

  const remove = (name: string): boolean => {
    const f = files.get(name);
    if (!f) return false;
    files.delete(name);
    used -= f.size;
    charged -= costOf(name, f.size);
    return true;
  };

  return {
    maxBytes,
    maxFileBytes,
    maxFiles,
    get: (name) => files.get(name),
    has: (name) => files.has(name),
    put(name: string, data: Buffer): PutResult {
      const limit = maxBytes > 0 ? Math.min(maxBytes, maxFileBytes) : maxFileBytes;
      if (data.length > limit) throw new MemfsError(413, `File is too big (${data.length} bytes, limit ${limit})`);
      const replaced = remove(name);
      const purged: string[] = [];
      const cost = costOf(name, data.length);
      while ((maxBytes > 0 && charged + cost > maxBytes) || files.size >= maxFiles) {
        const oldest = files.keys().next();
        if (oldest.done) break;
        remove(oldest.value);
        purged.push(oldest.value);
      }
      if (purged.length > 0) log.debug('memfs purged oldest files', { count: purged.length, for: name });
      const mtime = now();
      files.set(name, { name, data, size: data.length, lastModified: mtime, contentType: contentTypeFor(name) });
      used += data.length;
      charged += cost;
      return { replaced, purged };
    },
    delete: remove,
    list: () => [...files.values()],
    usedBytes: () => used,
    fileCount: () => files.size,
  };
}
