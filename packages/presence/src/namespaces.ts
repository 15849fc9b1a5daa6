/** XML namespaces of the presence documents this package reads and writes. */

/** RFC 3863 PIDF. */
export const NS_PIDF = 'urn:ietf:params:xml:ns:pidf';
/** RFC 4479 data model (person, device, deviceID, note, timestamp). */
export const NS_DM = 'urn:ietf:params:xml:ns:pidf:data-model';
/** RFC 4480 RPID. */
export const NS_RPID = 'urn:ietf:params:xml:ns:pidf:rpid';
/** Pre-RFC RPID draft namespaces (`<activities><activity>away</activity>`) still sent by CounterPath (X-Lite, eyeBeam, older Bria). */
export const NS_RPID_DRAFTS: readonly string[] = [
  'urn:ietf:params:xml:ns:pidf:status:rpid-status',
  'urn:ietf:params:xml:ns:pidf:rpid:status:rpid-status',
  'urn:ietf:params:xml:ns:pidf:rpid:rpid-person',
];
/** The pre-RFC 4479 person namespace of the same clients (`<pp:person>`, no id). */
export const NS_PERSON_DRAFT = 'urn:ietf:params:xml:ns:pidf:person';
/** RFC 4480 place-type values come from RFC 4589 location types. */
export const NS_LOCATION_TYPE = 'urn:ietf:params:xml:ns:location-type';
/** The `xml:` prefix. */
export const NS_XML = 'http://www.w3.org/XML/1998/namespace';

/** The content types of the presence package. */
export const PIDF_TYPE = 'application/pidf+xml';
/** Legacy CPIM-PIDF: the same document as PIDF under an older name. */
export const CPIM_PIDF_TYPE = 'application/cpim-pidf+xml';
/** Microsoft/Polycom-era XPIDF (draft-rosenberg-impp-pidf-00). */
export const XPIDF_TYPE = 'application/xpidf+xml';
