import { describe, expect, it } from 'vitest';
import { Key3Map } from '../../src/shared/key3-map.ts';

describe('Key3Map', () => {
  it('keeps one value per three keys, apart from keys that would join to the same string', () => {
    const m = new Key3Map<number>();
    m.set('a', 'b', 'c', 1);
    m.set('a', 'bc', '', 2);
    m.set('ab', 'c', '', 3);
    m.set('a', 'b', 'c', 4);
    expect(m.size).toBe(3);
    expect([m.get('a', 'b', 'c'), m.get('a', 'bc', ''), m.get('ab', 'c', ''), m.get('a', 'b', '')]).toEqual([4, 2, 3, undefined]);
  });

  it('deletes one entry or every entry a predicate picks, and counts what is left', () => {
    const m = new Key3Map<number>();
    for (let i = 0; i < 10; i++) m.set(`core${i % 2}`, `col${i % 3}`, `id${i}`, i);
    expect(m.delete('core0', 'col0', 'id0')).toBe(true);
    expect(m.delete('core0', 'col0', 'id0')).toBe(false);
    expect(m.delete('nope', 'col0', 'id0')).toBe(false);
    m.deleteWhere((v) => v % 2 === 0);
    expect(m.size).toBe(5);
    for (let i = 0; i < 10; i++) expect(m.get(`core${i % 2}`, `col${i % 3}`, `id${i}`)).toBe(i % 2 === 0 ? undefined : i);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.get('core1', 'col1', 'id1')).toBeUndefined();
  });
});
