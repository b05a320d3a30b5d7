/**
 * A map keyed by three strings (e.g. a session's core, collector and id), as nested Maps: a lookup joins no key
 * string. The per-second paths that look up every session (10 000 a second with a big fleet) otherwise build one new
 * string per session and lookup, and hash it, which costs more than the lookup and is all garbage a second later.
 * A key with fewer parts passes '' for the first ones (the last level holds the many entries: a '' last would make
 * a Map per entry).
 *
 * A reader that looks up a list's rows in the list's order (each update's sessions, mostly the same ones in the same
 * order as the last) passes the row's place (`getAt`, `setAt`): the entry found for that place last time is tried
 * first, three string comparisons (the same string objects, from one poll to the next: a pointer check) instead of
 * three hash lookups. An entry is remembered at one place at most, and forgotten there when it is deleted, so a place
 * never answers with an entry that is no longer in the map; a key that a list has at several places (many rows of one
 * key) is therefore found by hash at each of them: a map of such keys reads by key.
 */

/** One value with its key and the place it was last found at (-1: none). */
interface Entry<V> {
  a: string;
  b: string;
  c: string;
  value: V;
  place: number;
}

export class Key3Map<V> {
  readonly #root = new Map<string, Map<string, Map<string, Entry<V>>>>();
  #size = 0;
  /** By place: the entry found there last (see the file comment). */
  #places: (Entry<V> | undefined)[] = [];

  get size(): number {
    return this.#size;
  }

  get(a: string, b: string, c: string): V | undefined {
    return this.#root.get(a)?.get(b)?.get(c)?.value;
  }

  /** `get` for the row at place `at` of a list read in order (`at`: 0 up to the list's length). */
  getAt(at: number, a: string, b: string, c: string): V | undefined {
    const e = this.#places[at];
    if (e !== undefined && e.c === c && e.b === b && e.a === a) return e.value;
    const found = this.#root.get(a)?.get(b)?.get(c);
    if (found === undefined) return undefined;
    this.#remember(found, at);
    return found.value;
  }

  set(a: string, b: string, c: string, value: V): void {
    this.#set(a, b, c, value);
  }

  /** `set` for the row at place `at` of a list read in order (see `getAt`). */
  setAt(at: number, a: string, b: string, c: string, value: V): void {
    this.#remember(this.#set(a, b, c, value), at);
  }

  #set(a: string, b: string, c: string, value: V): Entry<V> {
    let ab = this.#root.get(a);
    if (!ab) this.#root.set(a, (ab = new Map()));
    let abc = ab.get(b);
    if (!abc) ab.set(b, (abc = new Map()));
    let e = abc.get(c);
    if (e === undefined) {
      abc.set(c, (e = { a, b, c, value, place: -1 }));
      this.#size++;
    } else e.value = value;
    return e;
  }

  /** Remembers `e` at place `at` (and no longer at its last place). */
  #remember(e: Entry<V>, at: number): void {
    const places = this.#places;
    if (e.place !== -1 && places[e.place] === e) places[e.place] = undefined;
    // A place past the end is filled up to it first (`places` stays a packed array).
    for (let i = places.length; i < at; i++) places.push(undefined);
    places[at] = e;
    e.place = at;
  }

  /** Forgets a deleted entry's place. */
  #forget(e: Entry<V>): void {
    if (e.place !== -1 && this.#places[e.place] === e) this.#places[e.place] = undefined;
    e.place = -1;
  }

  delete(a: string, b: string, c: string): boolean {
    const ab = this.#root.get(a);
    const abc = ab?.get(b);
    const e = abc?.get(c);
    if (!ab || !abc || e === undefined) return false;
    abc.delete(c);
    this.#forget(e);
    this.#size--;
    if (abc.size === 0) {
      ab.delete(b);
      if (ab.size === 0) this.#root.delete(a);
    }
    return true;
  }

  /** Calls `each` with every value (forEach makes no [key, value] pair per entry). */
  forEach(each: (value: V) => void): void {
    this.#root.forEach((ab) => ab.forEach((abc) => abc.forEach((e) => each(e.value))));
  }

  /** Deletes every entry `drop` says so of (each is visited once; forEach makes no [key, value] pair per entry). */
  deleteWhere(drop: (value: V) => boolean): void {
    this.#root.forEach((ab, a) => {
      ab.forEach((abc, b) => {
        abc.forEach((e, c) => {
          if (!drop(e.value)) return;
          abc.delete(c);
          this.#forget(e);
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
    for (const e of this.#places) if (e) e.place = -1;
    this.#places = [];
  }
}
