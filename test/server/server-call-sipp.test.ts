// A call through the whole server (issue 5, "How this is checked"): a sipp
// callee registers, a sipp caller calls it through the Server's proxy, and a
// third user watching the callee sees its BLF (dialog) go early → confirmed →
// terminated with call-id and tags, and its presence on-the-phone and back.
// Reuses the proxy's scenarios (call-register/uac/uas.xml), with auth off as
// those scenarios carry no credentials.
import t from 'tap';
import { Server, validateConfig } from '@herald/server';
import { have } from '../interop/helpers.js';
import { registerSippCallee, runSippCall } from './sipp-call.js';
import { Client } from '../../packages/server/test/server/helpers.js';

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
  return check();
}

t.test('sipp caller → Herald server → sipp callee, watched (dialog and presence) by a third user', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const v = validateConfig({
    domain: '127.0.0.1',
    listen: ['udp:127.0.0.1:0'],
    auth: false,
    http: false,
    notifyInterval: 0,
    backSubscribe: false,
  });
  if (!v.ok) throw new Error(v.error);
  const server = new Server(v.config);
  await server.start();
  t.teardown(() => server.stop());
  const port = server.ports[0]?.port ?? 0;

  const carol = await Client.start(t, port, 'carol', '127.0.0.1');
  const dialogBodies: string[] = [];
  const presenceBodies: string[] = [];
  carol.subscribe('sip:bob@127.0.0.1', 'dialog').on('notify', (n) => dialogBodies.push(n.body.toString()));
  carol.subscribe('sip:bob@127.0.0.1', 'presence').on('notify', (n) => presenceBodies.push(n.body.toString()));
  t.ok(await until(() => dialogBodies.length > 0 && presenceBodies.length > 0, 5_000), 'initial NOTIFYs');

  const { calleePort, ...reg } = await registerSippCallee(port, 'bob');
  t.equal(reg.code, 0, 'callee registered');
  if (reg.code !== 0) t.comment(reg.out.slice(-2000));
  t.ok(
    await until(() => presenceBodies.some((b) => b.includes('<basic>open</basic>')), 5_000),
    'bob open once registered',
  );

  const { caller, callee: calleeDone } = await runSippCall(port, calleePort);
  t.equal(caller.code, 0, 'caller: 180, 200, ACK, re-INVITE, BYE through the server');
  if (caller.code !== 0) t.comment(caller.out.slice(-3000));
  t.equal(calleeDone.code, 0, 'callee got everything through the server');
  if (calleeDone.code !== 0) t.comment(calleeDone.out.slice(-3000));

  t.ok(await until(() => dialogBodies.some((b) => b.includes('>terminated<')), 5_000), 'terminated dialog NOTIFY');
  const states = dialogBodies
    .flatMap((b) => [...b.matchAll(/<state[^>]*>([a-z]+)<\/state>/g)].map((m) => m[1]))
    .filter((s, i, all) => i === 0 || all[i - 1] !== s);
  t.same(
    states.filter((s) => s !== 'trying'),
    ['early', 'confirmed', 'terminated'],
    `bob's BLF: ${states.join(' → ')}`,
  );
  t.ok(
    dialogBodies.some((b) => /<dialog [^>]*call-id="[^"]+"[^>]*local-tag="[^"]+"[^>]*remote-tag="[^"]+"/.test(b)),
    'call-id and tags',
  );
  t.ok(
    presenceBodies.some((b) => b.includes('<rpid:on-the-phone/>')),
    'bob on the phone during the call',
  );
  t.notMatch(presenceBodies.at(-1) ?? '', /on-the-phone/, 'and not after');
});
