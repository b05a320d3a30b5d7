import { describe, expect, it } from 'vitest';
import { csvToString } from '../../../src/main/export/csv.ts';
import { exportCsv } from '../../../src/main/export/exports.ts';
import type { SessionSource } from '../../../src/main/source.ts';
import type { Snapshot } from '../../../src/shared/types.ts';
import { session } from './fixtures.ts';

/** The sessions table searches a core by its shown name; the export with the same text must list the same rows. */
describe('export text filter: the core by id or name, as the table', () => {
  const snapshot: Snapshot = {
    atMs: 0,
    cores: [
      { id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:1', state: 'running' },
      { id: 'r1', name: 'Studio A', kind: 'remote', url: 'http://10.0.0.2:8080', state: 'online' },
    ],
    collectors: [],
    sessions: [session({ id: 'a', core: 'local' }), session({ id: 'b', core: 'r1' })],
  };
  const source: SessionSource = { snapshot: () => snapshot, history: () => [], cores: () => snapshot.cores, onUpdate: () => () => {} };
  const ids = async (text: string): Promise<string[]> =>
    (await csvToString(exportCsv(source, { kind: 'sessions', text }, { bom: false })))
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.split(',')[2]!);

  it('matches the name and the id', async () => {
    expect(await ids('studio')).toEqual(['b']);
    expect(await ids('  STUDIO a ')).toEqual(['b']);
    expect(await ids('r1')).toEqual(['b']);
    expect(await ids('this comp')).toEqual(['a']);
    expect(await ids('')).toEqual(['a', 'b']);
    expect(await ids('nothing-like-this')).toEqual([]);
  });
});
