// The RFC 4475 torture messages against a running Server (issue 6): each one
// over UDP and over TCP (one connection per message), answered as the
// manifest says — or not at all for responses — and after each one the
// server still answers a normal REGISTER with 200. Authentication is off
// here (the probe REGISTER needs no credentials); the auth tests live in
// auth.test.ts.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { DOMAIN, startServer, testConfig } from '../../packages/server/test/server/helpers.js';
import { RawUdp, aimViaAt, sipRequest, tcpExchange, token, type LooseResponse } from './wire.js';

const DIR = new URL('../../../shared/testdata/rfc4475/', import.meta.url);

interface Entry {
  file: string;
  section: string;
  title: string;
  expect: 'parse' | 'reject' | 'reject-or-tolerate' | 'parse-then-respond';
  response?: number;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Entry[];
const load = (file: string): Buffer => readFileSync(new URL(file, DIR));

const isResponse = (raw: Buffer): boolean => raw.subarray(0, 4).toString('latin1') === 'SIP/';

/** The Call-ID as written in the raw bytes (compact `i` too), to recognise the answer. */
function rawCallId(raw: Buffer): string | undefined {
  return /^(?:Call-ID|i)[ \t]*:[ \t]*([^\r\n]+)/im.exec(raw.toString('latin1'))?.[1]?.trim();
}

/**
 * Many messages share a branch (`z9hG4bKkdjuw`) and, once aimed at us, a
 * sent-by: without this, a later one matches the earlier server transaction
 * (RFC 3261 §17.2.3) and gets its response again. Past Timers H/I/J (64·T1).
 */
const TRANSACTIONS_GONE = 40_000;

const probe = (port: number, transport: 'UDP' | 'TCP'): string =>
  sipRequest({
    method: 'REGISTER',
    uri: `sip:${DOMAIN}`,
    from: `<sip:alice@${DOMAIN}>;tag=${token()}`,
    to: `<sip:alice@${DOMAIN}>`,
    port,
    transport,
    contact: `<sip:alice@127.0.0.1:${port}>`,
    headers: [['Expires', '3600']],
  });

/**
 * Where Herald's role or a stream's framing changes the manifest's answer.
 * The manifest describes a UAS receiving datagrams; Herald proxies INVITEs
 * (a proxy does not judge bodies or Accept) and refuses to relay for a
 * domain it does not serve, and on TCP the Content-Length frames the message.
 */
const EXCEPTIONS: Record<string, { udp?: Outcome; tcp?: Outcome; why: string }> = {
  'invut.dat': {
    udp: { kind: 'answered', status: 403 },
    tcp: { kind: 'answered', status: 403 },
    why: 'an INVITE for example.com, not our domain: 403 Relaying Forbidden before any body check (415 is the UAS)',
  },
  'sdp01.dat': {
    udp: { kind: 'answered', status: 403 },
    tcp: { kind: 'answered', status: 403 },
    why: 'an INVITE for example.com, not our domain: 403 Relaying Forbidden (406 is the UAS)',
  },
  'clerr.dat': {
    tcp: { kind: 'silent' },
    why: 'on a stream a Content-Length beyond the bytes sent is an incomplete message: the server waits for the rest',
  },
  'inv2543.dat': {
    tcp: { kind: 'answered', status: 400 },
    why: 'no Content-Length, which a stream requires (RFC 3261 §20.14): 400',
  },
};

/** What the element did with one message on one transport. */
type Outcome = { kind: 'answered'; status: number } | { kind: 'silent' };

function describe(o: Outcome): string {
  return o.kind === 'answered' ? `answered ${o.status}` : 'no answer';
}

/** Checks one outcome against the manifest (or {@link EXCEPTIONS}); returns a failure text or undefined. */
function judge(entry: Entry, response: boolean, outcome: Outcome, transport: 'udp' | 'tcp'): string | undefined {
  const exception = EXCEPTIONS[entry.file]?.[transport];
  if (exception) {
    return describe(exception) === describe(outcome)
      ? undefined
      : `expected ${describe(exception)} (${EXCEPTIONS[entry.file]?.why ?? ''}), got ${describe(outcome)}`;
  }
  if (response) return outcome.kind === 'silent' ? undefined : `a response was answered with ${outcome.status}`;
  switch (entry.expect) {
    case 'reject':
    case 'parse-then-respond':
      return outcome.kind === 'answered' && outcome.status === entry.response
        ? undefined
        : `expected ${entry.response}, got ${outcome.kind === 'answered' ? outcome.status : 'no answer'}`;
    case 'reject-or-tolerate':
      return outcome.kind === 'answered' && outcome.status >= 200 ? undefined : 'no final answer';
    case 'parse':
      return outcome.kind === 'answered' && outcome.status >= 200 && outcome.status !== 400 && outcome.status !== 505
        ? undefined
        : `expected a final non-parse-error answer, got ${outcome.kind === 'answered' ? outcome.status : 'no answer'}`;
  }
}

const finalFor =
  (callId: string | undefined) =>
  (r: LooseResponse): boolean =>
    r.status >= 200 && r.callId === callId;

const outcomeOf = (r: LooseResponse | undefined): Outcome =>
  r ? { kind: 'answered', status: r.status } : { kind: 'silent' };

t.test('RFC 4475 over UDP: each message answered per the manifest, REGISTER still 200 after each', async (t) => {
  const { udpPort, clock } = await startServer(t, testConfig({ auth: false }));
  const peer = await RawUdp.open(t, udpPort);
  for (const entry of manifest) {
    const raw = load(entry.file);
    const response = isResponse(raw);
    const callId = rawCallId(raw);
    const from = peer.responses.length;
    peer.send(aimViaAt(raw, 'UDP', peer.port));
    // A response is dropped; the probe, handled after the datagram before it, bounds the wait for a wrong answer.
    const answer = response ? undefined : await peer.nextResponse(finalFor(callId), from).catch(() => undefined);
    t.equal((await peer.request(probe(peer.port, 'UDP'))).status, 200, `${entry.file}: REGISTER 200 after it`);
    const outcome = outcomeOf(answer ?? peer.responses.slice(from).find((r) => r.callId === callId));
    const failure = judge(entry, response, outcome, 'udp');
    t.notOk(failure, `${entry.file} (§${entry.section} ${entry.title}) over UDP: ${failure ?? describe(outcome)}`);
    clock.advance(TRANSACTIONS_GONE);
  }
});

t.test('RFC 4475 over TCP: one connection per message, REGISTER still 200 after each', async (t) => {
  const { server, clock } = await startServer(t, testConfig({ auth: false }));
  const tcp = server.ports.find((p) => p.transport === 'tcp');
  if (!tcp) throw new Error('no tcp');
  const register = async (): Promise<number | undefined> => {
    const { responses } = await tcpExchange(tcp.port, Buffer.from(probe(5060, 'TCP')), (rs) =>
      rs.some((r) => r.status >= 200),
    );
    return responses.find((r) => r.status >= 200)?.status;
  };
  for (const entry of manifest) {
    const raw = load(entry.file);
    const response = isResponse(raw);
    const callId = rawCallId(raw);
    let outcome: Outcome;
    if (response) {
      // A probe on the same connection: the stream is handled in order, so its 200 bounds the wait.
      const probeText = probe(5060, 'TCP');
      const probeCallId = rawCallId(Buffer.from(probeText));
      const { responses, closedByServer } = await tcpExchange(
        tcp.port,
        Buffer.concat([aimViaAt(raw, 'TCP'), Buffer.from(probeText)]),
        (rs) => rs.some(finalFor(probeCallId)),
      );
      t.ok(
        responses.some(finalFor(probeCallId)) || closedByServer,
        `${entry.file}: REGISTER answered on the same connection, or the connection closed (${closedByServer})`,
      );
      outcome = outcomeOf(responses.find((r) => r.callId === callId));
    } else {
      // An expected silence is bounded by a short wait (an answer would come at once).
      const silent = EXCEPTIONS[entry.file]?.tcp?.kind === 'silent';
      const { responses } = await tcpExchange(
        tcp.port,
        aimViaAt(raw, 'TCP'),
        (rs) => rs.some(finalFor(callId)),
        silent ? 500 : undefined,
      );
      outcome = outcomeOf(responses.find(finalFor(callId)));
    }
    t.equal(await register(), 200, `${entry.file}: REGISTER 200 on a new connection after it`);
    const failure = judge(entry, response, outcome, 'tcp');
    t.notOk(failure, `${entry.file} (§${entry.section} ${entry.title}) over TCP: ${failure ?? describe(outcome)}`);
    clock.advance(TRANSACTIONS_GONE);
  }
});

t.test('clerr.dat over TCP: the rest of the declared body completes the message, which is then answered', async (t) => {
  const { server } = await startServer(t, testConfig({ auth: false }));
  const tcp = server.ports.find((p) => p.transport === 'tcp');
  if (!tcp) throw new Error('no tcp');
  const raw = aimViaAt(load('clerr.dat'), 'TCP');
  const headEnd = raw.indexOf('\r\n\r\n') + 4;
  const declared = Number(/Content-Length: *(\d+)/i.exec(raw.toString('latin1'))?.[1]);
  const missing = declared - (raw.length - headEnd);
  t.ok(missing > 0, `${missing} body bytes missing`);
  const callId = rawCallId(raw);
  const { responses } = await tcpExchange(tcp.port, Buffer.concat([raw, Buffer.alloc(missing, 0x61)]), (rs) =>
    rs.some(finalFor(callId)),
  );
  const answer = responses.find(finalFor(callId));
  t.ok(answer, `answered once complete (${answer?.status})`);
});
