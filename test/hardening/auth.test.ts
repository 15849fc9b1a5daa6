// Authentication on the wire (issue 6 "Authentication everywhere"): REGISTER,
// SUBSCRIBE, PUBLISH (401/WWW-Authenticate) and INVITE (407/Proxy-Authenticate)
// from users of our domain, sent as raw bytes to a real Server on 127.0.0.1:
// no credentials, a wrong password, the right one, credentials of another
// user, a replayed Authorization (same nonce and nc) and an expired nonce.
import t from 'tap';
import { DOMAIN, USERS, pidf, startServer } from '../../packages/server/test/server/helpers.js';
import { RawUdp, digestCredentials, isStale, nonceOf, sipRequest, token } from './wire.js';

type User = keyof typeof USERS;

interface Case {
  readonly method: 'REGISTER' | 'SUBSCRIBE' | 'PUBLISH' | 'INVITE' | 'MESSAGE';
  /** Request-URI (also the digest `uri`). */
  readonly uri: string;
  /** Status of an accepted request. */
  readonly accepted: number;
  readonly headers: Array<[string, string]>;
  readonly body?: string;
  /** Whether the challenge is a proxy's (407, RFC 3261 §22.3). */
  readonly proxy: boolean;
}

const alice = `sip:alice@${DOMAIN}`;
const CASES: Case[] = [
  { method: 'REGISTER', uri: `sip:${DOMAIN}`, accepted: 200, headers: [['Expires', '600']], proxy: false },
  {
    method: 'SUBSCRIBE',
    uri: alice,
    accepted: 200,
    headers: [
      ['Event', 'presence'],
      ['Expires', '600'],
    ],
    proxy: false,
  },
  {
    method: 'PUBLISH',
    uri: alice,
    accepted: 200,
    headers: [
      ['Event', 'presence'],
      ['Expires', '600'],
      ['Content-Type', 'application/pidf+xml'],
    ],
    body: pidf(alice, 'open'),
    proxy: false,
  },
  // alice calls bob, who is not registered: 480 once past authentication and routing.
  { method: 'INVITE', uri: `sip:bob@${DOMAIN}`, accepted: 480, headers: [], proxy: true },
  // MESSAGE (RFC 3428) is proxied and authenticated like INVITE.
  {
    method: 'MESSAGE',
    uri: `sip:bob@${DOMAIN}`,
    accepted: 480,
    headers: [['Content-Type', 'text/plain']],
    body: 'hello',
    proxy: true,
  },
];

/** The user the request is from: a REGISTER or PUBLISH is alice's own, the SUBSCRIBE and INVITE alice's too. */
const FROM: User = 'alice';

