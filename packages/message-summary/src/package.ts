/**
 * The `message-summary` event package (RFC 3842): one declarative
 * {@link EventPackage} plus the mailbox state fed by the embedding API.
 */
import type { EventPackage, PublishedDocument, RenderedBody, Verdict } from '@herald/events';
import { resourceKey } from '@herald/events';
import { parseUri, systemClock, type Clock } from '@herald/sip';
import { parseMessageSummary } from './parse.js';
import { MESSAGE_SUMMARY_TYPE, renderMessageSummary, sameSummary, summaryFromCounts } from './render.js';
import type { MailboxCounts, MailboxReason, MessageSummary } from './types.js';

/** The event package name (RFC 3842 §3). */
export const MESSAGE_SUMMARY_EVENT = 'message-summary';

/** Options of {@link createMessageSummaryPackage}. */
export interface MessageSummaryPackageOptions {
  /**
   * Where {@link MessageSummaryPackage.setMailbox} delivers a new state:
   * wire it to `engine.setState(MESSAGE_SUMMARY_EVENT, resource, state)`.
   */
  readonly onState?: (resource: string, state: MessageSummary) => void;
  /**
   * Built-in "no voicemail" default (babble's `dummyvoicemail`, default true):
   * with nothing known, watchers get `Messages-Waiting: no`, the account and
   * `Voice-Message: 0/0 (0/0)`. Off: the neutral body is the bare
   * `Messages-Waiting: no` (still valid RFC 3842, claiming no counts).
   */
  readonly defaultEmptyMailbox?: boolean;
  /** `Message-Account` of bodies Herald builds; default the resource URI; false = none. */
  readonly messageAccount?: false | ((resource: string) => string);
  /** Clock for "newest wins" between PUBLISH and the API (default the system clock). */
  readonly clock?: Clock;
  /** Expiry bounds in seconds (defaults 3600, 60, 86400). */
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
  /** Coalescing window in ms (default 0: a lamp should follow every change). */
  readonly minNotifyInterval?: number;
  /** Whether PUBLISH of message-summary is accepted (default true). */
  readonly acceptsPublish?: boolean;
}

/** What {@link createMessageSummaryPackage} returns. */
export interface MessageSummaryPackage {
  readonly package: EventPackage<MessageSummary>;
  /**
   * Sets a mailbox from the embedding app (babble's `presence.voicemail.out`):
   * `update` always hands the state to `onState`; `init` only when it differs
   * from the mailbox already known. Returns the normalized resource. Throws a
   * RangeError for a resource that is not a SIP/tel URI or `user@host`.
   */
  setMailbox(resource: string, counts: MailboxCounts | MessageSummary, reason: MailboxReason): string;
  /** The mailbox last set through the API for a resource, if any. */
  mailbox(resource: string): MessageSummary | undefined;
}

interface ApiMailbox {
  readonly state: MessageSummary;
  readonly at: number;
}

/** Most neutral bodies kept (one per resource); the cache is dropped whole when full. */
const NEUTRAL_CACHE_LIMIT = 10_000;

/** Normalizes `sip:1000@host`, `1000@host` (babble's entity) or `tel:…` to the engine's resource key. */
export function mailboxResource(resource: string): string {
  const text = /^[A-Za-z][A-Za-z0-9+\-.]*:/.test(resource) ? resource : `sip:${resource}`;
  try {
    return resourceKey(parseUri(text));
  } catch {
    throw new RangeError(`not a mailbox URI: ${resource}`);
  }
}

function isSummary(x: MailboxCounts | MessageSummary): x is MessageSummary {
  return 'waiting' in x && 'counts' in x;
}

/** Creates the message-summary package and its mailbox API. */
export function createMessageSummaryPackage(options: MessageSummaryPackageOptions = {}): MessageSummaryPackage {
  const clock = options.clock ?? systemClock;
  const defaultEmpty = options.defaultEmptyMailbox ?? true;
  const accountOf = (resource: string): string | undefined =>
    options.messageAccount === false ? undefined : options.messageAccount ? options.messageAccount(resource) : resource;
  const api = new Map<string, ApiMailbox>();
  const rendered = new WeakMap<MessageSummary, string>();
  const neutral = new Map<string, string>();

  const neutralBody = (resource: string): string => {
    if (!defaultEmpty) return 'Messages-Waiting: no\r\n';
    let body = neutral.get(resource);
    if (body === undefined) {
      body = renderMessageSummary(summaryFromCounts({ newcount: 0, oldcount: 0 }, accountOf(resource)));
      if (neutral.size >= NEUTRAL_CACHE_LIMIT) neutral.clear();
      neutral.set(resource, body);
    }
    return body;
  };

  const pkg: EventPackage<MessageSummary> = {
    event: MESSAGE_SUMMARY_EVENT,
    contentTypes: [MESSAGE_SUMMARY_TYPE],
    defaultExpires: options.defaultExpires ?? 3600,
    minExpires: options.minExpires ?? 60,
    maxExpires: options.maxExpires ?? 86400,
    minNotifyInterval: options.minNotifyInterval ?? 0,
    acceptsPublish: options.acceptsPublish ?? true,
    validatePublish(body: Buffer): Verdict<unknown> {
      return parseMessageSummary(body);
    },
    compose(publications: readonly PublishedDocument[], resource: string): MessageSummary | undefined {
      // Newest wins: the most recently modified publication, unless the API set the mailbox later.
      let newest: PublishedDocument | undefined;
      for (const p of publications) if (!newest || p.updatedAt >= newest.updatedAt) newest = p;
      const fromApi = api.get(resource);
      if (fromApi && (!newest || fromApi.at > newest.updatedAt)) return fromApi.state;
      return newest?.parsed as MessageSummary | undefined;
    },
    render(state: MessageSummary | undefined, _type: string, context): RenderedBody {
      if (!state) return { body: neutralBody(context.resource) };
      let body = rendered.get(state);
      if (body === undefined) {
        body = renderMessageSummary(state);
        rendered.set(state, body);
      }
      return { body };
    },
  };

  return {
    package: pkg,
    setMailbox(resource, counts, reason) {
      const key = mailboxResource(resource);
      const state = isSummary(counts) ? counts : summaryFromCounts(counts, accountOf(key));
      const known = api.get(key);
      if (reason === 'init' && known && sameSummary(known.state, state)) return key;
      api.set(key, { state, at: clock.now() });
      options.onState?.(key, state);
      return key;
    },
    mailbox(resource) {
      return api.get(mailboxResource(resource))?.state;
    },
  };
}
