// The body and path checks as tables: value in, value or {error, field} out.
import t from 'tap';
import { checkMailbox, checkPublish, checkStatus, checkSubscribe, resolveResource } from '../../src/http/validate.js';

t.test('resolveResource: user names and SIP URIs', async (t) => {
  const good: Array<[string, string]> = [
    ['alice', 'sip:alice@example.test'],
    ['alice.smith-2', 'sip:alice.smith-2@example.test'],
    ['+4930123', 'sip:+4930123@example.test'],
    ['sip:alice@EXAMPLE.test', 'sip:alice@example.test'],
    ['SIP:bob@other.test:5070;transport=tcp', 'sip:bob@other.test'],
    ['sips:carol@secure.test', 'sip:carol@secure.test'],
    ['sip:%61lice@example.test', 'sip:alice@example.test'],
  ];
  for (const [input, key] of good) t.same(resolveResource(input, 'Example.TEST'), { ok: true, value: key }, input);
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['al ice', /user name/],
    ['alice@example.test', /user name/],
    ['a/b', /user name/],
    ['sip:', /SIP URI/],
    ['sip:@', /SIP URI/],
    ['http:alice', /user name/],
  ];
  for (const [input, error] of bad)
    t.match(resolveResource(input, 'example.test'), { ok: false, field: 'user', error }, input);
  t.match(resolveResource('a b', 'd', 'resource'), { ok: false, field: 'resource' });
});

t.test('checkStatus keeps only given fields', async (t) => {
  t.same(checkStatus({}), { ok: true, value: {} });
  t.same(checkStatus({ status: 'open', note: '', dnd: false }), {
    ok: true,
    value: { status: 'open', note: '', dnd: false },
  });
  t.match(checkStatus({ note: 'x'.repeat(1025) }), { ok: false, field: 'note', error: /1024/ });
  t.match(checkStatus(null), { ok: false, field: '$' });
  t.match(
    checkStatus({ status: 'open', dnd: 1, note: 2 }),
    { ok: false, field: 'note' },
    'one field is named, in schema order (status, note, dnd, onThePhone)',
  );
});

t.test('checkMailbox bounds', async (t) => {
  t.same(checkMailbox({ newMessages: 0, oldMessages: 4294967295 }), {
    ok: true,
    value: { newMessages: 0, oldMessages: 4294967295 },
  });
  t.match(checkMailbox({ newMessages: 4294967296, oldMessages: 0 }), { ok: false, field: 'newMessages' });
  t.match(checkMailbox({ newMessages: 1, oldMessages: 1, urgentNew: -3 }), { ok: false, field: 'urgentNew' });
});

t.test('checkPublish and checkSubscribe', async (t) => {
  t.same(
    checkPublish(
      {
        event: 'dialog',
        resource: 'sip:Bob@X.test',
        contentType: 'application/dialog-info+xml; charset=utf-8',
        body: '<x/>',
        expires: 30,
      },
      'd',
    ),
    {
      ok: true,
      value: {
        event: 'dialog',
        resource: 'sip:Bob@x.test',
        contentType: 'application/dialog-info+xml; charset=utf-8',
        body: '<x/>',
        expires: 30,
      },
    },
  );
  t.match(checkPublish({ event: 'x'.repeat(65), resource: 'a', contentType: 'a/b', expires: 1 }, 'd'), {
    ok: false,
    field: 'event',
  });
  t.match(checkPublish('nope', 'd'), { ok: false, field: '$' });
  t.same(
    checkSubscribe({ target: 'sips:carol@remote.test;transport=tls', event: 'presence.winfo', expires: 3600 }, 'd'),
    {
      ok: true,
      value: { target: 'sips:carol@remote.test;transport=tls', event: 'presence.winfo', expires: 3600 },
    },
  );
  t.match(checkSubscribe({ target: 5, event: 'presence', expires: 1 }, 'd'), { ok: false, field: 'target' });
  t.match(checkSubscribe({ target: 'bob', event: 'presence', expires: 2 ** 32 }, 'd'), { ok: false, field: 'expires' });
});