for (const c of CASES) {
  t.test(`${c.method}: challenge, wrong password, right password, other user, replay, stale nonce`, async (t) => {
    const { clock, udpPort } = await startServer(t);
    const peer = await RawUdp.open(t, udpPort);
    const header = c.proxy ? 'Proxy-Authorization' : 'Authorization';
    const challenge = c.proxy ? 407 : 401;
    let cseq = 1;
    const send = (auth?: string, callId = token()) =>
      peer.request(
        sipRequest({
          method: c.method,
          uri: c.uri,
          from: `<sip:${FROM}@${DOMAIN}>;tag=${token()}`,
          // REGISTER: To is the AoR being registered (RFC 3261 §10.2).
          to: c.method === 'REGISTER' ? `<sip:${FROM}@${DOMAIN}>` : `<${c.uri}>`,
          callId,
          cseq: cseq++,
          port: peer.port,
          contact: `<sip:${FROM}@127.0.0.1:${peer.port}>`,
          headers: auth ? [...c.headers, [header, auth]] : c.headers,
          body: c.body,
        }),
      );
    const creds = (nonce: string, user: User = FROM, nc = 1, password: string = USERS[user]) =>
      digestCredentials({ user, password, realm: DOMAIN, nonce, method: c.method, uri: c.uri, nc });

    const first = await send();
    t.equal(first.status, challenge, 'no credentials: challenged');
    t.match(
      first.headers.get(c.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'),
      /^Digest .*realm="example\.test".*nonce="/,
      'the challenge names our realm and a nonce',
    );
    t.notOk(isStale(first), 'a first challenge is not stale');
    const nonce = nonceOf(first);

    // RFC 3261 §22.4 / RFC 7616: a wrong password gets a fresh challenge (another user may still succeed).
    const wrong = await send(creds(nonce, FROM, 1, 'not-the-password'));
    t.equal(wrong.status, challenge, 'wrong password: challenged again');
    t.notOk(isStale(wrong), 'wrong password: not stale (the user must be asked)');

    const right = creds(nonce, FROM, 2);
    t.equal((await send(right)).status, c.accepted, 'right password: accepted');

    // §22: bob's valid credentials on a request From alice are refused outright.
    t.equal((await send(creds(nonce, 'bob', 3))).status, 403, 'From alice with bob credentials: 403');

    // The exact same Authorization (same nonce, same nc) on a new transaction is a replay.
    const replay = await send(right);
    t.equal(replay.status, challenge, 'replayed nonce count: refused');
    t.ok(isStale(replay), 'replay: stale=true so an honest client retries with a new nonce');
    t.equal((await send(creds(nonce, FROM, 4))).status, c.accepted, 'next nonce count on the same nonce: accepted');

    clock.advance(301_000); // past the 300 s nonce lifetime
    const stale = await send(creds(nonce, FROM, 5));
    t.equal(stale.status, challenge, 'expired nonce: challenged');
    t.ok(isStale(stale), 'expired nonce with good credentials: stale=true');
    t.not(nonceOf(stale), nonce, 'with a fresh nonce');
    t.equal((await send(creds(nonceOf(stale), FROM, 1))).status, c.accepted, 'the fresh nonce works');
  });
}

t.test('REGISTER for another AoR with own credentials: 403 (RFC 3261 §10.3 step 4)', async (t) => {
  const { udpPort } = await startServer(t);
  const peer = await RawUdp.open(t, udpPort);
  const uri = `sip:${DOMAIN}`;
  const reg = (auth?: string) =>
    peer.request(
      sipRequest({
        method: 'REGISTER',
        uri,
        from: `<sip:bob@${DOMAIN}>;tag=${token()}`,
        to: `<${alice}>`,
        port: peer.port,
        contact: `<sip:bob@127.0.0.1:${peer.port}>`,
        headers: auth ? [['Authorization', auth]] : [],
      }),
    );
  const nonce = nonceOf(await reg());
  const bobCreds = digestCredentials({
    user: 'bob',
    password: USERS.bob,
    realm: DOMAIN,
    nonce,
    method: 'REGISTER',
    uri,
  });
  t.equal((await reg(bobCreds)).status, 403, 'bob may not register alice');
});

t.test('credentials for a user that does not exist look like a wrong password (no enumeration)', async (t) => {
  const { udpPort } = await startServer(t);
  const peer = await RawUdp.open(t, udpPort);
  const uri = `sip:${DOMAIN}`;
  const reg = (auth?: string) =>
    peer.request(
      sipRequest({
        method: 'REGISTER',
        uri,
        from: `<sip:mallory@${DOMAIN}>;tag=${token()}`,
        to: `<sip:mallory@${DOMAIN}>`,
        port: peer.port,
        contact: `<sip:mallory@127.0.0.1:${peer.port}>`,
        headers: auth ? [['Authorization', auth]] : [],
      }),
    );
  const nonce = nonceOf(await reg());
  const res = await reg(
    digestCredentials({ user: 'mallory', password: 'x', realm: DOMAIN, nonce, method: 'REGISTER', uri }),
  );
  t.equal(res.status, 401);
  t.notOk(isStale(res));
});

t.test('a forged nonce is not ours: a fresh challenge, not stale', async (t) => {
  const { udpPort } = await startServer(t);
  const peer = await RawUdp.open(t, udpPort);
  const uri = `sip:${DOMAIN}`;
  const forged = digestCredentials({
    user: 'alice',
    password: USERS.alice,
    realm: DOMAIN,
    nonce: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    method: 'REGISTER',
    uri,
  });
  const res = await peer.request(
    sipRequest({
      method: 'REGISTER',
      uri,
      from: `<${alice}>;tag=${token()}`,
      to: `<${alice}>`,
      port: peer.port,
      contact: `<sip:alice@127.0.0.1:${peer.port}>`,
      headers: [['Authorization', forged]],
    }),
  );
  t.equal(res.status, 401);
  t.notOk(isStale(res));
});

t.test('in-dialog SUBSCRIBE refresh: passes without credentials; credentials it carries must hold', async (t) => {
  const { udpPort } = await startServer(t);
  const peer = await RawUdp.open(t, udpPort);
  const callId = token();
  const fromTag = token();
  let cseq = 1;
  const subscribe = (uri: string, toTag: string | undefined, auth?: string) =>
    peer.request(
      sipRequest({
        method: 'SUBSCRIBE',
        uri,
        from: `<sip:bob@${DOMAIN}>;tag=${fromTag}`,
        to: `<${alice}>${toTag ? `;tag=${toTag}` : ''}`,
        callId,
        cseq: cseq++,
        port: peer.port,
        contact: `<sip:bob@127.0.0.1:${peer.port}>`,
        headers: [
          ['Event', 'presence'],
          ['Expires', '600'],
          ...(auth ? [['Authorization', auth] as [string, string]] : []),
        ],
      }),
    );
  const creds = (uri: string, nonce: string, user: User, nc: number, password: string = USERS[user]) =>
    digestCredentials({ user, password, realm: DOMAIN, nonce, method: 'SUBSCRIBE', uri, nc });

  const nonce = nonceOf(await subscribe(alice, undefined));
  const ok = await subscribe(alice, undefined, creds(alice, nonce, 'bob', 1));
  t.equal(ok.status, 200, 'the initial SUBSCRIBE is authenticated');
  const toTag = ok.to?.params.get('tag') ?? undefined;
  t.ok(toTag, 'dialog created');
  const target = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1] ?? alice;

  // Phones and sipp refresh without credentials: from the same source and Contact that is accepted (event-auth.ts).
  t.equal(
    (await subscribe(target, toTag)).status,
    200,
    'refresh without credentials from the same source and Contact: accepted',
  );
  const wrong = await subscribe(target, toTag, creds(target, nonce, 'bob', 2, 'wrong'));
  t.equal(wrong.status, 401, 'refresh with a wrong password: challenged');
  t.equal(
    (await subscribe(target, toTag, creds(target, nonce, 'alice', 3))).status,
    403,
    "alice's credentials on bob's dialog: 403",
  );
  const good = creds(target, nonce, 'bob', 4);
  t.equal((await subscribe(target, toTag, good)).status, 200, 'refresh with valid credentials: accepted');
  const replay = await subscribe(target, toTag, good);
  t.equal(replay.status, 401, 'the same Authorization replayed: refused');
  t.ok(isStale(replay), 'stale=true');
  t.equal((await subscribe(target, 'not-a-dialog')).status, 481, 'a dialog we do not have: 481');
});

