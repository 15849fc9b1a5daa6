// The package object: profiles chosen from User-Agent, per-subscription
// versions spliced into cached bodies, terminated dialogs shown once per
// watcher, partial documents from deltas, PUBLISH validation and composition.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { ManualClock } from '@herald/sip';
import type { PublishedDocument, RenderContext, WatcherInfo } from '@herald/events';
import {
  createDialogPackage,
  parseDialogInfo,
  selectDialogProfile,
  shapeDialogs,
  DEFAULT_DIALOG_PROFILE,
  DEFAULT_DIALOG_PROFILE_RULES,
  type DialogDelta,
  type DialogInfo,
  type DialogInfoDocument,
  type DialogResourceState,
} from '@herald/dialog';
import { schemaProblems } from './schema.js';

const TYPE = 'application/dialog-info+xml';
const BOB = 'sip:bob@example.test';
const watcher = (subscriptionId: string, userAgent?: string, uri = 'sip:alice@example.test'): WatcherInfo => ({
  subscriptionId,
  uri,
  accept: [],
  ...(userAgent !== undefined && { userAgent }),
});
const ctx = (w: WatcherInfo, version: number, delta?: DialogDelta[]): RenderContext<DialogDelta> => ({
  resource: BOB,
  watcher: w,
  full: delta === undefined,
  version,
  ...(delta && { delta }),
});
const doc = (body: Buffer | string): DialogInfoDocument => {
  const v = parseDialogInfo(body);
  if (!v.ok) throw new Error(v.reason);
  return v.value;
};

function harness() {
  const clock = new ManualClock(0);
  const changes: Array<{ state: DialogResourceState; delta: DialogDelta }> = [];
  const dialog = createDialogPackage({ clock, onState: (_r, state, delta) => changes.push({ state, delta }) });
  const last = (): DialogResourceState => {
    const c = changes.at(-1);
    if (!c) throw new Error('no state yet');
    return c.state;
  };
  return { clock, dialog, changes, last };
}

t.test('profile table: defaults for the BLF phones, quirks by User-Agent, overridable', async (t) => {
  const table: Array<[string | undefined, string]> = [
    ['Yealink SIP-T46S 66.86.0.15', 'default'],
    ['PolycomVVX-VVX_411-UA/6.4.3.5018', 'default'],
    ['snom D785/10.1.141.13', 'default'],
    ['Grandstream GXP2170 1.0.11.3', 'default'],
    ['Cisco-CP8861/12.0.1', 'default'],
    ['Linksys/SPA942-6.1.5(a)', 'spa'],
    ['Cisco/SPA504G-7.6.2c', 'spa'],
    ['Cisco/SPA112-1.4.1(SR5)', 'spa'],
    ['eyeBeam release 1102q stamp 51814', 'counterpath-legacy'],
    ['X-Lite release 5.8.1', 'counterpath-legacy'],
    [undefined, 'default'],
  ];
  for (const [ua, name] of table) t.equal(selectDialogProfile(ua).name, name, `${ua ?? '(no User-Agent)'} → ${name}`);
  const rules = [
    { userAgent: /^Zoiper/, profile: { name: 'zoiper', suppressEarly: true } },
    ...DEFAULT_DIALOG_PROFILE_RULES,
  ];
  t.same(selectDialogProfile('Zoiper rv2.10.20.2', rules), {
    ...DEFAULT_DIALOG_PROFILE,
    name: 'zoiper',
    suppressEarly: true,
  });
  t.equal(
    selectDialogProfile('Linksys/SPA942', rules).singleDialog,
    true,
    'built-in rows still apply after custom ones',
  );
});

