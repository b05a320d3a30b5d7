/**
 * A map keyed by three strings (e.g. a session's core, collector and id), as nested Maps: a lookup joins no key
 * string. The per-second paths that look up every session (10 000 a second with a big fleet) otherwise build one new
 * string per session and lookup, and hash it, which costs more than the lookup and is all garbage a second later.
 * A key with fewer parts passes '' for the first ones (the last level holds the many entries: a '' last would make
 * a Map per entry).
 *
 * The entries live in slots (the value and the key's parts in arrays, the nested Maps hold slot numbers: no object
 * per entry for the garbage collector to trace). A reader that looks up a list's rows in the list's order (each
 * update's sessions, mostly the same ones in the same order as the last) passes the row's place (`getAt`, `setAt`):
 * the slot found for that place last time is tried first, three string comparisons (the same string objects from
 * one poll to the next: pointer checks) instead of three hash lookups. A deleted slot's key parts are cleared, and a
 * slot used again holds another key, so a place never answers for a key that is not its row's.
 */
export class Key3Map<V> {
  readonly #root = new Map<string, Map<string, Map<string, number>>>();
  #size = 0;
  /** By slot: the value and the key's parts (undefined: a free slot). */
  #values: (V | undefined)[] = [];
  #a: (string | undefined)[] = [];
  #b: (string | undefined)[] = [];
  #c: (string | undefined)[] = [];
  #free: number[] = [];
  /** By place: the slot found there last (-1: none). */
  #places: number[] = [];

  get size(): number {
    return this.#size;
  }

  get(a: string, b: string, c: string): V | undefined {
    const slot = this.#root.get(a)?.get(b)?.get(c);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** `get` for the row at place `at` of a list read in order (`at`: 0 up to the list's length). */
  getAt(at: number, a: string, b: string, c: string): V | undefined {
    const tried = at < this.#places.length ? this.#places[at]! : -1;
    if (tried !== -1 && this.#c[tried] === c && this.#b[tried] === b && this.#a[tried] === a) return this.#values[tried];
    const slot = this.#root.get(a)?.get(b)?.get(c);
    if (slot === undefined) return undefined;
    this.#remember(at, slot);
    return this.#values[slot];
  }

  set(a: string, b: string, c: string, value: V): void {
    this.#set(a, b, c, value);
  }

  /** `set` for the row at place `at` of a list read in order (see `getAt`). */
  setAt(at: number, a: string, b: string, c: string, value: V): void {
    this.#remember(at, this.#set(a, b, c, value));
  }

  #set(a: string, b: string, c: string, value: V): number {
    let ab = this.#root.get(a);
    if (!ab) this.#root.set(a, (ab = new Map()));
    let abc = ab.get(b);
    if (!abc) ab.set(b, (abc = new Map()));
    let slot = abc.get(c);
    if (slot === undefined) {
      slot = this.#free.length > 0 ? this.#free.pop()! : this.#values.length;
      abc.set(c, slot);
      this.#a[slot] = a;
      this.#b[slot] = b;
      this.#c[slot] = c;
      this.#size++;
    }
    this.#values[slot] = value;
    return slot;
  }

  #remember(at: number, slot: number): void {
    const places = this.#places;
    // A place past the end is filled up to it first (`places` stays a packed array of small integers).
    while (places.length < at) places.push(-1);
    places[at] = slot;
  }

  /** Frees a slot deleted from the Maps: its value let go, its key cleared (no place matches it any more). */
  #release(slot: number): void {
    this.#values[slot] = this.#a[slot] = this.#b[slot] = this.#c[slot] = undefined;
    this.#free.push(slot);
    this.#size--;
  }

  delete(a: string, b: string, c: string): boolean {
    const ab = this.#root.get(a);
    const abc = ab?.get(b);
    const slot = abc?.get(c);
    if (!ab || !abc || slot === undefined) return false;
    abc.delete(c);
    this.#release(slot);
    if (abc.size === 0) {
      ab.delete(b);
      if (ab.size === 0) this.#root.delete(a);
    }
    return true;
  }

  /**
   * Calls `each` with every value, grouped by the key's first part, then its second, each group in the order its
   * first entry was set (forEach makes no [key, value] pair per entry).
   */
  forEach(each: (value: V) => void): void {
    const values = this.#values;
    this.#root.forEach((ab) => ab.forEach((abc) => abc.forEach((slot) => each(values[slot]!))));
  }

  /** Deletes every entry `drop` says so of (each is visited once; forEach makes no [key, value] pair per entry). */
  deleteWhere(drop: (value: V) => boolean): void {
    const values = this.#values;
    this.#root.forEach((ab, a) => {
      ab.forEach((abc, b) => {
        abc.forEach((slot, c) => {
          if (!drop(values[slot]!)) return;
          abc.delete(c);
          this.#release(slot);
        });
        if (abc.size === 0) ab.delete(b);
      });
      if (ab.size === 0) this.#root.delete(a);
    });
  }

  clear(): void {
    this.#root.clear();
    this.#size = 0;
    this.#values = [];
    this.#a = [];
    this.#b = [];
    this.#c = [];
    this.#free = [];
    this.#places = [];
  }
}
