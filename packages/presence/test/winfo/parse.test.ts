// RFC 3858 watcherinfo documents: the RFC example and vendor-style samples
// parsed by namespace, round trips through the renderer, hostile and invalid
// documents refused with a reason, and the subscriber's full/partial merge.
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  NS_WATCHERINFO,
  applyWatcherinfo,
  parseWatcherinfo,
  renderWatcherinfo,
  watcherListKey,
  type WatcherinfoDocument,
} from '@herald/presence';
import { parseXml, xmlChild, xmlChildren } from '@herald/events';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

t.test('RFC 3858 §5 example', async (t) => {
  const r = parseWatcherinfo(fixture('rfc3858-example.xml'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.version, 0);
  t.equal(r.value.state, 'full');
  t.equal(r.value.lists.length, 1);
  const list = r.value.lists[0];
  t.equal(list.resource, 'sip:professor@example.net');
  t.equal(list.package, 'presence');
  t.same(list.watchers, [
    { id: '8ajksjda7s', uri: 'sip:userA@example.net', status: 'active', event: 'approved', durationSubscribed: 509 },
    {
      id: 'hh8juja87s997-ass7',
      uri: 'sip:userB@example.org',
      status: 'pending',
      event: 'subscribe',
      displayName: 'Mr. Subscriber',
    },
  ]);
});

t.test('prefixed document with extension elements of other namespaces', async (t) => {
  const r = parseWatcherinfo(fixture('prefixed-extensions.xml'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.version, 17);
  t.equal(r.value.lists.length, 2);
  const [presence, dialog] = r.value.lists;
  t.equal(presence.watchers.length, 2, 'ext:note is not a watcher');
  t.same(presence.watchers[0], {
    id: 'a1',
    uri: 'sip:bob@example.test',
    status: 'active',
    event: 'subscribe',
    displayName: 'Bob & Co',
    durationSubscribed: 60,
    expiration: 3540,
    lang: 'en',
  });
  t.equal(presence.watchers[1].status, 'waiting');
  t.same(dialog, { resource: 'sip:alice@example.test', package: 'dialog', watchers: [] });
});

t.test('partial document (CounterPath style, no indentation)', async (t) => {
  const r = parseWatcherinfo(fixture('partial-counterpath.xml'));
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.value.state, 'partial');
  t.same(
    r.value.lists[0].watchers.map((w) => [w.id, w.status, w.event]),
    [
      ['a1', 'terminated', 'timeout'],
      ['a3', 'pending', 'subscribe'],
    ],
  );
});

t.test('round trips: parse → render → parse; output follows the schema rules', async (t) => {
  for (const name of ['rfc3858-example.xml', 'prefixed-extensions.xml', 'partial-counterpath.xml']) {
    const first = parseWatcherinfo(fixture(name));
    t.ok(first.ok, name);
    if (!first.ok) continue;
    const body = renderWatcherinfo(first.value);
    const second = parseWatcherinfo(body);
    t.ok(second.ok, `${name} re-parses`);
    if (second.ok) t.same(second.value, first.value, `${name} survives`);
    // Schema rules on our output, read independently of parseWatcherinfo.
    const xml = parseXml(body);
    t.ok(xml.ok);
    if (!xml.ok) continue;
    t.equal(xml.value.ns, NS_WATCHERINFO, 'default namespace is watcherinfo');
    t.match(body, /^<\?xml version="1.0" encoding="UTF-8"\?><watcherinfo xmlns="urn:ietf:params:xml:ns:watcherinfo"/);
    t.ok(/^\d+$/.test(xml.value.attrs.get('version') ?? ''), 'version is a non-negative integer');
    t.ok(['full', 'partial'].includes(xml.value.attrs.get('state') ?? ''), 'state is full or partial');
    for (const list of xmlChildren(xml.value, NS_WATCHERINFO, 'watcher-list')) {
      t.ok(list.attrs.get('resource') && list.attrs.get('package'), 'watcher-list has resource and package');
      for (const w of xmlChildren(list, NS_WATCHERINFO, 'watcher')) {
        t.ok(w.attrs.get('id') && w.attrs.get('status') && w.attrs.get('event'), 'watcher has id, status, event');
        t.ok(w.text.length > 0, 'watcher carries a URI');
      }
    }
    t.equal(xmlChild(xml.value, 'urn:example:vendor:winfo-ext', 'server-info'), undefined, 'extensions not echoed');
  }
});

t.test('render escapes markup in names and URIs', async (t) => {
  const body = renderWatcherinfo({
    version: 3,
    state: 'full',
    lists: [
      {
        resource: 'sip:a@example.test',
        package: 'presence',
        watchers: [
          { id: 'q"1', uri: 'sip:x@example.test;p=<b>', status: 'active', event: 'approved', displayName: '<i>"&' },
        ],
      },
    ],
  });
  t.notMatch(body, /<b>|<i>/);
  const r = parseWatcherinfo(body);
  t.ok(r.ok);
  t.same(r.ok && r.value.lists[0].watchers[0], {
    id: 'q"1',
    uri: 'sip:x@example.test;p=<b>',
    status: 'active',
    event: 'approved',
    displayName: '<i>"&',
  });
});

t.test('invalid and hostile documents are refused with a reason, without hanging', async (t) => {
  const W = 'xmlns="urn:ietf:params:xml:ns:watcherinfo"';
  const list = (inner: string) =>
    `<watcherinfo ${W} version="1" state="full"><watcher-list resource="sip:a@b" package="presence">${inner}</watcher-list></watcherinfo>`;
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['billion laughs', fixture('billion-laughs.xml'), /DOCTYPE/],
    ['unclosed', `<watcherinfo ${W} version="1" state="full"><watcher-list>`, /Malformed XML/],
    ['not XML', 'Messages-Waiting: yes', /Malformed XML|Root/],
    ['wrong namespace', '<watcherinfo xmlns="urn:example:other" version="1" state="full"/>', /Root Is Not watcherinfo/],
    ['prefix without namespace', '<watcherinfo version="1" state="full"/>', /Root Is Not watcherinfo/],
    ['no version', `<watcherinfo ${W} state="full"/>`, /version/],
    ['negative version', `<watcherinfo ${W} version="-1" state="full"/>`, /version/],
    ['bad state', `<watcherinfo ${W} version="1" state="some"/>`, /state/],
    [
      'list without package',
      `<watcherinfo ${W} version="1" state="full"><watcher-list resource="sip:a@b"/></watcherinfo>`,
      /package/,
    ],
    [
      'list without resource',
      `<watcherinfo ${W} version="1" state="full"><watcher-list package="presence"/></watcherinfo>`,
      /resource/,
    ],
    ['watcher without id', list('<watcher status="active" event="subscribe">sip:x@y</watcher>'), /id/],
    ['bad status', list('<watcher id="1" status="happy" event="subscribe">sip:x@y</watcher>'), /status/],
    ['bad event', list('<watcher id="1" status="active" event="poke">sip:x@y</watcher>'), /event/],
    ['empty uri', list('<watcher id="1" status="active" event="subscribe"> </watcher>'), /Empty URI/],
    [
      'bad duration',
      list('<watcher id="1" status="active" event="subscribe" duration-subscribed="x">sip:x@y</watcher>'),
      /duration/,
    ],
    [
      'deep nesting',
      `<watcherinfo ${W} version="1" state="full">${'<a>'.repeat(200)}${'</a>'.repeat(200)}</watcherinfo>`,
      /Deeply/,
    ],
    ['huge', `<watcherinfo ${W} version="1" state="full">${'<x/>'.repeat(100_000)}</watcherinfo>`, /Too Large/],
  ];
  for (const [name, body, reason] of cases) {
    const r = parseWatcherinfo(body);
    t.equal(r.ok, false, name);
    if (!r.ok) t.match(r.reason, reason, `${name}: ${r.reason}`);
  }
});

