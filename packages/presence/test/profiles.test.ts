// The user-agent profile table and content-type choice.
import t from 'tap';
import {
  chooseContentType,
  DEFAULT_PRESENCE_PROFILE,
  selectPresenceProfile,
  type PresenceProfile,
} from '@herald/presence';

const table: Array<[string | undefined, string, boolean]> = [
  ['PolycomVVX-VVX_411-UA/6.3.1.8427', 'polycom', false],
  ['PolycomSoundPointIP-SPIP_550-UA/4.0.15.1009', 'polycom', false],
  ['Yealink SIP-T46S 66.86.0.15', 'yealink', true],
  ['snom D785/10.1.54.13', 'snom', true],
  ['Grandstream GXP2170 1.0.11.16', 'grandstream', false],
  ['Cisco/SPA504G-7.6.2c', 'cisco', false],
  ['Cisco-CP8841/11.7.1', 'cisco', false],
  ['baresip v1.0.0 (x86_64/linux)', 'baresip', true],
  ['Linphone/5.1.0 (belle-sip/5.1.0)', 'linphone', true],
  ['LinphoneAndroid/5.0.12 (Pixel 6) LinphoneSDK/5.2.0', 'linphone', true],
  ['Z 5.6.4 v2.10.19.8_1 Zoiper', 'zoiper', true],
  ['Bria 6 release 6.5.3 stamp 112500', 'bria', true],
  ['X-Lite release 5.8.3 stamp 102651', 'bria', true],
  ['SomethingNew/1.0', 'default', true],
  [undefined, 'default', true],
];
for (const [ua, name, rpid] of table) {
  t.test(`User-Agent ${ua ?? '(none)'} → ${name}`, async (t) => {
    const p = selectPresenceProfile({ userAgent: ua });
    t.equal(p.name, name);
    t.equal(p.rpid, rpid);
  });
}

t.test('options rows come first and override the built-ins', async (t) => {
  const mine: PresenceProfile = {
    name: 'my-yealink',
    userAgent: /yealink/i,
    rpid: false,
    dataModel: false,
    deviceTuples: true,
  };
  t.equal(selectPresenceProfile({ userAgent: 'Yealink SIP-T46S' }, [mine]).name, 'my-yealink');
  t.equal(
    selectPresenceProfile({ userAgent: 'x' }, [mine], { ...DEFAULT_PRESENCE_PROFILE, name: 'fallback' }).name,
    'fallback',
  );
});

t.test('content type: the profile preference when Accept allows it, else the negotiated type', async (t) => {
  const polycom = selectPresenceProfile({ userAgent: 'PolycomVVX-VVX_411-UA/6.3.1' });
  const cases: Array<[readonly string[], string, string]> = [
    [['application/pidf+xml', 'application/xpidf+xml'], 'application/pidf+xml', 'application/xpidf+xml'],
    [['application/pidf+xml, application/xpidf+xml;q=0.5'], 'application/pidf+xml', 'application/xpidf+xml'],
    [['application/pidf+xml', 'application/xpidf+xml;q=0'], 'application/pidf+xml', 'application/pidf+xml'],
    [['application/pidf+xml'], 'application/pidf+xml', 'application/pidf+xml'],
    [[], 'application/pidf+xml', 'application/pidf+xml'],
  ];
  for (const [accept, negotiated, expected] of cases) {
    t.equal(chooseContentType(polycom, negotiated, { accept }), expected, accept.join(' | ') || '(no Accept)');
  }
  const generic = selectPresenceProfile({ userAgent: 'SomethingNew/1.0' });
  t.equal(
    chooseContentType(generic, 'application/cpim-pidf+xml', { accept: ['application/cpim-pidf+xml'] }),
    'application/cpim-pidf+xml',
  );
});
