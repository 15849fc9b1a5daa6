// RFC 3842 §5.2 text parsing: the RFC examples, server/phone style samples,
// round trips through the renderer, and bad bodies answered with a reason.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseMessageCounts, parseMessageSummary, renderMessageSummary } from '@herald/message-summary';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

t.test('RFC 3842 example: status, account, voice counts with urgent counts', async (t) => {
  const r = parseMessageSummary(fixture('rfc3842-basic.txt'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.waiting, true);
  t.equal(r.value.account, 'sip:alice@vmail.example.com');
  t.same(r.value.counts, { 'voice-message': { new: 2, old: 8, urgentNew: 0, urgentOld: 2 } });
  t.equal(r.value.messages, undefined);
});

t.test('RFC 3842 example with the optional message headers section', async (t) => {
  const r = parseMessageSummary(fixture('rfc3842-headers.txt'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(r.value.counts['voice-message'], { new: 4, old: 8, urgentNew: 1, urgentOld: 2 });
  t.equal(r.value.messages?.length, 2);
  t.same(r.value.messages?.[0]?.[2], ['Subject', 'carpool tomorrow?']);
  t.same(r.value.messages?.[1]?.[4], ['Priority', 'urgent']);
  t.same(r.value.messages?.[0]?.[3], ['Date', 'Sun, 09 Nov 2003 14:10:11 -0800'], 'colons inside values kept');
});

t.test('server and phone styles', async (t) => {
  const asterisk = parseMessageSummary(fixture('asterisk.txt'));
  t.ok(asterisk.ok && asterisk.value.account === 'sip:*97@pbx.example.test');
  t.same(asterisk.ok && asterisk.value.counts['voice-message'], { new: 1, old: 3, urgentNew: 0, urgentOld: 0 });

  const polycom = parseMessageSummary(fixture('polycom.txt'));
  t.ok(polycom.ok, 'LF line ends and lower-case names');
  t.equal(polycom.ok && polycom.value.waiting, false);
  t.equal(polycom.ok && polycom.value.account, undefined);
  t.same(polycom.ok && polycom.value.counts['voice-message'], { new: 0, old: 12 });

  const yealink = parseMessageSummary(fixture('yealink.txt'));
  t.ok(yealink.ok, 'space before the colon, no space before the parenthesis');
  if (!yealink.ok) return;
  t.same(yealink.value.counts['voice-message'], { new: 3, old: 1, urgentNew: 1, urgentOld: 0 });
  t.same(yealink.value.counts['fax-message'], { new: 1, old: 0 });
  t.same(yealink.value.extensions, [['X-Yealink-Box', 'main']], 'unknown lines kept, not fatal');
});

t.test('every message class, in any case', async (t) => {
  const body =
    'MESSAGES-WAITING: YES\r\nvoice-MESSAGE: 1/0\r\nFax-Message: 2/0\r\nPager-Message: 3/0\r\n' +
    'Multimedia-Message: 4/0\r\nText-Message: 5/0\r\nNone: 6/0\r\n';
  const r = parseMessageSummary(body);
  t.ok(r.ok);
  if (!r.ok) return;
  t.same(
    Object.entries(r.value.counts).map(([k, v]) => [k, v?.new]),
    [
      ['voice-message', 1],
      ['fax-message', 2],
      ['pager-message', 3],
      ['multimedia-message', 4],
      ['text-message', 5],
      ['none', 6],
    ],
  );
});

t.test('round trips: parse → render → parse gives the same summary', async (t) => {
  for (const name of ['rfc3842-basic.txt', 'rfc3842-headers.txt', 'asterisk.txt', 'polycom.txt', 'yealink.txt']) {
    const first = parseMessageSummary(fixture(name));
    t.ok(first.ok, name);
    if (!first.ok) continue;
    const body = renderMessageSummary(first.value);
    const second = parseMessageSummary(body);
    t.ok(second.ok, `${name} re-parses`);
    if (second.ok) t.same(second.value, first.value, `${name} survives the round trip`);
    t.ok(body.endsWith('\r\n') && !/[^\r]\n/.test(body), `${name}: CRLF line ends`);
  }
  // The RFC's own example renders byte for byte.
  const rfc = parseMessageSummary(fixture('rfc3842-basic.txt'));
  t.equal(rfc.ok && renderMessageSummary(rfc.value), fixture('rfc3842-basic.txt').toString());
});

t.test('folded message header lines are joined', async (t) => {
  const r = parseMessageSummary('Messages-Waiting: yes\r\n\r\nSubject: a long\r\n  subject line\r\nFrom: <x@y>\r\n');
  t.ok(r.ok);
  t.same(r.ok && r.value.messages, [
    [
      ['Subject', 'a long subject line'],
      ['From', '<x@y>'],
    ],
  ]);
});

t.test('counts grammar', async (t) => {
  t.same(parseMessageCounts('0/0'), { new: 0, old: 0 });
  t.same(parseMessageCounts(' 4294967295/1 (0/0) '), { new: 4294967295, old: 1, urgentNew: 0, urgentOld: 0 });
  for (const bad of ['', '1', '1/', '/1', '-1/0', '1/0 (1)', '1/0 (1/2', 'a/b', '1/0 junk', '4294967296/0', '1.5/0']) {
    t.equal(parseMessageCounts(bad), undefined, `refused: "${bad}"`);
  }
});

t.test('bad bodies are refused with a clear reason', async (t) => {
  const cases: Array<[string, string | Buffer, number, RegExp]> = [
    ['empty', '', 400, /Missing Messages-Waiting/],
    ['no status line', 'Voice-Message: 1/0\r\n', 400, /Missing Messages-Waiting/],
    ['bad status', 'Messages-Waiting: maybe\r\n', 400, /yes Or no/],
    ['duplicate status', 'Messages-Waiting: yes\r\nMessages-Waiting: no\r\n', 400, /Duplicate Messages-Waiting/],
    ['bad counts', 'Messages-Waiting: yes\r\nVoice-Message: lots\r\n', 400, /Bad Counts For Voice-Message/],
    ['count overflow', 'Messages-Waiting: yes\r\nVoice-Message: 9999999999/0\r\n', 400, /Bad Counts/],
    ['duplicate class', 'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\nvoice-message: 2/0\r\n', 400, /Duplicate/],
    ['no colon', 'Messages-Waiting: yes\r\nthis is not a header\r\n', 400, /Bad Message Summary Line/],
    ['account without scheme', 'Messages-Waiting: yes\r\nMessage-Account: alice\r\n', 400, /Message-Account/],
    ['bad message header', 'Messages-Waiting: yes\r\n\r\nnot a header\r\n', 400, /Bad Message Header Line/],
    ['starts folded', ' Messages-Waiting: yes\r\n', 400, /Continuation/],
    ['NUL', 'Messages-Waiting: yes\0\r\n', 400, /NUL/],
    ['huge', Buffer.alloc(70_000, 'a'), 413, /Too Large/],
    ['too many lines', 'Messages-Waiting: yes\r\n' + '\r\n'.repeat(5000), 413, /Too Many Lines/],
  ];
  for (const [name, body, status, reason] of cases) {
    const r = parseMessageSummary(body);
    t.equal(r.ok, false, name);
    if (r.ok) continue;
    t.equal(r.status, status, `${name}: status`);
    t.match(r.reason, reason, `${name}: reason`);
  }
});

t.test('angle-bracketed account URIs are accepted (seen from some servers)', async (t) => {
  const r = parseMessageSummary('Messages-Waiting: no\r\nMessage-Account: <sip:1000@pbx.example.test>\r\n');
  t.equal(r.ok && r.value.account, 'sip:1000@pbx.example.test');
});

t.test('hostile bodies just under the size cap finish quickly with a verdict', async (t) => {
  const longCounts = `Messages-Waiting: yes\r\nVoice-Message: ${'1/'.repeat(30_000)}\r\n`;
  t.match(parseMessageSummary(longCounts), { ok: false, status: 400, reason: 'Bad Counts For Voice-Message' });
  const longName = `${'X'.repeat(60_000)}: 1\r\nMessages-Waiting: no\r\n`;
  t.match(parseMessageSummary(longName), { ok: true, value: { waiting: false } }, 'long unknown names are just kept');
  const folds = `Messages-Waiting: yes\r\n\r\nSubject: a\r\n${' b\r\n'.repeat(1900)}`;
  const r = parseMessageSummary(folds);
  t.ok(r.ok && r.value.messages?.[0]?.[0]?.[1].length === 1 + 2 * 1900, 'many folded lines joined');
  const colons = `Messages-Waiting: yes\r\n${':'.repeat(60_000)}\r\n`;
  t.match(parseMessageSummary(colons), { ok: false, status: 400 });
});