const doc = (version: number, state: 'full' | 'partial', ...ws: Array<[string, 'active' | 'pending' | 'terminated']>) =>
  ({
    version,
    state,
    lists: [
      {
        resource: 'sip:alice@example.test',
        package: 'presence',
        watchers: ws.map(([id, status]) => ({
          id,
          uri: `sip:${id}@example.test`,
          status,
          event: 'subscribe' as const,
        })),
      },
    ],
  }) satisfies WatcherinfoDocument;

t.test('subscriber merge (RFC 3858 §4): full replaces, partial updates by id in version order', async (t) => {
  const key = watcherListKey('presence', 'sip:alice@example.test');
  const ids = (v: { lists: ReadonlyMap<string, ReadonlyMap<string, { status: string }>> }) =>
    [...(v.lists.get(key)?.entries() ?? [])].map(([id, w]) => `${id}:${w.status}`);

  const v0 = applyWatcherinfo(undefined, doc(0, 'full', ['bob', 'active'], ['carol', 'pending']));
  t.ok(v0.ok);
  if (!v0.ok) return;
  t.same(ids(v0.value), ['bob:active', 'carol:pending']);
  const v1 = applyWatcherinfo(v0.value, doc(1, 'partial', ['carol', 'active'], ['dave', 'pending']));
  t.ok(v1.ok);
  if (!v1.ok) return;
  t.same(ids(v1.value), ['bob:active', 'carol:active', 'dave:pending']);
  const v2 = applyWatcherinfo(v1.value, doc(2, 'partial', ['bob', 'terminated']));
  t.ok(v2.ok);
  if (!v2.ok) return;
  t.same(ids(v2.value), ['carol:active', 'dave:pending'], 'terminated watchers leave the list');
  t.same(ids(v1.value), ['bob:active', 'carol:active', 'dave:pending'], 'earlier views are not mutated');

  t.same(applyWatcherinfo(v2.value, doc(4, 'partial', ['eve', 'active'])), {
    ok: false,
    status: 0,
    reason: 'Version Gap',
  });
  t.same(applyWatcherinfo(v2.value, doc(2, 'partial', ['eve', 'active'])), {
    ok: false,
    status: 0,
    reason: 'Stale Version',
  });
  t.same(applyWatcherinfo(undefined, doc(5, 'partial', ['eve', 'active'])), {
    ok: false,
    status: 0,
    reason: 'Version Gap',
  });
  const v9 = applyWatcherinfo(v2.value, doc(9, 'full', ['eve', 'active']));
  t.ok(v9.ok && ids(v9.value).join() === 'eve:active', 'a full document after a gap resets the view');
});
