import { describe, expect, it } from 'vitest';
import { toRemoteError } from '../../../src/main/remote/errors.ts';
import { unusedLoopbackPort } from '../../support/ports.ts';


describe('remote errors said once and plainly', () => {
  it('a refused connection (a real fetch to a closed loopback port)', async () => {
    const port = await unusedLoopbackPort();
    const err = await fetch(`http://127.0.0.1:${port}/api`).then(
      () => null,
      (e: unknown) => e,
    );
    const msg = toRemoteError(err).message;
    expect(msg).toBe('connection refused: nothing listens at that address and port (ECONNREFUSED)');
    expect(msg.match(/ECONNREFUSED/g)).toHaveLength(1);
  });

  it('an unknown code is named once, not twice', () => {
    const e = Object.assign(new Error('connect EWEIRD 10.0.0.1:80'), { code: 'EWEIRD' });
    expect(toRemoteError(e).message).toBe('connect EWEIRD 10.0.0.1:80');
    const f = Object.assign(new Error('socket went away'), { code: 'EWEIRD' });
    expect(toRemoteError(f).message).toBe('EWEIRD: socket went away');
  });
});
