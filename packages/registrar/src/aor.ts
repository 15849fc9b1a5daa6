/** Addresses-of-record and our domains (RFC 3261 §10.3 steps 1 and 5). */
import { parseUri, type SipUri } from '@herald/sip';

/** The host parts we are the registrar for, lower-cased; ports never matter (the bench uses `sip:127.0.0.1`). */
export class Domains {
  private readonly hosts: Set<string>;
  /** The first configured domain (the default digest realm). */
  readonly primary: string;

  constructor(domain: string | readonly string[]) {
    const list = (typeof domain === 'string' ? [domain] : [...domain]).map(normalizeHost);
    if (list.length === 0 || list.some((d) => d === '')) throw new RangeError('Registrar needs at least one domain');
    this.hosts = new Set(list);
    this.primary = list[0];
  }

  /** Whether `host` (as in a URI: IPv6 in brackets or not) is one of ours. */
  has(host: string): boolean {
    return this.hosts.has(normalizeHost(host));
  }
}

function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase();
  // IPv6 references compare with their brackets; accept both spellings in config.
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h.replace(/\.$/, '');
}

/** The AoR of a `sip:`/`sips:` URI as `sip:user@host` (no port, no parameters), or undefined without a user part. */
export function aorOf(uri: SipUri): string | undefined {
  if ((uri.scheme !== 'sip' && uri.scheme !== 'sips') || !uri.user) return undefined;
  return `sip:${uri.user}@${normalizeHost(uri.host)}`;
}

/** Normalizes an AoR given as a string (`sip:alice@example.test:5060;x=y` → `sip:alice@example.test`); undefined when it is none. */
export function normalizeAor(aor: string): string | undefined {
  try {
    return aorOf(parseUri(aor.includes(':') ? aor : `sip:${aor}`));
  } catch {
    return undefined;
  }
}
