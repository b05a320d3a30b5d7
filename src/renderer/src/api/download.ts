import type { CsvDownloader } from '../store/store.ts';
import type { HttpApi } from './http-api.ts';

/**
 * Hands a Blob to the browser as a file download: an object URL on a temporary `<a download>`. Allowed by the page's
 * CSP (navigations and downloads are not governed by it; nothing is fetched or executed from the blob: URL).
 */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken its copy by the time this runs; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Exports in the browser: fetch the CSV with the page's token (progress in bytes), then save it as a download. */
export function createBrowserDownloader(api: Pick<HttpApi, 'fetchCsv'>): CsvDownloader {
  return {
    async download(request, onBytes) {
      const { blob, fileName, bytes } = await api.fetchCsv(request, onBytes);
      saveBlob(blob, fileName);
      return { fileName, bytes };
    },
  };
}