t.test('shaping: single dialog, idle dummy, early suppressed', async (t) => {
  const ds: DialogInfo[] = [
    { id: 'a', state: 'confirmed' },
    { id: 'b', state: 'early' },
    { id: 'c', state: 'terminated' },
  ];
  const p = DEFAULT_DIALOG_PROFILE;
  t.same(
    shapeDialogs(ds, { ...p, singleDialog: true }, true).map((d) => d.id),
    ['a'],
    'confirmed beats ringing',
  );
  t.same(
    shapeDialogs([ds[1], ds[2]], { ...p, singleDialog: true }, true).map((d) => d.id),
    ['b'],
  );
  t.same(
    shapeDialogs(ds, { ...p, suppressEarly: true }, true).map((d) => d.id),
    ['a', 'c'],
  );
  t.same(
    shapeDialogs([], { ...p, dummyWhenIdle: true }, true).map((d) => d.state),
    ['terminated'],
    'dummy when idle',
  );
  t.same(shapeDialogs([], { ...p, dummyWhenIdle: true }, false), [], 'no dummy in a partial document');
  t.same(
    shapeDialogs([ds[1]], { ...p, dummyWhenIdle: true, suppressEarly: true }, true).map((d) => d.id),
    ['herald-idle'],
  );
  t.same(
    shapeDialogs([ds[2]], { ...p, dummyWhenIdle: true }, true).map((d) => d.id),
    ['c'],
    'a real terminated dialog is enough',
  );
});

t.test('idle presentity: a valid full document, per profile', async (t) => {
  const { dialog } = harness();
  const yealink = String(dialog.package.render(undefined, TYPE, ctx(watcher('s1', 'Yealink SIP-T46S'), 1)).body);
  t.same(schemaProblems(yealink), []);
  t.same(doc(yealink), { entity: BOB, version: 1, state: 'full', dialogs: [] });
  const eyebeam = doc(
    String(dialog.package.render(undefined, TYPE, ctx(watcher('s2', 'eyeBeam release 1102q'), 4)).body),
  );
  t.same(
    eyebeam.dialogs.map((d) => d.state),
    ['terminated'],
    'softphone that wants at least one dialog gets a dummy',
  );
  t.equal(eyebeam.version, 4);
});

t.test('a call as each phone family sees it; versions per subscription; identity on or off', async (t) => {
  const { dialog, last } = harness();
  dialog.calls.update(BOB, {
    callId: 'c1@pc',
    direction: 'recipient',
    state: 'early',
    localTag: 'bt',
    remoteTag: 'at',
    localIdentity: 'Bob <sip:bob@example.test>',
    remoteIdentity: '"Alice" <sip:alice@example.test>',
    remoteTarget: 'sip:alice@10.0.0.1:5060',
  });
  dialog.calls.update(BOB, {
    callId: 'c2@pc',
    direction: 'initiator',
    state: 'confirmed',
    localTag: 'x',
    remoteTag: 'y',
  });
  const state = last();
  const yealink = doc(String(dialog.package.render(state, TYPE, ctx(watcher('s1', 'Yealink SIP-T46S'), 7)).body));
  t.equal(yealink.version, 7);
  const ringing = yealink.dialogs.find((d) => d.callId === 'c1@pc');
  t.same(
    [ringing?.state, ringing?.localTag, ringing?.remoteTag, ringing?.remote?.identity?.uri, ringing?.remote?.target],
    ['early', 'bt', 'at', 'sip:alice@example.test', 'sip:alice@10.0.0.1:5060'],
    'pickup needs call-id, tags, remote identity and target',
  );
  const spa = doc(String(dialog.package.render(state, TYPE, ctx(watcher('s2', 'Cisco/SPA504G-7.6.2c'), 2)).body));
  t.same(
    spa.dialogs.map((d) => d.state),
    ['confirmed'],
    'SPA: one dialog, the most important',
  );
  t.equal(spa.version, 2, 'each subscription its own version');
  const privateWatch = createDialogPackage({ hideIdentity: (w) => w.uri === 'sip:guest@example.test' });
  const hidden = String(
    privateWatch.package.render(state, TYPE, ctx(watcher('s3', undefined, 'sip:guest@example.test'), 1)).body,
  );
  t.notMatch(hidden, 'identity');
  t.match(hidden, 'call-id="c1@pc"', 'pickup identifiers stay when identity is hidden');
});

