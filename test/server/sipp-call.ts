// Shared by the proxy-level and server-level call tests: a sipp callee
// (call-uas.xml, already registered on `calleePort`) and a sipp caller
// (call-uac.xml: INVITE, 180, 200, ACK, hold re-INVITE, BYE) through the
// server on `port`. Each test asserts on the outcomes itself.
import { fileURLToPath } from 'node:url';
import { run } from '../interop/helpers.js';

const scenario = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** Runs the callee, then (once it listens) the caller; resolves with both exits. */
export async function runSippCall(
  port: number,
  calleePort: number,
  common: readonly string[],
): Promise<{ caller: { code: number | null; out: string }; callee: { code: number | null; out: string } }> {
  const callee = run(
    'sipp',
    ['-sf', scenario('call-uas.xml'), ...common, '-p', String(calleePort), '-timeout', '20s'],
    25_000,
  );
  // The INVITE is retransmitted (Timer A), so a callee that starts late still gets it.
  await new Promise((r) => setTimeout(r, 200));
  const caller = await run(
    'sipp',
    [
      '-sf',
      scenario('call-uac.xml'),
      ...common,
      '-p',
      '0',
      '-timeout',
      '20s',
      '-key',
      'domain',
      '127.0.0.1',
      `127.0.0.1:${port}`,
    ],
    25_000,
  );
  return { caller, callee: await callee };
}
