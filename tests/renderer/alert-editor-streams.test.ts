import { describe, expect, it } from 'vitest';
import { knownStreamOptions } from '../../src/renderer/src/components/AlertEditor.tsx';
import type { StreamRow } from '../../src/shared/streams.ts';

const row = (core: string, key: string, keys: string[]): StreamRow => ({
  core, key, keys, state: 'live', sinceMs: 0, ingestProtocol: 'rtmp', ingestBitsPerSec: 0, publishers: 1, viewers: { hls: 0, rtmp: 0, srt: 0 },
  viewersTotal: 0, egressBitsPerSec: 0, processes: 0, peakViewersToday: 0,
});

describe('the streams the alert editor offers for a rule scope', () => {
  it('offers the key rule keys (what a scope names), once each, sorted, with their cores and shown names', () => {
    const names: Record<string, string> = { local: 'This computer', studio: 'Studio' };
    const options = knownStreamOptions(
      [row('studio', 'cam', ['cam']), row('local', 'stage', ['stage-a', 'stage-b']), row('local', 'cam', ['cam'])],
      (id) => names[id] ?? id,
    );
    expect(options).toEqual(['cam\tStudio, This computer', 'stage-a\tThis computer · shown as stage', 'stage-b\tThis computer · shown as stage']);
    expect(knownStreamOptions([], (id) => id)).toEqual([]);
  });
});
