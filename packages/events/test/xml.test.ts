import t from 'tap';
import { decodeXmlText, parseXml, xmlChild, xmlChildren } from '@herald/events';

const PIDF = 'urn:ietf:params:xml:ns:pidf';
const RPID = 'urn:ietf:params:xml:ns:pidf:rpid';
const DM = 'urn:ietf:params:xml:ns:pidf:data-model';

t.test('elements are matched by namespace, whatever the prefix', (t) => {
  const docs = [
    `<presence xmlns="${PIDF}" xmlns:rpid="${RPID}" xmlns:dm="${DM}" entity="sip:a@x"><dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities></dm:person></presence>`,
    `<p:presence xmlns:p="${PIDF}" xmlns:r="${RPID}" xmlns:d="${DM}" entity="sip:a@x"><d:person id="p"><r:activities><r:busy/></r:activities></d:person></p:presence>`,
    `<presence xmlns="${PIDF}" entity="sip:a@x"><person xmlns="${DM}" id="p"><activities xmlns="${RPID}"><busy/></activities></person></presence>`,
  ];
  for (const doc of docs) {
    const r = parseXml(doc);
    if (!r.ok) throw new Error(r.reason);
    t.equal(r.value.ns, PIDF);
    t.equal(r.value.name, 'presence');
    t.equal(r.value.attrs.get('entity'), 'sip:a@x');
    const person = xmlChild(r.value, DM, 'person');
    t.equal(person?.attrs.get('id'), 'p');
    const acts = person && xmlChild(person, RPID, 'activities');
    t.same(
      acts?.children.map((c) => [c.ns, c.name]),
      [[RPID, 'busy']],
    );
  }
  t.end();
});

t.test('text and attributes decode predefined entities and character references; xml:lang is kept', (t) => {
  const r = parseXml(
    `<a xmlns="urn:x"><note xml:lang="de" title="&quot;x&quot;">Tom &amp; Jerry &#x263A; &#65;</note><note/></a>`,
  );
  if (!r.ok) throw new Error(r.reason);
  const notes = xmlChildren(r.value, 'urn:x', 'note');
  t.equal(notes.length, 2);
  t.equal(notes[0].text, 'Tom & Jerry \u263a A');
  t.equal(notes[0].attrs.get('xml:lang'), 'de');
  t.equal(notes[0].attrs.get('title'), '"x"');
  t.equal(decodeXmlText('&unknown; &lt;'), '&unknown; <');
  t.end();
});

t.test('hostile and malformed XML is refused quickly with a reason, never thrown', (t) => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
  const external = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>';
  const deep = '<a>'.repeat(20_000) + '</a>'.repeat(20_000);
  const huge = `<a>${'x'.repeat(10 * 1024 * 1024)}</a>`;
  const cases: Array<[string, string | Buffer, number]> = [
    ['billion laughs', laughs, 400],
    ['external entity', external, 400],
    ['deep nesting', deep, 400],
    ['10 MB body', huge, 413],
    ['unclosed tag', '<a><b></a>', 400],
    ['two roots', '<a/><b/>', 400],
    ['not xml', 'hello world', 400],
    ['empty', '', 400],
    ['binary', Buffer.from([0, 1, 2, 0xff, 0xfe]), 400],
  ];
  for (const [name, body, status] of cases) {
    const started = process.hrtime.bigint();
    const r = parseXml(body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    t.equal(r.ok, false, `${name} refused`);
    if (!r.ok) {
      t.equal(r.status, status, `${name}: ${r.reason}`);
      t.ok(r.reason.length > 0);
      t.match(r.reason, /^[\x20-\x7e]+$/, 'reason is printable ASCII (it becomes a SIP reason phrase)');
    }
    t.comment(`${name}: ${ms.toFixed(1)} ms`);
  }
  t.end();
});

t.test('limits are configurable', (t) => {
  t.equal(parseXml('<a><b><c/></b></a>', { maxDepth: 2 }).ok, false);
  t.equal(parseXml('<a><b><c/></b></a>', { maxDepth: 3 }).ok, true);
  t.equal(parseXml('<a>0123456789</a>', { maxBytes: 10 }).ok, false);
  t.end();
});
