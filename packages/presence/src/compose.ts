/**
 * Composition: many sources for one presentity → one {@link PresentityState}
 * (RFC 3903 §4: the ESC merges publications; RFC 3856 §6.8 leaves the policy
 * to us). A pure function; the precedence rules are in README.md.
 */
import type {
  BasicStatus,
  DeviceTuple,
  PidfDevice,
  PidfDocument,
  PidfPerson,
  PidfTuple,
  PresenceContact,
  PresenceNote,
  PresentityState,
  RpidInfo,
} from './model.js';
import { isDndNote, isOnThePhoneNote } from './rpid.js';
import type { PresenceReport, PresenceSources, PublicationSource } from './sources.js';

/** Id of the composed tuple (first in the document) and of the composed person. */
export const COMPOSED_TUPLE_ID = 'herald';
export const COMPOSED_PERSON_ID = 'herald-person';

/** A published element that survived the "newer replaces same id" rule. */
interface LivePublication {
  readonly updatedAt: number;
  readonly tuples: PidfTuple[];
  readonly persons: PidfPerson[];
  readonly devices: PidfDevice[];
  readonly notes: readonly PresenceNote[];
}

/**
 * DESIGN.md: for one presentity, a newer publication replaces older ones that
 * carry the same tuple (or person/device) id — a rebooted phone's fresh
 * PUBLISH hides its lingering old one. Newest first in the result.
 */
export function supersede(publications: readonly PublicationSource[]): LivePublication[] {
  const ordered = publications.map((p, i) => ({ p, i }));
  // Newest first; on equal time the later one in the list is the newer.
  ordered.sort((a, b) => b.p.updatedAt - a.p.updatedAt || b.i - a.i);
  const seen = new Set<string>();
  const claim = (key: string): boolean => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const out: LivePublication[] = [];
  for (const { p } of ordered) {
    const doc = p.document;
    const live: LivePublication = {
      updatedAt: p.updatedAt,
      tuples: doc.tuples.filter((t) => claim(`tuple\n${t.id}`)),
      persons: doc.persons.filter((x) => claim(`person\n${x.id}`)),
      devices: doc.devices.filter((d) => claim(`device\n${d.id}`)),
      notes: doc.notes,
    };
    if (live.tuples.length + live.persons.length + live.devices.length > 0) out.push(live);
  }
  return out;
}

function saysDnd(info: RpidInfo, notes: readonly PresenceNote[]): boolean {
  return info.activities.includes('busy') || notes.some((n) => isDndNote(n.text));
}

function saysOnThePhone(info: RpidInfo, notes: readonly PresenceNote[]): boolean {
  return info.activities.includes('on-the-phone') || notes.some((n) => isOnThePhoneNote(n.text));
}

function allNotes(pub: LivePublication): PresenceNote[] {
  const out: PresenceNote[] = [];
  const add = (n: PresenceNote) => {
    if (!out.some((o) => o.text === n.text && o.lang === n.lang)) out.push(n);
  };
  for (const t of pub.tuples) t.notes.forEach(add);
  for (const p of pub.persons) p.notes.forEach(add);
  pub.notes.forEach(add);
  return out;
}

