/**
 * Event body generators for the fuzz harness: PIDF with RPID (RFC 3863,
 * RFC 4480), dialog-info (RFC 4235), watcherinfo (RFC 3858), message-summary
 * (RFC 3842) and SDP, built from pieces, mutated at character and byte
 * level, plus hostile XML (entities, DOCTYPE, deep nesting, huge bodies).
 */
import fc from 'fast-check';

/** Usually `good`, sometimes one of the `bad` values: keeps most documents valid so parsers get deep. */
function mostly(good: fc.Arbitrary<string>, ...bad: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 6, arbitrary: good }, fc.constantFrom(...bad));
}

const word = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.'),
  minLength: 1,
  maxLength: 8,
});

/** Text content: plain, with entities and character references, with odd characters. */
const text = fc.oneof(
  word,
  fc.constantFrom('&amp;', '&lt;x&gt;', '&#233;', '&#x1F600;', '&#0;', '&#xFFFFFFFF;', '&bogus;', 'caf\u00e9', ' '),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[<&"]/g, '')),
);

const pfx = fc.constantFrom('', 'rpid:', 'rp:', 'dm:', 'x:');

const RPID = 'urn:ietf:params:xml:ns:pidf:rpid';
const DM = 'urn:ietf:params:xml:ns:pidf:data-model';

const activity = fc.constantFrom('busy', 'away', 'on-the-phone', 'meeting', 'unknown', 'vacation', 'other', 'dnd');

const tuple = fc
  .record({
    id: mostly(word, '1000', 'a b', ''),
    basic: mostly(fc.constantFrom('open', 'closed'), 'OPEN', 'maybe', ''),
    contact: fc.option(fc.constantFrom('sip:alice@example.com', 'tel:+1', ''), { nil: undefined }),
    note: fc.option(text, { nil: undefined }),
    priority: fc.option(fc.constantFrom('0.8', '1', '7', 'x'), { nil: undefined }),
  })
  .map(
    (t) =>
      `<tuple id="${t.id}"><status><basic>${t.basic}</basic></status>` +
      (t.contact !== undefined
        ? `<contact${t.priority !== undefined ? ` priority="${t.priority}"` : ''}>${t.contact}</contact>`
        : '') +
      (t.note !== undefined ? `<note xml:lang="en">${t.note}</note>` : '') +
      '</tuple>',
  );

const person = fc
  .record({
    id: word,
    prefix: pfx,
    activities: fc.array(activity, { maxLength: 3 }),
    note: fc.option(text, { nil: undefined }),
  })
  .map((p) => {
    const rp = p.prefix === '' || p.prefix === 'dm:' ? 'rpid:' : p.prefix;
    const acts = p.activities.map((a) => `<${rp}${a}/>`).join('');
    return (
      `<dm:person id="${p.id}"><${rp}activities>${acts}</${rp}activities>` +
      (p.note !== undefined ? `<dm:note>${p.note}</dm:note>` : '') +
      '</dm:person>'
    );
  });

/** A PIDF document (usually valid). */
export const pidf: fc.Arbitrary<string> = fc
  .record({
    entity: mostly(fc.constantFrom('sip:alice@example.com', 'pres:bob@example.com'), ''),
    tuples: fc.array(tuple, { maxLength: 3 }),
    persons: fc.array(person, { maxLength: 2 }),
    decl: fc.boolean(),
    ns: mostly(fc.constant('urn:ietf:params:xml:ns:pidf'), 'urn:ietf:params:xml:ns:cpim-pidf', 'urn:other'),
  })
  .map(
    (d) =>
      (d.decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '') +
      `<presence xmlns="${d.ns}" xmlns:dm="${DM}" xmlns:rpid="${RPID}" xmlns:rp="${RPID}" entity="${d.entity}">` +
      d.tuples.join('') +
      d.persons.join('') +
      '</presence>',
  );

const participant = (role: string): fc.Arbitrary<string> =>
  fc
    .record({
      display: fc.option(text, { nil: undefined }),
      uri: mostly(fc.constantFrom('sip:bob@example.com', 'sip:*67@x'), ''),
      target: fc.option(mostly(fc.constant('sip:bob@192.0.2.1'), ''), { nil: undefined }),
    })
    .map(
      (p) =>
        `<${role}><identity${p.display !== undefined ? ` display="${p.display}"` : ''}>${p.uri}</identity>` +
        (p.target !== undefined ? `<target uri="${p.target}"/>` : '') +
        `</${role}>`,
    );

const dialog = fc
  .record({
    id: word,
    callId: fc.option(word, { nil: undefined }),
    direction: fc.option(mostly(fc.constantFrom('initiator', 'recipient'), 'sideways'), { nil: undefined }),
    state: mostly(fc.constantFrom('trying', 'proceeding', 'early', 'confirmed', 'terminated'), 'bogus', ''),
    event: fc.option(mostly(fc.constantFrom('cancelled', 'rejected', 'replaced', 'local-bye'), 'x'), {
      nil: undefined,
    }),
    code: fc.option(mostly(fc.constant('486'), '99', 'x', '-1'), { nil: undefined }),
    duration: fc.option(mostly(fc.constantFrom('0', '12'), '-3', '1e9', '999999999999999999999'), { nil: undefined }),
    local: fc.option(participant('local'), { nil: undefined }),
    remote: fc.option(participant('remote'), { nil: undefined }),
  })
  .map(
    (d) =>
      `<dialog id="${d.id}"` +
      (d.callId !== undefined ? ` call-id="${d.callId}" local-tag="l1" remote-tag="r1"` : '') +
      (d.direction !== undefined ? ` direction="${d.direction}"` : '') +
      '>' +
      `<state${d.event !== undefined ? ` event="${d.event}"` : ''}${d.code !== undefined ? ` code="${d.code}"` : ''}>${d.state}</state>` +
      (d.duration !== undefined ? `<duration>${d.duration}</duration>` : '') +
      (d.local ?? '') +
      (d.remote ?? '') +
      '</dialog>',
  );

/** A dialog-info document (usually valid). */
export const dialogInfo: fc.Arbitrary<string> = fc
  .record({
    version: mostly(fc.constantFrom('0', '7'), '-1', 'x', '4294967296'),
    state: mostly(fc.constantFrom('full', 'partial'), 'none'),
    entity: mostly(fc.constant('sip:bob@example.com'), ''),
    dialogs: fc.array(dialog, { maxLength: 3 }),
  })
  .map(
    (d) =>
      `<?xml version="1.0"?><dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${d.version}" ` +
      `state="${d.state}" entity="${d.entity}">${d.dialogs.join('')}</dialog-info>`,
  );

const watcher = fc
  .record({
    id: word,
    status: mostly(fc.constantFrom('pending', 'active', 'waiting', 'terminated'), 'x'),
    event: mostly(
      fc.constantFrom(
        'subscribe',
        'approved',
        'deactivated',
        'probation',
        'rejected',
        'timeout',
        'giveup',
        'noresource',
      ),
      'x',
    ),
    uri: mostly(fc.constant('sip:watcher@example.com'), ''),
    duration: fc.option(mostly(fc.constant('10'), '-1', 'x'), { nil: undefined }),
  })
  .map(
    (w) =>
      `<watcher id="${w.id}" status="${w.status}" event="${w.event}"` +
      (w.duration !== undefined ? ` duration-subscribed="${w.duration}"` : '') +
      `>${w.uri}</watcher>`,
  );

/** A watcherinfo document (usually valid). */
export const watcherinfo: fc.Arbitrary<string> = fc
  .record({
    version: mostly(fc.constantFrom('0', '3'), 'x'),
    state: mostly(fc.constantFrom('full', 'partial'), 'x'),
    lists: fc.array(fc.tuple(mostly(fc.constantFrom('presence', 'dialog'), ''), fc.array(watcher, { maxLength: 3 })), {
      maxLength: 2,
    }),
  })
  .map(
    (d) =>
      `<watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo" version="${d.version}" state="${d.state}">` +
      d.lists
        .map(
          ([pkg, ws]) =>
            `<watcher-list resource="sip:alice@example.com" package="${pkg}">${ws.join('')}</watcher-list>`,
        )
        .join('') +
      '</watcherinfo>',
  );

/** An RFC 3842 message-summary body. */
export const messageSummary: fc.Arbitrary<string> = fc
  .record({
    waiting: mostly(fc.constantFrom('yes', 'no'), 'YES', 'maybe'),
    account: fc.option(fc.constantFrom('sip:alice@example.com', ''), { nil: undefined }),
    counts: fc.array(
      fc.tuple(
        fc.constantFrom('Voice-Message', 'Fax-Message', 'Text-Message', 'X-Thing'),
        mostly(fc.constantFrom('2/8', '2/8 (0/2)'), '4294967296/0', '1/2 (3/4', '/', '-1/0'),
      ),
      { maxLength: 3 },
    ),
    fold: fc.boolean(),
    tail: fc.constantFrom('', '\r\nTo: <sip:a@b>\r\nSubject: hi\r\n', '\r\n\r\n\r\n'),
  })
  .map(
    (m) =>
      `Messages-Waiting: ${m.waiting}\r\n` +
      (m.account !== undefined ? `Message-Account: ${m.account}\r\n` : '') +
      m.counts.map(([k, v]) => `${k}:${m.fold ? '\r\n ' : ' '}${v}\r\n`).join('') +
      m.tail,
  );

/** An SDP body (RFC 4566) with the direction attributes hold detection reads. */
export const sdp: fc.Arbitrary<string> = fc
  .record({
    conn: fc.constantFrom('IN IP4 192.0.2.1', 'IN IP4 0.0.0.0', 'IN IP6 ::', 'garbage'),
    media: fc.array(
      fc.tuple(
        fc.constantFrom('audio 4000 RTP/AVP 0', 'video 0 RTP/AVP 31', 'x'),
        fc.constantFrom('sendonly', 'inactive', 'recvonly', 'sendrecv', ''),
      ),
      { maxLength: 3 },
    ),
  })
  .map(
    (s) =>
      `v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=${s.conn}\r\nt=0 0\r\n` +
      s.media.map(([m, a]) => `m=${m}\r\n` + (a ? `a=${a}\r\n` : '')).join(''),
  );

/** Hostile XML: entity bombs, external entities, deep nesting, huge bodies, broken markup. */
export const hostileXml: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><presence>&lol2;</presence>',
    '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><presence entity="&xxe;"/>',
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><![CDATA[<tuple>]]></presence>',
    '<a><b></a></b>',
    '<?xml version="1.0"?>',
    '',
    '<',
    '<a xmlns:="x"/>',
    '<a b="1" b="2"/>',
    '<x:a/>',
  ),
  fc.integer({ min: 1, max: 3000 }).map((n) => '<a>'.repeat(n) + '</a>'.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => '<a>'.repeat(n)),
  fc.integer({ min: 1, max: 3000 }).map((n) => '<a/>'.repeat(n)),
  fc.constantFrom(10_000, 300_000, 10 * 1024 * 1024).map((n) => `<presence>${'x'.repeat(n)}</presence>`),
  fc
    .integer({ min: 1, max: 2000 })
    .map((n) => `<presence ${Array.from({ length: n }, (_, i) => `a${i}="v"`).join(' ')}/>`),
);

