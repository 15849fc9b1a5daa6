// Every route of the management API over HTTP on 127.0.0.1 port 0, against recording fakes.
import t from 'tap';
import { startWorld } from './fakes.js';

t.test('reads', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const health = await w.call('GET', '/healthz');
  t.equal(health.status, 200);
  t.match(health.headers.get('content-type'), /^application\/json/);
  t.same(await health.json(), { status: 'ok' });

  const regs = await w.call('GET', '/registrations');
  t.equal(regs.status, 200);
  t.same(await regs.json(), { registrations: w.view.regs });

  const subs = await w.call('GET', '/subscriptions');
  t.same(await subs.json(), { subscriptions: w.view.subs });

  const p = await w.call('GET', '/presentities/alice');
  t.equal(p.status, 200);
  t.same(await p.json(), { resource: 'sip:alice@example.test', state: { basic: 'open' }, document: '<presence/>' });

  const byUri = await w.call('GET', '/presentities/' + encodeURIComponent('sip:alice@EXAMPLE.test:5060;transport=tcp'));
  t.equal(
    byUri.status,
    200,
    'a full URI is normalized to the resource key (host lower-cased, port and params dropped)',
  );
  t.same(w.view.calls.at(-1), ['presentity', 'sip:alice@example.test']);

  const unknown = await w.call('GET', '/presentities/carol');
  t.equal(unknown.status, 404);
  t.match(await unknown.json(), { error: /sip:carol@example\.test/ });

  const mb = await w.call('GET', '/mailboxes/alice');
  t.same(await mb.json(), { resource: 'sip:alice@example.test', newMessages: 2, oldMessages: 1 });
  t.equal((await w.call('GET', '/mailboxes/bob')).status, 404);

  const dl = await w.call('GET', '/dialogs/alice/');
  t.equal(dl.status, 200, 'a trailing slash is accepted');
  t.same(await dl.json(), { resource: 'sip:alice@example.test', dialogs: [] });
  t.equal((await w.call('GET', '/dialogs/bob')).status, 404);

  const bad = await w.call('GET', '/presentities/al%20ice');
  t.equal(bad.status, 400);
  t.same(await bad.json(), { error: 'not a valid user name (or a sip: URI)', field: 'user' });

  const badEscape = await w.call('GET', '/presentities/%E0%A4%A');
  t.equal(badEscape.status, 400);
  t.match(await badEscape.json(), { field: 'user' });

  const badUri = await w.call('GET', '/presentities/' + encodeURIComponent('sip:'));
  t.equal(badUri.status, 400);
  t.match(await badUri.json(), { field: 'user', error: 'not a valid SIP URI' });
});

t.test('presentity status: PUT sets, DELETE clears, validation names the field', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const put = await w.call('PUT', '/presentities/alice/status', { status: 'closed', note: 'Lunch', dnd: true });
  t.equal(put.status, 200);
  t.same(await put.json(), {
    resource: 'sip:alice@example.test',
    status: { status: 'closed', note: 'Lunch', dnd: true },
  });
  t.same(w.commands.calls, [['setStatus', 'sip:alice@example.test', { status: 'closed', note: 'Lunch', dnd: true }]]);

  const otp = await w.call('PUT', '/presentities/' + encodeURIComponent('sip:bob@other.test') + '/status', {
    onThePhone: true,
  });
  t.equal(otp.status, 200);
  t.same(w.commands.calls.at(-1), ['setStatus', 'sip:bob@other.test', { onThePhone: true }]);

  const del = await w.call('DELETE', '/presentities/alice/status');
  t.equal(del.status, 200);
  t.same(await del.json(), { resource: 'sip:alice@example.test', status: null });
  t.same(w.commands.calls.at(-1), ['setStatus', 'sip:alice@example.test', undefined]);

  const cases: Array<[unknown, string]> = [
    [{ status: 'away' }, 'status'],
    [{ note: 5 }, 'note'],
    [{ note: 'bell\u0007' }, 'note'],
    [{ dnd: 'yes' }, 'dnd'],
    [{ onThePhone: 1 }, 'onThePhone'],
    [{ colour: 'red' }, 'colour'],
    [[1, 2], '$'],
    ['"open"', '$'],
  ];
  for (const [body, field] of cases) {
    const res = await w.call('PUT', '/presentities/alice/status', body);
    t.equal(res.status, 400, `${JSON.stringify(body)} is refused`);
    const answer = (await res.json()) as { error: string; field: string };
    t.equal(answer.field, field, `${JSON.stringify(body)} names ${field}`);
    t.type(answer.error, 'string');
  }
  t.equal(w.commands.calls.length, 3, 'refused bodies never reach the commands');
});

