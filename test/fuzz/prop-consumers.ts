/**
 * What the layers above the parser do with a parsed message, under
 * arbitrary input: the registrar reads a REGISTER (RFC 3261 §10.3), the
 * proxy copies a request forward (§16.6) and a response upstream (§16.7),
 * computes its loop key (§16.3), the event engine reads Accept (RFC 6665
 * §4.1.2). Each either works or throws SipParseError (a handler's
 * SipParseError becomes a 400); and what the proxy forwards always parses
 * at the next hop.
 */
import { parseMessage, serializeMessage } from '@herald/sip';
import type { SipMessage, SipRequest, SipResponse } from '@herald/sip';
import { acceptValues } from '../../packages/events/src/notifier/negotiate.js';
import { readRegister } from '@herald/registrar';
import { BranchMaker, forwardCopy, upstreamCopy } from '../../packages/server/src/proxy/forward.js';
import { check } from './guard.js';
import { describe, read } from './prop-parser.js';

const branches = new BranchMaker();

/** Serialized octets of a message we are about to send must parse at the receiver. */
function sendable(label: string, m: SipMessage): void {
  const wire = read(`serialize ${label}`, () => serializeMessage(m));
  check(wire.ok, `serializing the ${label} threw SipParseError`);
  try {
    parseMessage(wire.value as Buffer, { maxSize: 1 << 30, maxHeaders: 1 << 20 });
  } catch (e) {
    check(false, `the ${label} does not parse at the next hop: ${describe(e)}`);
  }
}

function request(req: SipRequest): void {
  read('readRegister', () => readRegister(req, { min: 60, max: 3600, default: 3600 }));
  read('acceptValues', () => acceptValues(req));
  read('BranchMaker.isLoop', () => branches.isLoop(req));
  const key = read('BranchMaker.loopKey', () => branches.loopKey(req));
  // RFC 3261 §16.3 step 3: the proxy answers Max-Forwards 0 with 483 before it copies anything.
  const hops = read('maxForwards', () => req.maxForwards);
  if (!key.ok || !hops.ok || hops.value === 0) return;
  for (const init of [
    { branch: branches.next(key.value as string) },
    {
      uri: 'sip:bob@192.0.2.7:5062;transport=tcp',
      branch: branches.next(key.value as string),
      recordRoute: '<sip:proxy.example.com;lr>',
      consumedRealm: 'example.com',
    },
  ]) {
    const copy = read('forwardCopy', () => forwardCopy(req, init));
    if (copy.ok) sendable('forwarded request', copy.value as SipRequest);
  }
}

function response(res: SipResponse): void {
  const copy = read('upstreamCopy', () => upstreamCopy(res));
  if (copy.ok) sendable('upstream response', copy.value as SipResponse);
}

/** The consumers property for one input: only messages that parse reach them. */
export function checkConsumers(data: Buffer): void {
  let m: SipMessage;
  try {
    m = parseMessage(data);
  } catch {
    return; // the parser target covers rejection
  }
  if (m.kind === 'request') request(m);
  else response(m);
}