const XML_CHARS = '<>/="\' &;:!?[]-#xabc\u00e9\u0000';

/** A document mutated at character level: spans deleted or duplicated, markup characters inserted. */
export function mutatedText(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const op = fc.record({
    at: fc.nat(),
    del: fc.integer({ min: 0, max: 12 }),
    dup: fc.integer({ min: 0, max: 30 }),
    ins: fc.string({ unit: fc.constantFrom(...XML_CHARS), maxLength: 4 }),
  });
  return fc.tuple(base, fc.array(op, { maxLength: 4 })).map(([s, ops]) =>
    ops.reduce((acc, o) => {
      const i = acc.length === 0 ? 0 : o.at % (acc.length + 1);
      const dup = acc.slice(i, i + o.dup);
      return acc.slice(0, i) + o.ins + dup + acc.slice(i + o.del);
    }, s),
  );
}

/** A body as a string, or as bytes with a few octets overwritten (invalid UTF-8 included). */
export function asBody(base: fc.Arbitrary<string>): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    base,
    fc
      .tuple(base, fc.array(fc.tuple(fc.nat(), fc.constantFrom(0x00, 0x80, 0xc3, 0xe2, 0xfe, 0xff)), { maxLength: 3 }))
      .map(([s, edits]) => {
        const b = Buffer.from(s);
        for (const [at, byte] of edits) if (b.length > 0) b[at % b.length] = byte;
        return b;
      }),
  );
}
