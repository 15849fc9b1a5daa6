// createPresencePackage: validatePublish verdicts, compose memory, inputs → sink, profile-driven render, render cache.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import type { PublishedDocument, RenderContext, WatcherInfo } from '@herald/events';
import { createPresencePackage, type PresentityState } from '@herald/presence';
import { fixture, mustParse } from './fixtures/load.js';

const R = 'sip:alice@example.test';

function watcher(userAgent?: string, accept: string[] = []): WatcherInfo {
  return { subscriptionId: 's1', uri: 'sip:bob@example.test', userAgent, accept };
}
function ctx(w: WatcherInfo, version = 1): RenderContext {
  return { resource: R, watcher: w, full: true, version };
}
function published(name: string, updatedAt: number, etag = name): PublishedDocument {
  const body = Buffer.from(fixture(name));
  return {
    etag,
    contentType: 'application/pidf+xml',
    body,
    parsed: mustParse(body),
    updatedAt,
    expiresAt: updatedAt + 3600_000,
  };
}

t.test('declaration: event, types, publish types, RFC 3856 defaults', async (t) => {
  const { package: pkg } = createPresencePackage();
  t.equal(pkg.event, 'presence');
  t.same(pkg.contentTypes, ['application/pidf+xml', 'application/xpidf+xml', 'application/cpim-pidf+xml']);
  t.equal(pkg.defaultContentType, 'application/pidf+xml');
  t.same(pkg.publishContentTypes, ['application/pidf+xml', 'application/cpim-pidf+xml']);
  t.equal(pkg.acceptsPublish, true);
  t.equal(pkg.minNotifyInterval, 5000);
  t.equal(createPresencePackage({ minNotifyInterval: 0 }).package.minNotifyInterval, 0);
});

t.test('validatePublish: PIDF and CPIM-PIDF parsed, bad bodies 400 with a reason, other types 415', async (t) => {
  const { package: pkg } = createPresencePackage();
  const ok = pkg.validatePublish!(Buffer.from(fixture('zoiper-dnd.xml')), 'application/pidf+xml');
  t.equal(ok.ok, true);
  if (ok.ok) t.same((ok.value as { entity: string }).entity, 'sip:1000@example.test;transport=UDP');
  t.equal(pkg.validatePublish!(Buffer.from(fixture('cpim-pidf.xml')), 'application/cpim-pidf+xml').ok, true);
  t.equal(pkg.validatePublish!(Buffer.from(fixture('linphone.xml')), 'Application/PIDF+XML; charset=utf-8').ok, true);
  const bad = pkg.validatePublish!(
    Buffer.from('<presence xmlns="urn:ietf:params:xml:ns:pidf"/>'),
    'application/pidf+xml',
  );
  t.same(bad, { ok: false, status: 400, reason: 'PIDF Missing Entity Attribute' });
  const broken = pkg.validatePublish!(Buffer.from('<presence'), 'application/pidf+xml');
  t.equal(broken.ok, false);
  if (!broken.ok) t.match(broken.reason, /Malformed XML/);
  t.same(pkg.validatePublish!(Buffer.from('x'), 'text/plain'), {
    ok: false,
    status: 415,
    reason: 'Unsupported Media Type',
  });
  t.equal(
    pkg.validatePublish!(Buffer.from(fixture('zoiper-dnd.xml')), 'application/xpidf+xml').ok,
    false,
    'XPIDF is rendered, not accepted',
  );
});

