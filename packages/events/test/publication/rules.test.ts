import t from 'tap';
import type { EventPackage } from '../../src/package.js';
import {
  classifyPublish,
  composeState,
  defaultPublishLimits,
  newestDocument,
  parsePublishedBody,
  selectPackage,
  type PublishFacts,
} from '../../src/publication/index.js';

const pkg: EventPackage = {
  event: 'presence',
  contentTypes: ['application/pidf+xml', 'application/xpidf+xml'],
  publishContentTypes: ['application/pidf+xml'],
  defaultExpires: 3600,
  minExpires: 60,
  maxExpires: 7200,
  minNotifyInterval: 0,
  acceptsPublish: true,
  render: () => ({ body: '' }),
};

const facts = (over: Partial<PublishFacts> = {}): PublishFacts => ({
  event: 'presence',
  expires: 600,
  ifMatch: [],
  contentType: 'application/pidf+xml',
  bodyLength: 10,
  ...over,
});

t.test('classifyPublish: RFC 3903 Table 1 and §6 checks', async (t) => {
  const limits = defaultPublishLimits;
  const rows: Array<[string, Partial<PublishFacts>, unknown]> = [
    ['initial', {}, { ok: true, value: { kind: 'initial', expires: 600 } }],
    ['initial, default expiry', { expires: undefined }, { ok: true, value: { kind: 'initial', expires: 3600 } }],
    ['initial, clamped to max', { expires: 100000 }, { ok: true, value: { kind: 'initial', expires: 7200 } }],
    ['initial at exactly min', { expires: 60 }, { ok: true, value: { kind: 'initial', expires: 60 } }],
    [
      'refresh',
      { ifMatch: ['e1'], bodyLength: 0, contentType: undefined },
      { ok: true, value: { kind: 'refresh', etag: 'e1', expires: 600 } },
    ],
    ['modify', { ifMatch: ['e1'] }, { ok: true, value: { kind: 'modify', etag: 'e1', expires: 600 } }],
    ['remove', { ifMatch: ['e1'], expires: 0, bodyLength: 0 }, { ok: true, value: { kind: 'remove', etag: 'e1' } }],
    [
      'remove with a body ignores it',
      { ifMatch: ['e1'], expires: 0, contentType: 'x/y' },
      { ok: true, value: { kind: 'remove', etag: 'e1' } },
    ],
    [
      'initial without body',
      { bodyLength: 0 },
      { ok: false, status: 400, reason: 'Missing Body In Initial PUBLISH', headers: [] },
    ],
    [
      'Expires 0 without etag',
      { expires: 0 },
      { ok: false, status: 400, reason: 'Expires 0 Without SIP-If-Match', headers: [] },
    ],
    [
      'two etags',
      { ifMatch: ['a', 'b'] },
      { ok: false, status: 400, reason: 'Multiple SIP-If-Match Values', headers: [] },
    ],
    ['empty etag', { ifMatch: [' '] }, { ok: false, status: 400, reason: 'Empty SIP-If-Match', headers: [] }],
    [
      'too brief',
      { expires: 59 },
      { ok: false, status: 423, reason: 'Interval Too Brief', headers: [['Min-Expires', '60']] },
    ],
    [
      'too brief refresh',
      { expires: 1, ifMatch: ['e'], bodyLength: 0 },
      { ok: false, status: 423, reason: 'Interval Too Brief', headers: [['Min-Expires', '60']] },
    ],
    [
      'render-only type',
      { contentType: 'application/xpidf+xml' },
      { ok: false, status: 415, reason: 'Unsupported Media Type', headers: [['Accept', 'application/pidf+xml']] },
    ],
    [
      'no Content-Type',
      { contentType: undefined },
      { ok: false, status: 415, reason: 'Unsupported Media Type', headers: [['Accept', 'application/pidf+xml']] },
    ],
    [
      'body too large',
      { bodyLength: 64 * 1024 + 1 },
      { ok: false, status: 413, reason: 'Request Entity Too Large', headers: [] },
    ],
    ['body at the cap', { bodyLength: 64 * 1024 }, { ok: true, value: { kind: 'initial', expires: 600 } }],
  ];
  for (const [name, over, expected] of rows) t.same(classifyPublish(facts(over), pkg, limits), expected, name);
});

t.test('classifyPublish without a minimum accepts any non-zero expiry', async (t) => {
  const r = classifyPublish(facts({ expires: 1 }), { ...pkg, minExpires: 0 }, defaultPublishLimits);
  t.same(r, { ok: true, value: { kind: 'initial', expires: 1 } });
});

t.test('selectPackage: 489 with Allow-Events naming only publishing packages', async (t) => {
  const other: EventPackage = { ...pkg, event: 'dialog', acceptsPublish: false };
  const winfo: EventPackage = { ...pkg, event: 'message-summary' };
  const all = [pkg, other, winfo];
  t.equal(selectPackage('presence', all), pkg);
  t.same(selectPackage('dialog', all), {
    ok: false,
    status: 489,
    reason: 'Bad Event',
    headers: [['Allow-Events', 'presence, message-summary']],
  });
  t.same(selectPackage('nope', all), {
    ok: false,
    status: 489,
    reason: 'Bad Event',
    headers: [['Allow-Events', 'presence, message-summary']],
  });
  const missing = selectPackage(undefined, all);
  t.match(missing, { ok: false, status: 489 });
  t.same(
    selectPackage('dialog', [other]),
    { ok: false, status: 489, reason: 'Bad Event', headers: [] },
    'no publishing package: no Allow-Events',
  );
});

t.test('parsePublishedBody: validator verdicts, a throwing validator is a 400, none means the raw body', async (t) => {
  const body = Buffer.from('{"a":1}');
  t.same(parsePublishedBody(pkg, body, 'application/pidf+xml'), { ok: true, value: body });
  const validating: EventPackage = {
    ...pkg,
    validatePublish: (b) =>
      b.toString() === 'ok' ? { ok: true, value: 'parsed' } : { ok: false, status: 488, reason: 'Not Acceptable Here' },
  };
  t.same(parsePublishedBody(validating, Buffer.from('ok'), 'x'), { ok: true, value: 'parsed' });
  t.same(parsePublishedBody(validating, Buffer.from('no'), 'x'), {
    ok: false,
    status: 488,
    reason: 'Not Acceptable Here',
  });
  const throwing: EventPackage = {
    ...pkg,
    validatePublish: () => {
      throw new Error('boom');
    },
  };
  t.same(parsePublishedBody(throwing, body, 'x'), { ok: false, status: 400, reason: 'Invalid Body' });
});

t.test('composeState: package compose, else the newest parsed value', async (t) => {
  const doc = (etag: string, updatedAt: number) => ({
    etag,
    contentType: 'x',
    body: Buffer.alloc(0),
    parsed: etag,
    updatedAt,
    expiresAt: 0,
  });
  const docs = [doc('a', 5), doc('b', 9), doc('c', 7)];
  t.equal(composeState(pkg, docs, 'sip:a@b'), 'b');
  t.equal(composeState(pkg, [], 'sip:a@b'), undefined);
  t.equal(newestDocument([doc('x', 1), doc('y', 1)])?.etag, 'y', 'tie: the later one');
  const seen: unknown[] = [];
  const composing: EventPackage = {
    ...pkg,
    compose: (list, resource) => {
      seen.push(
        list.map((d) => d.etag),
        resource,
      );
      return list.length;
    },
  };
  t.equal(composeState(composing, docs, 'sip:a@b'), 3);
  t.same(seen, [['a', 'b', 'c'], 'sip:a@b']);
});
