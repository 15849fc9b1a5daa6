// Hold detection from real-looking SDP: phones' re-INVITE styles and the RFC 2543 0.0.0.0 hold.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { isHold } from '@herald/dialog';

const sdp = (name: string): string =>
  readFileSync(new URL(`./fixtures/sdp/${name}`, import.meta.url), 'utf8').replace(/\r?\n/g, '\r\n');

t.test('hold table', async (t) => {
  const table: Array<[string, boolean, string]> = [
    ['polycom-hold.sdp', true, 'session-level a=sendonly (Polycom hold)'],
    ['yealink-reinvite-inactive.sdp', true, 'media-level a=inactive (Yealink re-INVITE)'],
    ['linphone-reinvite-sendonly.sdp', true, 'audio sendonly; the rejected video stream (port 0) does not count'],
    ['rfc2543-zero-address.sdp', true, 'RFC 2543 c=IN IP4 0.0.0.0 at session level'],
    ['media-zero-address.sdp', true, 'media-level c= 0.0.0.0 overrides a real session address'],
    ['linphone-resume.sdp', false, 'resume: sendrecv audio, inactive video is disabled (port 0)'],
    ['polycom-active.sdp', false, 'plain sendrecv call'],
  ];
  for (const [file, held, why] of table) t.equal(isHold(sdp(file)), held, `${file}: ${why}`);
});

t.test('buffers, line endings and odd input', async (t) => {
  t.equal(isHold(Buffer.from(sdp('polycom-hold.sdp'))), true, 'Buffer input');
  t.equal(isHold(sdp('yealink-reinvite-inactive.sdp').replace(/\r\n/g, '\n')), true, 'bare LF line endings');
  t.equal(isHold(''), false, 'empty body is not a hold');
  t.equal(isHold('not sdp at all\r\na=sendonly'), false, 'text without v= line is not SDP');
  t.equal(
    isHold('v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=sendonly\r\n'),
    true,
    'no media lines: session attributes decide',
  );
  t.equal(
    isHold(
      'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n',
    ),
    false,
    'media-level sendrecv overrides session-level sendonly',
  );
  t.equal(
    isHold(
      'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\nm=video 5000 RTP/AVP 96\r\na=sendrecv\r\n',
    ),
    false,
    'live video still flowing both ways: not every active stream is held',
  );
  t.equal(isHold('v=0\r\nc=IN IP6 ::\r\nm=audio 4000 RTP/AVP 0\r\n'), true, 'IPv6 unspecified address');
});
