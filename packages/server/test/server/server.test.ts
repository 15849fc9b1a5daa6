import t from 'tap';
import { createRequest, serializeMessage } from '@herald/sip';
import { createSocket } from 'node:dgram';
import { Client, DOMAIN, nextNotify, pidf, startServer, testConfig } from './helpers.js';

t.test('start on port 0: one log line per socket, OPTIONS 200, stop', async (t) => {
  const { server, udpPort, lines } = await startServer(t);
  const ports = server.ports;
  t.equal(ports.length, 2);
  for (const p of ports) t.ok(p.port > 0, `${p.transport} bound to a port`);
  const listening = lines.filter((l) => l.msg === 'listening');
  t.same(
    listening.map((l) => l.detail?.['sip']),
    ports.map((p) => `${p.transport}:127.0.0.1:${p.port}`),
  );
  t.ok(lines.some((l) => l.msg === 'ready'));
  const client = await Client.start(t, udpPort, 'alice');
  const res = await client.send(
    client.endpoint.createRequest({ method: 'OPTIONS', uri: `sip:${DOMAIN}`, from: `<${client.aor}>` }),
    false,
  );
  t.equal(res.status, 200);
});

t.test('REGISTER with digest auth makes the presentity open; unregister closes it', async (t) => {
  const { server, udpPort } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const registrations: string[] = [];
  server.events.on('registration', (e) => registrations.push(`${e.type} ${e.aor} ${e.remaining}`));

  t.equal((await alice.register(600, false)).status, 401, 'no credentials: challenged');
  t.equal((await alice.register(600, 'wrong')).status, 401, 'wrong password: refused');
  const sub = bob.subscribe(alice.aor, 'presence');
  const first = await nextNotify(sub);
  t.match(first.body.toString(), /<basic>closed<\/basic>/, 'not registered: closed');
  t.equal(first.contentType, 'application/pidf+xml');

  const open = nextNotify(sub, (b) => b.includes('<basic>open</basic>'));
  t.equal((await alice.register(600)).status, 200, 'registered');
  t.match((await open).body.toString(), /entity="sip:alice@example.test"/);

  const closed = nextNotify(sub, (b) => b.includes('<basic>closed</basic>'));
  t.equal((await alice.register(0)).status, 200, 'unregistered');
  await closed;
  t.same(registrations, ['registered sip:alice@example.test 1', 'unregistered sip:alice@example.test 0']);
});

t.test('registration expiry turns presence to closed', async (t) => {
  const { udpPort, clock } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  t.equal((await alice.register(60)).status, 200);
  const sub = bob.subscribe(alice.aor, 'presence');
  await nextNotify(sub, (b) => b.includes('<basic>open</basic>'));
  const closed = nextNotify(sub, (b) => b.includes('<basic>closed</basic>'));
  clock.advance(61_000);
  // The expiry is processed asynchronously (store write), then the NOTIFY is paced on the same manual clock.
  let done = false;
  void closed.then(() => (done = true));
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 10));
    clock.advance(10);
  }
  t.match((await closed).body.toString(), /<basic>closed<\/basic>/, 'expired binding: closed');
});

t.test('PUBLISH changes what a watcher receives; only the presentity may publish', async (t) => {
  const { server, udpPort } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const statuses: string[] = [];
  server.events.on('presence.status.in', (e) => statuses.push(`${e.source} ${e.resource} ${e.state?.status}`));
  const subscribed: string[] = [];
  server.events.on('presence.subscribe.in', (e) => subscribed.push(`${e.event} ${e.resource} ${e.watcher}`));
  const sub = bob.subscribe(alice.aor, 'presence');
  await nextNotify(sub);
  t.same(subscribed, ['presence sip:alice@example.test sip:bob@example.test']);

  const busy = nextNotify(sub, (b) => b.includes('<rpid:busy/>'));
  const extra = '<dm:person id="p1"><rpid:activities><rpid:busy/></rpid:activities></dm:person>';
  const res = await alice.publish(pidf(alice.aor, 'open', extra));
  t.equal(res.status, 200);
  t.ok(res.headers.get('SIP-ETag'), 'SIP-ETag');
  t.match((await busy).body.toString(), /<basic>open<\/basic>/);
  t.ok(statuses.includes('publish sip:alice@example.test open'), 'presence.status.in from the PUBLISH');

  t.equal((await alice.publish(pidf(alice.aor, 'open'), 600, false)).status, 401, 'PUBLISH without credentials: 401');
  t.equal(
    (await bob.publish(pidf(alice.aor, 'open'), 600, undefined, alice.aor)).status,
    403,
    'bob publishing for alice: 403',
  );
});

t.test('SUBSCRIBE checks: challenge, foreign domain, unknown user', async (t) => {
  const { udpPort } = await startServer(t);
  const bob = await Client.start(t, udpPort, 'bob');
  const subscribe = (uri: string, password?: string | false) =>
    bob.send(
      bob.endpoint.createRequest({
        method: 'SUBSCRIBE',
        uri,
        from: `<${bob.aor}>`,
        contact: `<${bob.contact}>`,
        headers: [
          ['Event', 'presence'],
          ['Expires', '0'],
        ],
      }),
      password,
    );
  t.equal((await subscribe(`sip:alice@${DOMAIN}`, false)).status, 401, 'no credentials: 401');
  t.equal((await subscribe(`sip:alice@${DOMAIN}`, 'nope')).status, 401, 'wrong password: 401');
  t.equal((await subscribe('sip:alice@elsewhere.test')).status, 403, 'other domain: 403');
  t.equal((await subscribe(`sip:nobody@${DOMAIN}`)).status, 404, 'unknown user: 404');
  t.equal((await subscribe(`sip:alice@127.0.0.1`)).status, 200, 'our address counts as our domain');
});