t.test('inputs recompose with the publications compose() last saw and push through the sink', async (t) => {
  const clock = new ManualClock(1_000);
  const pushed: Array<[string, PresentityState]> = [];
  const { package: pkg, inputs } = createPresencePackage({ clock, onState: (r, s) => pushed.push([r, s]) });
  const composed = pkg.compose!([published('zoiper-dnd.xml', 500)], R);
  t.equal(composed?.dnd, true);
  t.equal(pushed.length, 0, 'compose returns to the engine, no push');
  inputs.setRegistration(R, true);
  t.equal(pushed.length, 1);
  t.equal(pushed[0][0], R);
  t.equal(pushed[0][1].dnd, true, 'the remembered publication still counts');
  inputs.setActiveCalls(R, 1);
  t.equal(pushed.at(-1)?.[1].onThePhone, true);
  inputs.setActiveCalls(R, 0);
  t.equal(pushed.at(-1)?.[1].onThePhone, false);
  clock.advance(10);
  inputs.setApiStatus(R, { note: 'Working from home', dnd: false });
  t.equal(pushed.at(-1)?.[1].dnd, false);
  t.same(pushed.at(-1)?.[1].notes, [{ text: 'Working from home' }]);
  inputs.setApiStatus(R, undefined);
  t.equal(pushed.at(-1)?.[1].dnd, true, 'API cleared: DND from the publication again');
  inputs.setPhoneReport(R, 'vvx-1', { status: 'open', dnd: false });
  t.equal(pushed.at(-1)?.[1].dnd, false, 'another device is available');
  inputs.setPhoneReport(R, 'vvx-1', undefined);
  t.equal(pushed.at(-1)?.[1].dnd, true);
  // The last publication goes: registration decides again.
  t.equal(pkg.compose!([], R)?.status, 'open');
  t.equal(inputs.state(R).dnd, false);
  inputs.setRegistration(R, false);
  const last = pushed.at(-1)?.[1];
  t.equal(last?.status, 'closed');
  t.equal(inputs.state('sip:nobody@example.test').status, 'closed', 'unknown resource → closed');
});

t.test('compose re-parses bodies whose parsed value is missing (stored publications)', async (t) => {
  const { package: pkg } = createPresencePackage();
  const doc = { ...published('linphone.xml', 10), parsed: undefined };
  const s = pkg.compose!([doc], R);
  t.same(s?.activities, ['away']);
  const junk = { ...published('linphone.xml', 10), parsed: undefined, body: Buffer.from('<junk') };
  t.equal(pkg.compose!([junk], R)?.status, 'closed', 'an unparsable stored body is skipped');
});

t.test('render: PIDF per profile, XPIDF for Polycom when accepted, closed when nothing is known', async (t) => {
  const { package: pkg } = createPresencePackage();
  const state = pkg.compose!([published('linphone.xml', 10)], R)!;
  const linphone = pkg.render(state, 'application/pidf+xml', ctx(watcher('Linphone/5.1.0 (belle-sip/5.1.0)')));
  t.equal(linphone.contentType, 'application/pidf+xml', 'exact type, no parameters');
  const text = String(linphone.body);
  t.ok(text.includes('<rpid:away/>'));
  t.ok(text.includes(`entity="${R}"`), 'entity is the resource URI, not what the phone wrote');
  t.equal((text.match(/<tuple /g) ?? []).length, 1, 'composed tuple only');

  const cisco = String(pkg.render(state, 'application/pidf+xml', ctx(watcher('Cisco/SPA504G-7.6.2c'))).body);
  t.notOk(cisco.includes('rpid'), 'RPID off for Cisco');
  t.match(cisco, /<basic>open<\/basic>/);

  const polycom = pkg.render(
    state,
    'application/pidf+xml',
    ctx(watcher('PolycomVVX-VVX_411-UA/6.3.1', ['application/pidf+xml', 'application/xpidf+xml'])),
  );
  t.equal(polycom.contentType, 'application/xpidf+xml');
  t.match(String(polycom.body), /<msnsubstatus substatus="away"\/>/);

  const polycomPidfOnly = pkg.render(
    state,
    'application/pidf+xml',
    ctx(watcher('PolycomVVX', ['application/pidf+xml'])),
  );
  t.equal(polycomPidfOnly.contentType, 'application/pidf+xml', 'never a type the watcher did not accept');

  const cpim = pkg.render(state, 'application/cpim-pidf+xml', ctx(watcher(undefined, ['application/cpim-pidf+xml'])));
  t.equal(cpim.contentType, 'application/cpim-pidf+xml');
  t.match(String(cpim.body), /xmlns="urn:ietf:params:xml:ns:pidf"/);

  const empty = pkg.render(undefined, 'application/pidf+xml', ctx(watcher('baresip v1.0.0')));
  t.match(String(empty.body), /<tuple id="herald"><status><basic>closed<\/basic><\/status><\/tuple>/);
  t.equal(mustParse(String(empty.body)).entity, R);
});