t.test('mailbox counts', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const res = await w.call('PUT', '/mailboxes/alice', { newMessages: 3, oldMessages: 7, urgentNew: 1 });
  t.equal(res.status, 200);
  t.same(await res.json(), {
    resource: 'sip:alice@example.test',
    mailbox: { newMessages: 3, oldMessages: 7, urgentNew: 1 },
  });
  t.same(w.commands.calls, [
    ['setMailbox', 'sip:alice@example.test', { newMessages: 3, oldMessages: 7, urgentNew: 1 }],
  ]);

  for (const [body, field] of [
    [{ oldMessages: 1 }, 'newMessages'],
    [{ newMessages: 1 }, 'oldMessages'],
    [{ newMessages: -1, oldMessages: 0 }, 'newMessages'],
    [{ newMessages: 1.5, oldMessages: 0 }, 'newMessages'],
    [{ newMessages: '2', oldMessages: 0 }, 'newMessages'],
    [{ newMessages: 1, oldMessages: 0, urgentOld: null }, 'urgentOld'],
  ] as const) {
    const r = await w.call('PUT', '/mailboxes/alice', body);
    t.equal(r.status, 400);
    t.match(await r.json(), { field });
  }
  t.equal(w.commands.calls.length, 1);
});

t.test('dialog push', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const update = {
    callId: 'c1',
    localTag: 'lt',
    remoteTag: 'rt',
    direction: 'recipient',
    state: 'confirmed',
    remoteIdentity: { uri: 'sip:bob@example.test', display: 'Bob' },
    localIdentity: 'sip:alice@example.test',
    hold: false,
  };
  const res = await w.call('POST', '/dialogs/alice', update);
  t.equal(res.status, 200);
  t.same(await res.json(), { resource: 'sip:alice@example.test', dialog: update });
  t.same(w.commands.calls, [['pushDialog', 'sip:alice@example.test', update]]);

  const ended = await w.call('POST', '/dialogs/alice', {
    callId: 'c1',
    direction: 'recipient',
    state: 'terminated',
    event: 'remote-bye',
    code: 200,
  });
  t.equal(ended.status, 200);

  for (const [body, field] of [
    [{ direction: 'initiator', state: 'early' }, 'callId'],
    [{ callId: 'c', state: 'early' }, 'direction'],
    [{ callId: 'c', direction: 'outbound', state: 'early' }, 'direction'],
    [{ callId: 'c', direction: 'initiator', state: 'ringing' }, 'state'],
    [{ callId: 'c', direction: 'initiator', state: 'terminated', event: 'hangup' }, 'event'],
    [{ callId: 'c', direction: 'initiator', state: 'terminated', code: 99 }, 'code'],
    [{ callId: 'c', direction: 'initiator', state: 'early', remoteIdentity: { display: 'x' } }, 'remoteIdentity.uri'],
    [
      { callId: 'c', direction: 'initiator', state: 'early', localIdentity: { uri: 'sip:a@b', x: 1 } },
      'localIdentity.x',
    ],
    [{ callId: 'c', direction: 'initiator', state: 'early', hold: 'no' }, 'hold'],
  ] as const) {
    const r = await w.call('POST', '/dialogs/alice', body);
    t.equal(r.status, 400, JSON.stringify(body));
    t.match(await r.json(), { field });
  }
  t.equal(w.commands.calls.length, 2);
});

t.test('publish', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());
  const doc = '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@example.test"/>';

  const ok = await w.call('POST', '/publish', {
    event: 'presence',
    resource: 'alice',
    contentType: 'application/pidf+xml',
    body: doc,
    expires: 3600,
  });
  t.equal(ok.status, 200);
  t.same(await ok.json(), { resource: 'sip:alice@example.test', event: 'presence', status: 200, etag: 'e1' });
  t.same(w.commands.calls, [['publish', 'presence', 'sip:alice@example.test', 'application/pidf+xml', doc, 3600]]);

  const removal = await w.call('POST', '/publish', {
    event: 'presence',
    resource: 'sip:alice@example.test',
    contentType: 'application/pidf+xml',
    expires: 0,
  });
  t.equal(removal.status, 200, 'body may be left out (a removal)');
  t.same(w.commands.calls.at(-1), ['publish', 'presence', 'sip:alice@example.test', 'application/pidf+xml', '', 0]);

  for (const [status, field] of [
    [489, 'event'],
    [415, 'contentType'],
    [400, 'body'],
    [423, 'expires'],
  ] as const) {
    w.commands.publishVerdict = { status };
    const r = await w.call('POST', '/publish', {
      event: 'x',
      resource: 'alice',
      contentType: 'a/b',
      body: '',
      expires: 1,
    });
    t.equal(r.status, 400, `SIP ${status} becomes 400`);
    t.same(await r.json(), { error: `publish refused (SIP ${status})`, field, sipStatus: status });
  }
  w.commands.publishVerdict = { status: 404 };
  const nf = await w.call('POST', '/publish', {
    event: 'x',
    resource: 'alice',
    contentType: 'a/b',
    body: '',
    expires: 1,
  });
  t.equal(nf.status, 404);

  const calls = w.commands.calls.length;
  const good = { event: 'presence', resource: 'alice', contentType: 'application/pidf+xml', body: doc, expires: 60 };
  for (const [patch, field] of [
    [{ event: undefined }, 'event'],
    [{ event: 'pres ence' }, 'event'],
    [{ resource: undefined }, 'resource'],
    [{ resource: 'a b' }, 'resource'],
    [{ contentType: 'pidf' }, 'contentType'],
    [{ body: 7 }, 'body'],
    [{ expires: -1 }, 'expires'],
    [{ expires: '60' }, 'expires'],
    [{ expires: undefined }, 'expires'],
    [{ etag: 'x' }, 'etag'],
  ] as const) {
    const r = await w.call('POST', '/publish', { ...good, ...patch });
    t.equal(r.status, 400, JSON.stringify(patch));
    t.match(await r.json(), { field });
  }
  t.equal(w.commands.calls.length, calls, 'refused bodies never reach the commands');
});

