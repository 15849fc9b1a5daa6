/**
 * Embedding events of the server, named after babble-drachtio-presence so an
 * app moving from it finds the same ideas: `presence.subscribe.in`,
 * `presence.status.in`, `presence.voicemail.in`, and `registration`. The
 * `…out` directions are methods on the Server (`setStatus`, `setMailbox`,
 * `pushDialog`).
 */
import { TypedEmitter } from '@herald/events';
import type { PresentityState } from '@herald/presence';
import type { RegistrarEventName } from '@herald/registrar';

/** A new subscription asking for initial state (presence or dialog: a BLF key, a buddy list). */
export interface SubscribeInEvent {
  /** `presence` or `dialog`. */
  readonly event: string;
  /** The presentity, `sip:user@host`. */
  readonly resource: string;
  /** The watcher, `sip:user@host`. */
  readonly watcher: string;
  readonly subscriptionId: string;
}

/** A presentity's composed presence changed. */
export interface StatusInEvent {
  readonly resource: string;
  /** What caused it: a PUBLISH, a phone's NOTIFY to our back-SUBSCRIBE, a registration change, the app/API, or a call. */
  readonly source: 'publish' | 'phone' | 'registration' | 'api' | 'call';
  readonly state: PresentityState | undefined;
}

/** A mailbox query: a new `message-summary` subscription (answer with `setMailbox`). */
export interface VoicemailInEvent {
  readonly resource: string;
  readonly watcher: string;
  readonly subscriptionId: string;
}

/** A registration change of an AoR. */
export interface RegistrationChange {
  readonly type: RegistrarEventName;
  readonly aor: string;
  /** Live bindings of the AoR afterwards (0 = offline). */
  readonly remaining: number;
  /** Contact URIs of the bindings concerned. */
  readonly contacts: readonly string[];
}

/** Events of `server.events`. */
export interface ServerEvents {
  'presence.subscribe.in': SubscribeInEvent;
  'presence.status.in': StatusInEvent;
  'presence.voicemail.in': VoicemailInEvent;
  registration: RegistrationChange;
  /** The server listens and answers (after `start()`). */
  ready: { readonly ports: readonly { transport: string; host: string; port: number }[] };
}

/** The server's event emitter (`server.events.on('presence.subscribe.in', …)`). */
export class ServerEmitter extends TypedEmitter<ServerEvents> {
  /** Emits an event to its listeners (a throwing listener is reported, never propagated). */
  override emit<K extends keyof ServerEvents>(event: K, value: ServerEvents[K]): void {
    super.emit(event, value);
  }
}
