/**
 * In-memory {@link BindingStore} (the default; SQLite arrives in issue 6).
 * Values are copied on the way in and out, so callers cannot change what is
 * stored by mutating objects they put or got.
 */
import type { Flow } from '@herald/sip';
import type { BindingStore, StoredBinding } from './store.js';

function copyFlow(flow: Flow): Flow {
  return { ...flow, local: { ...flow.local }, remote: { ...flow.remote } };
}

/** A deep copy of a binding. */
export function copyBinding(b: StoredBinding): StoredBinding {
  return { ...b, params: b.params.map(([k, v]) => [k, v] as const), flow: copyFlow(b.flow) };
}

/** {@link BindingStore} in a Map: AoR → key → binding. */
export class MemoryBindingStore implements BindingStore {
  private readonly aors = new Map<string, Map<string, StoredBinding>>();
  private size = 0;

  async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    this.replaceAorNow(aor, bindings);
  }

  /** {@link MemoryBindingStore.replaceAor}, done before it returns (a RangeError throws instead of rejecting). */
  replaceAorNow(aor: string, bindings: readonly StoredBinding[]): void {
    for (const b of bindings) {
      if (b.aor !== aor) throw new RangeError(`binding of ${b.aor} passed for ${aor}`);
    }
    this.size -= this.aors.get(aor)?.size ?? 0;
    if (bindings.length === 0) {
      this.aors.delete(aor);
      return;
    }
    const next = new Map<string, StoredBinding>();
    for (const b of bindings) next.set(b.key, copyBinding(b));
    this.aors.set(aor, next);
    this.size += next.size;
  }

  async byAor(aor: string): Promise<StoredBinding[]> {
    return [...(this.aors.get(aor)?.values() ?? [])].map(copyBinding);
  }

  async delete(aor: string, key: string): Promise<boolean> {
    const set = this.aors.get(aor);
    if (!set?.delete(key)) return false;
    this.size--;
    if (set.size === 0) this.aors.delete(aor);
    return true;
  }

  async all(): Promise<StoredBinding[]> {
    const out: StoredBinding[] = [];
    for (const set of this.aors.values()) for (const b of set.values()) out.push(copyBinding(b));
    return out;
  }

  async count(): Promise<number> {
    return this.size;
  }
}

/**
 * The synchronous write of a plain {@link MemoryBindingStore}, or undefined for any other store,
 * including a subclass that overrides `replaceAor` (its override must see every write).
 */
export function synchronousWrite(
  store: BindingStore,
): ((aor: string, bindings: readonly StoredBinding[]) => void) | undefined {
  if (!(store instanceof MemoryBindingStore) || store.replaceAor !== MemoryBindingStore.prototype.replaceAor) {
    return undefined;
  }
  return (aor, bindings) => store.replaceAorNow(aor, bindings);
}