t.test('subscribe', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const r = await w.call('POST', '/subscribe', {
    target: 'sip:carol@remote.test:5070',
    event: 'presence',
    expires: 600,
  });
  t.equal(r.status, 200);
  t.same(await r.json(), { id: 'sub-1', target: 'sip:carol@remote.test:5070', event: 'presence', expires: 600 });
  t.same(
    w.commands.calls,
    [['subscribe', 'sip:carol@remote.test:5070', 'presence', 600]],
    'a URI target is kept as written',
  );

  await w.call('POST', '/subscribe', { target: 'bob', event: 'dialog', expires: 0 });
  t.same(w.commands.calls.at(-1), ['subscribe', 'sip:bob@example.test', 'dialog', 0], 'a user name is in the domain');

  for (const [body, field] of [
    [{ event: 'presence', expires: 60 }, 'target'],
    [{ target: 'sip:', event: 'presence', expires: 60 }, 'target'],
    [{ target: 'bob', expires: 60 }, 'event'],
    [{ target: 'bob', event: 'presence' }, 'expires'],
  ] as const) {
    const res = await w.call('POST', '/subscribe', body);
    t.equal(res.status, 400);
    t.match(await res.json(), { field });
  }

  w.commands.throwOnSubscribe = true;
  const boom = await w.call('POST', '/subscribe', { target: 'bob', event: 'presence', expires: 60 });
  t.equal(boom.status, 500, 'a failing command is a 500, not a crash');
  t.same(await boom.json(), { error: 'internal error' });
  t.same(w.warnings, ['http: handler failed']);
  t.equal((await w.call('GET', '/healthz')).status, 200, 'the server still answers');
});

t.test('watcher authorization', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const ok = await w.call('POST', '/watchers/w1/approve');
  t.equal(ok.status, 200);
  t.same(await ok.json(), { id: 'w1', decision: 'approve' });
  const again = await w.call('POST', '/watchers/w1/reject');
  t.equal(again.status, 404, 'no longer pending');
  t.match(await again.json(), { error: /w1/ });
  const enc = await w.call('POST', '/watchers/' + encodeURIComponent('a/b') + '/reject');
  t.equal(enc.status, 404);
  t.same(w.commands.calls, [
    ['authorizeWatcher', 'w1', 'approve'],
    ['authorizeWatcher', 'w1', 'reject'],
    ['authorizeWatcher', 'a/b', 'reject'],
  ]);
});

t.test('unknown routes 404, wrong methods 405 with Allow', async (t) => {
  const w = await startWorld();
  t.teardown(() => w.api.stop());

  const nf = await w.call('GET', '/nope');
  t.equal(nf.status, 404);
  t.match(await nf.json(), { error: /\/nope/ });
  t.equal((await w.call('GET', '/presentities/alice/status/extra')).status, 404);
  t.equal((await w.call('GET', '/')).status, 404);

  const m = await w.call('POST', '/healthz');
  t.equal(m.status, 405);
  t.equal(m.headers.get('allow'), 'GET');
  t.match(await m.json(), { error: /POST/ });

  const st = await w.call('GET', '/presentities/alice/status');
  t.equal(st.status, 405);
  t.equal(st.headers.get('allow'), 'PUT, DELETE');

  const mb = await w.call('DELETE', '/mailboxes/alice');
  t.equal(mb.status, 405);
  t.equal(mb.headers.get('allow'), 'GET, PUT');
  t.same(w.commands.calls, []);
});
