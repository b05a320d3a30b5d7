import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd });

/** Rule ids reported for `code` as if it lived at `filePath`, restricted to the layering rules. */
async function bans(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${m.ruleId}: ${m.message}`);
}

describe('eslint layering bans', () => {
  it('electron is banned outside index.ts, shell/ and preload/', async () => {
    expect(await bans('src/main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*electron is allowed only in src\/main\/index.ts/),
    ]);
    expect(await bans('src/main/api/x.ts', "export const e = await import('electron');\n")).toHaveLength(1);
    expect(await bans('src/shared/x.ts', "import type { App } from 'electron';\nexport type A = App;\n")).toHaveLength(1);
    expect(await bans('src/renderer/src/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await bans('src/main/shell/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
    expect(await bans('src/main/index.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('ipcMain only in shell/ipc.ts, ipcRenderer only in preload/index.ts', async () => {
    const main = "import { ipcMain } from 'electron';\nipcMain.handle('x', () => 1);\n";
    expect(await bans('src/main/shell/ipc.ts', main)).toEqual([]);
    expect((await bans('src/main/shell/tray.ts', main)).length).toBeGreaterThan(0);
    expect((await bans('src/main/index.ts', main)).length).toBeGreaterThan(0);
    expect((await bans('src/main/shell/tray.ts', "import electron from 'electron';\nelectron.ipcMain.handle('x', () => 1);\n")).length).toBe(1);
    const renderer = "import { ipcRenderer } from 'electron';\nipcRenderer.send('x');\n";
    expect(await bans('src/preload/index.ts', renderer)).toEqual([]);
    expect((await bans('src/preload/other.ts', renderer)).length).toBeGreaterThan(0);
    expect((await bans('src/main/shell/ipc.ts', renderer)).length).toBeGreaterThan(0);
  });

  it('no Node built-ins in src/shared and the renderer', async () => {
    expect(await bans('src/shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toHaveLength(1);
    expect(await bans('src/shared/x.ts', "import { join } from 'path';\nexport const j = join;\n")).toHaveLength(1);
    expect(await bans('src/renderer/src/x.ts', "import { EventEmitter } from 'node:events';\nexport const e = EventEmitter;\n")).toHaveLength(1);
    expect(await bans('src/main/engine/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toEqual([]);
  });

  it('layers point down: shared ↛ main, engine ↛ anything above it, servers ↛ api, api ↛ servers, remote ↛ api', async () => {
    const imp = (spec: string): string => `import { x } from '${spec}';\nexport const y = x;\n`;
    expect(await bans('src/shared/x.ts', imp('../main/engine/types.ts'))).toEqual([expect.stringMatching(/src\/shared is the bottom layer/)]);
    for (const spec of ['../servers/http/memfs.ts', '../remote/client.ts', '../api/index.ts', '../ui/web-bridge.ts', '../export/csv.ts', '../shell/tray.ts', '../http/http.ts', '../index.ts', '../app.ts', '../headless.ts']) {
      expect(await bans('src/main/engine/x.ts', imp(spec))).toEqual([expect.stringMatching(/src\/main\/engine is below/)]);
    }
    expect(await bans('src/main/servers/http/x.ts', imp('../../api/index.ts'))).toEqual([expect.stringMatching(/src\/main\/servers is below src\/main\/api/)]);
    expect(await bans('src/main/api/x.ts', imp('../servers/http/memfs.ts'))).toEqual([expect.stringMatching(/src\/main\/api does not reach into src\/main\/servers/)]);
    expect(await bans('src/main/remote/x.ts', imp('../api/index.ts'))).toEqual([expect.stringMatching(/src\/main\/remote is below src\/main\/api/)]);
    expect(await bans('src/main/remote/x.ts', imp('../http/types.ts'))).toEqual([]);
    // The allowed directions stay quiet.
    expect(await bans('src/main/engine/x.ts', imp('../log.ts'))).toEqual([]);
    expect(await bans('src/main/engine/x.ts', imp('../../shared/stream-key.ts'))).toEqual([]);
    expect(await bans('src/main/engine/x.ts', imp('./go-json.ts'))).toEqual([]);
    expect(await bans('src/main/servers/http/x.ts', imp('../../http/http.ts'))).toEqual([]);
    expect(await bans('src/main/api/x.ts', imp('../engine/types.ts'))).toEqual([]);
  });
});
