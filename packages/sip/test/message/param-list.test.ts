import t from 'tap';
import { SipParseError, parseMessage, parseNameAddr, parseUri, parseVia, createUri } from '@herald/sip';
import { ParamList } from '../../src/message/param-list.js';

t.test('parsed parameters behave as the Map they are typed as', (t) => {
  const na = parseNameAddr('<sip:a@b;transport=tcp;lr>;tag=x;Q=0.5;flag');
  const p = na.params;
  t.ok(p instanceof Map, 'instanceof Map');
  t.ok(p instanceof ParamList, 'a flat list underneath');
  t.equal(p.size, 3);
  t.equal(p.get('tag'), 'x');
  t.equal(p.get('q'), '0.5', 'names lower-cased');
  t.equal(p.get('flag'), null, 'a flag maps to null');
  t.equal(p.get('nope'), undefined);
  t.ok(p.has('flag'));
  t.notOk(p.has('nope'));
  t.same(
    [...p],
    [
      ['tag', 'x'],
      ['q', '0.5'],
      ['flag', null],
    ],
  );
  t.same([...p.keys()], ['tag', 'q', 'flag']);
  t.same([...p.values()], ['x', '0.5', null]);
  const seen: string[] = [];
  p.forEach((v, k, m) => {
    t.equal(m, p);
    seen.push(`${k}=${v}`);
  });
  t.same(seen, ['tag=x', 'q=0.5', 'flag=null']);
  t.same(
    p,
    new Map<string, string | null>([
      ['tag', 'x'],
      ['q', '0.5'],
      ['flag', null],
    ]),
    'deep-equal to the same Map',
  );
  t.same(new Map(p), p, 'copied by new Map()');
  t.equal(Object.prototype.toString.call(p), '[object Map]');
  t.same(
    na.uri.params,
    new Map([
      ['transport', 'tcp'],
      ['lr', null],
    ]),
  );
  t.end();
});

t.test('set keeps the place of an existing name, delete and clear', (t) => {
  const p = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1;rport;received=192.0.2.1').params;
  t.equal(p.set('rport', '5060'), p, 'set returns the list');
  t.same([...p.keys()], ['branch', 'rport', 'received']);
  p.set('new', 'v');
  t.same([...p.keys()], ['branch', 'rport', 'received', 'new']);
  t.ok(p.delete('rport'));
  t.notOk(p.delete('rport'));
  t.same(
    [...p],
    [
      ['branch', 'z9hG4bK1'],
      ['received', '192.0.2.1'],
      ['new', 'v'],
    ],
  );
  p.clear();
  t.equal(p.size, 0);
  t.same([...p], []);
  t.end();
});

t.test('a repeated parameter keeps its first place and its last value, as a Map would', (t) => {
  const na = parseNameAddr('<sip:a@b;x=1;y;x=2>;tag=1;tag=2');
  t.same([...na.params], [['tag', '2']]);
  t.same(
    [...na.uri.params],
    [
      ['x', '2'],
      ['y', null],
    ],
  );
  t.end();
});

t.test('many parameters: lookups through the index, in order, with changes', (t) => {
  const names = Array.from({ length: 200 }, (_, i) => `p${i}`);
  const uri = parseUri('sip:h;' + names.map((n, i) => `${n}=${i}`).join(';') + ';p7=again');
  const p = uri.params;
  t.equal(p.size, 200);
  t.equal(p.get('p0'), '0');
  t.equal(p.get('p7'), 'again', 'a repeat updates in place');
  t.equal(p.get('p199'), '199');
  t.same([...p.keys()], names);
  t.ok(p.delete('p100'));
  t.equal(p.get('p101'), '101', 'positions after a delete still found');
  t.equal(p.get('p100'), undefined);
  p.set('p100', 'back');
  t.equal(p.get('p100'), 'back');
  t.equal([...p.keys()].at(-1), 'p100', 'a new name goes last');
  t.equal(p.size, 200);
  t.end();
});

t.test('parsed parameters feed the builders and formatters', (t) => {
  const msg = parseMessage(
    'OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nFrom: <sip:a@h>;tag=f\r\nTo: <sip:b@h>\r\n' +
      'Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContact: <sip:a@h;transport=tcp>;expires=60\r\nEvent: presence;id=4\r\n\r\n',
  );
  const contact = msg.contact;
  t.ok(Array.isArray(contact));
  const first = Array.isArray(contact) ? contact[0] : undefined;
  const copy = createUri({ host: 'x', params: first?.uri.params });
  t.equal(copy.raw, 'sip:x;transport=tcp', 'createUri copies a parsed list as a Map');
  t.same(msg.event, { event: 'presence', id: '4', params: new Map([['id', '4']]) });
  t.equal(msg.topVia?.branch, 'z9hG4bK2');
  t.equal(msg.from?.params.get('tag'), 'f');
  t.end();
});

t.test('a Via reads its typed fields from its parameters in one pass', (t) => {
  const via = parseVia('SIP/2.0/UDP h:5060;Branch=z9hG4bKa;RPORT=5062;received=192.0.2.9;maddr=239.1.1.1;ttl=16;x=y');
  t.same([via.branch, via.rport, via.received, via.maddr, via.ttl], ['z9hG4bKa', 5062, '192.0.2.9', '239.1.1.1', 16]);
  t.equal(via.params.get('x'), 'y');
  const bare = parseVia('SIP/2.0/TCP h;rport');
  t.same(
    [bare.branch, bare.rport, bare.received, bare.maddr, bare.ttl],
    [undefined, true, undefined, undefined, undefined],
  );
  const none = parseVia('SIP/2.0/TCP h');
  t.same([none.branch, none.rport, none.ttl], [undefined, undefined, undefined]);
  const reasonOf = (via: string): string | undefined => {
    try {
      parseVia(via);
      return undefined;
    } catch (err) {
      return err instanceof SipParseError ? err.reason : String(err);
    }
  };
  t.equal(reasonOf('SIP/2.0/UDP h;ttl'), 'Malformed Via header', 'ttl needs a value');
  t.equal(reasonOf('SIP/2.0/UDP h;ttl=256'), 'Malformed Via header');
  t.equal(reasonOf('SIP/2.0/UDP h;rport=70000'), 'Malformed Via header');
  t.end();
});
