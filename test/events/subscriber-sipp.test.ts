// A real peer: sipp plays the phone Herald subscribes to (issue 3, "one where
// sipp plays the phone that Herald subscribes to"), over real UDP sockets.
import t from 'tap';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { Endpoint, TransportLayer, UdpTransport, systemClock } from '@herald/sip';
import { type ClientSubscriptionState, type NotifyEvent, Subscriber } from '@herald/events';
import { have, run } from '../interop/helpers.js';

const scenarios = [
  ['200 first', fileURLToPath(new URL('./subscriber-phone.xml', import.meta.url))],
  ['NOTIFY before the 202', fileURLToPath(new URL('./subscriber-phone-notify-first.xml', import.meta.url))],
] as const;

/** A UDP port free right now on 127.0.0.1 (for sipp, which must listen where we send). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Resolves with the first value `register` hands over, or rejects after `ms` (a test bound, not a protocol timer). */
function within<T>(ms: number, what: string, register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

for (const [name, scenario] of scenarios) {
  t.test(
    `Herald subscribes to a sipp phone (${name}): NOTIFY bodies and states arrive, unsubscribe ends on the terminated NOTIFY`,
    async (t) => {
      t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
      const phonePort = await freeUdpPort();
      const sipp = run(
        'sipp',
        [
          '-sf',
          scenario,
          '-i',
          '127.0.0.1',
          '-p',
          String(phonePort),
          '-t',
          'u1',
          '-m',
          '1',
          '-nostdin',
          '-timeout',
          '15s',
          '-timeout_error',
        ],
        20_000,
      );

      const udp = new UdpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
      await udp.listen();
      const endpoint = new Endpoint({
        transport: new TransportLayer({ transports: [udp] }),
        userAgent: 'Herald subscriber test',
      });
      const subscriber = new Subscriber(endpoint);
      t.teardown(async () => {
        await subscriber.close();
        await endpoint.close();
      });

      const notifies: NotifyEvent[] = [];
      const states: ClientSubscriptionState[] = [];
      const firstNotify = within<NotifyEvent>(10_000, 'the first NOTIFY', (resolve) => {
        // sipp may need a moment to bind: a lost or refused first SUBSCRIBE is retried quickly.
        const sub = subscriber.subscribe({
          target: `sip:phone@127.0.0.1:${phonePort}`,
          event: 'presence',
          from: '"Herald" <sip:herald@127.0.0.1>',
          contact: `sip:herald@127.0.0.1:${udp.local.port}`,
          accept: ['application/pidf+xml'],
          expires: 60,
          onErrorRetryTime: 0.5,
        });
        sub.on('notify', (n) => {
          notifies.push(n);
          if (notifies.length === 1) resolve(n);
        });
        sub.on('state', (s) => states.push(s));
      });
      const active = await firstNotify;
      const sub = subscriber.subscriptions[0];
      t.equal(active.state, 'active');
      t.equal(active.expires, 60);
      t.equal(active.contentType, 'application/pidf+xml');
      t.match(active.body.toString(), /<dm:note>DND<\/dm:note>/, 'the PIDF body with DND reached us');
      t.equal(sub.state, 'active');
      t.equal(sub.dialog?.remoteTarget, `sip:phone@127.0.0.1:${phonePort}`, 'remote target from the Contact');
      t.ok(sub.dialog?.id.remoteTag, 'dialog with the phone tag');
      // With the 200 first the expiry is known at the first NOTIFY; NOTIFY-first learns it from the later 202.
      if (name === '200 first') t.ok(sub.expiresAt !== undefined && sub.expiresAt > Date.now(), 'expiry in the future');

      const end = await within(10_000, 'the terminated NOTIFY', (resolve) => void sub.unsubscribe().then(resolve));
      t.same(end, { reason: 'unsubscribed', retry: false });
      t.equal(notifies.length, 2);
      t.equal(notifies[1].state, 'terminated');
      t.equal(notifies[1].reason, 'timeout');
      t.equal(notifies[1].body.length, 0);
      t.same(states.slice(-3), ['active', 'unsubscribing', 'terminated']);

      const { code, out } = await sipp;
      t.equal(code, 0, 'sipp ran its scenario to the end');
      if (code !== 0) t.comment(out.slice(-2000));
    },
  );
}
