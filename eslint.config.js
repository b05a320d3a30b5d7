// @ts-check
/**
 * Lint (flat config, ESM). Not type-aware, to stay fast. Besides the recommended rules it enforces the layering of
 * STYLE.md §2: `electron` only in the Electron composition root, the shell and the preload; raw `ipcMain` only in
 * src/main/shell/ipc.ts and raw `ipcRenderer` only in src/preload/index.ts; no Node built-ins in the contract
 * (src/shared) or the renderer. tests/main/shell/** may name ipcMain/ipcRenderer: they drive the electron fake.
 */
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ELECTRON_AREAS = ['src/main/index.ts', 'src/main/shell/**', 'src/preload/**'];
const IPC_MAIN_FILE = 'src/main/shell/ipc.ts';
const IPC_RENDERER_FILE = 'src/preload/index.ts';
const NO_NODE_AREAS = ['src/shared/**', 'src/renderer/**'];

const electronBan = { name: 'electron', message: 'electron is allowed only in src/main/index.ts, src/main/shell/** and src/preload/** (STYLE.md §2).' };
const ipcMainBan = { name: 'electron', importNames: ['ipcMain'], message: 'ipcMain is used only in src/main/shell/ipc.ts (STYLE.md §2).' };
const ipcRendererBan = { name: 'electron', importNames: ['ipcRenderer'], message: 'ipcRenderer is used only in src/preload/index.ts (STYLE.md §2).' };
const nodeBans = [
  ...builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message: 'No Node built-ins in src/shared or the renderer: they run in the page.' })),
];
const nodePattern = { group: ['node:*'], message: 'No Node built-ins (node:*) in src/shared or the renderer: they run in the page.' };
/** Layer direction (docs issue 15): every layer points down; these are the arrows already enforced. */
const sharedUp = { group: ['**/main/**'], message: 'src/shared is the bottom layer: it never imports src/main.' };
const engineUp = {
  group: ['**/servers/**', '**/remote/**', '**/api/**', '**/ui/**', '**/export/**', '**/shell/**', '**/http/**', '../index.ts', '../app.ts', '../headless.ts'],
  message: 'src/main/engine is below servers, remote, http, api, ui, export and the shell: it never imports them.',
};
const serversUp = { group: ['**/api/**'], message: 'src/main/servers is below src/main/api: shared HTTP helpers live in src/main/http.' };
const apiNoServers = { group: ['**/servers/**'], message: 'src/main/api does not reach into src/main/servers: the shared HTTP edge lives in src/main/http.' };
const remoteUp = { group: ['**/api/**'], message: 'src/main/remote is below src/main/api: route and mount types live in src/main/http.' };

/** Syntax the import rule cannot see: dynamic import/require of electron, and ipcMain/ipcRenderer reached as members. */
const dynamicElectron = [
  { selector: "ImportExpression[source.value='electron']", message: electronBan.message },
  { selector: "CallExpression[callee.name='require'][arguments.0.value='electron']", message: electronBan.message },
];
const memberBan = (name, message) => [
  { selector: `MemberExpression[property.name='${name}']`, message },
  { selector: `ObjectPattern > Property[key.name='${name}']`, message },
];
const ipcMainSyntax = memberBan('ipcMain', ipcMainBan.message);
const ipcRendererSyntax = memberBan('ipcRenderer', ipcRendererBan.message);

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'test-output/**', 'bench-output/**', 'dist/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  { files: ['src/renderer/**', 'tests/renderer/**'], languageOptions: { globals: { ...globals.browser } } },

  // Layering. Later blocks replace the rule options of earlier ones for the files they match, so each block states
  // the complete list for its area.
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronBan] }],
      'no-restricted-syntax': ['error', ...dynamicElectron, ...ipcMainSyntax, ...ipcRendererSyntax],
    },
  },
  {
    files: ELECTRON_AREAS,
    rules: {
      'no-restricted-imports': ['error', { paths: [ipcMainBan, ipcRendererBan] }],
      'no-restricted-syntax': ['error', ...ipcMainSyntax, ...ipcRendererSyntax],
    },
  },
  {
    files: [IPC_MAIN_FILE],
    rules: {
      'no-restricted-imports': ['error', { paths: [ipcRendererBan] }],
      'no-restricted-syntax': ['error', ...ipcRendererSyntax],
    },
  },
  {
    files: [IPC_RENDERER_FILE],
    rules: {
      'no-restricted-imports': ['error', { paths: [ipcMainBan] }],
      'no-restricted-syntax': ['error', ...ipcMainSyntax],
    },
  },
  {
    files: NO_NODE_AREAS,
    rules: {
      'no-restricted-imports': ['error', { paths: [electronBan, ...nodeBans], patterns: [nodePattern] }],
    },
  },
  { files: ['src/shared/**'], rules: { 'no-restricted-imports': ['error', { paths: [electronBan, ...nodeBans], patterns: [nodePattern, sharedUp] }] } },
  { files: ['src/main/engine/**'], rules: { 'no-restricted-imports': ['error', { paths: [electronBan], patterns: [engineUp] }] } },
  { files: ['src/main/servers/**'], rules: { 'no-restricted-imports': ['error', { paths: [electronBan], patterns: [serversUp] }] } },
  { files: ['src/main/api/**'], rules: { 'no-restricted-imports': ['error', { paths: [electronBan], patterns: [apiNoServers] }] } },
  { files: ['src/main/remote/**'], rules: { 'no-restricted-imports': ['error', { paths: [electronBan], patterns: [remoteUp] }] } },
  {
    // The shell's tests drive the electron fake (tests/main/shell/electron-fake.ts), whose ipcMain/ipcRenderer are
    // plain objects; they never import electron itself (they vi.mock it), so that ban stays.
    files: ['tests/main/shell/**'],
    rules: { 'no-restricted-syntax': ['error', ...dynamicElectron] },
  },
);
