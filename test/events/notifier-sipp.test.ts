// A real peer against the notifier (issue 3): sipp subscribes over UDP and TCP
// to a test package served by a Herald Endpoint + Notifier, receives the
// initial NOTIFY, refreshes, unsubscribes and gets the terminated NOTIFY.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { MemorySubscriptionStore, Notifier, ResourceStates, type EventPackage } from '@herald/events';
import { have, run, startEndpoint } from '../interop/helpers.js';

const scenario = fileURLToPath(new URL('./notifier-subscribe.xml', import.meta.url));

const textPackage: EventPackage<string> = {
  event: 'test',
  contentTypes: ['text/plain'],
  defaultExpires: 600,
  minExpires: 30,
  maxExpires: 3600,
  minNotifyInterval: 0,
  acceptsPublish: false,
  render: (state, _type, ctx) => ({
    body: `${state ?? 'neutral'} ${ctx.full ? 'full' : 'partial'} v${ctx.version}\r\n`,
  }),
};

t.test('sipp SUBSCRIBE / refresh / unsubscribe against the notifier over UDP and TCP', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { endpoint, port } = await startEndpoint('Herald notifier test');
  const store = new MemorySubscriptionStore();
  const states = new ResourceStates();
  const notifier = new Notifier({ host: endpoint, store, states, packages: [textPackage] });
  t.teardown(async () => {
    notifier.close();
    await endpoint.close();
  });
  const watcherEvents: string[] = [];
  notifier.onWatcherChange((c) => watcherEvents.push(c.event));
  states.set('test', 'sip:bob@127.0.0.1', 'online');

  for (const transport of ['u1', 't1']) {
    const args = [
      '-sf',
      scenario,
      '-m',
      '3',
      '-r',
      '20',
      '-key',
      'resource',
      'bob',
      '-t',
      transport,
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-nostdin',
      '-timeout',
      '15s',
      '-timeout_error',
      `127.0.0.1:${port}`,
    ];
    const { code, out } = await run('sipp', args);
    t.equal(code, 0, `sipp over ${transport} exits 0 (all 3 subscriptions passed)`);
    if (code !== 0) t.comment(out.slice(-3000));
  }
  t.equal(notifier.size, 0, 'every subscription ended');
  t.equal(await store.count(), 0, 'and left the store');
  t.equal(watcherEvents.filter((e) => e === 'subscribe').length, 6);
  t.equal(watcherEvents.filter((e) => e === 'timeout').length, 6);
});
