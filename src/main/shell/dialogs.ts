import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { dialog, type BrowserWindow } from 'electron';
import type { ExportProgress, ExportRequest, ExportResult } from '../../shared/ipc.ts';
import { exportCsv, exportFileName } from '../export/exports.ts';
import { writeCsvFile } from '../export/file.ts';
import type { SessionSource } from '../source.ts';

export interface SaveExportOptions {
  source: SessionSource;
  request: ExportRequest;
  /** Parent of the modal dialog; null shows an app-modal dialog (export from the tray with the window hidden). */
  window: BrowserWindow | null;
  /** Folder the dialog starts in (app.getPath('downloads')). */
  defaultDir: string;
  onProgress?: (progress: ExportProgress) => void;
  now?: () => number;
}

/** Only the fields an export understands, as fresh arrays of strings (the page's request is not trusted). */
export function sanitizeExportRequest(value: unknown): ExportRequest {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const kind = v.kind === 'history' ? 'history' : v.kind === 'sessions' ? 'sessions' : null;
  if (!kind) throw Object.assign(new Error('kind must be "sessions" or "history"'), { code: 'bad-args' });
  const list = (x: unknown, name: string): string[] | undefined => {
    if (x === undefined || x === null) return undefined;
    if (!Array.isArray(x) || x.length > 1000 || !x.every((s) => typeof s === 'string' && s.length <= 256)) {
      throw Object.assign(new Error(`${name} must be a list of strings`), { code: 'bad-args' });
    }
    return [...(x as string[])];
  };
  const out: ExportRequest = { kind };
  const collectors = list(v.collectors, 'collectors');
  const core = list(v.core, 'core');
  if (collectors) out.collectors = collectors;
  if (core) out.core = core;
  if (typeof v.text === 'string' && v.text.length <= 1000) out.text = v.text;
  return out;
}

/**
 * Asks where to save, then writes the CSV with the same generator as `GET /api/export/*.csv` (identical bytes),
 * streaming with progress. Resolves null when the user cancels the dialog.
 */
export async function saveExportWithDialog(options: SaveExportOptions): Promise<ExportResult | null> {
  const { request } = options;
  const now = options.now ?? Date.now;
  const dialogOptions = {
    title: request.kind === 'sessions' ? 'Export active sessions' : 'Export session history',
    defaultPath: join(options.defaultDir, exportFileName(request.kind, now())),
    filters: [{ name: 'CSV', extensions: ['csv'] }],
    properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const],
  };
  const choice = options.window ? await dialog.showSaveDialog(options.window, dialogOptions) : await dialog.showSaveDialog(dialogOptions);
  if (choice.canceled || !choice.filePath) return null;
  const path = choice.filePath;
  const id = randomUUID();
  let rows = 0;
  const report = (done: boolean, error?: string): void => options.onProgress?.({ id, kind: request.kind, rowsWritten: rows, done, ...(error ? { error } : {}) });
  try {
    await writeCsvFile(path, exportCsv(options.source, request, { onProgress: (n) => ((rows = n), report(false)) }));
  } catch (error) {
    report(true, error instanceof Error ? error.message : String(error));
    throw error;
  }
  report(true);
  return { id, path, rows };
}
