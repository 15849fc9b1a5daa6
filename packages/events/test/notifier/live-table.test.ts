import t from 'tap';
import type { Dialog } from '@herald/sip';
import type { EventPackage } from '../../src/package.js';
import { type Live, LiveState, type SharedDialog } from '../../src/notifier/live.js';
import { LiveTable } from '../../src/notifier/live-table.js';
import type { StoredSubscription } from '../../src/store.js';

const dialogOf = (callId: string, localTag: string, remoteTag: string, localSeq?: number): Dialog => ({
  id: { callId, localTag, remoteTag },
  state: 'confirmed',
  role: 'uas',
  local: '<sip:bob@example.test>',
  remote: '<sip:alice@example.test>',
  localSeq,
  remoteSeq: 1,
  remoteTarget: 'sip:alice@192.0.2.1',
  routeSet: [],
  secure: false,
});

function liveOf(id: string, shared: SharedDialog, event = 'presence', eventId?: string): Live {
  const sub = {
    id,
    event,
    eventId,
    resource: 'sip:bob@example.test',
    watcher: 'sip:alice@example.test',
    accept: [],
    contentType: 'application/pidf+xml',
    dialog: shared.dialog,
    flow: {
      transport: 'udp',
      local: { address: '127.0.0.1', port: 5060 },
      remote: { address: '192.0.2.1', port: 5060 },
    },
    status: 'active',
    expiresAt: 1000,
    version: -1,
    createdAt: 0,
  } satisfies StoredSubscription;
  return {
    sub,
    pkg: {} as EventPackage,
    shared,
    delivery: {} as Live['delivery'],
    timer: undefined,
    expirySlot: -1,
    lastEvent: 'subscribe',
    deltas: [],
    deltasComplete: true,
    forceFull: true,
    indexed: false,
    removed: false,
    endedPending: false,
    ephemeral: false,
    saving: undefined,
  };
}

t.test('dialogs sharing a Call-ID are told apart by their tags', async (t) => {
  const table = new LiveTable();
  const a = table.share(dialogOf('call-1', 'l1', 'r1'));
  const b = table.share(dialogOf('call-1', 'l2', 'r1'));
  const c = table.share(dialogOf('call-1', 'l1', 'r2'));
  t.not(a, b);
  t.not(a, c);
  t.equal(table.dialog({ callId: 'call-1', localTag: 'l1', remoteTag: 'r1' }), a);
  t.equal(table.dialog({ callId: 'call-1', localTag: 'l2', remoteTag: 'r1' }), b);
  t.equal(table.dialog({ callId: 'call-1', localTag: 'l1', remoteTag: 'r2' }), c);
  t.equal(table.dialog({ callId: 'call-1', localTag: 'l2', remoteTag: 'r2' }), undefined);
  t.equal(table.dialog({ callId: 'call-2', localTag: 'l1', remoteTag: 'r1' }), undefined);
  t.equal(table.share(dialogOf('call-1', 'l2', 'r1', 7)), b, 'a stored copy merges into the running dialog');
  t.equal(b.dialog.localSeq, 7);

  // A dialog goes with its last subscription; the others with the same Call-ID stay.
  const la = liveOf('a', a);
  const lb = liveOf('b', b);
  const lc = liveOf('c', c);
  for (const live of [la, lb, lc]) {
    table.add(live);
    table.index(live);
  }
  table.forget(lb);
  t.equal(table.dialog(b.dialog.id), undefined);
  t.equal(table.dialog(a.dialog.id), a);
  t.equal(table.dialog(c.dialog.id), c);
  table.forget(la);
  t.equal(table.dialog(a.dialog.id), undefined);
  t.equal(table.dialog(c.dialog.id), c);
  table.forget(lc);
  t.equal(table.dialog(c.dialog.id), undefined);
  t.equal(table.size, 0);
});

t.test('in-dialog lookup by (event, id): indexed members only, the newest indexed wins', async (t) => {
  const table = new LiveTable();
  const shared = table.share(dialogOf('call-9', 'l', 'r'));
  const first = liveOf('s1', shared);
  const other = liveOf('s2', shared, 'presence', 'x');
  table.add(first);
  table.add(other);
  t.equal(table.inDialog(shared, 'presence', undefined), undefined, 'not indexed yet (SUBSCRIBE being stored)');
  table.index(other);
  table.index(first);
  t.equal(table.inDialog(shared, 'presence', undefined), first);
  t.equal(table.inDialog(shared, 'presence', 'x'), other);
  t.equal(table.inDialog(shared, 'dialog', undefined), undefined);
  const second = liveOf('s3', shared);
  table.add(second);
  table.index(second);
  t.equal(table.inDialog(shared, 'presence', undefined), second, 'a newer subscription takes the key over');
  t.same(
    table.watching('presence', 'sip:bob@example.test').map((l) => l.sub.id),
    ['s2', 's1', 's3'],
  );
  table.unindex(second);
  t.equal(table.inDialog(shared, 'presence', undefined), first);
  t.equal(table.sibling(first), other);
  first.removed = true;
  t.equal(table.sibling(other), undefined, 'a removed member is no sibling');
});

t.test('a dialog holds a lone subscription as is, several in an array, and goes with the last', async (t) => {
  const table = new LiveTable();
  const shared = table.share(dialogOf('call-7', 'l', 'r'));
  const a = liveOf('a', shared);
  const b = liveOf('b', shared, 'dialog');
  table.add(a);
  table.index(a);
  t.equal(shared.members, a, 'one: no array');
  t.equal(table.sibling(a), undefined);
  table.add(b);
  table.index(b);
  t.same(shared.members, [a, b]);
  t.equal(table.sibling(a), b);
  t.equal(table.inDialog(shared, 'dialog', undefined), b);
  table.forget(a);
  t.equal(shared.members, b, 'back to one');
  t.equal(table.dialog(shared.dialog.id), shared);
  table.forget(b);
  t.equal(shared.members, undefined);
  t.equal(table.dialog(shared.dialog.id), undefined);
  table.forget(b);
  t.equal(table.size, 0, 'forgetting twice is harmless');
});

t.test(
  'LiveState: flags start as a new subscription needs them and change one at a time; deltas on first use',
  async (t) => {
    const table = new LiveTable();
    const shared = table.share(dialogOf('call-8', 'l', 'r'));
    const sub = liveOf('x', shared).sub;
    const live = new LiveState(sub, {} as EventPackage, shared, {} as Live['delivery'], false);
    const flags = (): boolean[] => [
      live.deltasComplete,
      live.forceFull,
      live.indexed,
      live.removed,
      live.endedPending,
      live.ephemeral,
    ];
    t.same(flags(), [true, true, false, false, false, false]);
    t.equal(live.expirySlot, -1);
    t.equal(live.lastEvent, 'subscribe');
    live.forceFull = false;
    live.removed = true;
    t.same(flags(), [true, false, false, true, false, false]);
    live.deltasComplete = false;
    live.endedPending = true;
    live.indexed = true;
    live.removed = false;
    t.same(flags(), [false, false, true, false, true, false]);
    t.equal(new LiveState(sub, {} as EventPackage, shared, {} as Live['delivery'], true).ephemeral, true);
    t.same(live.deltas, []);
    live.deltas.push('d1');
    live.deltas.push('d2');
    t.same(live.deltas, ['d1', 'd2'], 'pushed deltas are kept');
    live.deltas = [];
    t.same(live.deltas, []);
    live.deltas = ['d3'];
    t.same(live.deltas, ['d3']);
  },
);
