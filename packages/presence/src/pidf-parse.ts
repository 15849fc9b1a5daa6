/**
 * PIDF (RFC 3863) reading with the RFC 4479 data model and RFC 4480 RPID.
 * Elements are matched by namespace URI and local name, never by prefix;
 * elements of unknown namespaces are ignored. Failures are values with the
 * 400 reason to answer a PUBLISH with.
 */
import { parseXml, xmlChild, xmlChildren, type Verdict, type XmlElement } from '@herald/events';
import type {
  BasicStatus,
  PidfDevice,
  PidfDocument,
  PidfPerson,
  PidfTuple,
  PresenceContact,
  PresenceNote,
  RpidInfo,
  UserInput,
} from './model.js';
import { NS_DM, NS_LOCATION_TYPE, NS_PERSON_DRAFT, NS_PIDF, NS_RPID, NS_RPID_DRAFTS } from './namespaces.js';
import { normalizeActivity, normalizeMood, normalizePrivacy } from './rpid.js';

/** The pre-RFC CPIM-PIDF namespace some old clients still send under `application/cpim-pidf+xml`. */
const NS_CPIM_PIDF = 'urn:ietf:params:xml:ns:cpim-pidf';

type Fail = { readonly ok: false; readonly status: number; readonly reason: string };
const fail = (reason: string): Fail => ({ ok: false, status: 400, reason });

class PidfError extends Error {}

/** Parses a PIDF body into a {@link PidfDocument}, or says why it is not one (400). Never throws. */
export function parsePidf(body: Buffer | string): Verdict<PidfDocument> {
  const xml = parseXml(body);
  if (!xml.ok) return xml;
  const root = xml.value;
  if (root.name !== 'presence' || (root.ns !== NS_PIDF && root.ns !== NS_CPIM_PIDF)) {
    return fail(`Not A PIDF Document (root ${root.ns ? `{${root.ns}}` : ''}${root.name})`);
  }
  // RFC 3863 §4.1.1: the entity attribute is mandatory.
  const entity = root.attrs.get('entity')?.trim();
  if (!entity) return fail('PIDF Missing Entity Attribute');
  try {
    const ns = root.ns;
    const tuples = xmlChildren(root, ns, 'tuple').map((el) => readTuple(el, ns));
    const seen = new Set<string>();
    for (const t of tuples) {
      if (seen.has(t.id)) throw new PidfError(`PIDF Duplicate Tuple Id ${t.id}`.slice(0, 100));
      seen.add(t.id);
    }
    return {
      ok: true,
      value: {
        entity,
        tuples,
        persons: [
          ...xmlChildren(root, NS_DM, 'person').map((el) => readPerson(el, requiredId(el, 'Person'))),
          // CounterPath's draft person has no id; RPID sits in its <status>.
          ...xmlChildren(root, NS_PERSON_DRAFT, 'person').map((el, i) =>
            readPerson(el, el.attrs.get('id') ?? `person-${i + 1}`),
          ),
        ],
        devices: xmlChildren(root, NS_DM, 'device').map(readDevice),
        notes: notesOf(root, [ns]),
      },
    };
  } catch (err) {
    if (err instanceof PidfError) return fail(err.message);
    throw err;
  }
}

function requiredId(el: XmlElement, what: string): string {
  const id = el.attrs.get('id')?.trim();
  if (!id) throw new PidfError(`PIDF ${what} Without Id`);
  return id;
}

function readTuple(el: XmlElement, ns: string): PidfTuple {
  const id = requiredId(el, 'Tuple');
  const status = xmlChild(el, ns, 'status');
  const basicText = status ? xmlChild(status, ns, 'basic')?.text.trim() : undefined;
  let basic: BasicStatus | undefined;
  if (basicText !== undefined) {
    // RFC 3863 §4.1.4: basic is "open" or "closed".
    const b = basicText.toLowerCase();
    if (b !== 'open' && b !== 'closed') throw new PidfError(`PIDF Bad Basic Status "${basicText}"`.slice(0, 100));
    basic = b;
  }
  // Older phones put RPID inside <status>, newer ones beside it: read both.
  const rpid = mergeRpid(readRpid(el), status ? readRpid(status) : undefined);
  const deviceId = (xmlChild(el, NS_DM, 'deviceID') ?? xmlChild(el, ns, 'deviceID'))?.text.trim();
  return {
    id,
    ...optional('basic', basic),
    ...optional('contact', readContact(xmlChild(el, ns, 'contact'))),
    notes: notesOf(el, [ns, NS_DM]),
    ...optional('timestamp', timestampOf(el, [ns, NS_DM])),
    ...optional('deviceId', deviceId || undefined),
    ...rpid,
  };
}

function readContact(el: XmlElement | undefined): PresenceContact | undefined {
  if (!el) return undefined;
  const uri = el.text.trim();
  if (!uri) return undefined;
  const p = el.attrs.get('priority');
  if (p === undefined) return { uri };
  // RFC 3863 §4.1.5: priority is a decimal from 0 to 1.
  const priority = Number(p.trim());
  if (!/^\s*(0(\.\d+)?|1(\.0+)?|\.\d+)\s*$/.test(p) || !(priority >= 0 && priority <= 1)) {
    throw new PidfError(`PIDF Bad Contact Priority "${p}"`.slice(0, 100));
  }
  return { uri, priority };
}

