import t from 'tap';
import { Client, nextNotify, pidf, startServer, testConfig } from './helpers.js';

t.test('the management API on the running server: views, status, mailbox, publish, metrics', async (t) => {
  const { server, udpPort, lines } = await startServer(t, testConfig({ http: '127.0.0.1:0', httpToken: 'tok' }));
  const port = server.http?.port ?? 0;
  t.ok(port > 0, 'API bound');
  t.ok(
    lines.some((l) => l.msg === 'listening' && l.detail?.['transport'] === 'http'),
    'one log line for the API socket',
  );
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: 'Bearer tok', 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, json: (): unknown => JSON.parse(text) };
  };

  const alice = await Client.start(t, udpPort, 'alice');
  const bob = await Client.start(t, udpPort, 'bob');
  t.equal((await alice.register(600)).status, 200);
  const regs = (await api('GET', '/registrations')).json() as {
    registrations: Array<{ aor: string; contact: string }>;
  };
  t.same(
    regs.registrations.map((r) => [r.aor, r.contact]),
    [['sip:alice@example.test', alice.contact]],
  );

  const sub = bob.subscribe(alice.aor, 'presence');
  await nextNotify(sub, (b) => b.includes('<basic>open</basic>'));
  const subs = (await api('GET', '/subscriptions')).json() as {
    subscriptions: Array<{ event: string; watcher: string }>;
  };
  t.same(
    subs.subscriptions.map((s) => [s.event, s.watcher]),
    [['presence', 'sip:bob@example.test']],
  );

  const away = nextNotify(sub, (b) => b.includes('<rpid:busy/>'));
  t.equal((await api('PUT', '/presentities/alice/status', { dnd: true, note: 'busy' })).status, 200);
  await away;
  const p = (await api('GET', '/presentities/alice')).json() as { dnd: boolean; pidf: string };
  t.equal(p.dnd, true);
  t.match(p.pidf, /<rpid:busy\/>/);

  const mwi = alice.subscribe(alice.aor, 'message-summary');
  await nextNotify(mwi);
  const lamp = nextNotify(mwi, (b) => b.includes('Messages-Waiting: yes'));
  t.equal((await api('PUT', '/mailboxes/alice', { newMessages: 3, oldMessages: 0 })).status, 200);
  t.match((await lamp).body.toString(), /Voice-Message: 3\/0/, 'MWI counts set through the API reach the phone');

  t.equal((await api('DELETE', '/presentities/alice/status')).status, 200);
  const closed = nextNotify(sub, (b) => b.includes('<basic>closed</basic>'));
  const pub = await api('POST', '/publish', {
    event: 'presence',
    resource: 'alice',
    contentType: 'application/pidf+xml',
    body: pidf(alice.aor, 'closed'),
    expires: 600,
  });
  t.equal(pub.status, 200, pub.text);
  t.ok((pub.json() as { etag: string | null }).etag, 'ETag of the publication');
  await closed;

  const metrics = await api('GET', '/metrics');
  t.match(metrics.text, /herald_registrations 1/);
  t.match(metrics.text, /herald_subscriptions\{event="presence"\} 1/);
  t.match(metrics.text, /herald_notifies_sent_total\{event="presence"\} [1-9]/, 'NOTIFYs counted');
  t.equal(
    (await fetch(`http://127.0.0.1:${port}/presentities/alice/status`, { method: 'DELETE' })).status,
    401,
    'token required',
  );
});
