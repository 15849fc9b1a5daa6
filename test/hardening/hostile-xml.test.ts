// Hostile XML in authenticated PUBLISH bodies at a live Server (issue 6):
// billion laughs, an external entity naming /etc/passwd, 10,000-deep nesting
// and a 10 MB body are each refused with a 4xx, a normal PUBLISH right after
// still works, and no NOTIFY a watcher receives ever carries what the hostile
// bodies tried to smuggle in. Run twice: with the default limits (the
// transport and PUBLISH size limits answer first) and with the limits raised
// to their maximum, so the bodies reach the XML reader's own defences.
import t from 'tap';
import type { Test } from 'tap';
import {
  Client,
  DOMAIN,
  USERS,
  nextNotify,
  pidf,
  startServer,
  testConfig,
} from '../../packages/server/test/server/helpers.js';
import { RawUdp, digestCredentials, nonceOf, sipRequest, tcpExchange, token } from './wire.js';

const ALICE = `sip:alice@${DOMAIN}`;
const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';
const BUSY = '<dm:person id="p1"><rpid:activities><rpid:busy/></rpid:activities></dm:person>';

const billionLaughs = (): string => {
  const entities = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return (
    `<?xml version="1.0"?><!DOCTYPE presence [${entities.join('')}]>` +
    `<presence xmlns="${PIDF_NS}" entity="${ALICE}"><tuple id="t1"><status><basic>open</basic></status>` +
    `<note>&lol9;</note></tuple></presence>`
  );
};

const externalEntity = (): string =>
  `<?xml version="1.0"?><!DOCTYPE presence [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
  `<presence xmlns="${PIDF_NS}" entity="${ALICE}"><tuple id="t1"><status><basic>open</basic></status>` +
  `<note>&xxe;</note></tuple></presence>`;

const deep = (levels: number): string =>
  `<presence xmlns="${PIDF_NS}" entity="${ALICE}">${'<a>'.repeat(levels)}${'</a>'.repeat(levels)}</presence>`;

const huge = (bytes: number): string => {
  const head = `<presence xmlns="${PIDF_NS}" entity="${ALICE}"><tuple id="t1"><status><basic>open</basic></status><note>`;
  const tail = '</note></tuple></presence>';
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
};

/** Anything a hostile body tried to get into a NOTIFY. */
const smuggled = (body: string): boolean => /root:|\/bin\/|lollol|xxe|<a>/.test(body);

const REFUSED = [400, 413, 415];

async function run(t: Test, extra: Record<string, unknown>): Promise<void> {
  const { server, udpPort } = await startServer(t, testConfig(extra));
  const tcp = server.ports.find((p) => p.transport === 'tcp');
  if (!tcp) throw new Error('no tcp');
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const sub = bob.subscribe(ALICE, 'presence');
  const bodies: string[] = [];
  sub.on('notify', (n) => void bodies.push(n.body.toString()));
  await nextNotify(sub);

  // Small enough for a datagram: through Herald's own client (digest handled by it).
  for (const [name, body] of [
    ['billion laughs', billionLaughs()],
    ['external entity file:///etc/passwd', externalEntity()],
    ['1,000-deep nesting', deep(1000)],
  ] as const) {
    const res = await alice.publish(body);
    t.ok(REFUSED.includes(res.status), `${name}: refused with ${res.status} ${res.reason}`);
  }

  // dialog-info bodies go through the same XML reader (RFC 4235 PUBLISH).
  for (const [name, body] of [
    ['dialog-info with an external entity', externalEntity().replaceAll(PIDF_NS, 'urn:ietf:params:xml:ns:dialog-info')],
    ['dialog-info billion laughs', billionLaughs().replaceAll(PIDF_NS, 'urn:ietf:params:xml:ns:dialog-info')],
  ] as const) {
    const res = await alice.send(
      alice.endpoint.createRequest({
        method: 'PUBLISH',
        uri: ALICE,
        from: `<${ALICE}>`,
        to: `<${ALICE}>`,
        headers: [
          ['Event', 'dialog'],
          ['Expires', '600'],
          ['Content-Type', 'application/dialog-info+xml'],
        ],
        body,
      }),
    );
    t.ok(REFUSED.includes(res.status), `${name}: refused with ${res.status} ${res.reason}`);
  }

  // Too large for UDP: raw PUBLISHes over TCP with credentials for a nonce fetched over UDP.
  const peer = await RawUdp.open(t, udpPort);
  const publish = (body: string, auth?: string) =>
    sipRequest({
      method: 'PUBLISH',
      uri: ALICE,
      from: `<${ALICE}>;tag=${token()}`,
      port: 5060,
      transport: 'TCP',
      headers: [
        ['Event', 'presence'],
        ['Expires', '600'],
        ['Content-Type', 'application/pidf+xml'],
        ...(auth ? [['Authorization', auth] as [string, string]] : []),
      ],
      body,
    });
  const challenge = await peer.request(
    publish('').replace('SIP/2.0/TCP 127.0.0.1:5060', `SIP/2.0/UDP 127.0.0.1:${peer.port}`),
  );
  t.equal(challenge.status, 401, 'a PUBLISH without credentials is challenged');
  const nonce = nonceOf(challenge);
  let nc = 1;
  for (const [name, body] of [
    ['10,000-deep nesting', deep(10_000)],
    ['10 MB body', huge(10 * 1024 * 1024)],
  ] as const) {
    const auth = digestCredentials({
      user: 'alice',
      password: USERS.alice,
      realm: DOMAIN,
      nonce,
      method: 'PUBLISH',
      uri: ALICE,
      nc: nc++,
    });
    const { responses, closedByServer } = await tcpExchange(tcp.port, Buffer.from(publish(body, auth)), (rs) =>
      rs.some((r) => r.status >= 200),
    );
    const final = responses.find((r) => r.status >= 200);
    t.ok(
      final !== undefined && REFUSED.includes(final.status),
      `${name}: refused with ${final?.status ?? 'no answer'} (connection closed: ${closedByServer})`,
    );
  }

  const busy = nextNotify(sub, (b) => b.includes('busy'));
  t.equal((await alice.publish(pidf(ALICE, 'open', BUSY))).status, 200, 'a normal PUBLISH right after: 200');
  t.match((await busy).body.toString(), /<basic>open<\/basic>/, 'and the watcher sees it');
  t.ok(bodies.length >= 2, `${bodies.length} NOTIFYs seen`);
  t.notOk(bodies.some(smuggled), 'no NOTIFY carries anything from the hostile bodies');
}

t.test('default limits', (t) => run(t, {}));

t.test('limits raised to their maximum: the XML reader refuses on its own', (t) =>
  run(t, {
    limits: {
      maxMessageBytes: 16 * 1024 * 1024,
      tcpBufferedBytes: 16 * 1024 * 1024,
      publishBodyBytes: 16 * 1024 * 1024,
    },
  }),
);
