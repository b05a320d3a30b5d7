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

  it('answers by place exactly as by key, through lists that change, repeat keys and delete entries', () => {
    // A seeded walk: each round reads a list of keys in order (mostly last round's, some moved, new, repeated) by
    // place and by key, sets the missing ones, and deletes some; both ways must agree on every read.
    let seed = 7;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
    const m = new Key3Map<number>();
    const plain = new Map<string, number>();
    const keyOf = (k: readonly [string, string, string]): string => k.join('\u0000');
    let list: [string, string, string][] = [];
    let value = 0;
    let found = 0;
    for (let round = 0; round < 300; round++) {
      list = list.filter(() => rand() > 0.05);
      while (list.length < 40 || rand() < 0.2) list.splice(Math.floor(rand() * (list.length + 1)), 0, [`c${Math.floor(rand() * 2)}`, `col${Math.floor(rand() * 2)}`, `id${Math.floor(rand() * 50)}`]);
      if (rand() < 0.1) list.reverse();
      for (let i = 0; i < list.length; i++) {
        const [a, b, c] = list[i]!;
        const got = m.getAt(i, a, b, c);
        expect(got).toBe(plain.get(keyOf(list[i]!)));
        expect(got).toBe(m.get(a, b, c));
        if (got === undefined) {
          const v = ++value;
          if (rand() < 0.5) m.setAt(i, a, b, c, v);
          else m.set(a, b, c, v);
          plain.set(keyOf(list[i]!), v);
        } else {
          found++;
          if (rand() < 0.05) {
            const v = ++value;
            m.setAt(i, a, b, c, v);
            plain.set(keyOf(list[i]!), v);
          }
        }
      }
      if (rand() < 0.3) {
        const [a, b, c] = list[Math.floor(rand() * list.length)]!;
        expect(m.delete(a, b, c)).toBe(plain.delete(keyOf([a, b, c])));
      }
      if (rand() < 0.2) {
        const cut = rand() * value;
        m.deleteWhere((v) => v < cut);
        for (const [k, v] of plain) if (v < cut) plain.delete(k);
      }
      if (rand() < 0.02) {
        m.clear();
        plain.clear();
      }
      expect(m.size).toBe(plain.size);
    }
    expect(found).toBeGreaterThan(1000);
  });
});
