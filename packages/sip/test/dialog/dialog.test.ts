import t from 'tap';
import {
  DialogTable,
  createInDialogRequest,
  createUacDialog,
  createUasDialog,
  parseMessage,
  preprocessRoute,
  receiveInDialogRequest,
  receiveResponseInDialog,
  type SipRequest,
  type SipResponse,
} from '@herald/sip';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n\r\n';

const invite = parseMessage(
  crlf([
    'INVITE sip:bob@example.test SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.test>;tag=atag',
    'To: <sip:bob@example.test>',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 314 INVITE',
    'Contact: <sip:alice@192.0.2.1:5060>',
    'Record-Route: <sip:p1.example.test;lr>, <sip:p2.example.test;lr>',
    'Content-Length: 0',
  ]),
) as SipRequest;

const ok200 = parseMessage(
  crlf([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1',
    'From: "Alice" <sip:alice@example.test>;tag=atag',
    'To: <sip:bob@example.test>;tag=btag',
    'Call-ID: call-1@192.0.2.1',
    'CSeq: 314 INVITE',
    'Contact: <sip:bob@198.51.100.7:5062;transport=tcp>',
    'Record-Route: <sip:p1.example.test;lr>, <sip:p2.example.test;lr>',
    'Content-Length: 0',
  ]),
) as SipResponse;

t.test('UAC dialog from INVITE and 2xx (RFC 3261 §12.1.2)', (t) => {
  const r = createUacDialog(invite, ok200);
  if (!r.ok) throw new Error(r.reason);
  const d = r.dialog;
  t.same(d.id, { callId: 'call-1@192.0.2.1', localTag: 'atag', remoteTag: 'btag' });
  t.equal(d.state, 'confirmed');
  t.equal(d.role, 'uac');
  t.equal(d.localSeq, 314);
  t.equal(d.remoteSeq, undefined);
  t.equal(d.remoteTarget, 'sip:bob@198.51.100.7:5062;transport=tcp');
  t.same(d.routeSet, ['<sip:p2.example.test;lr>', '<sip:p1.example.test;lr>'], 'route set is Record-Route reversed');
  t.match(d.local, /"Alice" <sip:alice@example.test>/);
  t.notMatch(d.local, /tag=/);
  t.end();
});

t.test('early dialog from a 180 with To tag, confirmed by 2xx recomputing the route set', (t) => {
  const ringing = parseMessage(
    crlf([
      'SIP/2.0 180 Ringing',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1',
      'From: "Alice" <sip:alice@example.test>;tag=atag',
      'To: <sip:bob@example.test>;tag=btag',
      'Call-ID: call-1@192.0.2.1',
      'CSeq: 314 INVITE',
      'Contact: <sip:bob@198.51.100.7:5062>',
      'Record-Route: <sip:p1.example.test;lr>',
      'Content-Length: 0',
    ]),
  ) as SipResponse;
  const r = createUacDialog(invite, ringing);
  if (!r.ok) throw new Error(r.reason);
  t.equal(r.dialog.state, 'early');
  t.same(r.dialog.routeSet, ['<sip:p1.example.test;lr>']);
  const confirmed = receiveResponseInDialog(r.dialog, invite, ok200);
  t.equal(confirmed.state, 'confirmed');
  t.same(confirmed.routeSet, ['<sip:p2.example.test;lr>', '<sip:p1.example.test;lr>']);
  t.equal(confirmed.remoteTarget, 'sip:bob@198.51.100.7:5062;transport=tcp');
  t.end();
});

t.test('a response without To tag or Contact creates no dialog', (t) => {
  const noTag = parseMessage(
    crlf([
      'SIP/2.0 100 Trying',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1',
      'From: <sip:alice@example.test>;tag=atag',
      'To: <sip:bob@example.test>',
      'Call-ID: call-1@192.0.2.1',
      'CSeq: 314 INVITE',
      'Content-Length: 0',
    ]),
  ) as SipResponse;
  const r = createUacDialog(invite, noTag);
  t.equal(r.ok, false);
  if (!r.ok) t.equal(r.status, 400);
  t.end();
});

