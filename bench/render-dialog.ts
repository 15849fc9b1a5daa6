/**
 * Render throughput of dialog-info bodies (`npx tsx --conditions=@herald/source bench/render-dialog.ts`):
 * documents per second for application/dialog-info+xml, full and partial, with
 * the package's body cache (a NOTIFY fan-out renders one state for many BLF
 * watchers, each with its own version) and without it. One line each.
 */
import { ManualClock } from '@herald/sip';
import type { RenderContext } from '@herald/events';
import { createDialogPackage, type DialogDelta, type DialogResourceState } from '@herald/dialog';

const RESOURCE = 'sip:bob@example.test';
const TYPE = 'application/dialog-info+xml';

function ctx(version: number, i: number, delta?: DialogDelta[]): RenderContext<DialogDelta> {
  return {
    resource: RESOURCE,
    watcher: {
      subscriptionId: `s${i % 200}`,
      uri: `sip:w${i % 200}@example.test`,
      accept: [],
      userAgent: 'Yealink SIP-T46S',
    },
    full: delta === undefined,
    version,
    ...(delta && { delta }),
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

// A busy presentity: one answered call and one ringing, as the server's call tracking reports them.
function feed(clock: ManualClock, cache: boolean) {
  const changes: Array<{ state: DialogResourceState; delta: DialogDelta }> = [];
  const pkg = createDialogPackage({
    clock,
    cacheRenders: cache,
    onState: (_r, state, delta) => changes.push({ state, delta }),
  });
  pkg.calls.update(RESOURCE, {
    callId: 'a84b4c76e66710@pc33.example.test',
    direction: 'initiator',
    state: 'confirmed',
    localTag: '1928301774',
    remoteTag: '456887766',
    localIdentity: 'Bob <sip:bob@example.test>',
    remoteIdentity: '"Carol" <sip:carol@example.test>',
    remoteTarget: 'sip:carol@10.0.0.5:5060',
  });
  pkg.calls.update(RESOURCE, {
    callId: 'f81d4fae-7dec@10.0.0.7',
    direction: 'recipient',
    state: 'early',
    localTag: 'desk-77',
    remoteTag: 'as4b7e31aa',
    remoteIdentity: 'Front Desk <sip:1001@example.test>',
    remoteTarget: 'sip:1001@10.0.0.33:5062',
  });
  const last = changes[changes.length - 1];
  pkg.close();
  return { pkg, state: last.state, delta: last.delta };
}

const clock = new ManualClock(1_000_000);
const cached = feed(clock, true);
const uncached = feed(clock, false);
measure(
  `render ${TYPE} full, 2 dialogs (cached)`,
  (i) => cached.pkg.package.render(cached.state, TYPE, ctx(i, i)).body,
);
measure(
  `render ${TYPE} full, 2 dialogs (no cache)`,
  (i) => uncached.pkg.package.render(uncached.state, TYPE, ctx(i, i)).body,
);
measure(
  `render ${TYPE} partial, 1 change (cached)`,
  (i) => cached.pkg.package.render(cached.state, TYPE, ctx(i, i, [cached.delta])).body,
);
measure(
  `render ${TYPE} partial, 1 change (no cache)`,
  (i) => uncached.pkg.package.render(uncached.state, TYPE, ctx(i, i, [uncached.delta])).body,
);
