// What issue 6 asks of a restart, asserted on a RestartRun (restart-flow.ts):
// acknowledged state survives, NOTIFY CSeq and version only go up, the stored
// registration still routes a call.
import type { Test } from 'tap';
import type { ReceivedNotify } from './harness.js';
import type { RestartRun } from './restart-flow.js';

const brief = (ns: readonly ReceivedNotify[]): string =>
  ns.map((n) => `CSeq ${n.cseq}${n.version === undefined ? '' : ` v${n.version}`} ${n.state}`).join(' | ');

const increasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || x > (xs[i - 1] ?? x));

/** Why a sipp run failed, in a few lines. */
function why(out: string): string {
  return out
    .split('\n')
    .filter((l) => /Aborting|unexpected|timed out|error|failed/i.test(l))
    .join('\n')
    .slice(-2000);
}

/** Asserts every promise of the restart on `run` (the first server stopped with `signal`). */
export function checkRestart(t: Test, run: RestartRun, signal: 'SIGTERM' | 'SIGKILL'): void {
  if (signal === 'SIGTERM') t.equal(run.firstExit, 0, 'SIGTERM: the server exits cleanly (0)');
  else t.equal(run.firstExit, null, 'SIGKILL: the server died by the signal');

  t.equal(run.register.code, 0, 'before: alice registered (401, digest, 200)');
  if (run.register.code !== 0) t.comment(why(run.register.out));
  t.equal(run.publish.code, 0, 'before: alice published open (401, digest, 200)');
  t.ok(run.publish.etag, `before: the PUBLISH 200 carried SIP-ETag ${run.publish.etag}`);
  t.ok(run.presence.before.length > 0, `before: presence watcher: ${brief(run.presence.before)}`);
  t.ok(run.dialog.before.length > 0, `before: dialog watcher: ${brief(run.dialog.before)}`);

  // The publication survived: a modify naming the old ETag is accepted (RFC 3903 §6: unknown ETag → 412).
  t.equal(run.modify.code, 0, 'after: PUBLISH with SIP-If-Match of the pre-restart ETag answered 200, not 412');
  if (run.modify.code !== 0) t.comment(why(run.modify.out));

  for (const [name, w] of [
    ['presence', run.presence],
    ['dialog', run.dialog],
  ] as const) {
    const callIds = new Set([...w.before, ...w.after].map((n) => n.callId));
    t.equal(callIds.size, 1, `${name}: every NOTIFY belongs to the one subscription made before the restart`);
    t.notOk(
      w.after.some((n) => n.state.startsWith('terminated')),
      `${name}: the subscription was not ended by the restart`,
    );
    const cseqs = [...w.before, ...w.after].map((n) => n.cseq);
    t.ok(increasing(cseqs), `${name}: NOTIFY CSeq strictly increasing across the restart: ${cseqs.join(', ')}`);
    const lastBefore = w.before.at(-1)?.cseq ?? Infinity;
    t.ok(
      w.after.length > 0 && w.after.every((n) => n.cseq > lastBefore),
      `${name}: after the restart: ${brief(w.after)}`,
    );
  }
  t.ok(
    run.presence.after.some((n) => n.body.includes('<note>after-restart</note>') && n.body.includes('>closed<')),
    'presence: the modification made after the restart reached the watcher',
  );
  // PIDF has no version; dialog-info does (RFC 4235 §4.1: incremented by one per NOTIFY of the subscription).
  const versions = [...run.dialog.before, ...run.dialog.after].map((n) => n.version ?? -1);
  t.ok(
    versions.every((v, i) => v >= 0 && (i === 0 || v === (versions[i - 1] ?? -2) + 1)),
    `dialog: dialog-info version continues by one across the restart: ${versions.join(', ')}`,
  );

  t.equal(run.call.caller.code, 0, 'after: carol calls alice: 407, digest, 180, 200, ACK, BYE 200');
  if (run.call.caller.code !== 0) t.comment(why(run.call.caller.out));
  t.equal(run.call.callee.code, 0, "after: the call reached the UAS at alice's pre-restart binding");
  if (run.call.callee.code !== 0) t.comment(why(run.call.callee.out));
  const states = run.dialog.after.flatMap((n) =>
    [...n.body.matchAll(/<state[^>]*>([a-z]+)<\/state>/g)].map((m) => m[1]),
  );
  t.ok(
    states.includes('confirmed') && states.at(-1) === 'terminated',
    `dialog: the watcher saw the call after the restart: ${states.join(' → ')}`,
  );
  t.notOk(
    run.secondLog.some((l) => typeof l['msg'] === 'string' && /not available yet|using memory/.test(l['msg'])),
    'the second server ran on the SQLite store (no memory fallback warning)',
  );
}