const subscribe = parseMessage(
  crlf([
    'SUBSCRIBE sip:bob@example.test SIP/2.0',
    'Via: SIP/2.0/TCP 192.0.2.9:5070;branch=z9hG4bKs1',
    'Max-Forwards: 69',
    'From: <sip:carol@example.test>;tag=ctag',
    'To: <sip:bob@example.test>',
    'Call-ID: sub-1',
    'CSeq: 7 SUBSCRIBE',
    'Event: presence',
    'Contact: <sip:carol@192.0.2.9:5070;transport=tcp>',
    'Record-Route: <sip:edge.example.test;lr>, <sip:core.example.test;lr>',
    'Content-Length: 0',
  ]),
) as SipRequest;

t.test('UAS dialog from SUBSCRIBE keeps Record-Route in order (§12.1.1)', (t) => {
  const r = createUasDialog(subscribe, 'srvtag');
  if (!r.ok) throw new Error(r.reason);
  const d = r.dialog;
  t.same(d.id, { callId: 'sub-1', localTag: 'srvtag', remoteTag: 'ctag' });
  t.equal(d.role, 'uas');
  t.equal(d.remoteSeq, 7);
  t.equal(d.localSeq, undefined);
  t.same(d.routeSet, ['<sip:edge.example.test;lr>', '<sip:core.example.test;lr>']);
  t.equal(d.remoteTarget, 'sip:carol@192.0.2.9:5070;transport=tcp');

  // First NOTIFY: local CSeq chosen afresh, loose routing keeps the target as Request-URI.
  const { request: notify, dialog: d2 } = createInDialogRequest(d, 'NOTIFY', {
    headers: [
      ['Event', 'presence'],
      ['Subscription-State', 'active;expires=600'],
    ],
  });
  t.equal(notify.method, 'NOTIFY');
  t.equal(notify.requestUri, 'sip:carol@192.0.2.9:5070;transport=tcp');
  t.same(notify.headers.getAll('Route'), ['<sip:edge.example.test;lr>', '<sip:core.example.test;lr>']);
  t.equal(notify.from?.params.get('tag'), 'srvtag');
  t.equal(notify.to?.params.get('tag'), 'ctag');
  t.equal(notify.to?.uri.user, 'carol');
  t.equal(notify.from?.uri.user, 'bob');
  t.equal(notify.callId, 'sub-1');
  t.ok(d2.localSeq !== undefined && d2.localSeq > 0 && d2.localSeq < 2 ** 31);
  t.equal(notify.cseq?.seq, d2.localSeq);
  t.equal(notify.cseq?.method, 'NOTIFY');
  t.equal(notify.event?.event, 'presence');

  // Next request advances by one; an ACK-style fixed CSeq does not advance.
  const next = createInDialogRequest(d2, 'NOTIFY');
  t.equal(next.request.cseq?.seq, (d2.localSeq ?? 0) + 1);
  const fixed = createInDialogRequest(next.dialog, 'ACK', { cseq: 5 });
  t.equal(fixed.request.cseq?.seq, 5);
  t.equal(fixed.dialog.localSeq, next.dialog.localSeq);
  t.end();
});

t.test('strict first route: it becomes the Request-URI, the target goes last (§12.2.1.1)', (t) => {
  const r = createUasDialog(
    parseMessage(
      crlf([
        'SUBSCRIBE sip:bob@example.test SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKs2',
        'From: <sip:carol@example.test>;tag=ctag',
        'To: <sip:bob@example.test>',
        'Call-ID: sub-2',
        'CSeq: 1 SUBSCRIBE',
        'Contact: <sip:carol@192.0.2.9>',
        'Record-Route: <sip:strict.example.test;maddr=198.51.100.1>, <sip:loose.example.test;lr>',
        'Content-Length: 0',
      ]),
    ) as SipRequest,
    'x',
  );
  if (!r.ok) throw new Error(r.reason);
  const { request } = createInDialogRequest(r.dialog, 'NOTIFY');
  t.equal(request.uri.host, 'strict.example.test');
  t.equal(request.uri.params.get('maddr'), '198.51.100.1');
  t.same(
    request.route.map((x) => x.uri.raw),
    ['sip:loose.example.test;lr', 'sip:carol@192.0.2.9'],
  );
  t.end();
});