t.test('rendering is cached per state and shape; only the version differs', async (t) => {
  const clock = new ManualClock(0);
  const states: DialogResourceState[] = [];
  const dialog = createDialogPackage({ clock, onState: (_r, s) => states.push(s) });
  dialog.calls.update(BOB, { callId: 'c', direction: 'recipient', state: 'confirmed', localTag: 'l', remoteTag: 'r' });
  const state = states[0];
  const a = String(dialog.package.render(state, TYPE, ctx(watcher('s1'), 1)).body);
  const b = String(dialog.package.render(state, TYPE, ctx(watcher('s2'), 42)).body);
  t.equal(a.replace('version="1"', 'version="42"'), b, 'same document apart from the version');
  const uncached = createDialogPackage({ clock, cacheRenders: false });
  t.equal(String(uncached.package.render(state, TYPE, ctx(watcher('s9'), 42)).body), b, 'the cache changes nothing');
});

t.test('terminated dialogs: in the next NOTIFY of each watcher, then gone', async (t) => {
  const { dialog, last } = harness();
  dialog.calls.update(BOB, { callId: 'c', direction: 'recipient', state: 'confirmed', localTag: 'l', remoteTag: 'r' });
  dialog.calls.update(BOB, {
    callId: 'c',
    direction: 'recipient',
    state: 'terminated',
    localTag: 'l',
    remoteTag: 'r',
    event: 'remote-bye',
    code: 200,
  });
  const ended = last();
  const render = (sub: string, version: number) =>
    doc(String(dialog.package.render(ended, TYPE, ctx(watcher(sub), version)).body));
  t.same(
    render('s1', 3).dialogs.map((d) => [d.state, d.event, d.code]),
    [['terminated', 'remote-bye', 200]],
  );
  t.same(render('s2', 8).dialogs.length, 1, 'another watcher sees it once too');
  t.same(render('s1', 4).dialogs, [], 'a later full NOTIFY (refresh) of the same state leaves it out');
  t.same(dialog.model.state(BOB).dialogs, [], 'and the model dropped it');
});

t.test('partial documents from deltas: last change per dialog, profiles that refuse partial get full', async (t) => {
  const { dialog, changes } = harness();
  dialog.calls.update(BOB, { callId: 'c1', direction: 'recipient', state: 'early', localTag: 'l', remoteTag: 'r' });
  dialog.calls.update(BOB, { callId: 'c2', direction: 'initiator', state: 'trying', localTag: 'm' });
  dialog.calls.update(BOB, { callId: 'c1', direction: 'recipient', state: 'confirmed', localTag: 'l', remoteTag: 'r' });
  const state = changes.at(-1)?.state;
  const deltas = changes.map((c) => c.delta);
  const partialXml = String(dialog.package.render(state, TYPE, ctx(watcher('s1'), 5, deltas)).body);
  t.same(schemaProblems(partialXml), []);
  const partial = doc(partialXml);
  t.equal(partial.state, 'partial');
  t.same(
    partial.dialogs.map((d) => [d.callId, d.state]),
    [
      ['c2', 'trying'],
      ['c1', 'confirmed'],
    ],
    'one entry per dialog, its latest state',
  );
  const one = doc(String(dialog.package.render(state, TYPE, ctx(watcher('s2'), 2, deltas.slice(-1))).body));
  t.same(
    one.dialogs.map((d) => d.state),
    ['confirmed'],
  );
  const spa = doc(
    String(dialog.package.render(state, TYPE, ctx(watcher('s3', 'Linksys/SPA942-6.1.5'), 9, deltas)).body),
  );
  t.same([spa.state, spa.dialogs.length], ['full', 1], 'SPA gets full state, one dialog');
  const single = createDialogPackage({
    profiles: [{ userAgent: /^OneKey/, profile: { name: 'one-key', singleDialog: true, partial: true } }],
  });
  const oneKey = doc(String(single.package.render(state, TYPE, ctx(watcher('s4', 'OneKey/1.0'), 3, [deltas[1]])).body));
  t.same(
    [oneKey.state, oneKey.dialogs.map((d) => d.callId)],
    ['full', ['c1']],
    'single-dialog profiles get the most important dialog of the whole state, even when only a lesser one changed',
  );
});