t.test('dialog, message-summary and presence.winfo subscriptions get their initial bodies', async (t) => {
  const { server, udpPort } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  const voicemail: string[] = [];
  server.events.on('presence.voicemail.in', (e) => voicemail.push(`${e.resource} ${e.watcher}`));

  const dialog = await nextNotify(bob.subscribe(alice.aor, 'dialog'));
  t.equal(dialog.contentType, 'application/dialog-info+xml');
  t.match(dialog.body.toString(), /<dialog-info[^>]*state="full"/);

  const mwiSub = alice.subscribe(alice.aor, 'message-summary');
  const mwi = await nextNotify(mwiSub);
  t.equal(mwi.contentType, 'application/simple-message-summary');
  t.match(mwi.body.toString(), /Messages-Waiting: no/);
  t.same(voicemail, ['sip:alice@example.test sip:alice@example.test']);
  const lamp = nextNotify(mwiSub, (b) => b.includes('Messages-Waiting: yes'));
  server.setMailbox('alice', { newMessages: 2, oldMessages: 1 });
  t.match((await lamp).body.toString(), /Voice-Message: 2\/1/);

  const winfo = await nextNotify(alice.subscribe(alice.aor, 'presence.winfo'));
  t.equal(winfo.contentType, 'application/watcherinfo+xml');
  t.match(winfo.body.toString(), /<watcherinfo/);

  const foreign = bob.subscribe(alice.aor, 'presence.winfo');
  const end = await foreign.whenTerminated();
  t.equal(end.status, 403, "bob may not watch alice's watchers");
});

t.test('API status (presence.status.out) and dialog (presence.dialog.out) reach watchers', async (t) => {
  const { server, udpPort } = await startServer(t);
  const bob = await Client.start(t, udpPort, 'bob');
  const sub = bob.subscribe(`sip:alice@${DOMAIN}`, 'presence');
  await nextNotify(sub);
  const dnd = nextNotify(sub, (b) => b.includes('<rpid:busy/>'));
  server.setStatus('alice@example.test', { status: 'open', dnd: true, note: 'Do not disturb' });
  t.match((await dnd).body.toString(), /<basic>open<\/basic>/);
  t.throws(() => server.setStatus('sip:', undefined), RangeError);

  // presence.dialog.out: the app pushes a call leg; a BLF watcher sees it.
  const blf = bob.subscribe(`sip:alice@${DOMAIN}`, 'dialog');
  await nextNotify(blf);
  const confirmed = nextNotify(blf, (b) => b.includes('>confirmed<'));
  server.pushDialog('alice', {
    callId: 'app-call-1',
    direction: 'recipient',
    state: 'confirmed',
    localTag: 'a1',
    remoteTag: 'b1',
  });
  t.match((await confirmed).body.toString(), /call-id="app-call-1"/);
});

t.test('garbage on the SIP port: answered or dropped, the server keeps serving', async (t) => {
  const { udpPort } = await startServer(t);
  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const replies: string[] = [];
  socket.on('message', (m) => replies.push(m.toString()));
  const send = (data: Buffer | string) =>
    new Promise<void>((resolve) => socket.send(data, udpPort, '127.0.0.1', () => resolve()));
  await send(Buffer.from([0, 1, 2, 3, 255, 254]));
  await send(
    'INVITE sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nCSeq: nope\r\n\r\n',
  );
  const options = createRequest({
    method: 'OPTIONS',
    uri: `sip:${DOMAIN}`,
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=z9hG4bKgarbage1;rport`],
      ['From', `<sip:x@${DOMAIN}>;tag=1`],
      ['To', `<sip:${DOMAIN}>`],
      ['Call-ID', 'garbage-test'],
      ['CSeq', '1 OPTIONS'],
      ['Max-Forwards', '70'],
    ],
  });
  await send(serializeMessage(options));
  for (let i = 0; i < 100 && !replies.some((r) => r.startsWith('SIP/2.0 200')); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(
    replies.some((r) => r.startsWith('SIP/2.0 200')),
    'OPTIONS after garbage answered 200',
  );
  t.notOk(
    replies.some((r) => r.startsWith('SIP/2.0 5')),
    'no server error',
  );
});

t.test('auth: false accepts any user of the domain, and says so loudly', async (t) => {
  const { udpPort, lines } = await startServer(t, testConfig({ auth: false, users: {} }));
  t.ok(lines.some((l) => l.level === 'warn' && /AUTHENTICATION IS OFF/.test(l.msg)));
  const zed = await Client.start(t, udpPort, 'zed');
  t.equal((await zed.register(600, false)).status, 200);
  const res = await zed.publish(pidf(zed.aor, 'open'), 600, false);
  t.equal(res.status, 200);
  // No proven identities, so no winfo owner rule (the bench's subscribe-winfo uses other watchers).
  const winfo = await nextNotify(zed.subscribe(`sip:someone@${DOMAIN}`, 'presence.winfo'));
  t.equal(winfo.contentType, 'application/watcherinfo+xml');
});

t.test('a SUBSCRIBE naming us in Route (outbound proxy) is served, not proxied', async (t) => {
  const { udpPort } = await startServer(t);
  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  t.equal((await alice.register(600)).status, 200);
  const sub = bob.subscribe(alice.aor, 'presence', undefined, [`<sip:127.0.0.1:${udpPort};lr>`]);
  const first = await nextNotify(sub);
  t.match(first.body.toString(), /<basic>open<\/basic>/, "the server answered with alice's presence");
});
