/** Above this many entries a list also keeps a name → position index, so hostile input cannot make lookups quadratic. */
const INDEX_FROM = 16;

/** @internal The array a deferred list starts with (a subclass's `read()` fills the list on first use); never filled itself. */
export const UNREAD: Array<string | null> = [];

/**
 * The parameters of a parsed value (RFC 3261 §25.1 `generic-param`, §19.1.1
 * `uri-parameters`) as a `Params` (types.ts): a flat `[name, value, name, value, …]`
 * array instead of a hash table, since a value carries a handful of them
 * (`;branch=…;rport`, `;tag=…`). It behaves as a Map (insertion order, `set`
 * of an existing name keeps its place) and passes `instanceof Map`, so code
 * and tests that copy or compare parameters see no difference.
 */
export class ParamList implements Map<string, string | null> {
  // Both fields are declared only and set in the constructor: a class field initializer costs
  // about 10 ns more per list built through a subclass (the usual URI's deferred parameters).
  /** Names at even positions, their values right after; {@link UNREAD} until a deferred list is read. */
  declare protected a: Array<string | null>;
  /** Name → position in `a`, built once the list is long. */
  declare private index: Map<string, number> | undefined;

  /** @internal `flat`: a fresh `[name, value, …]` array of distinct lower-cased names, which the list takes over. */
  constructor(flat?: Array<string | null>) {
    this.a = flat ?? [];
    this.index = undefined;
  }

  /** The `[name, value, …]` array of a list built with {@link UNREAD}, read on first use; a list built read never calls it. */
  protected read(): Array<string | null> {
    return this.a;
  }

  /** The array, read first when deferred. */
  private get items(): Array<string | null> {
    return this.a === UNREAD ? (this.a = this.read()) : this.a;
  }

  /** @internal Called by the parsers once filled: drops the spare room `push` reserved (two entries would hold 19 slots). */
  seal(): this {
    if (this.items.length > 2) this.a = this.a.slice();
    return this;
  }

  /** @internal The flat `[name, value, …]` array itself, for a parser reading its own fresh list in one pass. */
  get flat(): ReadonlyArray<string | null> {
    return this.items;
  }

  get size(): number {
    return this.items.length >> 1;
  }

  /** Position of `name` in the array, or -1. */
  private find(name: string): number {
    const a = this.items;
    if (a.length > INDEX_FROM * 2) return this.indexed().get(name) ?? -1;
    for (let i = 0; i < a.length; i += 2) if (a[i] === name) return i;
    return -1;
  }

  private indexed(): Map<string, number> {
    if (this.index === undefined) {
      const index = new Map<string, number>();
      for (let i = 0; i < this.a.length; i += 2) index.set(this.a[i] as string, i);
      this.index = index;
    }
    return this.index;
  }

  get(name: string): string | null | undefined {
    const i = this.find(name);
    return i < 0 ? undefined : this.a[i + 1];
  }

  has(name: string): boolean {
    return this.find(name) >= 0;
  }

  set(name: string, value: string | null): this {
    const i = this.find(name);
    if (i >= 0) this.a[i + 1] = value;
    else if (this.a.length === 0) {
      this.a = [name, value]; // exactly sized: most values carry one parameter (`;tag=…`, `;transport=…`)
    } else {
      this.index?.set(name, this.a.length);
      this.a.push(name, value);
    }
    return this;
  }

  delete(name: string): boolean {
    const i = this.find(name);
    if (i < 0) return false;
    this.a.splice(i, 2);
    this.index = undefined;
    return true;
  }

  clear(): void {
    this.a = [];
    this.index = undefined;
  }

  forEach(fn: (value: string | null, name: string, map: Map<string, string | null>) => void, thisArg?: unknown): void {
    const a = this.items;
    for (let i = 0; i < a.length; i += 2) fn.call(thisArg, a[i + 1] as string | null, a[i] as string, this);
  }

  *entries(): MapIterator<[string, string | null]> {
    const a = this.items;
    for (let i = 0; i < a.length; i += 2) yield [a[i] as string, a[i + 1] as string | null];
  }

  *keys(): MapIterator<string> {
    const a = this.items;
    for (let i = 0; i < a.length; i += 2) yield a[i] as string;
  }

  *values(): MapIterator<string | null> {
    const a = this.items;
    for (let i = 0; i < a.length; i += 2) yield a[i + 1] as string | null;
  }

  [Symbol.iterator](): MapIterator<[string, string | null]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'Map';
  }

  /** Shown as the Map it stands for (`console.log`, `util.inspect`), read first when deferred, not as its fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): Map<string, string | null> {
    return new Map(this);
  }
}

// Every Map method is implemented above; the prototype link only makes `instanceof Map` (and so
// `new Map(params)`-style copies and deep-equality checks that test for a Map) treat it as one.
Object.setPrototypeOf(ParamList.prototype, Map.prototype);