/** A reported state as the device tuple it stands for. */
function reportTuple(deviceId: string, report: PresenceReport, updatedAt: number): DeviceTuple {
  const notes = report.notes ?? [];
  const activities = report.activities ?? [];
  return {
    id: `phone-${deviceId.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    source: 'phone',
    status: report.status ?? 'open',
    deviceId,
    notes,
    dnd: report.dnd ?? (activities.includes('busy') || notes.some((n) => isDndNote(n.text))),
    updatedAt,
  };
}

/** The contact with the highest priority (ties: the first). */
function bestContact(contacts: ReadonlyArray<PresenceContact | undefined>): PresenceContact | undefined {
  let best: PresenceContact | undefined;
  for (const c of contacts) if (c && (!best || (c.priority ?? 0) > (best.priority ?? 0))) best = c;
  return best;
}

/** Composes every source of one presentity; no sources at all → closed (never empty). */
export function composePresentity(resource: string, sources: PresenceSources): PresentityState {
  const pubs = supersede(sources.publications);
  const api = sources.api?.value;

  // User-reported devices: published tuples and phone reports.
  const devices: DeviceTuple[] = [];
  const dndSays: boolean[] = [];
  let reportedOnThePhone = false;
  const activities = new Set<string>();
  const noteCandidates: Array<{ at: number; notes: readonly PresenceNote[] }> = [];
  for (const pub of pubs) {
    const notes = allNotes(pub);
    const infos: RpidInfo[] = [...pub.tuples, ...pub.persons];
    const pubDnd = infos.some((i) => saysDnd(i, [])) || notes.some((n) => isDndNote(n.text));
    if (pubDnd) dndSays.push(true);
    if (infos.some((i) => saysOnThePhone(i, [])) || notes.some((n) => isOnThePhoneNote(n.text))) {
      reportedOnThePhone = true;
    }
    for (const i of infos) for (const a of i.activities) activities.add(a);
    if (notes.length > 0) noteCandidates.push({ at: pub.updatedAt, notes });
    for (const t of pub.tuples) {
      if (t.basic === undefined) continue; // a tuple without <basic> says nothing about availability
      devices.push({
        id: t.id,
        source: 'publish',
        status: t.basic,
        ...(t.deviceId ? { deviceId: t.deviceId } : {}),
        ...(t.contact ? { contact: t.contact } : {}),
        notes: t.notes,
        dnd: pubDnd,
        updatedAt: pub.updatedAt,
      });
    }
  }
  for (const [deviceId, { value, updatedAt }] of sources.phoneReports ?? []) {
    const tuple = reportTuple(deviceId, value, updatedAt);
    devices.push(tuple);
    if (tuple.dnd) dndSays.push(true);
    if (value.onThePhone) reportedOnThePhone = true;
    for (const a of value.activities ?? []) activities.add(a);
    if (tuple.notes.length > 0) noteCandidates.push({ at: updatedAt, notes: tuple.notes });
  }

  // Status: API > user-reported (PUBLISH, phone) > registration > closed.
  let status: BasicStatus;
  if (api?.status) status = api.status;
  else if (devices.length > 0) status = devices.some((d) => d.status === 'open') ? 'open' : 'closed';
  else status = sources.registration?.registered ? 'open' : 'closed';

  // DND: API > (some device says DND and none is available).
  const available = devices.some((d) => d.status === 'open' && !d.dnd);
  const dnd = api?.dnd ?? (dndSays.length > 0 && !available);

  // On the phone: calls in progress, the API, or a device saying so; never closes anything.
  const onThePhone = (sources.activeCalls ?? 0) > 0 || api?.onThePhone === true || reportedOnThePhone;

  // Notes: API > the newest source that carries notes.
  let notes: readonly PresenceNote[] = [];
  if (api?.note !== undefined) notes = api.note ? [{ text: api.note }] : [];
  else {
    let newest: { at: number; notes: readonly PresenceNote[] } | undefined;
    for (const c of noteCandidates) if (!newest || c.at > newest.at) newest = c;
    notes = newest?.notes ?? [];
  }

  // busy and on-the-phone follow the composed flags; other activities are kept.
  activities.delete('busy');
  activities.delete('on-the-phone');
  activities.delete('unknown');
  const composedActivities = [...(dnd ? ['busy'] : []), ...(onThePhone ? ['on-the-phone'] : []), ...activities];

  if (devices.length === 0 && sources.registration) {
    devices.push({
      id: 'registration',
      source: 'registration',
      status: sources.registration.registered ? 'open' : 'closed',
      ...(sources.registration.contacts?.length ? { contact: bestContact(sources.registration.contacts) } : {}),
      notes: [],
      dnd: false,
      updatedAt: 0,
    });
  }

  const document = composedDocument(resource, {
    status,
    notes,
    activities: composedActivities,
    devices,
    pubs,
  });
  return { status, notes, dnd, onThePhone, activities: composedActivities, devices, document };
}

interface DocumentParts {
  readonly status: BasicStatus;
  readonly notes: readonly PresenceNote[];
  readonly activities: readonly string[];
  readonly devices: readonly DeviceTuple[];
  readonly pubs: readonly LivePublication[];
}

function composedDocument(resource: string, parts: DocumentParts): PidfDocument {
  const openContacts = parts.devices.filter((d) => d.status === 'open').map((d) => d.contact);
  const contact = bestContact(openContacts);
  const composed: PidfTuple = {
    id: COMPOSED_TUPLE_ID,
    basic: parts.status,
    ...(contact ? { contact } : {}),
    notes: parts.notes,
    activities: [],
    mood: [],
    placeType: [],
    privacy: [],
  };
  const deviceTuples: PidfTuple[] = parts.devices.map((d) => ({
    id: d.id === COMPOSED_TUPLE_ID ? `device-${d.id}` : d.id,
    basic: d.status,
    ...(d.contact ? { contact: d.contact } : {}),
    ...(d.deviceId ? { deviceId: d.deviceId } : {}),
    notes: d.notes,
    activities: [],
    mood: [],
    placeType: [],
    privacy: [],
  }));
  // The newest person carries mood, place, privacy and idle for the presentity.
  const newestPerson = parts.pubs.flatMap((p) => p.persons)[0];
  const person: PidfPerson = {
    id: COMPOSED_PERSON_ID,
    notes: [],
    activities: parts.activities,
    ...(newestPerson?.otherActivity && parts.activities.includes('other')
      ? { otherActivity: newestPerson.otherActivity }
      : {}),
    mood: newestPerson?.mood ?? [],
    placeType: newestPerson?.placeType ?? [],
    privacy: newestPerson?.privacy ?? [],
    ...(newestPerson?.userInput ? { userInput: newestPerson.userInput } : {}),
  };
  const hasPerson =
    person.activities.length + person.mood.length + person.placeType.length + person.privacy.length > 0 ||
    person.userInput !== undefined;
  return {
    entity: resource,
    tuples: [composed, ...deviceTuples],
    persons: hasPerson ? [person] : [],
    devices: parts.pubs.flatMap((p) => p.devices),
    notes: [],
  };
}

/** A phone's own PIDF (NOTIFY to a back-SUBSCRIBE) read as a {@link PresenceReport}. */
export function reportFromPidf(doc: PidfDocument): PresenceReport {
  const infos: RpidInfo[] = [...doc.tuples, ...doc.persons];
  const notes = [...doc.tuples.flatMap((t) => t.notes), ...doc.persons.flatMap((p) => p.notes), ...doc.notes];
  const basics = doc.tuples.map((t) => t.basic).filter((b) => b !== undefined);
  const activities = [...new Set(infos.flatMap((i) => i.activities))];
  return {
    ...(basics.length > 0 ? { status: basics.includes('open') ? ('open' as const) : ('closed' as const) } : {}),
    dnd: infos.some((i) => saysDnd(i, [])) || notes.some((n) => isDndNote(n.text)),
    onThePhone: infos.some((i) => saysOnThePhone(i, [])) || notes.some((n) => isOnThePhoneNote(n.text)),
    notes,
    activities,
  };
}

/** The document rendered when nothing is known: one closed tuple (never an empty body). */
export function closedDocument(resource: string): PidfDocument {
  return {
    entity: resource,
    tuples: [
      { id: COMPOSED_TUPLE_ID, basic: 'closed', notes: [], activities: [], mood: [], placeType: [], privacy: [] },
    ],
    persons: [],
    devices: [],
    notes: [],
  };
}
