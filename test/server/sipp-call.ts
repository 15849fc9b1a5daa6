// Shared by the proxy-level and server-level call tests: a sipp callee
// (call-uas.xml, already registered on `calleePort`) and a sipp caller
// (call-uac.xml: INVITE, 180, 200, ACK, hold re-INVITE, BYE) through the
// server on `port`. Each test asserts on the outcomes itself.
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { run } from '../interop/helpers.js';

const scenario = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** sipp flags every call-test instance shares: one call, UDP, loopback, non-zero exit on timeouts. */
export const SIPP_COMMON: readonly string[] = ['-m', '1', '-t', 'u1', '-i', '127.0.0.1', '-nostdin', '-timeout_error'];

/** A UDP port free right now on 127.0.0.1 (sipp needs a fixed one for the callee). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Registers `user`@127.0.0.1 with sipp (call-register.xml) from a free port, the callee's port to be. */
export async function registerSippCallee(
  port: number,
  user: string,
): Promise<{ calleePort: number; code: number | null; out: string }> {
  const calleePort = await freeUdpPort();
  const reg = await run('sipp', [
    '-sf',
    scenario('call-register.xml'),
    ...SIPP_COMMON,
    '-p',
    String(calleePort),
    '-timeout',
    '10s',
    '-key',
    'domain',
    '127.0.0.1',
    '-key',
    'user',
    user,
    `127.0.0.1:${port}`,
  ]);
  return { calleePort, ...reg };
}

/** Runs the callee, then (once it listens) the caller; resolves with both exits. */
export async function runSippCall(
  port: number,
  calleePort: number,
  common: readonly string[] = SIPP_COMMON,
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
