// Restart (resume from the store), close, a failing store, the per-AoR limit
// and listener failures.
import t from 'tap';
import { MemoryBindingStore, Registrar, type BindingStore, type StoredBinding } from '../src/index.js';
import { SERVER_UDP, contactsOf, settle, world } from './world.js';

const AOR = 'sip:alice@example.test';

t.test('resume reloads live bindings, drops expired ones and re-arms the timers', async (t) => {
  const store = new MemoryBindingStore();
  const before = world({ auth: false, store });
  await before.register({ contacts: ['<sip:alice@10.0.0.1>;expires=60', '<sip:alice@10.0.0.2>;expires=600'] });
  await before.register({ user: 'bob', contacts: ['<sip:bob@10.0.0.3>;expires=60'] });
  await before.close();
  t.equal(await store.count(), 3);

  const after = world({ auth: false, store });
  t.teardown(after.close);
  after.clock.advance(120_000); // "downtime"
  t.same(after.registrar.lookup(AOR), [], 'nothing served before resume');
  const summary = await after.registrar.resume();
  t.same(summary, { loaded: 1, dropped: 2 });
  t.same(
    after.registrar.lookup(AOR).map((b) => b.contact),
    ['sip:alice@10.0.0.2'],
  );
  t.equal(await store.count(), 1, 'expired bindings removed from the store');
  t.same(after.events, [], 'resume emits nothing');
  const q = await after.register({ contacts: [] });
  t.same(contactsOf(q), ['<sip:alice@10.0.0.2>;expires=480'], 'expiry kept across the restart');
  after.clock.advance(480_000);
  await settle();
  t.same(after.registrar.lookup(AOR), []);
  t.same(
    after.events.map((e) => e.name),
    ['expired'],
  );
});

t.test('a REGISTER before resume still sees the stored bindings of its AoR', async (t) => {
  const store = new MemoryBindingStore();
  const before = world({ auth: false, store });
  await before.register({ contacts: ['<sip:alice@10.0.0.1>'], expires: 600 });
  await before.close();
  const after = world({ auth: false, store });
  t.teardown(after.close);
  const r = await after.register({ contacts: ['<sip:alice@10.0.0.2>'], expires: 600 });
  t.equal(r.status, 200);
  t.equal(contactsOf(r).length, 2, 'the stored binding was not overwritten');
  t.equal(await store.count(), 2);
});

t.test('close: timers stopped, REGISTER answered 503, store kept', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  await w.register({ expires: 60 });
  w.registrar.close();
  const r = await w.register({ expires: 60, callId: 'later' });
  t.equal(r.status, 503);
  w.clock.advance(120_000);
  await settle();
  t.equal(await w.registrar.store.count(), 1);
  t.same(
    w.events.map((e) => e.name),
    ['registered'],
    'no expiry after close',
  );
});

class FailingStore extends MemoryBindingStore {
  fail = false;
  override async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    if (this.fail) throw new Error('disk full');
    return super.replaceAor(aor, bindings);
  }
}

t.test('a failing store: 500, nothing committed, nothing emitted', async (t) => {
  const store = new FailingStore();
  const w = world({ auth: false, store: store as BindingStore });
  t.teardown(w.close);
  await w.register({ contacts: ['<sip:alice@10.0.0.1>'], expires: 600, callId: 'c', cseq: 1 });
  store.fail = true;
  const r = await w.register({ contacts: ['<sip:alice@10.0.0.2>'], expires: 600, callId: 'c', cseq: 2 });
  t.equal(r.status, 500);
  t.equal(r.reason, 'Binding Store Unavailable');
  t.same(
    w.registrar.lookup(AOR).map((b) => b.contact),
    ['sip:alice@10.0.0.1'],
  );
  t.match(w.warnings.join('\n'), /store write failed/);
  store.fail = false;
  const retry = await w.register({ contacts: ['<sip:alice@10.0.0.2>'], expires: 600, callId: 'c', cseq: 3 });
  t.equal(retry.status, 200, 'the failed CSeq was not recorded');
  await settle();
  t.same(
    w.events.map((e) => e.name),
    ['registered', 'registered'],
  );
  store.fail = true;
  w.clock.advance(600_000);
  await settle();
  t.same(w.registrar.lookup(AOR), [], 'expiry still drops them from lookups when the store fails');
  t.same(w.events.at(-1)?.name, 'expired');
});

