// Parsing dialog-info documents in the styles real servers and phones send:
// default namespace, prefixed namespace, unknown extension namespaces, partial
// state, terminated dialogs; and hostile or broken XML refused with a reason.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { parseDialogInfo, type DialogInfoDocument } from '@herald/dialog';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function parsed(t: Test, body: string): DialogInfoDocument {
  const v = parseDialogInfo(body);
  if (!v.ok) {
    t.fail(`refused: ${v.reason}`);
    throw new Error(v.reason);
  }
  return v.value;
}

t.test('Asterisk-style early dialog with identities and targets', async (t) => {
  const doc = parsed(t, fixture('asterisk-early.xml'));
  t.same(
    { entity: doc.entity, version: doc.version, state: doc.state },
    { entity: 'sip:201@pbx.example.test', version: 7, state: 'full' },
  );
  t.equal(doc.dialogs.length, 1);
  const d = doc.dialogs[0];
  t.same(
    [d.id, d.callId, d.localTag, d.remoteTag, d.direction, d.state],
    ['201', 'pickup-a84b4c76e66710@10.0.0.21', 'as5d2f1c3b', '1928301774', 'recipient', 'early'],
  );
  t.same(d.local, {
    identity: { uri: 'sip:201@pbx.example.test', display: 'Reception' },
    target: 'sip:201@pbx.example.test',
  });
  t.same(d.remote?.identity, { uri: 'sip:alice@example.test', display: 'Alice Smith' });
});

t.test('Kamailio pua_dialoginfo-style confirmed dialog, version 0', async (t) => {
  const doc = parsed(t, fixture('kamailio-pua-dialoginfo.xml'));
  t.equal(doc.version, 0, 'version 0 is a valid nonNegativeInteger');
  const d = doc.dialogs[0];
  t.equal(d.state, 'confirmed');
  t.equal(d.direction, 'initiator');
  t.same(
    d.remote,
    { identity: { uri: 'sip:bob@example.test' }, target: 'sip:bob@192.0.2.20:5060' },
    'no display attribute',
  );
});

t.test('Yealink-style prefixed namespace with extension namespaces and a held call', async (t) => {
  const doc = parsed(t, fixture('yealink-prefixed.xml'));
  t.equal(doc.entity, 'sip:1002@10.1.1.5');
  const d = doc.dialogs[0];
  t.equal(d.state, 'confirmed', 'di:state read by namespace, not prefix');
  t.equal(d.code, 200);
  t.equal(d.duration, 74);
  t.equal(d.local?.rendering, false, '+sip.rendering=no read as held');
  t.same(d.local?.targetParams, [['x-line-id', '0']], 'other target params kept');
  t.equal(d.remote?.identity?.display, 'Front Desk');
});

t.test('Polycom-style two dialogs, escaped display name, terminated with event and code', async (t) => {
  const doc = parsed(t, fixture('polycom-two-lines.xml'));
  t.equal(doc.dialogs.length, 2);
  t.equal(doc.dialogs[0].remote?.identity?.display, '"Customer" & Co', 'entities decoded');
  t.equal(doc.dialogs[0].duration, 310);
  const ended = doc.dialogs[1];
  t.same([ended.state, ended.event, ended.code, ended.remoteTag], ['terminated', 'rejected', 486, undefined]);
});

t.test('Snom-style partial document and an idle document', async (t) => {
  const doc = parsed(t, fixture('snom-partial.xml'));
  t.equal(doc.state, 'partial');
  t.equal(doc.version, 23);
  t.same([doc.dialogs[0].state, doc.dialogs[0].event, doc.dialogs[0].duration], ['terminated', 'remote-bye', 42]);
  const idle = parsed(t, fixture('idle.xml'));
  t.same(idle.dialogs, [], 'self-closing root: no dialogs');
});

t.test(
  'Bria-style extension namespace, character references, +sip.instance target param; Zoiper-style minimal',
  async (t) => {
    const bria = parsed(t, fixture('bria-style.xml'));
    t.equal(bria.entity, 'sip:5012@pbx.example.test;user=phone');
    const d = bria.dialogs[0];
    t.equal(d.state, 'proceeding');
    t.equal(d.local?.identity?.display, 'Jo\u00e9lle Martin', 'character reference decoded');
    t.same(d.local?.targetParams, [['+sip.instance', '"<urn:uuid:6f2c1a30-1f7e-4f4e-9d0b-2b2d4e5c6a7f>"']]);
    t.same(d.remote, { identity: { uri: 'sip:5020@pbx.example.test' } }, 'remote without target');
    const zoiper = parsed(t, fixture('zoiper-minimal.xml'));
    t.same(
      zoiper.dialogs,
      [{ id: 'zdlg1', direction: 'recipient', state: 'confirmed' }],
      'single-quoted attributes, no ids or tags',
    );
  },
);

