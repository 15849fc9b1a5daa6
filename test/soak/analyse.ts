// Reads the soak's sipp message trace back: which subscriptions were created
// (a 2xx to their first SUBSCRIBE), which refreshes failed, and which
// subscriptions got a NOTIFY in each window after a restart.
import type { TracedMessage } from '../restart/harness.js';

/** One subscription as the watchers saw it. */
export interface WatchedSubscription {
  readonly callId: string;
  /** The server's To tag from the first 2xx (the dialog's tag at the server). */
  readonly serverTag: string;
  /** When the first 2xx arrived (epoch ms). */
  readonly createdAt: number;
  /** Epoch ms of every NOTIFY received (retransmissions once). */
  readonly notifies: number[];
  /** The restart marks (`soak-restart-K` notes the script sets after restart K) seen in NOTIFY bodies. */
  readonly marks: Set<number>;
  refreshes: number;
  /** NOTIFYs whose CSeq was not above the previous one's (RFC 3261 §12.2.1.1: must increase). */
  backwards: number;
  /** Final non-2xx answers to its SUBSCRIBEs (status codes). */
  readonly failures: number[];
  terminated: boolean;
}

const headerOf = (m: TracedMessage, name: string): string => m.headers.get(name)?.[0] ?? '';

/** Folds a trace into subscriptions by Call-ID. */
export function watchedSubscriptions(messages: readonly TracedMessage[]): Map<string, WatchedSubscription> {
  const subs = new Map<string, WatchedSubscription>();
  const seenNotify = new Set<string>();
  const seen2xx = new Set<string>();
  const lastCseq = new Map<string, number>();
  for (const m of messages) {
    if (m.direction !== 'received') continue;
    const callId = headerOf(m, 'call-id');
    const cseq = headerOf(m, 'cseq');
    const response = /^SIP\/2\.0 (\d{3}) /.exec(m.startLine);
    if (response && /SUBSCRIBE$/.test(cseq)) {
      const status = Number(response[1]);
      if (status < 200) continue;
      const sub = subs.get(callId);
      if (status >= 300) {
        if (sub) sub.failures.push(status);
        else
          subs.set(callId, {
            callId,
            serverTag: '',
            createdAt: NaN,
            notifies: [],
            marks: new Set(),
            refreshes: 0,
            backwards: 0,
            failures: [status],
            terminated: false,
          });
      } else if (!sub) {
        const serverTag = /;\s*tag=([^;\s>]+)/.exec(headerOf(m, 'to'))?.[1] ?? '';
        subs.set(callId, {
          callId,
          serverTag,
          createdAt: m.at,
          notifies: [],
          marks: new Set(),
          refreshes: 0,
          backwards: 0,
          failures: [],
          terminated: false,
        });
      } else if (!seen2xx.has(`${callId} ${cseq}`)) sub.refreshes++;
      seen2xx.add(`${callId} ${cseq}`);
      continue;
    }
    if (m.startLine.startsWith('NOTIFY ')) {
      const key = `${callId} ${cseq}`;
      if (seenNotify.has(key)) continue;
      seenNotify.add(key);
      const sub = subs.get(callId);
      if (!sub) continue; // NOTIFY before the 200: the 200 comes next, counted from then on
      sub.notifies.push(m.at);
      for (const mark of m.body.matchAll(/soak-restart-(\d+)/g)) sub.marks.add(Number(mark[1]));
      const n = Number.parseInt(cseq, 10);
      if (n <= (lastCseq.get(callId) ?? -1)) sub.backwards++;
      lastCseq.set(callId, n);
      if (headerOf(m, 'subscription-state').startsWith('terminated')) sub.terminated = true;
    }
  }
  return subs;
}

/** NOTIFYs after one restart: did the subscriptions made before the kill hear from the new process? */
export interface RestartWindow {
  readonly restart: number;
  /** Subscriptions created (2xx received) before this kill. */
  readonly expected: number;
  /** Of those, how many got the presence change made after this restart (`soak-restart-N` note). */
  readonly changeNotified: number;
  /** Of those, how many got any NOTIFY in [kill, next kill or end). */
  readonly anyNotify: number;
  /** NOTIFYs received in the window, all subscriptions. */
  readonly notifies: number;
  /** Milliseconds from the kill to the server's `ready` line. */
  readonly downMs: number;
}

/** Per-restart NOTIFY coverage, windows from each kill to the next (the last to `end`). */
export function restartWindows(
  subs: ReadonlyMap<string, WatchedSubscription>,
  restarts: ReadonlyArray<{ killedAt: number; readyAt: number }>,
  end: number,
): RestartWindow[] {
  return restarts.map(({ killedAt, readyAt }, i) => {
    const until = restarts[i + 1]?.killedAt ?? end;
    let expected = 0;
    let changeNotified = 0;
    let anyNotify = 0;
    let notifies = 0;
    for (const sub of subs.values()) {
      const inWindow = sub.notifies.filter((at) => at >= killedAt && at < until).length;
      notifies += inWindow;
      if (!(sub.createdAt < killedAt)) continue;
      expected++;
      if (inWindow > 0) anyNotify++;
      if (sub.marks.has(i + 1)) changeNotified++;
    }
    return { restart: i + 1, expected, changeNotified, anyNotify, notifies, downMs: readyAt - killedAt };
  });
}
