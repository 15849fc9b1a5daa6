// A real peer publishes: sipp runs a whole RFC 3903 lifecycle (initial, refresh,
// modify, stale ETag → 412, remove) against a Herald Endpoint with a
// PublicationService on real UDP and TCP sockets (issue 3, "a real peer").
import t from 'tap';
import { fileURLToPath } from 'node:url';
import {
  MemoryPublicationStore,
  PublicationService,
  ResourceStates,
  type EventPackage,
  type ResourceChange,
} from '@herald/events';
import { have, run, startEndpoint } from '../interop/helpers.js';

const scenario = fileURLToPath(new URL('./publish-cycle.xml', import.meta.url));

/** Just enough of a presence package: PIDF bodies, the basic status as the state. */
const presence: EventPackage<string> = {
  event: 'presence',
  contentTypes: ['application/pidf+xml'],
  defaultExpires: 3600,
  minExpires: 30,
  maxExpires: 7200,
  minNotifyInterval: 0,
  acceptsPublish: true,
  validatePublish(body) {
    const basic = /<basic>\s*(open|closed)\s*<\/basic>/.exec(body.toString());
    return basic ? { ok: true, value: basic[1] } : { ok: false, status: 400, reason: 'No PIDF Basic Status' };
  },
  render: (state) => ({ body: state ?? 'closed' }),
};

t.test('sipp PUBLISH → refresh → modify → 412 → remove over UDP and TCP', async (t) => {
  t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
  const { endpoint, port } = await startEndpoint('Herald publish test');
  const store = new MemoryPublicationStore();
  const states = new ResourceStates();
  const changes: ResourceChange[] = [];
  states.onChange((c) => changes.push(c));
  const service = new PublicationService({ host: endpoint, store, states, packages: [presence] });
  t.teardown(async () => {
    service.close();
    await endpoint.close();
  });

  for (const [transport, user] of [
    ['u1', 'alice'],
    ['t1', 'bob'],
  ] as const) {
    const args = [
      '-sf',
      scenario,
      '-m',
      '1',
      '-s',
      user,
      '-t',
      transport,
      '-i',
      '127.0.0.1',
      '-p',
      '0',
      '-nostdin',
      '-timeout',
      '10s',
      '-timeout_error',
      `127.0.0.1:${port}`,
    ];
    const { code, out } = await run('sipp', args, 15_000);
    t.equal(code, 0, `sipp over ${transport} exits 0 (every response as expected)`);
    if (code !== 0) t.comment(out.slice(-2000));
    const resource = `sip:${user}@127.0.0.1`;
    t.same(
      changes.filter((c) => c.resource === resource).map((c) => c.state),
      ['open', 'closed', undefined],
      `${transport}: initial, modify and remove changed the state; refresh and the 412 did not`,
    );
    t.same(await store.byResource('presence', resource), [], `${transport}: publication removed`);
  }
  t.equal(await store.count(), 0);
});
