/**
 * PIDF (RFC 3863) writing, with the conventional prefixes real clients look
 * for (`dm:` RFC 4479, `rpid:` RFC 4480; some match the literal
 * `<rpid:away/>`). PIDF is the default namespace. Plain string building
 * (`xmlEl`/`writeXml`): a DOM builder cost more than the rest of a NOTIFY.
 */
import { type XmlNode, writeXml, xmlEl } from '@herald/events';
import type { PidfDevice, PidfDocument, PidfPerson, PidfTuple, PresenceNote, RpidInfo } from './model.js';
import { NS_DM, NS_LOCATION_TYPE, NS_PIDF, NS_RPID } from './namespaces.js';

/** What {@link renderPidf} writes besides tuples (profiles switch these). */
export interface PidfRenderOptions {
  /** Write RFC 4480 elements (in `dm:person`); default true. */
  readonly rpid?: boolean;
  /** Write `dm:person`/`dm:device` elements and `dm:deviceID`; default true. */
  readonly dataModel?: boolean;
  /** Indent the output; default false. */
  readonly pretty?: boolean;
}

const XML_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** An id made a valid xs:ID (RFC 3863 tuple ids are xs:ID; Zoiper sends "1000"): kept when valid, else `_` + the id with bad characters replaced. */
export function toXmlId(id: string): string {
  return XML_ID.test(id) ? id : `_${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Renders a PIDF document (entity, tuples, notes, persons, devices) as UTF-8 XML text. */
export function renderPidf(doc: PidfDocument, options: PidfRenderOptions = {}): string {
  const rpid = options.rpid !== false;
  const dataModel = options.dataModel !== false;
  const kids: XmlNode[] = [];
  // RFC 3863 §4.1: tuples, then notes, then extensions (RFC 4479 person/device).
  for (const tuple of doc.tuples) kids.push(tupleNode(tuple, dataModel));
  pushNotes(kids, 'note', doc.notes);
  if (dataModel) {
    for (const person of doc.persons) kids.push(personNode(person, rpid));
    for (const device of doc.devices) kids.push(deviceNode(device, rpid));
  }
  const root = xmlEl(
    'presence',
    [
      ['xmlns', NS_PIDF],
      ['xmlns:dm', dataModel ? NS_DM : undefined],
      ['xmlns:rpid', dataModel && rpid ? NS_RPID : undefined],
      ['entity', doc.entity],
    ],
    kids,
  );
  return writeXml(root, { pretty: options.pretty === true });
}

function tupleNode(tuple: PidfTuple, dataModel: boolean): XmlNode {
  // RFC 3863 §4.1.4: basic is optional in the schema but every client reads it; say closed rather than nothing.
  const kids: XmlNode[] = [xmlEl('status', undefined, [xmlEl('basic', undefined, tuple.basic ?? 'closed')])];
  if (dataModel && tuple.deviceId) kids.push(xmlEl('dm:deviceID', undefined, tuple.deviceId));
  if (tuple.contact) {
    const p = tuple.contact.priority;
    kids.push(xmlEl('contact', [['priority', p !== undefined ? formatPriority(p) : undefined]], tuple.contact.uri));
  }
  pushNotes(kids, 'note', tuple.notes);
  if (tuple.timestamp) kids.push(xmlEl('timestamp', undefined, tuple.timestamp));
  return xmlEl('tuple', [['id', toXmlId(tuple.id)]], kids);
}

function formatPriority(p: number): string {
  const clamped = Math.min(1, Math.max(0, p));
  return String(Math.round(clamped * 1000) / 1000);
}

function pushNotes(into: XmlNode[], qname: string, notes: readonly PresenceNote[]): void {
  for (const note of notes) into.push(xmlEl(qname, [['xml:lang', note.lang || undefined]], note.text));
}

function personNode(person: PidfPerson, rpid: boolean): XmlNode {
  const kids: XmlNode[] = [];
  if (rpid) pushRpid(kids, person);
  pushNotes(kids, 'dm:note', person.notes);
  if (person.timestamp) kids.push(xmlEl('dm:timestamp', undefined, person.timestamp));
  return xmlEl('dm:person', [['id', toXmlId(person.id)]], kids);
}

function deviceNode(device: PidfDevice, rpid: boolean): XmlNode {
  const kids: XmlNode[] = [];
  if (rpid && device.userInput) kids.push(userInputNode(device.userInput));
  // RFC 4479 §3.3: a device has exactly one deviceID.
  kids.push(xmlEl('dm:deviceID', undefined, device.deviceId ?? `urn:x-herald:device:${device.id}`));
  pushNotes(kids, 'dm:note', device.notes);
  if (device.timestamp) kids.push(xmlEl('dm:timestamp', undefined, device.timestamp));
  return xmlEl('dm:device', [['id', toXmlId(device.id)]], kids);
}

const empty = (qname: string): XmlNode => xmlEl(qname);

function pushRpid(into: XmlNode[], info: RpidInfo): void {
  if (info.activities.length > 0) {
    const acts = info.activities.map((a) =>
      a === 'other' && info.otherActivity ? xmlEl('rpid:other', undefined, info.otherActivity) : empty(`rpid:${a}`),
    );
    into.push(xmlEl('rpid:activities', undefined, acts));
  }
  if (info.mood.length > 0) {
    into.push(
      xmlEl(
        'rpid:mood',
        undefined,
        info.mood.map((m) => empty(`rpid:${m}`)),
      ),
    );
  }
  if (info.placeType.length > 0) {
    const places = info.placeType.map((p) =>
      /^[a-z][a-z0-9-]*$/.test(p) ? empty(`lt:${p}`) : xmlEl('rpid:other', undefined, p),
    );
    into.push(xmlEl('rpid:place-type', [['xmlns:lt', NS_LOCATION_TYPE]], places));
  }
  if (info.privacy.length > 0) {
    into.push(
      xmlEl(
        'rpid:privacy',
        undefined,
        info.privacy.map((p) => empty(`rpid:${p}`)),
      ),
    );
  }
  if (info.userInput) into.push(userInputNode(info.userInput));
}

function userInputNode(input: NonNullable<RpidInfo['userInput']>): XmlNode {
  const threshold = input.idleThreshold !== undefined ? String(input.idleThreshold) : undefined;
  return xmlEl(
    'rpid:user-input',
    [
      ['idle-threshold', threshold],
      ['last-input', input.lastInput || undefined],
    ],
    input.value,
  );
}
