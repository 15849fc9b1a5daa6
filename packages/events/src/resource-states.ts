/**
 * The current state of every (event, resource) pair: what NOTIFYs render.
 * Fed by publications (composed by the package), by the embedding app and by
 * the server (registrations, calls). Each change bumps the entry's state
 * version and is announced to listeners (the notifier), with an optional
 * delta for packages that notify partial state.
 */

/** One state change. */
export interface ResourceChange<S = unknown, D = unknown> {
  readonly event: string;
  readonly resource: string;
  readonly state: S | undefined;
  /** Increases by one per change of this (event, resource). */
  readonly stateVersion: number;
  readonly delta?: D;
}

interface Entry {
  state: unknown;
  stateVersion: number;
}

/** The state table; one per engine. */
export class ResourceStates {
  /** By event, then resource: no joined key string per lookup (a fan-out reads the state once per NOTIFY). */
  private readonly entries = new Map<string, Map<string, Entry>>();
  private readonly listeners = new Set<(change: ResourceChange) => void>();

  /** Sets the state (undefined = nothing known: packages render a neutral document) and announces it. */
  set<S, D = unknown>(event: string, resource: string, state: S | undefined, delta?: D): ResourceChange<S, D> {
    let byResource = this.entries.get(event);
    if (!byResource) {
      byResource = new Map();
      this.entries.set(event, byResource);
    }
    let entry = byResource.get(resource);
    if (!entry) {
      entry = { state: undefined, stateVersion: 0 };
      byResource.set(resource, entry);
    }
    entry.state = state;
    entry.stateVersion++;
    const change: ResourceChange<S, D> = { event, resource, state, stateVersion: entry.stateVersion, delta };
    for (const listener of this.listeners) listener(change as ResourceChange);
    return change;
  }

  /** The current state, or undefined when nothing is known. */
  get<S>(event: string, resource: string): S | undefined {
    return this.entries.get(event)?.get(resource)?.state as S | undefined;
  }

  /** Resources with a known state for one event. */
  resources(event: string): string[] {
    return [...(this.entries.get(event)?.keys() ?? [])];
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: ResourceChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
