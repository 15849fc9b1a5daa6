// presence.winfo without a network: watcher changes from a scripted notifier
// become states and deltas; full and partial bodies over a sequence of
// versions, validated by re-parsing; the body cache; the authorize helper.
import t from 'tap';
import { ManualClock } from '@herald/sip';
import {
  ResourceStates,
  type RenderContext,
  type ResourceChange,
  type WatcherChange,
  type WatcherEvent,
  type WatcherRecord,
  type AuthorizeInfo,
} from '@herald/events';
import {
  createWinfoAuthorize,
  createWinfoPackage,
  isWinfoEvent,
  parseWatcherinfo,
  type WatcherSource,
  type WinfoEntry,
  type WinfoState,
} from '@herald/presence';

const ALICE = 'sip:alice@example.test';

/** A notifier stand-in: a table of watcher records and the change listeners. */
class ScriptedWatchers implements WatcherSource {
  readonly records = new Map<string, WatcherRecord>();
  private readonly listeners = new Set<(c: WatcherChange) => void>();
  constructor(private readonly clock: ManualClock) {}
  watchers(event: string, resource: string): WatcherRecord[] {
    return [...this.records.values()].filter((r) => r.package === event && r.resource === resource);
  }
  onWatcherChange(listener: (c: WatcherChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(
    id: string,
    status: WatcherRecord['status'],
    event: WatcherEvent,
    pkg = 'presence',
    watcher = `sip:${id}@example.test`,
  ): void {
    const now = this.clock.now();
    const old = this.records.get(id);
    const record: WatcherRecord = {
      subscriptionId: id,
      package: pkg,
      resource: ALICE,
      watcher,
      displayName: id === 'bob' ? 'Bob' : undefined,
      status,
      event,
      blocked: false,
      createdAt: old?.createdAt ?? now,
      duration: 0,
      expiresAt: (old?.createdAt ?? now) + 3_600_000,
    };
    if (status === 'terminated') this.records.delete(id);
    else this.records.set(id, record);
    for (const l of this.listeners) l({ watcher: record, event });
  }
}

const ctx = (version: number, delta?: readonly WinfoEntry[]): RenderContext<WinfoEntry> => ({
  resource: ALICE,
  watcher: { subscriptionId: 'owner', uri: ALICE, accept: [] },
  full: delta === undefined,
  version,
  delta,
});

function setup(cache = true) {
  const clock = new ManualClock(1_000_000);
  const source = new ScriptedWatchers(clock);
  const states = new ResourceStates();
  const winfo = createWinfoPackage({ clock, cache });
  const changes: ResourceChange[] = [];
  states.onChange((c) => changes.push(c));
  const detach = winfo.attach(source, states);
  return { clock, source, states, winfo, changes, detach };
}

t.test('declaration', async (t) => {
  const { package: pkg } = createWinfoPackage();
  t.equal(pkg.event, 'presence.winfo');
  t.same(pkg.contentTypes, ['application/watcherinfo+xml']);
  t.equal(pkg.partialNotify, true);
  t.equal(pkg.acceptsPublish, false);
  t.equal(
    createWinfoPackage({ watchedEvent: 'Dialog' }).package.event,
    'dialog.winfo',
    'any package (RFC 3857 template)',
  );
});

t.test('nothing known: a full document with an empty watcher-list', async (t) => {
  const { winfo } = setup();
  const body = String(winfo.package.render(undefined, 'application/watcherinfo+xml', ctx(0)).body);
  const r = parseWatcherinfo(body);
  t.ok(r.ok);
  t.same(r.ok && r.value, {
    version: 0,
    state: 'full',
    lists: [{ resource: ALICE, package: 'presence', watchers: [] }],
  });
});

t.test('a sequence of watcher changes: states, deltas, full and partial bodies with versions', async (t) => {
  const w = setup();
  const render = (version: number, delta?: readonly WinfoEntry[]) => {
    const state = w.states.get<WinfoState>('presence.winfo', ALICE);
    const r = parseWatcherinfo(String(w.winfo.package.render(state, '', ctx(version, delta)).body));
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  };

  // The presentity watches its watchers first: without a winfo watcher no list is kept (see the stale test).
  w.source.change('owner', 'active', 'subscribe', 'presence.winfo', ALICE);
  w.source.change('bob', 'active', 'subscribe');
  w.clock.advance(10_000);
  w.source.change('carol', 'pending', 'subscribe');
  w.clock.advance(5_000);
  w.source.change('carol', 'active', 'approved');
  w.clock.advance(1_000);
  w.source.change('bob', 'terminated', 'timeout');
  w.source.change('mallory', 'pending', 'subscribe');
  w.clock.advance(2_000);
  w.source.change('mallory', 'terminated', 'timeout');
  w.source.change('owner', 'active', 'subscribe', 'presence.winfo', ALICE); // a refresh; winfo's own watchers are not listed

  const deltas = w.changes.map((c) => c.delta as WinfoEntry);
  t.same(
    deltas.map((d) => `${d.id}:${d.status}/${d.event}`),
    [
      'bob:active/subscribe',
      'carol:pending/subscribe',
      'carol:active/approved',
      'bob:terminated/timeout',
      'mallory:pending/subscribe',
      'mallory:waiting/timeout',
    ],
    'one delta per change; a pending watcher that times out is waiting (RFC 3857 §3.2.4)',
  );

  // Full state after everything: carol only (terminated and waiting watchers are not live).
  const full = render(0);
  t.equal(full.state, 'full');
  t.same(full.lists[0].watchers, [
    {
      id: 'carol',
      uri: 'sip:carol@example.test',
      status: 'active',
      event: 'approved',
      durationSubscribed: 8,
    },
  ]);

  // Partial with one delta and with several (last change per watcher wins).
  const p1 = render(1, [deltas[3]]);
  t.equal(p1.version, 1);
  t.equal(p1.state, 'partial');
  t.same(
    p1.lists[0].watchers.map((x) => [x.id, x.status, x.event, x.durationSubscribed]),
    [['bob', 'terminated', 'timeout', 18]],
    'duration counted from creation to now',
  );
  const p2 = render(2, [deltas[4], deltas[5], deltas[3]]);
  t.same(
    p2.lists[0].watchers.map((x) => `${x.id}:${x.status}`),
    ['mallory:waiting', 'bob:terminated'],
  );
  t.equal(p2.version, 2);
  t.equal(w.changes.length, 6, 'the winfo subscription itself added no delta (the state was already known)');
});

t.test(
  'the first winfo watcher of a presentity with no winfo state gets the list, not the neutral document',
  async (t) => {
    const w = setup();
    w.source.records.set('bob', {
      subscriptionId: 'bob',
      package: 'presence',
      resource: ALICE,
      watcher: 'sip:bob@example.test',
      status: 'active',
      event: 'approved',
      blocked: false,
      createdAt: w.clock.now(),
      duration: 0,
      expiresAt: w.clock.now() + 60_000,
    }); // e.g. resumed after a restart: no change was announced
    w.source.change('owner', 'active', 'subscribe', 'presence.winfo', ALICE);
    const state = w.states.get<WinfoState>('presence.winfo', ALICE);
    t.same(
      state?.watchers.map((x) => x.id),
      ['bob'],
    );
    t.equal(w.changes.at(-1)?.delta, undefined, 'set as full state');
    w.detach();
    w.source.change('carol', 'pending', 'subscribe');
    t.equal(w.changes.length, 1, 'nothing after detach');
    w.winfo.resync(ALICE);
    t.equal(w.changes.length, 1, 'resync is a no-op when detached');
  },
);

t.test('no winfo watcher: no list is built per change; the first winfo watcher gets an up-to-date list', async (t) => {
  const w = setup();
  w.source.change('owner', 'active', 'subscribe', 'presence.winfo', ALICE);
  w.source.change('bob', 'active', 'subscribe');
  t.equal(w.changes.length, 1, 'watched: one state per change');
  w.source.change('owner', 'terminated', 'timeout', 'presence.winfo', ALICE);
  w.source.change('carol', 'active', 'subscribe');
  w.source.change('bob', 'terminated', 'timeout');
  w.source.change('dave', 'pending', 'subscribe');
  t.equal(w.changes.length, 1, 'unwatched: nothing built or announced');
  t.same(
    w.states.get<WinfoState>('presence.winfo', ALICE)?.watchers.map((x) => x.id),
    ['bob'],
    'the stored list is stale meanwhile',
  );
  w.source.change('owner2', 'active', 'subscribe', 'presence.winfo', ALICE);
  t.equal(w.changes.length, 2, 'the new winfo watcher resyncs once');
  t.equal(w.changes.at(-1)?.delta, undefined, 'as full state');
  t.same(
    w.states.get<WinfoState>('presence.winfo', ALICE)?.watchers.map((x) => `${x.id}:${x.status}`),
    ['carol:active', 'dave:pending'],
  );
  w.source.change('erin', 'active', 'subscribe');
  t.equal(w.changes.length, 3, 'watched again: deltas resume');
  t.equal((w.changes.at(-1)?.delta as WinfoEntry).id, 'erin');
});

t.test('cache: same bytes as uncached, version spliced per subscription, durations move with the clock', async (t) => {
  const cached = setup(true);
  const plain = setup(false);
  for (const w of [cached, plain]) {
    w.source.change('owner', 'active', 'subscribe', 'presence.winfo', ALICE);
    w.source.change('bob', 'active', 'subscribe');
    w.source.change('carol', 'pending', 'subscribe');
  }
  const state = (w: typeof cached) => w.states.get<WinfoState>('presence.winfo', ALICE);
  const body = (w: typeof cached, v: number) => String(w.winfo.package.render(state(w), '', ctx(v)).body);
  t.equal(body(cached, 4), body(plain, 4));
  t.equal(body(cached, 5), body(plain, 5));
  t.match(body(cached, 5), / version="5" /);
  t.match(body(cached, 12), / version="12" /, 'cached body with another version');
  for (const w of [cached, plain]) w.clock.advance(61_000);
  t.match(body(cached, 6), /duration-subscribed="61"/, 'a new second re-renders');
  t.equal(body(cached, 6), body(plain, 6));
  const d = cached.changes.at(-1)?.delta as WinfoEntry;
  const partial = (v: number) => String(cached.winfo.package.render(state(cached), '', ctx(v, [d])).body);
  t.match(partial(7), /state="partial"/);
  t.match(partial(8), / version="8" /);
});

t.test('authorize: only the presentity may watch its own watchers; other events pass through', async (t) => {
  const info = (event: string, watcher: string) => ({ event, resource: ALICE, watcher }) as unknown as AuthorizeInfo;
  const hook = createWinfoAuthorize();
  t.equal(await hook(info('presence.winfo', ALICE)), 'accept');
  t.same(await hook(info('presence.winfo', 'sip:bob@example.test')), {
    reject: 403,
    reason: 'Only The Presentity May See Its Watchers',
  });
  t.equal(await hook(info('presence', 'sip:bob@example.test')), 'accept');
  const chained = createWinfoAuthorize({
    next: (i) => (i.watcher === 'sip:carol@example.test' ? 'pending' : 'accept'),
    allow: (i) => i.watcher === 'sip:admin@example.test',
  });
  t.equal(await chained(info('presence', 'sip:carol@example.test')), 'pending');
  t.equal(await chained(info('dialog.winfo', 'sip:admin@example.test')), 'accept');
  t.same(await chained(info('presence.winfo', 'sip:carol@example.test')), {
    reject: 403,
    reason: 'Only The Presentity May See Its Watchers',
  });
  t.equal(await createWinfoPackage().authorize()(info('presence.winfo', ALICE)), 'accept');
  t.ok(isWinfoEvent('Presence.WINFO'));
  t.notOk(isWinfoEvent('presence'));
});