function readPerson(el: XmlElement, id: string): PidfPerson {
  const status = el.children.find((c) => c.name === 'status');
  return {
    id,
    notes: notesOf(el, [NS_DM, NS_PIDF, NS_RPID, NS_PERSON_DRAFT]),
    ...optional('timestamp', timestampOf(el, [NS_DM, NS_PIDF, NS_PERSON_DRAFT])),
    ...mergeRpid(readRpid(el), status ? readRpid(status) : undefined),
  };
}

function readDevice(el: XmlElement): PidfDevice {
  const deviceId = xmlChild(el, NS_DM, 'deviceID')?.text.trim();
  return {
    id: requiredId(el, 'Device'),
    ...optional('deviceId', deviceId || undefined),
    notes: notesOf(el, [NS_DM, NS_PIDF]),
    ...optional('timestamp', timestampOf(el, [NS_DM, NS_PIDF])),
    ...optional('userInput', readUserInput(xmlChild(el, NS_RPID, 'user-input'))),
  };
}

function notesOf(el: XmlElement, namespaces: readonly string[]): PresenceNote[] {
  const out: PresenceNote[] = [];
  for (const c of el.children) {
    if (c.name !== 'note' || !namespaces.includes(c.ns)) continue;
    const text = c.text.trim();
    if (!text) continue;
    const lang = c.attrs.get('xml:lang');
    out.push(lang ? { text, lang } : { text });
  }
  return out;
}

function timestampOf(el: XmlElement, namespaces: readonly string[]): string | undefined {
  for (const c of el.children)
    if (c.name === 'timestamp' && namespaces.includes(c.ns)) return c.text.trim() || undefined;
  return undefined;
}

/** RPID elements directly inside `el` (RFC 4480 namespace and the CounterPath draft one). */
function readRpid(el: XmlElement): RpidInfo {
  const activities: string[] = [];
  let otherActivity: string | undefined;
  const rpidActivities = xmlChild(el, NS_RPID, 'activities');
  if (rpidActivities) {
    for (const a of rpidActivities.children) {
      if (a.ns !== NS_RPID || a.name === 'description' || a.name === 'note') continue;
      const value = normalizeActivity(a.name);
      if (value === 'other') otherActivity = a.text.trim() || a.name;
      if (!activities.includes(value)) activities.push(value);
    }
  }
  const draft = el.children.find((c) => c.name === 'activities' && NS_RPID_DRAFTS.includes(c.ns));
  if (draft) {
    for (const a of xmlChildren(draft, draft.ns, 'activity')) {
      const word = a.text.trim();
      if (!word) continue;
      const value = normalizeActivity(word);
      if (value === 'other') otherActivity = word;
      if (!activities.includes(value)) activities.push(value);
    }
  }
  const mood: string[] = [];
  const moodEl = xmlChild(el, NS_RPID, 'mood');
  if (moodEl) {
    for (const m of moodEl.children) if (m.ns === NS_RPID && m.name !== 'note') mood.push(normalizeMood(m.name));
  }
  const placeType: string[] = [];
  const placeEl = xmlChild(el, NS_RPID, 'place-type');
  if (placeEl) {
    for (const p of placeEl.children) {
      if (p.ns === NS_LOCATION_TYPE) placeType.push(p.name);
      else if (p.ns === NS_RPID && p.name === 'other' && p.text.trim()) placeType.push(p.text.trim());
    }
  }
  const privacy: string[] = [];
  const privacyEl = xmlChild(el, NS_RPID, 'privacy');
  if (privacyEl) {
    for (const p of privacyEl.children) {
      const v = p.ns === NS_RPID ? normalizePrivacy(p.name) : undefined;
      if (v && !privacy.includes(v)) privacy.push(v);
    }
  }
  const info: RpidInfo = { activities, mood, placeType, privacy };
  const userInput = readUserInput(xmlChild(el, NS_RPID, 'user-input'));
  return { ...info, ...(otherActivity ? { otherActivity } : {}), ...(userInput ? { userInput } : {}) };
}

/** `{ [key]: value }` when value is defined, else `{}` (keeps absent fields absent). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function mergeRpid(a: RpidInfo, b: RpidInfo | undefined): RpidInfo {
  if (!b) return a;
  const union = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])];
  return {
    activities: union(a.activities, b.activities),
    mood: union(a.mood, b.mood),
    placeType: union(a.placeType, b.placeType),
    privacy: union(a.privacy, b.privacy),
    ...optional('otherActivity', a.otherActivity ?? b.otherActivity),
    ...optional('userInput', a.userInput ?? b.userInput),
  };
}

/** RFC 4480 §3.12: `<user-input last-input=… idle-threshold=…>idle</user-input>`. */
function readUserInput(el: XmlElement | undefined): UserInput | undefined {
  if (!el) return undefined;
  const value = el.text.trim().toLowerCase();
  if (value !== 'active' && value !== 'idle') return undefined;
  const lastInput = el.attrs.get('last-input')?.trim();
  const threshold = Number(el.attrs.get('idle-threshold'));
  return {
    value,
    ...(lastInput ? { lastInput } : {}),
    ...(Number.isInteger(threshold) && threshold > 0 ? { idleThreshold: threshold } : {}),
  };
}