t.test('in-dialog requests at the UAS: CSeq order and target refresh (§12.2.2)', (t) => {
  const r = createUasDialog(subscribe, 'srvtag');
  if (!r.ok) throw new Error(r.reason);
  const refresh = (seq: number, method = 'SUBSCRIBE', contact = '<sip:carol@203.0.113.5:5999>'): SipRequest =>
    parseMessage(
      crlf([
        `${method} sip:bob@192.0.2.50 SIP/2.0`,
        'Via: SIP/2.0/TCP 192.0.2.9:5070;branch=z9hG4bKr' + seq,
        'From: <sip:carol@example.test>;tag=ctag',
        'To: <sip:bob@example.test>;tag=srvtag',
        'Call-ID: sub-1',
        `CSeq: ${seq} ${method}`,
        'Event: presence',
        `Contact: ${contact}`,
        'Content-Length: 0',
      ]),
    ) as SipRequest;

  const lower = receiveInDialogRequest(r.dialog, refresh(6));
  t.same(lower.ok ? 'ok' : [lower.status, lower.reason], [500, 'CSeq Out of Order']);
  const equal = receiveInDialogRequest(r.dialog, refresh(7));
  t.equal(equal.ok, false, 'an equal CSeq in a new transaction is out of order too');

  const up = receiveInDialogRequest(r.dialog, refresh(8));
  if (!up.ok) throw new Error(up.reason);
  t.equal(up.dialog.remoteSeq, 8);
  t.equal(up.dialog.remoteTarget, 'sip:carol@203.0.113.5:5999', 'SUBSCRIBE refreshes the target');

  const table = new DialogTable();
  table.put(up.dialog);
  t.equal(table.size, 1);
  t.equal(table.matchRequest(refresh(9))?.id.callId, 'sub-1');
  const stranger = refresh(9);
  stranger.headers.set('To', '<sip:bob@example.test>;tag=other');
  t.equal(table.matchRequest(stranger), undefined, 'unknown tag matches nothing (caller answers 481)');
  t.ok(table.delete(up.dialog.id));
  t.equal(table.size, 0);
  t.end();
});

t.test('route preprocessing: strict-router rewrite and own top Route removal (§16.4, §16.12)', (t) => {
  const own = (uri: { host: string; user?: string }): boolean => uri.host === 'herald.example.test' && !uri.user;
  const strict = parseMessage(
    crlf([
      'BYE sip:herald.example.test;lr SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb1',
      'Route: <sip:next.example.test;lr>, <sip:bob@198.51.100.7>',
      'From: <sip:alice@example.test>;tag=a',
      'To: <sip:bob@example.test>;tag=b',
      'Call-ID: c',
      'CSeq: 2 BYE',
      'Content-Length: 0',
    ]),
  ) as SipRequest;
  const s = preprocessRoute(strict, own);
  t.same(s, { strictRewritten: true, topRouteRemoved: false });
  t.equal(strict.requestUri, 'sip:bob@198.51.100.7');
  t.same(strict.headers.getAll('Route'), ['<sip:next.example.test;lr>']);

  const loose = parseMessage(
    crlf([
      'BYE sip:bob@198.51.100.7 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb2',
      'Route: <sip:herald.example.test;lr>',
      'From: <sip:alice@example.test>;tag=a',
      'To: <sip:bob@example.test>;tag=b',
      'Call-ID: c',
      'CSeq: 3 BYE',
      'Content-Length: 0',
    ]),
  ) as SipRequest;
  t.same(preprocessRoute(loose, own), { strictRewritten: false, topRouteRemoved: true });
  t.equal(loose.headers.has('Route'), false);
  t.equal(loose.requestUri, 'sip:bob@198.51.100.7');
  t.end();
});

void t.test('createInDialogRequest: From/To follow the dialog record even when its id object is reused', (t) => {
  const r = createUasDialog(subscribe, 'srvtag');
  if (!r.ok) throw new Error(r.reason);
  const first = createInDialogRequest(r.dialog, 'NOTIFY');
  const again = createInDialogRequest(first.dialog, 'NOTIFY');
  t.equal(again.request.headers.get('From'), first.request.headers.get('From'));
  t.equal(again.request.headers.get('To'), first.request.headers.get('To'));
  const moved = createInDialogRequest({ ...first.dialog, remote: '<sip:carol@example.test>' }, 'NOTIFY');
  t.equal(
    moved.request.headers.get('To'),
    '<sip:carol@example.test>;tag=ctag',
    'a changed party is not served from before',
  );
  const retagged = createInDialogRequest({ ...first.dialog, id: first.dialog.id }, 'NOTIFY');
  t.equal(retagged.request.headers.get('To'), first.request.headers.get('To'));
  t.throws(
    () => createInDialogRequest({ ...first.dialog, local: 'not a <uri' }, 'NOTIFY'),
    'a malformed party still throws',
  );
  t.end();
});