t.test('hold from SDP reaches the rendered target', async (t) => {
  const { dialog, last } = harness();
  const sdp = readFileSync(new URL('./fixtures/sdp/polycom-hold.sdp', import.meta.url));
  dialog.calls.update(BOB, {
    callId: 'h',
    direction: 'initiator',
    state: 'confirmed',
    localTag: 'l',
    remoteTag: 'r',
    localTarget: 'sip:bob@10.0.0.9',
    sdp,
  });
  const xml = String(dialog.package.render(last(), TYPE, ctx(watcher('s1'), 1)).body);
  t.match(xml, '<target uri="sip:bob@10.0.0.9"><param pname="+sip.rendering" pvalue="no"/></target>');
  t.same(schemaProblems(xml), []);
  dialog.calls.update(BOB, {
    callId: 'h',
    direction: 'initiator',
    state: 'confirmed',
    localTag: 'l',
    remoteTag: 'r',
    sdp: readFileSync(new URL('./fixtures/sdp/polycom-active.sdp', import.meta.url)),
  });
  t.notMatch(String(dialog.package.render(last(), TYPE, ctx(watcher('s1'), 2)).body), '+sip.rendering', 'resumed');
});

t.test('PUBLISH: validation as values, composition merges with tracked calls', async (t) => {
  const { dialog } = harness();
  const pkg = dialog.package;
  const kamailio = readFileSync(new URL('./fixtures/kamailio-pua-dialoginfo.xml', import.meta.url));
  const ok = pkg.validatePublish?.(kamailio, TYPE);
  t.equal(ok?.ok, true);
  t.same(pkg.validatePublish?.(kamailio, 'application/pidf+xml'), {
    ok: false,
    status: 415,
    reason: 'Unsupported Media Type',
  });
  const bad = pkg.validatePublish?.(Buffer.from('<dialog-info'), TYPE);
  t.equal(bad?.ok === false && bad.status, 400);
  dialog.calls.update(BOB, { callId: 'tracked', direction: 'recipient', state: 'early', localTag: 't' });
  const pub = (etag: string, body: string, updatedAt: number): PublishedDocument => ({
    etag,
    contentType: TYPE,
    body: Buffer.from(body),
    parsed: doc(body),
    updatedAt,
    expiresAt: updatedAt + 3600_000,
  });
  const older = pub('e1', readFileSync(new URL('./fixtures/asterisk-early.xml', import.meta.url), 'utf8'), 1);
  const newer = pub(
    'e2',
    readFileSync(new URL('./fixtures/asterisk-early.xml', import.meta.url), 'utf8').replace(
      '<state>early</state>',
      '<state>confirmed</state>',
    ),
    2,
  );
  const composed = pkg.compose?.([newer, older], BOB);
  t.same(
    composed?.dialogs.map((d) => [d.id, d.state]),
    [
      [dialog.model.state(BOB).dialogs[0].id, 'early'],
      ['201', 'confirmed'],
    ],
    'tracked first; the newest publication wins a shared dialog id',
  );
  t.same(
    pkg.compose?.([], BOB)?.dialogs.map((d) => d.callId),
    ['tracked'],
    'publications gone: tracked calls remain',
  );
  t.equal(pkg.partialNotify, true);
  t.same(pkg.contentTypes, [TYPE]);
});