t.test('INVITE with a made-up To tag is no way around proxy authentication', async (t) => {
  const { udpPort } = await startServer(t);
  const caller = await RawUdp.open(t, udpPort);
  const callee = await RawUdp.open(t, udpPort);
  const bob = `sip:bob@${DOMAIN}`;
  // bob registers (so a forwarded INVITE would reach his socket).
  const reg = (auth?: string) =>
    callee.request(
      sipRequest({
        method: 'REGISTER',
        uri: `sip:${DOMAIN}`,
        from: `<${bob}>;tag=${token()}`,
        to: `<${bob}>`,
        port: callee.port,
        contact: `<sip:bob@127.0.0.1:${callee.port}>`,
        headers: [['Expires', '600'], ...(auth ? [['Authorization', auth] as [string, string]] : [])],
      }),
    );
  const nonce = nonceOf(await reg());
  const regAuth = digestCredentials({
    user: 'bob',
    password: USERS.bob,
    realm: DOMAIN,
    nonce,
    method: 'REGISTER',
    uri: `sip:${DOMAIN}`,
  });
  t.equal((await reg(regAuth)).status, 200, 'bob registered');

  for (const from of [alice, `sip:alice@EXAMPLE.TEST`, `sip:alice@127.0.0.1`]) {
    const res = await caller.request(
      sipRequest({
        method: 'INVITE',
        uri: bob,
        from: `<${from}>;tag=${token()}`,
        to: `<${bob}>;tag=made-up`,
        port: caller.port,
        contact: `<sip:alice@127.0.0.1:${caller.port}>`,
      }),
    );
    t.equal(res.status, 407, `From ${from}, To tag, no credentials: 407`);
  }
  t.notOk(
    callee.received.some((m) => m.kind === 'request' && m.method === 'INVITE'),
    'no unauthenticated INVITE reached bob',
  );
});

