import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withFlagsTable } from '../../../build/docs-flags.ts';
import { flagOf, onByDefault, SETTINGS } from '../../../src/shared/settings-schema.ts';

describe('README flags table', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  it('is the one generated from the schema (run npm run docs:flags when this fails)', () => {
    expect(readme).toBe(withFlagsTable(readme));
  });
  it('has a row per flag', () => {
    for (const spec of SETTINGS) expect(readme).toContain(`--${onByDefault(spec) ? 'no-' : ''}${flagOf(spec)!}`);
  });
});
