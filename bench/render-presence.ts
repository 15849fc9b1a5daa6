/**
 * Render throughput of presence bodies (`npx tsx --conditions=@herald/source bench/render-presence.ts`):
 * documents per second for application/pidf+xml, application/xpidf+xml and
 * application/cpim-pidf+xml, with the package's body cache (a NOTIFY fan-out
 * renders one composed state for many watchers) and without it. One line each.
 */
import type { PublishedDocument, RenderContext } from '@herald/events';
import { createPresencePackage, parsePidf, type PresentityState } from '@herald/presence';

const RESOURCE = 'sip:alice@example.test';
const USER_AGENTS = ['Yealink SIP-T46S 66.86.0.15', 'Linphone/5.1.0 (belle-sip/5.1.0)', 'snom D785/10.1.54.13'];

const BODY = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${RESOURCE}">
<tuple id="desk"><status><basic>open</basic></status><contact priority="0.8">sip:alice@192.0.2.10</contact><note xml:lang="en">At my desk</note></tuple>
<dm:person id="p1"><rpid:activities><rpid:meeting/></rpid:activities><rpid:mood><rpid:happy/></rpid:mood></dm:person>
</presence>`;

function publication(updatedAt: number): PublishedDocument {
  const body = Buffer.from(BODY);
  const parsed = parsePidf(body);
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    etag: `e${updatedAt}`,
    contentType: 'application/pidf+xml',
    body,
    parsed: parsed.value,
    updatedAt,
    expiresAt: 1e12,
  };
}

function ctx(i: number, accept: string[]): RenderContext {
  return {
    resource: RESOURCE,
    watcher: {
      subscriptionId: `s${i % 200}`,
      uri: `sip:w${i % 200}@example.test`,
      accept,
      userAgent: USER_AGENTS[i % 3],
    },
    full: true,
    version: i,
  };
}

/** Renders for about 400 ms after a warm-up; prints documents per second. */
function measure(label: string, run: (i: number) => unknown): void {
  for (let i = 0; i < 2000; i++) run(i);
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < 400) {
    for (let k = 0; k < 200; k++, n++) sink += String(run(n)).length > 0 ? 1 : 0;
    now = performance.now();
  }
  console.log(`${label.padEnd(66)} ${Math.round((sink * 1000) / (now - start)).toLocaleString('en-US')} documents/s`);
}

for (const cache of [true, false]) {
  const { package: pkg, inputs } = createPresencePackage({ renderCache: cache });
  pkg.compose?.([publication(1)], RESOURCE);
  inputs.setActiveCalls(RESOURCE, 1);
  const state: PresentityState = inputs.state(RESOURCE);
  for (const type of ['application/pidf+xml', 'application/xpidf+xml', 'application/cpim-pidf+xml']) {
    const accept = [type];
    measure(
      `presence render ${type} (${cache ? 'cache' : 'no cache'}, 3 profiles)`,
      (i) => pkg.render(state, type, ctx(i, accept)).body,
    );
  }
}
