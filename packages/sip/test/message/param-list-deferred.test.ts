/**
 * The parameters of a usual URI are checked with it and read on first use.
 * Whatever touches the list first must see exactly what the general reader's
 * list shows (an upper-case scheme sends the same URI through it).
 */
import t from 'tap';
import { inspect } from 'node:util';
import { parseMessage, parseNameAddr, parseUri } from '@herald/sip';
import type { Params } from '@herald/sip';
import { ParamList } from '../../src/message/param-list.js';

const URI = 'sip:alice@192.0.2.10:5060;rinstance=8d1f2e3a4b5c6d7e;Transport=UDP;lr;rinstance=again';

/** A fresh deferred list (nothing read yet) and the general reader's list of the same URI. */
function pair(uri = URI): [Params, Params] {
  return [parseUri(uri).params, parseUri('SIP:' + uri.slice(4)).params];
}

/** Every way to look at a list first, each answering in plain values. */
const FIRST_TOUCH: Record<string, (p: Params) => unknown> = {
  size: (p) => p.size,
  get: (p) => [p.get('transport'), p.get('lr'), p.get('rinstance'), p.get('nope')],
  has: (p) => [p.has('lr'), p.has('nope')],
  entries: (p) => [...p.entries()],
  keys: (p) => [...p.keys()],
  values: (p) => [...p.values()],
  iterator: (p) => [...p],
  forEach: (p) => {
    const seen: unknown[] = [];
    p.forEach((v, k) => seen.push([k, v]));
    return seen;
  },
  newMap: (p) => [...new Map(p)],
  set: (p) => [...p.set('lr', 'x').set('new', null)],
  delete: (p) => [p.delete('transport'), p.delete('nope'), [...p]],
  clear: (p) => {
    p.clear();
    return [p.size, [...p], p.get('lr')];
  },
  flat: (p) => (p instanceof ParamList ? [...p.flat] : 'not a ParamList'),
  inspect: (p) => inspect(p),
  toString: (p: Params) => Object.prototype.toString.call(p),
};

t.test('the first use of a deferred list sees what the general reader gives', (t) => {
  for (const [name, look] of Object.entries(FIRST_TOUCH)) {
    const [deferred, general] = pair();
    t.same(look(deferred), look(general), name);
    t.same([...deferred], [...general], name + ', then the entries');
  }
  const [deferred] = pair();
  t.ok(deferred instanceof Map, 'instanceof Map');
  t.ok(deferred instanceof ParamList, 'instanceof ParamList');
  t.same(
    deferred,
    new Map([
      ['rinstance', 'again'],
      ['transport', 'UDP'],
      ['lr', null],
    ]),
    'deep-equal to the Map it stands for (a repeated name: its first place, its last value)',
  );
  t.end();
});

t.test('many parameters, and the lists of whole messages', (t) => {
  const many = 'sip:h;' + Array.from({ length: 40 }, (_, i) => `p${i % 30}=${i}`).join(';');
  const [deferred, general] = pair(many);
  t.equal(deferred.get('p5'), general.get('p5'));
  t.same([...deferred], [...general]);
  t.equal(deferred.size, 30);

  const text =
    'REGISTER sip:example.com;transport=tcp SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-1;rport\r\n' +
    'Contact: <sip:alice@192.0.2.10:5060;rinstance=8d1f;transport=UDP>;expires=3600\r\n' +
    'To: <sip:alice@example.com>\r\nFrom: <sip:alice@example.com>;tag=1\r\n' +
    'Call-ID: c1\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n';
  const msg = parseMessage(Buffer.from(text));
  if (msg.kind !== 'request') throw new Error('a request');
  const contact = msg.contact;
  if (contact === undefined || contact === '*') throw new Error('a contact');
  t.same(
    [...(contact[0]?.uri.params ?? [])],
    [
      ['rinstance', '8d1f'],
      ['transport', 'UDP'],
    ],
  );
  t.equal(msg.uri.params.get('transport'), 'tcp');
  t.same({ ...parseNameAddr('<sip:a@b;lr>') }.uri.params, new Map([['lr', null]]), 'through an object spread');
  t.end();
});
