import { spawn, spawnSync } from 'node:child_process';
import { Endpoint, TcpTransport, TransportLayer, UdpTransport, systemClock } from '@herald/sip';

/** Whether a command is on PATH (real-peer tests need sipp and sipsak; .ci/run installs them). */
export function have(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** A Herald endpoint on 127.0.0.1 with UDP and TCP on the same free port. */
export async function startEndpoint(userAgent = 'Herald interop test'): Promise<{ endpoint: Endpoint; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const tcp = new TcpTransport({ host: '127.0.0.1', port: 0, clock: systemClock });
    await tcp.listen();
    const port = tcp.local.port;
    const udp = new UdpTransport({ host: '127.0.0.1', port, clock: systemClock });
    try {
      await udp.listen();
    } catch (err) {
      await tcp.close();
      if (attempt < 5) continue;
      throw err;
    }
    const endpoint = new Endpoint({ transport: new TransportLayer({ transports: [udp, tcp] }), userAgent });
    return { endpoint, port };
  }
}

/** Runs a command to completion (bounded by `timeoutMs`), capturing its output. */
export function run(
  command: string,
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
