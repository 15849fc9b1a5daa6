// Rendering dialog-info: every document we produce re-parses, keeps the RFC
// 4235 schema rules, and survives parse → render → parse unchanged.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseDialogInfo, renderDialogInfo, renderDialogInfoTemplate, type DialogInfo } from '@herald/dialog';
import { schemaProblems } from './schema.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const held: DialogInfo = {
  id: 'd1',
  callId: 'a84b4c76e66710@pc33.example.test',
  localTag: '1928301774',
  remoteTag: '456887766',
  direction: 'initiator',
  state: 'confirmed',
  duration: 12,
  local: {
    identity: { uri: 'sip:alice@example.test', display: 'Alice <Sales> & "Co"' },
    target: 'sip:alice@10.0.0.1',
    rendering: false,
  },
  remote: {
    identity: { uri: 'sip:bob@example.test' },
    target: 'sip:bob@10.0.0.2;transport=tcp',
    targetParams: [['isfocus', 'true']],
  },
};

t.test('every termination event renders valid and round-trips', async (t) => {
  const events = ['cancelled', 'rejected', 'replaced', 'local-bye', 'remote-bye', 'error', 'timeout'] as const;
  const dialogs: DialogInfo[] = events.map((event, i) => ({ id: `t${i}`, state: 'terminated', event, code: 400 + i }));
  const xml = renderDialogInfo({
    entity: 'sip:alice@example.test',
    version: 3,
    state: 'full',
    dialogs: [held, ...dialogs],
  });
  t.same(schemaProblems(xml), []);
  const back = parseDialogInfo(xml);
  t.ok(back.ok);
  if (back.ok) {
    t.same(back.value, { entity: 'sip:alice@example.test', version: 3, state: 'full', dialogs: [held, ...dialogs] });
  }
  t.match(xml, '<param pname="+sip.rendering" pvalue="no"/>', 'hold marker on the local target');
  t.match(xml, '<state event="cancelled" code="400">terminated</state>');
});

t.test('every state renders valid; event only on terminated', async (t) => {
  for (const state of ['trying', 'proceeding', 'early', 'confirmed', 'terminated'] as const) {
    const xml = renderDialogInfo({
      entity: 'sip:a@example.test',
      version: 0,
      state: 'partial',
      dialogs: [{ id: 'x', state, event: 'error', direction: 'recipient' }],
    });
    t.same(schemaProblems(xml), [], state);
    t.equal(xml.includes('event="error"'), state === 'terminated', `${state}: event attribute only when terminated`);
  }
});

t.test('idle document: a valid dialog-info with no dialogs', async (t) => {
  const xml = renderDialogInfo({ entity: 'sip:idle@example.test', version: 9, state: 'full', dialogs: [] });
  t.same(schemaProblems(xml), []);
  t.match(
    xml,
    /<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="9" state="full" entity="sip:idle@example.test"\/>/,
  );
});

t.test('hideIdentity drops local and remote, keeps call-id and tags for pickup', async (t) => {
  const xml = renderDialogInfo(
    { entity: 'sip:a@example.test', version: 1, state: 'full', dialogs: [held] },
    { hideIdentity: true },
  );
  t.same(schemaProblems(xml), []);
  t.notMatch(xml, '<local>');
  t.notMatch(xml, '<remote>');
  t.match(xml, 'call-id="a84b4c76e66710@pc33.example.test" local-tag="1928301774" remote-tag="456887766"');
});

t.test('the version hole: a template serves any version, and hostile text cannot collide with it', async (t) => {
  const sneaky: DialogInfo = {
    id: 'version="4294967296000"',
    state: 'early',
    remote: { identity: { uri: 'sip:4294967296000@x' } },
  };
  const tpl = renderDialogInfoTemplate('sip:4294967296000@example.test', 'full', [sneaky]);
  for (const v of [0, 1, 4294967295, 123456789012]) {
    const back = parseDialogInfo(tpl.head + String(v) + tpl.tail);
    t.ok(back.ok && back.value.version === v && back.value.dialogs[0].id === 'version="4294967296000"', `version ${v}`);
  }
});

t.test('fixtures round-trip: parse → render → parse is stable and schema-valid', async (t) => {
  for (const name of [
    'asterisk-early.xml',
    'kamailio-pua-dialoginfo.xml',
    'yealink-prefixed.xml',
    'polycom-two-lines.xml',
    'snom-partial.xml',
    'idle.xml',
    'bria-style.xml',
    'zoiper-minimal.xml',
  ]) {
    const first = parseDialogInfo(fixture(name));
    if (!first.ok) {
      t.fail(`${name}: ${first.reason}`);
      continue;
    }
    const xml = renderDialogInfo(first.value);
    t.same(schemaProblems(xml), [], `${name}: our rendering keeps the schema rules`);
    const second = parseDialogInfo(xml);
    t.same(second.ok ? second.value : second, first.value, `${name}: same model after a round trip`);
  }
});
