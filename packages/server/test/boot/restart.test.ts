import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NotifyEvent } from '@herald/events';
import { Client, nextNotify, pidf } from '../server/helpers.js';
import { boot, cseqOf, settle, tempDir, until } from './harness.js';

const versionOf = (n: NotifyEvent): number => Number(/version="(\d+)"/.exec(n.body.toString())?.[1] ?? -1);

t.test('a restart on the same SQLite file keeps registrations, publications and subscriptions', async (t) => {
  const db = join(tempDir(t), 'herald.db');
  const first = await boot(t, { db, now: 1_000_000 });
  const ports = { udp: first.udpPort, tcp: first.tcpPort };
  const alice = await Client.start(t, first.udpPort, 'alice');
  const bob = await Client.start(t, first.udpPort, 'bob');
  const carol = await Client.start(t, first.udpPort, 'carol');

  t.equal((await alice.register(3600)).status, 200);
  t.equal((await carol.register(3600)).status, 200);
  t.equal(
    (await alice.publish(pidf(alice.aor, 'open', '<dm:person id="p"><dm:note>in a meeting</dm:note></dm:person>')))
      .status,
    200,
  );
  const presence = bob.subscribe(alice.aor, 'presence');
  const before = await nextNotify(presence, (b) => b.includes('in a meeting'));
  const dialog = bob.subscribe(alice.aor, 'dialog');
  const dialogBefore = await nextNotify(dialog);
  await until(() => first.server.watchers.all().length === 2, 'two watchers');

  await first.server.stop();
  // Ten seconds later (the manual clock of the new process), same ports, same file.
  const presenceAfter = nextNotify(presence, (b) => b.includes('in a meeting'));
  const second = await boot(t, { db, now: 1_010_000, ports });
  second.clock.advance(0); // resumeJitter 0: the restart NOTIFYs go at the next timer tick
  await settle();

  t.equal(second.server.registrar.lookup(alice.aor).length, 1, 'the binding routes again');
  t.equal(second.server.registrar.lookup(carol.aor).length, 1);
  t.equal((await second.server.engine.publications.publications('presence', alice.aor)).length, 1, 'publication back');
  t.equal(second.server.engine.notifier.size, 2, 'both subscriptions running');
  t.equal(second.server.watchers.all().length, 2, 'management watcher table refilled');
  t.match(second.lines.find((l) => l.msg === 'store')?.detail, { kind: 'sqlite', bindings: 2, subscriptions: 2 });

  const p = await presenceAfter;
  t.match(p.body.toString(), /<basic>open<\/basic>/, 'presence open again (registration and publication)');
  t.ok(cseqOf(p.request) > cseqOf(before.request), 'presence NOTIFY CSeq continues upwards');
  t.notOk(
    second.notifies.some((n) => n.request.headers.get('Event') === 'dialog'),
    'no NOTIFY for the dialog subscription: nothing rebuilt for it (calls live in memory)',
  );
  // The next dialog change: CSeq and dialog-info version continue from the stored ones.
  const dialogAfter = nextNotify(dialog, (b) => b.includes('app-call-1'));
  second.server.pushDialog('alice', {
    callId: 'app-call-1',
    direction: 'recipient',
    state: 'confirmed',
    localTag: 'a1',
    remoteTag: 'b1',
  });
  const d = await dialogAfter;
  t.ok(cseqOf(d.request) > cseqOf(dialogBefore.request), 'dialog NOTIFY CSeq continues upwards');
  t.ok(versionOf(d) > versionOf(dialogBefore), `dialog-info version ${versionOf(dialogBefore)} → ${versionOf(d)}`);

  // carol registered before the restart and never published: her presence comes from the stored binding.
  const carolWatch = nextNotify(bob.subscribe(carol.aor, 'presence'), (b) => b.includes('<basic>open</basic>'));
  t.match((await carolWatch).body.toString(), /<basic>open<\/basic>/, 'registered before the restart → open');

  // A later change still goes to the watcher, CSeq still rising.
  const later = nextNotify(presence, (b) => b.includes('back soon'));
  second.server.setStatus('alice', { note: 'back soon' });
  t.ok(cseqOf((await later).request) > cseqOf(p.request), 'the next change continues the CSeq');

  // The stored version moved with the NOTIFYs (read with a second connection).
  const reader = new Database(db, { readonly: true });
  t.teardown(() => reader.close());
  const rows = reader
    .prepare('SELECT event, version FROM subscriptions WHERE resource = ? ORDER BY event')
    .all(alice.aor) as Array<{ event: string; version: number }>;
  t.same(
    rows.map((r) => r.event),
    ['dialog', 'presence'],
  );
  t.ok(
    rows.every((r) => r.version >= 1),
    'versions stored past the first NOTIFY',
  );
});
