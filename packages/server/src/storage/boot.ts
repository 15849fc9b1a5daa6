/**
 * Boot on stored state (issue 6): bindings, publications and subscriptions
 * come back, presence is recomputed from the registrations, and the NOTIFYs
 * the restart causes (rebuilt state, terminations) are spread over
 * `resumeJitter`.
 *
 * Flows after a restart (README "Durability"):
 * - UDP: the stored flow is usable when it names one of our UDP sockets (same
 *   local address and port); NOTIFYs go on it, and a subscription that
 *   expired while down gets its `terminated;reason=timeout` NOTIFY there.
 * - TCP: the connection died with the old process. A live subscription's
 *   NOTIFYs go over a new TCP connection to the watcher's Contact (the
 *   dialog's remote target, RFC 3261 §12.2.1.1) when it is an IP address; if
 *   that fails, the NOTIFY retry policy runs and then the subscription ends
 *   (RFC 6665 §4.2.2), as does one whose Contact is a host name. A refresh
 *   on a new connection re-binds the flow. A TCP subscription that expired
 *   while down is dropped without a NOTIFY.
 */
import { isIP } from 'node:net';
import type { EventEngine, StoredSubscription } from '@herald/events';
import type { Registrar } from '@herald/registrar';
import type { WinfoPackage } from '@herald/presence';
import { parseUri, type Flow, type HostPort } from '@herald/sip';
import type { Logger } from '../logger.js';

/** What {@link resumeStoredState} works on (the server's parts). */
export interface ResumeParts {
  readonly registrar: Registrar;
  readonly engine: EventEngine;
  readonly winfo: WinfoPackage;
  readonly logger: Logger;
  /** Spread restart NOTIFYs over this many ms (config `resumeJitter`). */
  readonly jitterMs: number;
  /** Local addresses of our UDP sockets. */
  readonly udpLocals: readonly HostPort[];
  /** Feeds one AoR's live registrations to presence (as a REGISTER would). */
  readonly feedRegistration: (aor: string) => void;
  readonly random?: () => number;
}

/** Counts of what came back, for the boot log line. */
export interface ResumeSummary {
  readonly bindings: number;
  readonly bindingsDropped: number;
  readonly subscriptions: number;
  readonly subscriptionsExpired: number;
  /** Expired-while-down subscriptions that get a terminated NOTIFY (usable UDP flow). */
  readonly expiredNotified: number;
  /** Resumed subscriptions moved off a dead TCP connection to their Contact. */
  readonly retargeted: number;
}

/** Whether a stored UDP flow leaves from one of our sockets now (same address and port; a wildcard bind matches any). */
export function udpFlowUsable(flow: Flow, udpLocals: readonly HostPort[]): boolean {
  if (flow.transport !== 'udp') return false;
  const wild = (a: string): boolean => a === '0.0.0.0' || a === '::';
  return udpLocals.some(
    (l) =>
      l.port === flow.local.port && (l.address === flow.local.address || wild(l.address) || wild(flow.local.address)),
  );
}

/**
 * The flow a resumed subscription continues on: UDP unchanged; TCP re-targeted
 * to a new connection to the Contact's IP address and port (no connection id:
 * the transport opens one); anything else unchanged (it fails, then ends).
 */
export function resumedFlow(sub: StoredSubscription): Flow {
  const flow = sub.flow;
  if (flow.transport !== 'tcp') return flow;
  const target = contactAddress(sub.dialog.remoteTarget);
  return target ? { transport: 'tcp', local: flow.local, remote: target } : flow;
}

/** The Contact URI's host and port when the host is an IP literal (RFC 3263 resolution is not done here). */
function contactAddress(uri: string): HostPort | undefined {
  try {
    const u = parseUri(uri);
    const address = u.host.replace(/^\[|\]$/g, '');
    if (isIP(address) === 0) return undefined;
    return { address, port: u.port ?? (u.scheme === 'sips' ? 5061 : 5060) };
  } catch {
    return undefined;
  }
}

/**
 * Boot: bindings, then subscriptions (each held until a random moment in the
 * jitter window), then what the store lets us rebuild — publications, presence
 * from registrations (also of AoRs whose bindings all expired while down),
 * winfo lists. Only a subscription whose resource got state this way gets a
 * NOTIFY when its hold ends, one with the whole state; state that lived only
 * in memory (API status, mailbox counts, calls) is not pushed as empty.
 */
export async function resumeStoredState(parts: ResumeParts): Promise<ResumeSummary> {
  const { registrar, engine } = parts;
  const registered = new Set((await registrar.store.all()).map((b) => b.aor));
  const regs = await registrar.resume();
  let retargeted = 0;
  const result = await engine.notifier.resume({
    jitterMs: parts.jitterMs,
    ...(parts.random ? { random: parts.random } : {}),
    notifyExpired: (sub) => udpFlowUsable(sub.flow, parts.udpLocals),
    flowOf: (sub) => {
      const flow = resumedFlow(sub);
      if (flow !== sub.flow) retargeted++;
      return flow;
    },
  });
  // Changes from here on wait in the holds.
  await engine.publications.resume();
  // registrar.resume emits no events: registered presentities are open again, expired ones closed.
  for (const aor of registered) parts.feedRegistration(aor);
  const winfoResources = new Set<string>();
  for (const sub of result.subscriptions) {
    // The winfo lists were never announced in this process: rebuild them (the change waits in the hold).
    if (sub.event === 'presence.winfo' && !winfoResources.has(sub.resource)) {
      winfoResources.add(sub.resource);
      parts.winfo.resync(sub.resource);
    }
  }
  for (const sub of result.expired) {
    parts.logger.debug('subscription expired while down', {
      id: sub.id,
      event: sub.event,
      resource: sub.resource,
      notified: udpFlowUsable(sub.flow, parts.udpLocals),
    });
  }
  return {
    bindings: regs.loaded,
    bindingsDropped: regs.dropped,
    subscriptions: result.resumed,
    subscriptionsExpired: result.expired.length,
    expiredNotified: result.notified,
    retargeted,
  };
}