t.test('device tuples when a profile asks for them', async (t) => {
  const { package: pkg } = createPresencePackage({
    profiles: [{ name: 'all', userAgent: /^AllTuples/, rpid: true, dataModel: true, deviceTuples: true }],
  });
  const state = pkg.compose!([published('yealink-t46.xml', 10), published('zoiper-online.xml', 20)], R)!;
  const doc = mustParse(String(pkg.render(state, 'application/pidf+xml', ctx(watcher('AllTuples/1'))).body));
  t.same(
    doc.tuples.map((x) => x.id),
    ['herald', '_1000', 'yl-2002-1'],
  );
});

t.test('render cache: same body object per (state, type, profile); a new state renders anew', async (t) => {
  const { package: pkg, inputs } = createPresencePackage();
  const state = pkg.compose!([published('bria.xml', 10)], R)!;
  const w = watcher('Yealink SIP-T46S');
  const a = pkg.render(state, 'application/pidf+xml', ctx(w, 1));
  const b = pkg.render(state, 'application/pidf+xml', ctx({ ...w, subscriptionId: 's2' }, 7));
  t.equal(a, b, 'cached across watchers of one profile');
  const c = pkg.render(state, 'application/pidf+xml', ctx(watcher('Cisco/SPA504G')));
  t.not(a, c, 'another profile, another body');
  t.not(String(a.body), String(c.body));
  const next = inputs.state(R);
  t.not(pkg.render(next, 'application/pidf+xml', ctx(w)), a, 'new state object → fresh render');
  t.equal(pkg.render(undefined, 'application/pidf+xml', ctx(w)), pkg.render(undefined, 'application/pidf+xml', ctx(w)));
  const uncached = createPresencePackage({ renderCache: false }).package;
  const u1 = uncached.render(state, 'application/pidf+xml', ctx(w));
  t.not(u1, uncached.render(state, 'application/pidf+xml', ctx(w)));
  t.equal(String(u1.body), String(a.body), 'same bytes with and without the cache');
});

t.test('input changes hand over a state composed on first read, once, from the sources as they are then', async (t) => {
  const pushed: PresentityState[] = [];
  const { inputs } = createPresencePackage({ clock: new ManualClock(1_000), onState: (_r, s) => pushed.push(s) });
  inputs.setRegistration(R, true);
  const first = pushed[0];
  t.equal(first?.status, 'open', 'registered: open');
  t.equal(first?.document.entity, R);
  t.equal(first?.document, first?.document, 'composed once: the same document on every read');
  inputs.setRegistration(R, false);
  inputs.setApiStatus(R, { dnd: true });
  t.equal(pushed.length, 3, 'one state per change');
  t.same(
    { status: pushed[2]?.status, dnd: pushed[2]?.dnd },
    { status: inputs.state(R).status, dnd: inputs.state(R).dnd },
    'the newest equals an eager composition',
  );
  t.equal(pushed[1]?.dnd, true, 'an older state first read after a newer change shows the newest sources');
  t.equal(first?.status, 'open', 'a state already read keeps what it composed');
  const eager = inputs.state(R);
  t.same(
    JSON.parse(JSON.stringify(pushed[2])),
    JSON.parse(JSON.stringify(eager)),
    'as JSON: the composed fields, like an eager state',
  );
  t.same(Object.keys(JSON.parse(JSON.stringify(pushed[2]))).sort(), Object.keys(eager).sort());
});

t.test('the closed document for no state is byte-identical with and without the render cache', async (t) => {
  const cached = createPresencePackage().package;
  const uncached = createPresencePackage({ renderCache: false }).package;
  const agents = [undefined, 'Polycom/5.9', 'Yealink SIP-T46S', 'Grandstream GXP2170', 'baresip v2', 'Zoiper 5'];
  const resources = [R, 'sip:b@example.test;user=phone', 'sip:"q"&<x>@example.test', 'sip:caf\u00e9@example.test'];
  const types = ['application/pidf+xml', 'application/cpim-pidf+xml', 'application/xpidf+xml'];
  for (const ua of agents) {
    for (const resource of resources) {
      for (const type of types) {
        const context: RenderContext = { resource, watcher: watcher(ua, [type]), full: true, version: 1 };
        const a = cached.render(undefined, type, context);
        const b = uncached.render(undefined, type, context);
        t.equal(String(a.body), String(b.body), `${ua ?? 'default'} ${resource} ${type}`);
        t.equal(a.contentType, b.contentType);
      }
    }
  }
});