t.test('unknown termination events and unknown attributes are ignored, not fatal', async (t) => {
  const doc = parsed(
    t,
    '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b" x-vendor="1">' +
      '<dialog id="1" x-extra="y"><state event="x-transferred">terminated</state></dialog></dialog-info>',
  );
  t.equal(doc.dialogs[0].state, 'terminated');
  t.equal(doc.dialogs[0].event, undefined);
});

t.test('schema violations are 400 with a clear reason', async (t) => {
  const wrap = (attrs: string, inner = ''): string =>
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" ${attrs}>${inner}</dialog-info>`;
  const ok = 'version="1" state="full" entity="sip:a@b"';
  const table: Array<[string, string, RegExp]> = [
    ['missing version', wrap('state="full" entity="sip:a@b"'), /version/],
    ['negative version', wrap('version="-1" state="full" entity="sip:a@b"'), /version/],
    ['bad document state', wrap('version="1" state="some" entity="sip:a@b"'), /state/],
    ['missing entity', wrap('version="1" state="full"'), /entity/],
    ['dialog without id', wrap(ok, '<dialog><state>early</state></dialog>'), /id/],
    ['dialog without state', wrap(ok, '<dialog id="1"/>'), /state/],
    ['unknown dialog state', wrap(ok, '<dialog id="1"><state>ringing</state></dialog>'), /state/],
    ['bad direction', wrap(ok, '<dialog id="1" direction="outbound"><state>early</state></dialog>'), /direction/],
    [
      'duplicate ids',
      wrap(ok, '<dialog id="1"><state>early</state></dialog><dialog id="1"><state>early</state></dialog>'),
      /Duplicate/,
    ],
    ['target without uri', wrap(ok, '<dialog id="1"><state>early</state><local><target/></local></dialog>'), /target/],
    ['bad code', wrap(ok, '<dialog id="1"><state code="abc">terminated</state></dialog>'), /code/],
    [
      'wrong namespace',
      '<dialog-info xmlns="urn:example:other" version="1" state="full" entity="sip:a@b"/>',
      /Not A dialog-info/,
    ],
    ['PIDF instead', '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"/>', /Not A dialog-info/],
  ];
  for (const [name, body, reason] of table) {
    const v = parseDialogInfo(body);
    t.equal(v.ok, false, name);
    if (!v.ok) {
      t.equal(v.status, 400, `${name}: 400`);
      t.match(v.reason, reason, `${name}: ${v.reason}`);
    }
  }
});

t.test('hostile and malformed XML is refused quickly, never thrown', async (t) => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
    '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="&lol3;"/>';
  const external =
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' +
    '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="&x;"/>';
  const deep =
    '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b">' +
    '<x>'.repeat(5000) +
    '</x>'.repeat(5000) +
    '</dialog-info>';
  const huge =
    '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b">' +
    '<dialog id="1"><state>early</state></dialog>'.repeat(1) +
    `<!-- ${'x'.repeat(300 * 1024)} --></dialog-info>`;
  const table: Array<[string, string | Buffer, number, RegExp]> = [
    ['billion laughs', laughs, 400, /DOCTYPE/],
    ['external entity', external, 400, /DOCTYPE/],
    [
      'unclosed tag',
      '<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b"><dialog id="1">',
      400,
      /Malformed/,
    ],
    ['mismatched tags', '<dialog-info><dialog></state></dialog-info>', 400, /Malformed/],
    ['deep nesting', deep, 400, /Nested/],
    ['oversized body', huge, 413, /Too Large/],
    ['empty body', '', 400, /./],
    ['binary junk', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x3c]), 400, /./],
    ['two roots', '<a/><b/>', 400, /./],
  ];
  for (const [name, body, status, reason] of table) {
    const v = parseDialogInfo(body);
    t.equal(v.ok, false, `${name}: refused`);
    if (!v.ok) {
      t.equal(v.status, status, `${name}: status ${status}`);
      t.match(v.reason, reason, `${name}: reason "${v.reason}"`);
    }
  }
});
