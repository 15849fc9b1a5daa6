/**
 * RFC 4475 torture messages: every well-formed one parses with every field
 * reachable, every malformed one is refused with the right stateless answer.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Test } from 'tap';
import { SipParseError, parseMessage, statelessErrorResponse } from '@herald/sip';
import type { NameAddr, SipMessage, SipRequest, SipResponse, SipUri } from '@herald/sip';

const DIR = new URL('../../../../../shared/testdata/rfc4475/', import.meta.url);

interface Entry {
  file: string;
  section: string;
  title: string;
  expect: 'parse' | 'reject' | 'reject-or-tolerate' | 'parse-then-respond';
  response?: number;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Entry[];
const load = (file: string): Buffer => readFileSync(new URL(file, DIR));

function touchUri(uri: SipUri): number {
  return uri.scheme.length + (uri.user?.length ?? 0) + uri.host.length + uri.params.size + uri.headers.size;
}

function touchAddr(na: NameAddr | undefined): number {
  return na === undefined ? 0 : touchUri(na.uri) + na.params.size + (na.displayName?.length ?? 0);
}

/** Reads every typed accessor (and every URI inside) so lazy parsing is exercised. */
function touchAll(msg: SipMessage): number {
  let n = 0;
  for (const v of msg.via) n += v.host.length + (v.branch?.length ?? 0);
  n += msg.topVia?.host.length ?? 0;
  n += touchAddr(msg.from) + touchAddr(msg.to);
  const contact = msg.contact;
  if (contact !== undefined && contact !== '*') for (const c of contact) n += touchAddr(c);
  for (const r of msg.route) n += touchAddr(r);
  for (const r of msg.recordRoute) n += touchAddr(r);
  n += (msg.cseq?.seq ?? 0) + (msg.maxForwards ?? 0) + (msg.expires ?? 0) + (msg.callId?.length ?? 0);
  n += (msg.event?.event.length ?? 0) + (msg.subscriptionState?.state.length ?? 0) + (msg.contentType?.length ?? 0);
  for (const [name, value] of msg.headers.entries()) n += name.length + value.length;
  if (msg.kind === 'request') n += touchUri(msg.uri) + msg.method.length;
  else n += msg.status + msg.reason.length;
  return n + msg.body.length;
}

function req(msg: SipMessage): SipRequest {
  if (msg.kind !== 'request') throw new Error('expected a request');
  return msg;
}

function res(msg: SipMessage): SipResponse {
  if (msg.kind !== 'response') throw new Error('expected a response');
  return msg;
}

function contacts(msg: SipMessage): NameAddr[] {
  const c = msg.contact;
  if (c === undefined || c === '*') throw new Error('expected contact addresses');
  return c;
}

