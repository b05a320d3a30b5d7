/**
 * A map keyed by three strings (e.g. a session's core, collector and id), as nested Maps: a lookup joins no key
 * string. The per-second paths that look up every session (10 000 a second with a big fleet) otherwise build one new
 * string per session and lookup, and hash it, which costs more than the lookup and is all garbage a second later.
 * A key with fewer parts passes '' for the first ones (the last level holds the many entries: a '' last would make
 * a Map per entry).
 */
export class Key3Map<V> {
  readonly #root = new Map<string, Map<string, Map<string, V>>>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(a: string, b: string, c: string): V | undefined {
    return this.#root.get(a)?.get(b)?.get(c);
  }

  set(a: string, b: string, c: string, value: V): void {
    let ab = this.#root.get(a);
    if (!ab) this.#root.set(a, (ab = new Map()));
    let abc = ab.get(b);
    if (!abc) ab.set(b, (abc = new Map()));
    const before = abc.size;
    abc.set(c, value);
    this.#size += abc.size - before;
  }

  delete(a: string, b: string, c: string): boolean {
    const ab = this.#root.get(a);
    const abc = ab?.get(b);
    if (!ab || !abc?.delete(c)) return false;
    this.#size--;
    if (abc.size === 0) {
      ab.delete(b);
      if (ab.size === 0) this.#root.delete(a);
    }
    return true;
  }

  /** Deletes every entry `drop` says so of (each is visited once; forEach makes no [key, value] pair per entry). */
  deleteWhere(drop: (value: V) => boolean): void {
    this.#root.forEach((ab, a) => {
      ab.forEach((abc, b) => {
        abc.forEach((v, c) => {
          if (!drop(v)) return;
          abc.delete(c);
          this.#size--;
        });
        if (abc.size === 0) ab.delete(b);
      });
      if (ab.size === 0) this.#root.delete(a);
    });
  }

  clear(): void {
    this.#root.clear();
    this.#size = 0;
  }
}
