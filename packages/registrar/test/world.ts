// Two Endpoints over loop pairs (UDP and TCP) on a ManualClock: a "phone" and
// a server carrying a Registrar. Real REGISTER messages go through the
// transaction layers of both.
import { DigestClient, Endpoint, ManualClock, TransportLayer, createLoopPair, type SipResponse } from '@herald/sip';
import { Registrar, type RegistrarEvents, type RegistrarOptions, type RegistrationEvent } from '../src/index.js';

export const DOMAIN = 'example.test';
export const USERS = { alice: 'alice-secret', bob: 'bob-secret' };
export const SERVER_UDP = { transport: 'udp' as const, address: '127.0.0.2', port: 5060 };
export const SERVER_TCP = { transport: 'tcp' as const, address: '127.0.0.2', port: 5060 };

/** Lets promise chains (handler → store → respond → loop delivery) run to the end. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Options of one REGISTER. */
export interface RegisterInit {
  user?: string;
  /** To (AoR) user; default `user`. */
  aorUser?: string;
  /** Request-URI; default `sip:example.test`. */
  uri?: string;
  toDomain?: string;
  contacts?: string[];
  /** Expires header value; absent = no header. */
  expires?: number;
  callId?: string;
  cseq?: number;
  headers?: Array<[string, string]>;
  /** Answer one challenge with these credentials. */
  auth?: DigestClient;
  tcp?: boolean;
}

export type Recorded = { name: keyof RegistrarEvents; event: RegistrationEvent };

export function world(options: Partial<RegistrarOptions> = {}) {
  const clock = new ManualClock(1_700_000_000_000);
  const [ua, sa] = createLoopPair({ clock, protocol: 'udp' });
  const [ut, st] = createLoopPair({ clock, protocol: 'tcp' });
  const phone = new Endpoint({ transport: new TransportLayer({ transports: [ua, ut] }), clock });
  const server = new Endpoint({ transport: new TransportLayer({ transports: [sa, st] }), clock });
  const warnings: string[] = [];
  const registrar = new Registrar({
    host: server,
    domain: DOMAIN,
    users: USERS,
    logger: { warn: (m) => warnings.push(m) },
    ...options,
  });
  const events: Recorded[] = [];
  for (const name of ['registered', 'refreshed', 'expired', 'unregistered'] as const) {
    registrar.on(name, (event) => events.push({ name, event }));
  }
  let calls = 0;
  const register = (init: RegisterInit = {}): Promise<SipResponse> => {
    const user = init.user ?? 'alice';
    const aorUser = init.aorUser ?? user;
    const headers: Array<[string, string]> = [];
    for (const c of init.contacts ?? [`<sip:${user}@127.0.0.1:5060>`]) headers.push(['Contact', c]);
    if (init.expires !== undefined) headers.push(['Expires', String(init.expires)]);
    headers.push(...(init.headers ?? []));
    const aor = `<sip:${aorUser}@${init.toDomain ?? DOMAIN}>`;
    const request = phone.createRequest({
      method: 'REGISTER',
      uri: init.uri ?? `sip:${DOMAIN}`,
      from: aor,
      to: aor,
      callId: init.callId ?? `call-${++calls}@127.0.0.1`,
      cseq: init.cseq ?? 1,
      headers,
    });
    return phone.request(request, { to: init.tcp ? SERVER_TCP : SERVER_UDP, auth: init.auth });
  };
  const close = async (): Promise<void> => {
    registrar.close();
    await phone.close();
    await server.close();
  };
  return { clock, phone, server, registrar, events, warnings, register, close };
}

/** Credentials of a config user. */
export const creds = (user: keyof typeof USERS, password?: string, algorithms?: Array<'MD5' | 'SHA-256'>) =>
  new DigestClient({ username: user, password: password ?? USERS[user] }, algorithms ? { algorithms } : {});

/** The Contact values of a response. */
export const contactsOf = (r: SipResponse): string[] => r.headers.getAll('Contact');
