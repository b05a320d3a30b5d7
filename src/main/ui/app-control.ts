import type { AppSettings, AppSettingsPatch, ClusterNodeInfo, CoreTestResult, RemoteCoreConfig, RemoteCoreInput } from '../../shared/ipc.ts';

/**
 * What the dashboard may change in the running app. The UI service validates the page's arguments and calls these;
 * the composition root (src/main/index.ts, src/main/headless.ts) implements them against the fleet and the settings
 * store. Passwords enter through `RemoteCoreInput.password` / `AppSettingsPatch.apiPassword` and never come back out.
 * Throw a `UiError` (or any Error with a string `code`) to give the page a specific error code.
 */
export interface AppControl {
  listCores(): Promise<RemoteCoreConfig[]>;
  addCore(input: RemoteCoreInput): Promise<RemoteCoreConfig>;
  /** `input.password` undefined keeps the stored password; '' clears it. */
  updateCore(id: string, input: RemoteCoreInput): Promise<RemoteCoreConfig>;
  removeCore(id: string): Promise<void>;
  /** A one-off connection test (GET /api, login when credentials are given); with `id`, falls back to that Core's stored password. */
  testCore(input: RemoteCoreInput, id?: string): Promise<CoreTestResult>;
  /** The nodes the cluster of remote Core `id` lists (empty when it is not a cluster), marked when added already. */
  clusterNodes(id: string): Promise<ClusterNodeInfo[]>;
  /**
   * Adds the nodes of remote Core `id`'s cluster that are not added yet (all, or those with the given node ids) as
   * Cores of their own with the same credentials; saved like `addCore`. Resolves to the added Cores.
   */
  /** `toOtherHosts`: the user agreed to send the Core's credentials to nodes on other hosts. */
  addClusterNodes(id: string, nodeIds?: string[], toOtherHosts?: boolean): Promise<RemoteCoreConfig[]>;
  getSettings(): Promise<AppSettings>;
  updateSettings(patch: AppSettingsPatch): Promise<AppSettings>;
  /** Optional: settings changed by someone else (another window, a config reload); pushed to the page. */
  onSettingsChanged?(callback: (settings: AppSettings) => void): () => void;
}

/** An error with a stable code for the page (`IpcResult.error.code`). */
export class UiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UiError';
    this.code = code;
  }
}

/** Turns anything thrown by a handler into the wire form; internal details of non-UiErrors are kept to the message. */
export function toIpcError(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' && code !== '' ? code : 'internal', message: error.message };
  }
  return { code: 'internal', message: String(error) };
}
