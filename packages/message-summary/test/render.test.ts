// Rendering RFC 3842 bodies and building them from babble-style counts.
import t from 'tap';
import {
  formatMessageCounts,
  parseMessageSummary,
  renderMessageSummary,
  sameSummary,
  summaryFromCounts,
} from '@herald/message-summary';

t.test('renders in RFC order with canonical names and CRLF', async (t) => {
  const body = renderMessageSummary({
    waiting: true,
    account: 'sip:alice@vmail.example.com',
    counts: { none: { new: 0, old: 1 }, 'voice-message': { new: 2, old: 8, urgentNew: 0, urgentOld: 2 } },
  });
  t.equal(
    body,
    'Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 2/8 (0/2)\r\nNone: 0/1\r\n',
  );
});

t.test('urgent counts appear only when given; bad numbers are clamped', async (t) => {
  t.equal(formatMessageCounts({ new: 1, old: 2 }), '1/2');
  t.equal(formatMessageCounts({ new: 1, old: 2, urgentNew: 1 }), '1/2 (1/0)');
  t.equal(formatMessageCounts({ new: -3, old: 2.7, urgentOld: Number.NaN, urgentNew: 1e12 }), '0/2 (4294967295/0)');
});

t.test('message header blocks follow an empty line; CR/LF in values cannot inject lines', async (t) => {
  const body = renderMessageSummary({
    waiting: true,
    counts: { 'voice-message': { new: 1, old: 0 } },
    messages: [
      [
        ['From', '<bob@biloxi.example.com>'],
        ['Subject', 'hi\r\nMessages-Waiting: no'],
        ['bad name:', 'dropped'],
      ],
    ],
  });
  t.equal(
    body,
    'Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n\r\nFrom: <bob@biloxi.example.com>\r\nSubject: hi Messages-Waiting: no\r\n',
  );
  const back = parseMessageSummary(body);
  t.ok(back.ok && back.value.waiting, 'status line not overridden');
});

t.test('summaryFromCounts: babble counts → a voice mailbox; yes only with new messages', async (t) => {
  const none = summaryFromCounts({ newcount: 0, oldcount: 4 }, 'sip:1000@example.test');
  t.equal(none.waiting, false);
  t.equal(
    renderMessageSummary(none),
    'Messages-Waiting: no\r\nMessage-Account: sip:1000@example.test\r\nVoice-Message: 0/4 (0/0)\r\n',
  );
  const some = summaryFromCounts({ newcount: 2, oldcount: 1, newurgent: 1, oldurgent: 0 });
  t.equal(some.waiting, true);
  t.equal(some.account, undefined);
  t.same(some.counts['voice-message'], { new: 2, old: 1, urgentNew: 1, urgentOld: 0 });
});

t.test('sameSummary compares what would be sent', async (t) => {
  const a = summaryFromCounts({ newcount: 1, oldcount: 0 });
  t.ok(sameSummary(a, summaryFromCounts({ newcount: 1, oldcount: 0 })));
  t.notOk(sameSummary(a, summaryFromCounts({ newcount: 2, oldcount: 0 })));
  t.notOk(sameSummary(a, undefined));
  t.ok(sameSummary(undefined, undefined));
});
