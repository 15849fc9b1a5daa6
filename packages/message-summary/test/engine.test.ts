// End to end over a loop pair: a phone SUBSCRIBEs to its own mailbox and
// gets "no"; the app's setMailbox lights the lamp with counts; a voicemail
// server's PUBLISH changes it again; the default off still sends a valid body.
import t from 'tap';
import { Endpoint, ManualClock, TransportLayer, createLoopPair } from '@herald/sip';
import { EventEngine } from '@herald/events';
import {
  MESSAGE_SUMMARY_EVENT,
  createMessageSummaryPackage,
  parseMessageSummary,
  type MessageSummaryPackageOptions,
} from '@herald/message-summary';

const SERVER = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
const settle = async (): Promise<void> => {
  for (let i = 0; i < 8; i++) await new Promise<void>((r) => setImmediate(r));
};

function world(options: MessageSummaryPackageOptions = {}) {
  const clock = new ManualClock(5_000_000);
  const [a, b] = createLoopPair({ clock, protocol: 'udp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [a] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [b] }), clock });
  // The sink closes over the engine, created right after with the package.
  const mwi = createMessageSummaryPackage({
    ...options,
    clock,
    onState: (resource, state) => engine.setState(MESSAGE_SUMMARY_EVENT, resource, state),
  });
  const engine: EventEngine = new EventEngine({ host: server, packages: [mwi.package], subscriber: false });
  const notifies: Array<{ type: string; body: string; state: string }> = [];
  phone.on(
    'NOTIFY',
    (inc) => {
      notifies.push({
        type: inc.request.headers.get('Content-Type') ?? '',
        body: inc.request.body.toString(),
        state: inc.request.headers.get('Subscription-State') ?? '',
      });
      inc.respond(200);
    },
    { dialogs: 'handler' },
  );
  const subscribe = () =>
    phone.request(
      phone.createRequest({
        method: 'SUBSCRIBE',
        uri: 'sip:1000@example.test',
        from: '"Desk 1000" <sip:1000@example.test>',
        contact: '<sip:1000@127.0.0.1:5060>',
        headers: [
          ['Event', 'message-summary'],
          ['Accept', 'application/simple-message-summary'],
          ['User-Agent', 'Yealink SIP-T46S 66.86.0.15'],
          ['Expires', '3600'],
        ],
      }),
      { to: SERVER },
    );
  const publish = (body: string, type = 'application/simple-message-summary') =>
    phone.request(
      phone.createRequest({
        method: 'PUBLISH',
        uri: 'sip:1000@example.test',
        from: '<sip:voicemail@example.test>',
        headers: [
          ['Event', 'message-summary'],
          ['Expires', '600'],
          ['Content-Type', type],
        ],
        body,
      }),
      { to: SERVER },
    );
  const close = async () => {
    await engine.close();
    await phone.close();
    await server.close();
  };
  return { clock, phone, server, engine, mwi, notifies, subscribe, publish, close };
}

t.test('SUBSCRIBE → "no"; setMailbox → "yes" with counts; PUBLISH → NOTIFY', async (t) => {
  const w = world();
  const res = await w.subscribe();
  t.equal(res.status, 200);
  await settle();
  t.equal(w.notifies.length, 1);
  t.equal(w.notifies[0].type, 'application/simple-message-summary', 'exact content type, no parameters');
  t.equal(
    w.notifies[0].body,
    'Messages-Waiting: no\r\nMessage-Account: sip:1000@example.test\r\nVoice-Message: 0/0 (0/0)\r\n',
  );
  t.match(w.notifies[0].state, /^active/);

  w.mwi.setMailbox('1000@example.test', { newcount: 2, oldcount: 5, newurgent: 1, oldurgent: 0 }, 'update');
  await settle();
  t.equal(w.notifies.length, 2);
  t.equal(
    w.notifies[1].body,
    'Messages-Waiting: yes\r\nMessage-Account: sip:1000@example.test\r\nVoice-Message: 2/5 (1/0)\r\n',
  );

  // Re-seeding with the same counts ('init') sends nothing new.
  w.mwi.setMailbox('1000@example.test', { newcount: 2, oldcount: 5, newurgent: 1, oldurgent: 0 }, 'init');
  await settle();
  t.equal(w.notifies.length, 2, 'init with unchanged counts is silent');

  w.clock.advance(1000);
  const pub = await w.publish(
    'Messages-Waiting: yes\r\nMessage-Account: sip:1000@vm.example.test\r\nVoice-Message: 3/5\r\n',
  );
  t.equal(pub.status, 200);
  await settle();
  t.equal(w.notifies.length, 3);
  const parsed = parseMessageSummary(w.notifies[2].body);
  t.ok(parsed.ok);
  t.same(parsed.ok && parsed.value.counts['voice-message'], { new: 3, old: 5 }, 'the newer PUBLISH wins');
  t.equal(parsed.ok && parsed.value.account, 'sip:1000@vm.example.test');

  // When the publication expires, the API mailbox is what is left.
  w.clock.advance(601_000);
  await settle();
  t.match(w.notifies.at(-1)?.body ?? '', /Voice-Message: 2\/5 \(1\/0\)/);
  await w.close();
});

t.test('a bad PUBLISH body is refused with its reason; a wrong type with 415', async (t) => {
  const w = world();
  const bad = await w.publish('Voice-Message: lots\r\n');
  t.equal(bad.status, 400);
  t.equal(bad.reason, 'Bad Counts For Voice-Message');
  const wrongType = await w.publish('Messages-Waiting: yes\r\n', 'text/plain');
  t.equal(wrongType.status, 415);
  await w.close();
});

t.test('default switched off: the first NOTIFY still carries a valid body', async (t) => {
  const w = world({ defaultEmptyMailbox: false });
  t.equal((await w.subscribe()).status, 200);
  await settle();
  t.equal(w.notifies[0]?.body, 'Messages-Waiting: no\r\n');
  t.ok(parseMessageSummary(w.notifies[0]?.body ?? '').ok);
  await w.close();
});

t.test('babble-style seeding: answer each new subscription with an init', async (t) => {
  const w = world({ defaultEmptyMailbox: false });
  const voicemail = new Map([['sip:1000@example.test', { newcount: 1, oldcount: 0 }]]);
  w.engine.notifier.onWatcherChange((change) => {
    if (change.event !== 'subscribe' || change.watcher.package !== MESSAGE_SUMMARY_EVENT) return;
    const counts = voicemail.get(change.watcher.resource);
    if (counts) w.mwi.setMailbox(change.watcher.resource, counts, 'init');
  });
  t.equal((await w.subscribe()).status, 200);
  await settle();
  t.match(w.notifies.at(-1)?.body ?? '', /^Messages-Waiting: yes\r\n/);
  t.match(w.notifies.at(-1)?.body ?? '', /Voice-Message: 1\/0 \(0\/0\)/);
  await w.close();
});