/** Field checks from the text of RFC 4475 for each message that must parse. */
const CHECKS: Record<string, (t: Test, msg: SipMessage, raw: Buffer) => void> = {
  'wsinv.dat'(t, msg) {
    const r = req(msg);
    t.equal(r.method, 'INVITE');
    t.equal(r.uri.params.get('unknownparam'), null);
    t.equal(r.to?.params.get('tag'), '1918181833n');
    t.equal(r.to?.uri.user, 'vivekg');
    t.equal(r.from?.displayName, 'J Rosenberg \\"');
    t.equal(r.from?.params.get('tag'), '98asjd8');
    t.equal(r.maxForwards, 68);
    t.same(r.cseq, { seq: 9, method: 'INVITE' });
    t.same(
      r.via.map((v) => [v.protocol, v.transport, v.host, v.branch]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    const [c] = contacts(r);
    t.equal(c?.displayName, 'Quoted string ""');
    t.same(
      [...(c?.params ?? [])],
      [
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ],
    );
    t.equal(r.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    t.equal(r.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    t.equal(r.headers.get('Subject'), '');
    t.equal(r.route[0]?.uri.params.get('unknownwith'), 'value');
    t.equal(r.route[0]?.uri.params.get('unknown-no-value'), null);
    t.equal(r.contentType, 'application/sdp');
    t.equal(r.body.length, 150);
  },
  'intmeth.dat'(t, msg) {
    const r = req(msg);
    const method = "!interesting-Method0123456789_*+`.%indeed'~";
    t.equal(r.method, method);
    t.equal(r.cseq?.method, method);
    t.equal(r.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    t.equal(r.uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    t.equal(r.uri.host, 'example.com');
    t.equal(r.to?.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7F');
    t.equal(r.from?.displayName, "token1~` token2'+_ token3*%!.-");
    t.equal(r.from?.params.get('tag'), "_token~1'+`*%!-.");
    t.equal(r.from?.params.get("fromparam''~+*_!.-%"), 'работающий');
    t.equal(r.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    t.equal(r.topVia?.branch, "z9hG4bK-.!%66*_+`'~");
    t.equal(r.headers.get("extensionHeader-!.%*+_`'~"), '\uFEFF大停電');
  },
  'esc01.dat'(t, msg) {
    const r = req(msg);
    t.equal(r.uri.user, 'sips:user@example.com');
    t.equal(r.uri.host, 'example.net');
    t.equal(r.to?.uri.user, 'user');
    t.equal(r.from?.uri.user, 'I have spaces');
    const [c] = contacts(r);
    t.equal(c?.uri.user, 'caller');
    t.equal(c?.uri.params.get('lr'), null);
    t.equal(c?.uri.params.get('name'), 'value%41');
    t.equal(r.callId, 'esc01.239409asdfakjkn23onasd0-3234');
    t.equal(r.contentType, 'application/sdp');
  },
  'escnull.dat'(t, msg) {
    t.equal(msg.to?.uri.user, 'null-\0-null');
    t.equal(msg.from?.uri.user, 'null-\0-null');
    t.same(
      contacts(msg).map((c) => c.uri.user),
      ['\0', '\0\0'],
    );
  },
  'esc02.dat'(t, msg) {
    const r = req(msg);
    t.equal(r.method, 'RE%47IST%45R');
    t.equal(r.cseq?.method, 'RE%47IST%45R');
    t.equal(r.to?.displayName, '%Z%45');
    t.equal(r.topVia?.branch, 'z9hG4bK209%fzsnel234');
    t.equal(contacts(r).length, 2, 'C%6Fntact is another header');
    t.equal(r.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  },
  'lwsdisp.dat'(t, msg) {
    t.equal(msg.from?.displayName, 'caller');
    t.equal(msg.from?.uri.user, 'caller');
  },
  'longreq.dat'(t, msg) {
    t.equal(msg.via.length, 34);
    t.equal(msg.via[33]?.received, '192.0.2.5');
    t.equal(msg.to?.displayName?.length, 103);
    t.equal(msg.to?.uri.port, 6000);
    t.equal(msg.to?.uri.params.get('unknownparam1')?.length, 89);
    t.equal(msg.from?.uri.user?.length, 115);
    t.equal(msg.callId?.length, 141);
    t.equal(
      msg.headers.get('Unknown-LongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLongLong-Name')
        ?.length,
      306,
    );
    t.equal(msg.body.length, 150);
  },
  'dblreq.dat'(t, msg) {
    t.equal(req(msg).method, 'REGISTER');
    t.equal(msg.body.length, 0, 'octets after Content-Length are ignored');
    t.equal(msg.callId, 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  },
  'semiuri.dat'(t, msg) {
    const r = req(msg);
    t.equal(r.uri.user, 'user;par=u@example.net');
    t.equal(r.uri.host, 'example.com');
    t.equal(r.uri.params.size, 0);
    t.equal(r.headers.getAll('Accept').length, 6);
  },
  'transports.dat'(t, msg) {
    t.same(
      msg.via.map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  },
  'mpart01.dat'(t, msg, raw) {
    t.equal(msg.body.length, 553);
    t.ok(msg.body.equals(raw.subarray(raw.indexOf('\r\n\r\n') + 4)), 'body bytes kept exactly');
    t.equal(msg.contentType, 'multipart/mixed');
    t.equal(msg.topVia?.rport, true);
    t.equal(msg.headers.get('Identity')?.endsWith('YUA='), true);
  },
  'unreason.dat'(t, msg) {
    const r = res(msg);
    t.equal(r.status, 200);
    t.equal(r.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    t.equal(r.body.length, 154);
  },
  'noreason.dat'(t, msg) {
    const r = res(msg);
    t.equal(r.status, 100);
    t.equal(r.reason, '');
  },
  'badbranch.dat'(t, msg) {
    t.equal(msg.topVia?.branch, 'z9hG4bK');
  },
  'insuf.dat'(t, msg) {
    t.equal(msg.from, undefined);
    t.equal(msg.to, undefined);
    t.equal(msg.callId, undefined);
    t.equal(msg.maxForwards, undefined);
    t.equal(msg.body.length, 152);
  },
  'unkscm.dat'(t, msg) {
    const r = req(msg);
    t.equal(r.uri.scheme, 'nobodyknowsthisscheme');
    t.equal(r.uri.raw, 'nobodyKnowsThisScheme:totallyopaquecontent');
  },
  'novelsc.dat'(t, msg) {
    t.equal(req(msg).uri.scheme, 'soap.beep');
  },
  'unksm2.dat'(t, msg) {
    t.equal(msg.to?.uri.scheme, 'isbn');
    t.equal(msg.to?.uri.raw, 'isbn:2983792873');
    t.equal(msg.from?.uri.scheme, 'http');
    t.equal(msg.from?.params.get('tag'), '3234233');
    t.equal(contacts(msg)[0]?.uri.raw, 'name:John_Smith');
  },
  'bext01.dat'(t, msg) {
    t.same(msg.headers.getAll('Require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    t.same(msg.headers.getAll('Proxy-Require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  },
  'invut.dat'(t, msg) {
    t.equal(msg.contentType, 'application/unknownformat');
    t.equal(msg.body.length, 40);
  },
  'regaut01.dat'(t, msg) {
    t.same(msg.headers.getAll('Authorization'), ['NoOneKnowsThisScheme opaque-data=here']);
  },
  'bcast.dat'(t, msg) {
    t.equal(res(msg).status, 200);
    t.equal(msg.via[1]?.host, '255.255.255.255');
  },
  'zeromf.dat'(t, msg) {
    t.equal(msg.maxForwards, 0);
  },
  'cparam01.dat'(t, msg) {
    const [c] = contacts(msg);
    t.equal(c?.uri.user, '+19725552222');
    t.equal(c?.uri.params.size, 0, 'addr-spec: the parameter belongs to the header');
    t.equal(c?.params.get('unknownparam'), null);
  },
  'cparam02.dat'(t, msg) {
    const [c] = contacts(msg);
    t.equal(c?.uri.params.get('unknownparam'), null, 'inside <>: a URI parameter');
    t.equal(c?.params.size, 0);
  },
  'regescrt.dat'(t, msg) {
    const [c] = contacts(msg);
    t.equal(c?.uri.headers.get('Route'), '<sip:sip.example.com>');
  },
  'sdp01.dat'(t, msg) {
    t.equal(msg.headers.get('Accept'), 'text/nobodyKnowsThis');
  },
  'inv2543.dat'(t, msg, raw) {
    t.equal(msg.topVia?.branch, undefined);
    t.equal(msg.maxForwards, undefined);
    t.equal(msg.from?.uri.params.get('user'), 'phone');
    t.equal(msg.to?.params.get('user'), 'phone', 'addr-spec: parameters go to the header');
    t.equal(msg.recordRoute[0]?.uri.params.get('maddr'), 'ss1.example.com');
    t.equal(msg.body.length, raw.length - (raw.indexOf('\r\n\r\n') + 4), 'no Content-Length: body runs to the end');
  },
};

t.equal(manifest.length, 49, 'all 49 torture messages listed');

for (const entry of manifest) {
  t.test(`${entry.section} ${entry.file}: ${entry.title} (${entry.expect})`, (t) => {
    const raw = load(entry.file);
    let msg: SipMessage | undefined;
    let error: unknown;
    try {
      msg = parseMessage(raw);
    } catch (e) {
      error = e;
    }
    switch (entry.expect) {
      case 'parse':
      case 'parse-then-respond': {
        if (!msg) throw error;
        t.ok(touchAll(msg) > 0, 'every field reachable');
        const check = CHECKS[entry.file];
        if (entry.expect === 'parse') t.ok(check, 'has field checks');
        check?.(t, msg, raw);
        break;
      }
      case 'reject': {
        t.type(error, SipParseError);
        if (!(error instanceof SipParseError)) break;
        t.ok(error.reason.length > 0, `reason: ${error.reason}`);
        const answer = statelessErrorResponse(error);
        if (error.partial?.isRequest) {
          t.equal(answer?.status, entry.response, 'stateless answer status');
          for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq'])
            t.ok(answer?.headers.has(name), `copies ${name}`);
          t.match(answer?.headers.get('To'), /;tag=[\w-]+$/, 'the answer has a To tag');
        } else {
          t.equal(answer, undefined, 'a bad response is dropped, not answered');
        }
        break;
      }
      case 'reject-or-tolerate': {
        if (msg) {
          try {
            touchAll(msg);
            t.pass('tolerated');
          } catch (e) {
            t.type(e, SipParseError, 'a field that cannot be read fails with SipParseError');
          }
        } else {
          t.type(error, SipParseError);
          if (error instanceof SipParseError) t.equal(statelessErrorResponse(error)?.status, entry.response);
        }
        break;
      }
    }
    t.end();
  });
}
