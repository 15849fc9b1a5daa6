// The package object alone: neutral bodies (default on and off), render
// caching, compose precedence (newest wins between PUBLISH and the API),
// setMailbox reasons and resource normalization.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import type { PublishedDocument, RenderContext } from '@herald/events';
import {
  createMessageSummaryPackage,
  mailboxResource,
  parseMessageSummary,
  summaryFromCounts,
  type MessageSummary,
} from '@herald/message-summary';

const ctx = (resource = 'sip:1000@example.test'): RenderContext => ({
  resource,
  watcher: { subscriptionId: 's1', uri: resource, accept: [] },
  full: true,
  version: 0,
});

const doc = (body: string, updatedAt: number): PublishedDocument => {
  const parsed = parseMessageSummary(body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    etag: `e${updatedAt}`,
    contentType: 'application/simple-message-summary',
    body: Buffer.from(body),
    parsed: parsed.value,
    updatedAt,
    expiresAt: updatedAt + 3_600_000,
  };
};

t.test('declaration: event, content type, PUBLISH', async (t) => {
  const { package: pkg } = createMessageSummaryPackage();
  t.equal(pkg.event, 'message-summary');
  t.same(pkg.contentTypes, ['application/simple-message-summary']);
  t.equal(pkg.acceptsPublish, true);
  t.equal(createMessageSummaryPackage({ acceptsPublish: false }).package.acceptsPublish, false);
  t.ok(pkg.minExpires <= pkg.defaultExpires && pkg.defaultExpires <= pkg.maxExpires);
});

t.test('no voicemail default: a valid "no" body with the account and zero counts', async (t) => {
  const { package: pkg } = createMessageSummaryPackage();
  const body = String(pkg.render(undefined, 'application/simple-message-summary', ctx()).body);
  t.equal(body, 'Messages-Waiting: no\r\nMessage-Account: sip:1000@example.test\r\nVoice-Message: 0/0 (0/0)\r\n');
  t.ok(parseMessageSummary(body).ok);
  const custom = createMessageSummaryPackage({ messageAccount: (r) => r.replace('sip:', 'sip:vm-') }).package;
  t.match(String(custom.render(undefined, '', ctx()).body), /Message-Account: sip:vm-1000@example.test/);
  const noAccount = createMessageSummaryPackage({ messageAccount: false }).package;
  t.notMatch(String(noAccount.render(undefined, '', ctx()).body), /Message-Account/);
});

t.test('default switched off: the neutral body is the bare, still valid, "Messages-Waiting: no"', async (t) => {
  const { package: pkg } = createMessageSummaryPackage({ defaultEmptyMailbox: false });
  const body = String(pkg.render(undefined, '', ctx()).body);
  t.equal(body, 'Messages-Waiting: no\r\n');
  const parsed = parseMessageSummary(body);
  t.ok(parsed.ok && parsed.value.waiting === false && Object.keys(parsed.value.counts).length === 0);
});

t.test('rendered bodies are cached per state object', async (t) => {
  const { package: pkg } = createMessageSummaryPackage();
  const state = summaryFromCounts({ newcount: 3, oldcount: 1 });
  const a = pkg.render(state, '', ctx()).body;
  const b = pkg.render(state, '', ctx('sip:other@example.test')).body;
  t.equal(a, b);
  t.equal(String(a), 'Messages-Waiting: yes\r\nVoice-Message: 3/1 (0/0)\r\n');
});

t.test('validatePublish parses or refuses with 400', async (t) => {
  const { package: pkg } = createMessageSummaryPackage();
  const ok = pkg.validatePublish?.(Buffer.from('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n'), '');
  t.ok(ok?.ok);
  const bad = pkg.validatePublish?.(Buffer.from('Voice-Message: 1/0\r\n'), '');
  t.same(bad, { ok: false, status: 400, reason: 'Missing Messages-Waiting' });
});

t.test('compose: newest publication wins; the API wins when it is newer; nothing → undefined', async (t) => {
  const clock = new ManualClock(1000);
  const states: Array<[string, MessageSummary]> = [];
  const mwi = createMessageSummaryPackage({ clock, onState: (r, s) => states.push([r, s]) });
  const compose = mwi.package.compose;
  if (!compose) throw new Error('compose missing');
  const older = doc('Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n', 100);
  const newer = doc('Messages-Waiting: yes\r\nVoice-Message: 2/0\r\n', 200);
  const r = 'sip:1000@example.test';
  t.equal(compose([newer, older], r)?.counts['voice-message']?.new, 2);
  t.equal(compose([older, newer], r)?.counts['voice-message']?.new, 2);
  t.equal(compose([], r), undefined);

  mwi.setMailbox(r, { newcount: 7, oldcount: 0 }, 'update');
  t.equal(compose([older, newer], r)?.counts['voice-message']?.new, 7, 'API set at 1000 beats publications of 100/200');
  t.equal(compose([], r)?.counts['voice-message']?.new, 7, 'the API mailbox outlives publications');
  t.equal(compose([doc('Messages-Waiting: no\r\n', 2000)], r)?.waiting, false, 'a later PUBLISH wins again');
  t.equal(states.length, 1);
});

t.test('setMailbox: update always reaches onState; init only when the mailbox changes', async (t) => {
  const seen: Array<[string, string]> = [];
  const mwi = createMessageSummaryPackage({
    onState: (r, s) => seen.push([r, s.counts['voice-message'] ? `${s.counts['voice-message'].new}` : '-']),
  });
  t.equal(mwi.setMailbox('1000@Example.TEST', { newcount: 0, oldcount: 0 }, 'init'), 'sip:1000@example.test');
  mwi.setMailbox('sip:1000@example.test:5060;transport=udp', { newcount: 0, oldcount: 0 }, 'init');
  mwi.setMailbox('sip:1000@example.test', { newcount: 0, oldcount: 0 }, 'update');
  mwi.setMailbox('sip:1000@example.test', { newcount: 2, oldcount: 0 }, 'init');
  t.same(seen, [
    ['sip:1000@example.test', '0'],
    ['sip:1000@example.test', '0'],
    ['sip:1000@example.test', '2'],
  ]);
  t.equal(mwi.mailbox('1000@example.test')?.waiting, true);
  t.equal(mwi.mailbox('sip:1000@example.test')?.account, 'sip:1000@example.test');
  const full = parseMessageSummary('Messages-Waiting: yes\r\nFax-Message: 1/0\r\n');
  if (full.ok) mwi.setMailbox('sip:1000@example.test', full.value, 'update');
  t.same(mwi.mailbox('sip:1000@example.test')?.counts, { 'fax-message': { new: 1, old: 0 } }, 'a whole summary too');
  t.equal(mwi.mailbox('sip:nobody@example.test'), undefined);
});

t.test('mailboxResource normalizes babble entities and URIs; refuses garbage', async (t) => {
  t.equal(mailboxResource('1000@bling.babblevoice.com'), 'sip:1000@bling.babblevoice.com');
  t.equal(mailboxResource('sips:alice@Example.test'), 'sip:alice@example.test');
  t.equal(mailboxResource('tel:+15551234'), 'tel:+15551234');
  t.throws(() => mailboxResource('sip:'), RangeError);
});
