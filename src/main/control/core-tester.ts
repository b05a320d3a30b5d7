/** "Test connection" of the Cores page: one identify call to a Core that need not be watched. */
import type { CoreTestResult } from '../../shared/ipc.ts';
import type { Clock } from '../engine/types.ts';
import { CoreClient, type Credentials } from '../remote/client.ts';
import { RemoteError } from '../remote/errors.ts';
import type { Logger } from '../log.ts';

/** Asks the Core at `url` who it is, within the client's deadlines; a failure is a result, never a throw. */
export async function testCoreConnection(url: string, credentials: Credentials | undefined, { clock, log }: { clock: Clock; log: Logger }): Promise<CoreTestResult> {
  const client = new CoreClient({ url, credentials, clock, log });
  const t0 = clock.now();
  try {
    const about = await client.identify();
    return { ok: true, state: 'online', coreId: about.id, name: about.name, version: about.version, rttMs: clock.now() - t0 };
  } catch (err) {
    const kind = err instanceof RemoteError ? err.kind : 'network';
    const state = kind === 'auth' ? 'auth-failed' : kind === 'incompatible' ? 'incompatible' : 'unreachable';
    return { ok: false, state, error: (err as Error).message };
  } finally {
    await client.close();
  }
}
