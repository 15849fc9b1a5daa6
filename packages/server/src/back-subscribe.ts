/**
 * Back-SUBSCRIBE to phones (babble-drachtio-presence): after a REGISTER the
 * server subscribes to the phone's own `presence` at its Contact, over the
 * flow the REGISTER came on, and turns the phone's NOTIFYs into phone reports
 * (DND, notes, status: Polycom style). Phones that refuse (489 Bad Event,
 * 405, 501) are remembered by instance or Contact and not asked again.
 */
import type { ClientSubscription, Subscriber } from '@herald/events';
import { parsePidf, reportFromPidf, type PresenceReport } from '@herald/presence';
import type { RegistrarEventName, StoredBinding } from '@herald/registrar';
import type { Flow } from '@herald/sip';
import type { Logger } from './logger.js';

/** Options of {@link BackSubscriber}. */
export interface BackSubscriberOptions {
  readonly subscriber: Subscriber;
  /** Our domain (the From of our SUBSCRIBEs: `sip:herald@domain`). */
  readonly domain: string;
  readonly logger: Logger;
  /** Where a phone's report goes (`presence.inputs.setPhoneReport`); undefined forgets the device. */
  readonly report: (resource: string, deviceId: string, report: PresenceReport | undefined) => void;
  /** Subscription length asked of phones (s, default 3600). */
  readonly expires?: number;
}

/** Answers that mean "this phone does not do it": remembered, never asked again (RFC 6665 §8.3 489; RFC 3261 §21.4.6 405, §21.5.2 501). */
const REFUSALS = new Set([489, 405, 501]);

/** Our Contact for NOTIFYs from the phone: the local address of the flow it registered on. */
function contactFor(flow: Flow): string {
  const host = flow.local.address.includes(':') ? `[${flow.local.address}]` : flow.local.address;
  return `sip:herald@${host}:${flow.local.port};transport=${flow.transport.toLowerCase()}`;
}

/** One back-subscription per binding of a registered phone. */
export class BackSubscriber {
  private readonly subs = new Map<string, ClientSubscription>();
  /** Instances / Contacts that refused presence subscriptions. */
  readonly refused = new Set<string>();
  private closed = false;

  constructor(private readonly options: BackSubscriberOptions) {}

  /** Follows a registration event: subscribe to new bindings, stop for gone ones. */
  onRegistration(type: RegistrarEventName, aor: string, bindings: readonly StoredBinding[]): void {
    if (this.closed) return;
    for (const b of bindings) {
      const id = `${aor}\n${b.key}`;
      if (type === 'registered' || type === 'refreshed') {
        if (!this.subs.has(id) && !this.refused.has(this.memoryKey(b))) this.start(id, aor, b);
      } else {
        const sub = this.subs.get(id);
        this.subs.delete(id);
        if (sub) {
          // An unregistering phone is still there: say goodbye; an expired one is gone.
          if (type === 'unregistered') void sub.unsubscribe();
          else sub.close();
        }
        this.options.report(aor, b.key, undefined);
      }
    }
  }

  /** Number of live back-subscriptions. */
  get size(): number {
    return this.subs.size;
  }

  /** Stops every back-subscription without unsubscribing (server shutdown). */
  close(): void {
    this.closed = true;
    for (const sub of this.subs.values()) sub.close();
    this.subs.clear();
  }

  private memoryKey(b: StoredBinding): string {
    return b.instanceId ?? b.contact;
  }

  private start(id: string, aor: string, b: StoredBinding): void {
    const { logger } = this.options;
    let sub: ClientSubscription;
    try {
      sub = this.options.subscriber.subscribe({
        target: b.contact,
        event: 'presence',
        from: `<sip:herald@${this.options.domain}>`,
        to: `<${aor}>`,
        contact: contactFor(b.flow),
        accept: ['application/pidf+xml'],
        expires: this.options.expires ?? 3600,
        destination: b.flow,
      });
    } catch (err) {
      logger.warn('back-subscribe: cannot subscribe', { aor, contact: b.contact, error: err });
      return;
    }
    this.subs.set(id, sub);
    logger.debug('back-subscribe: started', { aor, contact: b.contact });
    sub.on('notify', (n) => {
      // A terminated NOTIFY (after our unsubscribe) no longer speaks for a registered phone.
      if (this.subs.get(id) !== sub || n.state === 'terminated') return;
      if (n.body.length === 0 || n.contentType !== 'application/pidf+xml') return;
      const doc = parsePidf(n.body);
      if (!doc.ok) {
        logger.debug('back-subscribe: unreadable PIDF from phone', { aor, reason: doc.reason });
        return;
      }
      this.options.report(aor, b.key, reportFromPidf(doc.value));
    });
    sub.on('terminated', (t) => {
      if (t.retry || this.subs.get(id) !== sub) return;
      this.subs.delete(id);
      if (t.status !== undefined && REFUSALS.has(t.status)) {
        this.refused.add(this.memoryKey(b));
        logger.info('back-subscribe: phone does not offer presence; not asking again', {
          aor,
          contact: b.contact,
          status: t.status,
        });
      } else {
        logger.debug('back-subscribe: ended', { aor, reason: t.reason, status: t.status });
      }
      this.options.report(aor, b.key, undefined);
    });
  }
}
