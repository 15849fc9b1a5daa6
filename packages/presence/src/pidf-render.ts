/**
 * PIDF (RFC 3863) writing with xmlbuilder2, with the conventional prefixes
 * real clients look for (`dm:` RFC 4479, `rpid:` RFC 4480; some match the
 * literal `<rpid:away/>`). PIDF is the default namespace.
 */
import { create } from 'xmlbuilder2';
import type { PidfDevice, PidfDocument, PidfPerson, PidfTuple, PresenceNote, RpidInfo } from './model.js';
import { NS_DM, NS_LOCATION_TYPE, NS_PIDF, NS_RPID } from './namespaces.js';

type XMLBuilder = ReturnType<typeof create>;

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
  const rootAttrs: Record<string, string> = {};
  if (dataModel) rootAttrs['xmlns:dm'] = NS_DM;
  if (dataModel && rpid) rootAttrs['xmlns:rpid'] = NS_RPID;
  rootAttrs.entity = doc.entity;
  const xml = create({ version: '1.0', encoding: 'UTF-8' });
  const root = xml.ele(NS_PIDF, 'presence', rootAttrs);
  // RFC 3863 §4.1: tuples, then notes, then extensions (RFC 4479 person/device).
  for (const tuple of doc.tuples) writeTuple(root, tuple, dataModel);
  writeNotes(root, NS_PIDF, 'note', doc.notes);
  if (dataModel) {
    for (const person of doc.persons) writePerson(root, person, rpid);
    for (const device of doc.devices) writeDevice(root, device, rpid);
  }
  return xml.end({ prettyPrint: options.pretty === true });
}

function writeTuple(root: XMLBuilder, tuple: PidfTuple, dataModel: boolean): void {
  const el = root.ele(NS_PIDF, 'tuple', { id: toXmlId(tuple.id) });
  const status = el.ele(NS_PIDF, 'status');
  // RFC 3863 §4.1.4: basic is optional in the schema but every client reads it; say closed rather than nothing.
  status.ele(NS_PIDF, 'basic').txt(tuple.basic ?? 'closed');
  if (dataModel && tuple.deviceId) el.ele(NS_DM, 'dm:deviceID').txt(tuple.deviceId);
  if (tuple.contact) {
    const attrs: Record<string, string> =
      tuple.contact.priority !== undefined ? { priority: formatPriority(tuple.contact.priority) } : {};
    el.ele(NS_PIDF, 'contact', attrs).txt(tuple.contact.uri);
  }
  writeNotes(el, NS_PIDF, 'note', tuple.notes);
  if (tuple.timestamp) el.ele(NS_PIDF, 'timestamp').txt(tuple.timestamp);
}

function formatPriority(p: number): string {
  const clamped = Math.min(1, Math.max(0, p));
  return String(Math.round(clamped * 1000) / 1000);
}

function writeNotes(parent: XMLBuilder, ns: string, qname: string, notes: readonly PresenceNote[]): void {
  for (const note of notes) parent.ele(ns, qname, note.lang ? { 'xml:lang': note.lang } : {}).txt(note.text);
}

function writePerson(root: XMLBuilder, person: PidfPerson, rpid: boolean): void {
  const el = root.ele(NS_DM, 'dm:person', { id: toXmlId(person.id) });
  if (rpid) writeRpid(el, person);
  writeNotes(el, NS_DM, 'dm:note', person.notes);
  if (person.timestamp) el.ele(NS_DM, 'dm:timestamp').txt(person.timestamp);
}

function writeDevice(root: XMLBuilder, device: PidfDevice, rpid: boolean): void {
  const el = root.ele(NS_DM, 'dm:device', { id: toXmlId(device.id) });
  if (rpid && device.userInput) writeUserInput(el, device.userInput);
  // RFC 4479 §3.3: a device has exactly one deviceID.
  el.ele(NS_DM, 'dm:deviceID').txt(device.deviceId ?? `urn:x-herald:device:${device.id}`);
  writeNotes(el, NS_DM, 'dm:note', device.notes);
  if (device.timestamp) el.ele(NS_DM, 'dm:timestamp').txt(device.timestamp);
}

function writeRpid(el: XMLBuilder, info: RpidInfo): void {
  if (info.activities.length > 0) {
    const acts = el.ele(NS_RPID, 'rpid:activities');
    for (const a of info.activities) {
      const child = acts.ele(NS_RPID, `rpid:${a}`);
      if (a === 'other' && info.otherActivity) child.txt(info.otherActivity);
    }
  }
  if (info.mood.length > 0) {
    const mood = el.ele(NS_RPID, 'rpid:mood');
    for (const m of info.mood) mood.ele(NS_RPID, `rpid:${m}`);
  }
  if (info.placeType.length > 0) {
    const place = el.ele(NS_RPID, 'rpid:place-type', { 'xmlns:lt': NS_LOCATION_TYPE });
    for (const p of info.placeType) {
      if (/^[a-z][a-z0-9-]*$/.test(p)) place.ele(NS_LOCATION_TYPE, `lt:${p}`);
      else place.ele(NS_RPID, 'rpid:other').txt(p);
    }
  }
  if (info.privacy.length > 0) {
    const privacy = el.ele(NS_RPID, 'rpid:privacy');
    for (const p of info.privacy) privacy.ele(NS_RPID, `rpid:${p}`);
  }
  if (info.userInput) writeUserInput(el, info.userInput);
}

function writeUserInput(el: XMLBuilder, input: NonNullable<RpidInfo['userInput']>): void {
  const attrs: Record<string, string> = {};
  if (input.idleThreshold !== undefined) attrs['idle-threshold'] = String(input.idleThreshold);
  if (input.lastInput) attrs['last-input'] = input.lastInput;
  el.ele(NS_RPID, 'rpid:user-input', attrs).txt(input.value);
}
