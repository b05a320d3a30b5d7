import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Writes a CSV stream to `path`: first to `path.partial`, renamed into place when complete, so a cancelled or failed
 * export never leaves a truncated file under the name the user chose. Backpressure comes from `pipeline`.
 */
export async function writeCsvFile(path: string, chunks: AsyncIterable<string>, signal?: AbortSignal): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await pipeline(Readable.from(chunks, { objectMode: false, encoding: 'utf8' }), createWriteStream(partial, { encoding: 'utf8' }), { signal });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
