import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HEADLESS_NODE_FLAGS } from '../../support/headless.ts';

vi.mock('electron', () => import('./electron-fake.ts'));
const { app, FakeCommandLine } = await import('./electron-fake.ts');
const { applyV8HeapFlags, V8_HEAP_FLAGS } = await import('../../../src/main/shell/v8-flags.ts');

describe('Electron V8 heap flags (js-flags)', () => {
  beforeEach(() => {
    app.commandLine.switches.clear();
    app.commandLine.appended.length = 0;
  });

  it('are the flags headless mode starts node with (bin/core-sessions.js)', () => {
    expect(HEADLESS_NODE_FLAGS.filter((f) => f.startsWith('--max-'))).toEqual([...V8_HEAP_FLAGS]);
  });

  it("go on app.commandLine's js-flags; the main process lacks them unless launched with them", () => {
    const r = applyV8HeapFlags();
    expect(app.commandLine.getSwitchValue('js-flags')).toBe('--max-semi-space-size=8 --max-old-space-size=512');
    expect(r).toEqual({ jsFlags: '--max-semi-space-size=8 --max-old-space-size=512', mainProcessHasLimits: false });
    // Applied twice (a second start-up path): no second switch, same value.
    expect(applyV8HeapFlags()).toEqual({ jsFlags: '--max-semi-space-size=8 --max-old-space-size=512', mainProcessHasLimits: true });
    expect(app.commandLine.appended).toHaveLength(1);
  });

  it("keep the user's own js-flags; a limit the user chose wins (either spelling)", () => {
    app.commandLine.switches.set('js-flags', '--expose-gc  --max_old_space_size=1024');
    const r = applyV8HeapFlags();
    expect(r.jsFlags).toBe('--expose-gc --max_old_space_size=1024 --max-semi-space-size=8');
    expect(app.commandLine.getSwitchValue('js-flags')).toBe(r.jsFlags);
    expect(r.mainProcessHasLimits).toBe(false);
  });

  it('a launch line with both limits: nothing appended, the main process has them', () => {
    const line = new FakeCommandLine();
    line.switches.set('js-flags', '--max-old-space-size=512 --max-semi-space-size=8');
    expect(applyV8HeapFlags(line)).toEqual({ jsFlags: '--max-old-space-size=512 --max-semi-space-size=8', mainProcessHasLimits: true });
    expect(line.appended).toEqual([]);
  });
});
