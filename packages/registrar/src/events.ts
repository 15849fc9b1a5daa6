/** Registration events for the rest of the server (presence from registrations, back-SUBSCRIBE, metrics). */
import type { StoredBinding } from './store.js';

/** What every registration event carries. */
export interface RegistrationEvent {
  /** The address-of-record, normalized `sip:user@host`. */
  readonly aor: string;
  /** The bindings concerned (new, refreshed, expired or removed ones). */
  readonly bindings: readonly StoredBinding[];
  /** Live bindings of the AoR after the change (0: the user is no longer registered). */
  readonly remaining: number;
}

/** Event names and payloads of {@link RegistrarEmitter}. */
export interface RegistrarEvents {
  /** New bindings were added to an AoR. */
  registered: RegistrationEvent;
  /** Existing bindings were refreshed (new expiry, possibly a new flow). */
  refreshed: RegistrationEvent;
  /** Bindings ran out without a refresh. */
  expired: RegistrationEvent;
  /** Bindings were removed by a REGISTER (`expires=0` or `*`). */
  unregistered: RegistrationEvent;
}

/** Name of a registration event. */
export type RegistrarEventName = keyof RegistrarEvents;

type Listener<E extends RegistrarEventName> = (event: RegistrarEvents[E]) => void;

/**
 * A small typed emitter. Listeners run synchronously in registration order;
 * one that throws is reported to `onError` and does not stop the others.
 */
export class RegistrarEmitter {
  private readonly listeners: { [E in RegistrarEventName]: Array<Listener<E>> } = {
    registered: [],
    refreshed: [],
    expired: [],
    unregistered: [],
  };

  constructor(private readonly onError: (name: RegistrarEventName, err: unknown) => void = () => undefined) {}

  /** Adds a listener; returns the function that removes it. */
  on<E extends RegistrarEventName>(name: E, listener: Listener<E>): () => void {
    const list = this.listeners[name] as Array<Listener<E>>;
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /** Calls every listener of `name` (nothing when `event.bindings` is empty). */
  emit<E extends RegistrarEventName>(name: E, event: RegistrarEvents[E]): void {
    if (event.bindings.length === 0) return;
    for (const listener of [...(this.listeners[name] as Array<Listener<E>>)]) {
      try {
        listener(event);
      } catch (err) {
        this.onError(name, err);
      }
    }
  }
}