t.test('maxContactsPerAor: new contacts beyond the limit get 403, refreshes pass', async (t) => {
  const w = world({ auth: false, maxContactsPerAor: 2 });
  t.teardown(w.close);
  await w.register({ contacts: ['<sip:alice@10.0.0.1>', '<sip:alice@10.0.0.2>'], callId: 'c', cseq: 1 });
  const third = await w.register({ contacts: ['<sip:alice@10.0.0.3>'], callId: 'c', cseq: 2 });
  t.equal(third.status, 403);
  t.equal(third.reason, 'Too Many Registered Contacts');
  const refresh = await w.register({ contacts: ['<sip:alice@10.0.0.1>'], callId: 'c', cseq: 3 });
  t.equal(refresh.status, 200);
  const swap = await w.register({
    contacts: ['<sip:alice@10.0.0.1>;expires=0', '<sip:alice@10.0.0.3>'],
    callId: 'c',
    cseq: 4,
  });
  t.equal(swap.status, 200, 'removing one and adding one in the same REGISTER fits');
  t.same(
    w.registrar
      .lookup(AOR)
      .map((b) => b.contact)
      .sort(),
    ['sip:alice@10.0.0.2', 'sip:alice@10.0.0.3'],
  );
});

t.test('a throwing listener is logged and does not stop the others or the 200', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const off = w.registrar.on('registered', () => {
    throw new Error('boom');
  });
  const r = await w.register();
  t.equal(r.status, 200);
  await settle();
  t.equal(w.events.length, 1, 'the other listener ran');
  t.match(w.warnings.join('\n'), /event listener failed/);
  off();
  await w.register({ user: 'bob' });
  await settle();
  t.equal(w.warnings.filter((m) => /listener failed/.test(m)).length, 1, 'removed listener not called');
});

t.test('lookup and bindings for the management API', async (t) => {
  const w = world({ auth: false, domain: ['example.test', '127.0.0.1'] });
  t.teardown(w.close);
  await w.register({ contacts: ['<sip:alice@10.0.0.1>'] });
  await w.register({ user: 'bob', uri: 'sip:127.0.0.1', toDomain: '127.0.0.1' });
  t.same(
    w.registrar
      .bindings()
      .map((b) => b.aor)
      .sort(),
    ['sip:alice@example.test', 'sip:bob@127.0.0.1'],
  );
  t.equal(w.registrar.lookup('alice@example.test').length, 1, 'scheme optional');
  t.equal(w.registrar.lookup('sips:alice@EXAMPLE.test').length, 1, 'sips and host case normalized');
  t.same(w.registrar.lookup('not a uri'), []);
  t.same(w.registrar.lookup('sip:example.test'), [], 'no user part: no AoR');
  t.ok(new Registrar({ host: w.server, domain: '::1', auth: false }).domains.has('[::1]'), 'IPv6 domains');
});

t.test('a REGISTER with a (stray) To tag is processed, not answered 481', async (t) => {
  const w = world({ auth: false });
  t.teardown(w.close);
  const request = w.phone.createRequest({
    method: 'REGISTER',
    uri: 'sip:example.test',
    from: '<sip:alice@example.test>',
    to: '<sip:alice@example.test>;tag=copied-from-last-200',
    contact: '<sip:alice@10.0.0.1>',
    headers: [['Expires', '600']],
  });
  const r = await w.phone.request(request, { to: SERVER_UDP });
  t.equal(r.status, 200);
  t.equal(w.registrar.lookup(AOR).length, 1);
});

class GatedStore extends MemoryBindingStore {
  readonly waiting: Array<() => void> = [];
  override async replaceAor(aor: string, bindings: readonly StoredBinding[]): Promise<void> {
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.replaceAor(aor, bindings);
  }
}

t.test('concurrent REGISTERs of one AoR are applied one after the other (no lost update)', async (t) => {
  const store = new GatedStore();
  const w = world({ auth: false, store });
  t.teardown(w.close);
  const first = w.register({ contacts: ['<sip:alice@10.0.0.1>'], expires: 600, callId: 'desk' });
  const second = w.register({ contacts: ['<sip:alice@10.0.0.2>'], expires: 600, callId: 'mobile' });
  await settle();
  t.equal(store.waiting.length, 1, 'the second waits for the first store write');
  store.waiting.shift()?.();
  await settle();
  t.equal(store.waiting.length, 1, 'then it runs');
  store.waiting.shift()?.();
  const [a, b] = await Promise.all([first, second]);
  t.same(contactsOf(a), ['<sip:alice@10.0.0.1>;expires=600']);
  t.same(contactsOf(b).sort(), ['<sip:alice@10.0.0.1>;expires=600', '<sip:alice@10.0.0.2>;expires=600']);
  t.equal(await store.count(), 2);
});
