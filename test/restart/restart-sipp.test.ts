// Issue 6, "How this is checked": the real server process (examples/server.ts)
// on a SQLite store is stopped — SIGTERM, then in a second run SIGKILL (a
// crash: what it acknowledged was committed before the answer) — and started
// again on the same port. sipp peers made before the restart keep working after
// it: the watchers' NOTIFYs continue with higher CSeq and dialog-info version,
// the publication can be modified by its old ETag, and the registration routes
// a call. Auth is on (sipp answers the digest challenges, 401 and 407).
import t from 'tap';
import { have } from '../interop/helpers.js';
import { runRestart } from './restart-flow.js';
import { checkRestart } from './restart-checks.js';

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  t.test(`${signal}, restart on the same port: subscriptions, publication and registration carry on`, async (t) => {
    t.ok(have('sipp'), 'sipp is installed (.ci/run installs sip-tester)');
    checkRestart(t, await runRestart(t, signal), signal);
  });
}
