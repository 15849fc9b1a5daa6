// A real call through the Herald proxy (issue 5, "How this is checked"):
// a sipp callee REGISTERs (auth off), a sipp caller calls it through the proxy
// (INVITE/180/200/ACK, hold re-INVITE, BYE), while a Herald Endpoint watching
// the callee's (and the caller's) `dialog` sees early → confirmed → terminated
// with call-id and tags, and the caller's hold.
import t from 'tap';
import { EventEngine } from '@herald/events';
import { createDialogPackage, parseDialogInfo, type DialogInfo } from '@herald/dialog';
import { Registrar } from '@herald/registrar';
import { Endpoint, TransportLayer, UdpTransport, systemClock } from '@herald/sip';
import { Proxy } from '../../packages/server/src/proxy/index.js';
import { have } from '../interop/helpers.js';
import { registerSippCallee, runSippCall } from './sipp-call.js';

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return check();
}

t.test('sipp caller → Herald proxy → sipp callee, watched by a dialog subscriber', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
  await udp.listen();
  const port = udp.local.port;
  const layer = new TransportLayer({ transports: [udp] });
  const endpoint = new Endpoint({ transport: layer, userAgent: 'Herald proxy test' });
  const registrar = new Registrar({ host: endpoint, domain: '127.0.0.1', auth: false });
  const dialog = createDialogPackage();
  const engine = new EventEngine({ host: endpoint, packages: [dialog.package], subscriber: false });
  dialog.attach(engine);
  const active: Array<[string, number]> = [];
  const proxy = new Proxy({
    endpoint,
    transport: layer,
    lookup: (aor) => registrar.lookup(aor),
    isLocalDomain: (host) => host === '127.0.0.1',
    recordRoute: `sip:127.0.0.1:${port};lr`,
    callTracking: dialog.calls,
    onActiveCalls: (resource, count) => active.push([resource, count]),
  });

  const wudp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
  await wudp.listen();
  const watcher = new Endpoint({ transport: new TransportLayer({ transports: [wudp] }) });
  const docs = new Map<string, DialogInfo[][]>();
  watcher.on(
    'NOTIFY',
    (incoming) => {
      incoming.respond(200);
      const parsed = parseDialogInfo(incoming.request.body.toString('utf8'));
      if (!parsed.ok) return;
      docs.set(parsed.value.entity, [...(docs.get(parsed.value.entity) ?? []), [...parsed.value.dialogs]]);
    },
    { dialogs: 'handler' },
  );
  t.teardown(async () => {
    await watcher.close();
    dialog.close();
    await engine.close();
    registrar.close();
    await endpoint.close();
  });

  for (const user of ['bob', 'alice']) {
    const sub = await watcher.request(
      watcher.createRequest({
        method: 'SUBSCRIBE',
        uri: `sip:${user}@127.0.0.1`,
        from: '<sip:carol@127.0.0.1>',
        contact: `<sip:carol@127.0.0.1:${wudp.local.port}>`,
        headers: [
          ['Event', 'dialog'],
          ['Accept', 'application/dialog-info+xml'],
          ['Expires', '600'],
        ],
      }),
      { to: { transport: 'udp', address: '127.0.0.1', port } },
    );
    t.equal(sub.status, 200, `watching ${user}'s dialog`);
  }

  const { calleePort, ...reg } = await registerSippCallee(port, 'bob');
  t.equal(reg.code, 0, 'callee registered');
  if (reg.code !== 0) t.comment(reg.out.slice(-2000));
  t.equal(registrar.lookup('sip:bob@127.0.0.1').length, 1);

  const { caller, callee: calleeDone } = await runSippCall(port, calleePort);
  t.equal(caller.code, 0, 'caller: 180, 200, ACK, hold re-INVITE 200, BYE 200');
  if (caller.code !== 0) t.comment(caller.out.slice(-3000));
  t.equal(calleeDone.code, 0, 'callee: INVITE, ACK, re-INVITE, ACK and BYE all arrived through the proxy');
  if (calleeDone.code !== 0) t.comment(calleeDone.out.slice(-3000));

  const ended = (entity: string): boolean =>
    (docs.get(entity) ?? []).some((d) => d.some((x) => x.state === 'terminated'));
  t.ok(
    await until(() => ended('sip:bob@127.0.0.1') && ended('sip:alice@127.0.0.1'), 5_000),
    'terminated NOTIFYs arrived',
  );

  const bob = (docs.get('sip:bob@127.0.0.1') ?? []).flat();
  const states = bob.map((d) => d.state).filter((s, i, all) => i === 0 || all[i - 1] !== s);
  t.same(states, ['trying', 'early', 'confirmed', 'terminated'], `callee's BLF: ${states.join(' → ')}`);
  const confirmed = bob.find((d) => d.state === 'confirmed');
  t.ok(confirmed?.callId, 'call-id present');
  t.match(confirmed, { direction: 'recipient', localTag: /SIPpTag01/, remoteTag: /SIPpTag00/ }, 'tags of both sides');
  t.match(confirmed?.remote, {
    identity: { uri: 'sip:alice@127.0.0.1', display: 'Alice' },
    target: /^sip:alice@127\.0\.0\.1:/,
  });
  t.match(
    bob.find((d) => d.state === 'terminated'),
    { event: 'remote-bye' },
  );

  const alice = (docs.get('sip:alice@127.0.0.1') ?? []).flat();
  t.ok(
    alice.some((d) => d.state === 'confirmed' && d.local?.rendering === false),
    'the caller put the call on hold (sendonly re-INVITE): +sip.rendering no',
  );
  t.match(
    alice.find((d) => d.state === 'terminated'),
    { direction: 'initiator', event: 'local-bye', callId: confirmed?.callId },
  );

  t.same(
    active.filter(([r]) => r === 'sip:bob@127.0.0.1').map(([, n]) => n),
    [1, 0],
    'on the phone, then not',
  );
  t.equal(proxy.calls.size, 0);
});
