/**
 * Render throughput of message-summary and presence.winfo bodies
 * (`npx tsx --conditions=@herald/source bench/render-mwi-winfo.ts`): documents
 * per second per content type, with the package's body cache (a NOTIFY
 * fan-out renders one state for many watchers) and without it. One line each.
 */
import { ManualClock } from '@herald/sip';
import type { RenderContext } from '@herald/events';
import { createMessageSummaryPackage, renderMessageSummary, type MessageSummary } from '@herald/message-summary';
import { createWinfoPackage, type WinfoEntry, type WinfoState } from '@herald/presence';

const RESOURCE = 'sip:alice@example.test';

function ctx<D>(version: number, i: number): RenderContext<D> {
  return {
    resource: RESOURCE,
    watcher: { subscriptionId: `s${i}`, uri: `sip:w${i}@example.test`, accept: [] },
    full: true,
    version,
  };
}

function measure(label: string, run: (i: number) => unknown): void {
  for (let i = 0; i < 2000; i++) run(i); // warm-up
  const n = 200_000;
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) sink += String(run(i)).length > 0 ? 1 : 0;
  const seconds = (performance.now() - start) / 1000;
  console.log(`${label.padEnd(66)} ${Math.round(sink / seconds).toLocaleString('en-US')} documents/s`);
}

// message-summary: one mailbox, many phones (desk, mobile, BLF consoles) watching it.
const mwi = createMessageSummaryPackage();
const summary: MessageSummary = {
  waiting: true,
  account: RESOURCE,
  counts: {
    'voice-message': { new: 3, old: 12, urgentNew: 1, urgentOld: 0 },
    'fax-message': { new: 0, old: 2 },
  },
};
measure(
  'render application/simple-message-summary (cached)',
  (i) => mwi.package.render(summary, 'application/simple-message-summary', ctx(i, i)).body,
);
measure('render application/simple-message-summary (no cache)', () => renderMessageSummary(summary));

// presence.winfo: a presentity with 20 watchers; each winfo subscription has its own version.
const clock = new ManualClock(1_000_000);
const watchers: WinfoEntry[] = Array.from({ length: 20 }, (_, i) => ({
  id: `sub-${i}`,
  uri: `sip:watcher${i}@example.test`,
  status: i % 5 === 0 ? 'pending' : 'active',
  event: i % 5 === 0 ? 'subscribe' : 'approved',
  displayName: `Watcher ${i}`,
  createdAt: 900_000,
}));
const state: WinfoState = { resource: RESOURCE, package: 'presence', watchers };
const cached = createWinfoPackage({ clock });
const uncached = createWinfoPackage({ clock, cache: false });
measure(
  'render application/watcherinfo+xml full, 20 watchers (cached)',
  (i) => cached.package.render(state, 'application/watcherinfo+xml', ctx(i, i)).body,
);
measure(
  'render application/watcherinfo+xml full, 20 watchers (no cache)',
  (i) => uncached.package.render(state, 'application/watcherinfo+xml', ctx(i, i)).body,
);