t.test('an unauthenticated refresh from another address or with another Contact is challenged', async (t) => {
  const { udpPort } = await startServer(t);
  const phone = await RawUdp.open(t, udpPort);
  const intruder = await RawUdp.open(t, udpPort);
  const callId = token();
  const fromTag = token();
  let cseq = 1;
  const subscribe = (peer: RawUdp, uri: string, toTag: string | undefined, contactPort: number, auth?: string) =>
    peer.request(
      sipRequest({
        method: 'SUBSCRIBE',
        uri,
        from: `<sip:bob@${DOMAIN}>;tag=${fromTag}`,
        to: `<${alice}>${toTag ? `;tag=${toTag}` : ''}`,
        callId,
        cseq: cseq++,
        port: peer.port,
        contact: `<sip:bob@127.0.0.1:${contactPort}>`,
        headers: [
          ['Event', 'presence'],
          ['Expires', '600'],
          ...(auth ? [['Authorization', auth] as [string, string]] : []),
        ],
      }),
    );
  const creds = (uri: string, nonce: string, nc: number) =>
    digestCredentials({ user: 'bob', password: USERS.bob, realm: DOMAIN, nonce, method: 'SUBSCRIBE', uri, nc });
  const nonce = nonceOf(await subscribe(phone, alice, undefined, phone.port));
  const ok = await subscribe(phone, alice, undefined, phone.port, creds(alice, nonce, 1));
  t.equal(ok.status, 200);
  const toTag = ok.to?.params.get('tag') ?? undefined;
  const target = /<([^>]+)>/.exec(ok.headers.get('Contact') ?? '')?.[1] ?? alice;

  t.equal((await subscribe(phone, target, toTag, phone.port)).status, 200, 'same phone, same Contact: no challenge');
  const moved = await subscribe(phone, target, toTag, intruder.port);
  t.equal(moved.status, 401, 'same address, another Contact (NOTIFYs would move): challenged');
  t.notOk(isStale(moved));
  t.equal((await subscribe(intruder, target, toTag, phone.port)).status, 401, 'another address: challenged');
  const before = intruder.received.filter((m) => m.kind === 'request').length;
  t.equal((await subscribe(phone, target, toTag, phone.port)).status, 200, 'the phone still refreshes freely');
  t.equal(intruder.received.filter((m) => m.kind === 'request').length, before, 'the intruder received no NOTIFY');
  // A phone that really moved authenticates once, and is then at home at its new address.
  t.equal((await subscribe(intruder, target, toTag, intruder.port, creds(target, nonce, 2))).status, 200);
  t.equal(
    (await subscribe(intruder, target, toTag, intruder.port)).status,
    200,
    'moved with credentials: no challenge',
  );
});
