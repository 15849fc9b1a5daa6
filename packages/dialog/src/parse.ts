/**
 * Parses `application/dialog-info+xml` (RFC 4235 §4) into the data model.
 * Elements are matched by namespace and local name (any prefix, or a
 * default namespace); unknown elements and attributes are ignored; a body
 * that breaks a schema rule the package relies on is a 400 with a reason.
 */
import { parseXml, xmlChild, xmlChildren, type Verdict, type XmlElement, type XmlLimits } from '@herald/events';
import {
  DIALOG_INFO_NS,
  type DialogDirection,
  type DialogIdentity,
  type DialogInfo,
  type DialogInfoDocument,
  type DialogParticipant,
  type DialogStateName,
  type TerminationEvent,
} from './types.js';

const STATES: ReadonlySet<string> = new Set(['trying', 'proceeding', 'early', 'confirmed', 'terminated']);
const EVENTS: ReadonlySet<string> = new Set([
  'cancelled',
  'rejected',
  'replaced',
  'local-bye',
  'remote-bye',
  'error',
  'timeout',
]);

/** Thrown internally for a schema violation; turned into a 400 verdict at the edge. */
class SchemaError extends Error {}

function nonNegativeInt(value: string | undefined, what: string): number {
  const v = value?.trim();
  if (v === undefined || !/^\d{1,15}$/.test(v)) throw new SchemaError(`Invalid dialog-info ${what}`);
  return Number(v);
}

function identityOf(el: XmlElement | undefined): DialogIdentity | undefined {
  if (!el) return undefined;
  const uri = el.text.trim();
  if (!uri) return undefined;
  const display = el.attrs.get('display');
  return display !== undefined ? { uri, display } : { uri };
}

function participantOf(el: XmlElement | undefined): DialogParticipant | undefined {
  if (!el) return undefined;
  const identity = identityOf(xmlChild(el, DIALOG_INFO_NS, 'identity'));
  const targetEl = xmlChild(el, DIALOG_INFO_NS, 'target');
  let target: string | undefined;
  let rendering: boolean | undefined;
  const targetParams: Array<readonly [string, string]> = [];
  if (targetEl) {
    // RFC 4235 §4.1.6.2: `uri` is required on <target>.
    target = targetEl.attrs.get('uri')?.trim();
    if (!target) throw new SchemaError('Dialog-info target without uri');
    for (const p of xmlChildren(targetEl, DIALOG_INFO_NS, 'param')) {
      const pname = p.attrs.get('pname');
      const pvalue = p.attrs.get('pvalue');
      if (pname === undefined || pvalue === undefined) throw new SchemaError('Dialog-info param without pname/pvalue');
      if (pname.toLowerCase() === '+sip.rendering') rendering = !/^"?no"?$/i.test(pvalue.trim());
      else targetParams.push([pname, pvalue]);
    }
  }
  return {
    ...(identity && { identity }),
    ...(target !== undefined && { target }),
    ...(targetParams.length > 0 && { targetParams }),
    ...(rendering !== undefined && { rendering }),
  };
}

function dialogOf(el: XmlElement): DialogInfo {
  const id = el.attrs.get('id');
  if (!id) throw new SchemaError('Dialog without id');
  const stateEl = xmlChild(el, DIALOG_INFO_NS, 'state');
  if (!stateEl) throw new SchemaError('Dialog without state');
  const state = stateEl.text.trim();
  if (!STATES.has(state)) throw new SchemaError('Invalid dialog state');
  const direction = el.attrs.get('direction');
  if (direction !== undefined && direction !== 'initiator' && direction !== 'recipient')
    throw new SchemaError('Invalid dialog direction');
  const event = stateEl.attrs.get('event');
  // Unknown termination events are ignored rather than fatal (forward compatibility).
  const knownEvent = event !== undefined && EVENTS.has(event) ? (event as TerminationEvent) : undefined;
  const codeText = stateEl.attrs.get('code');
  const code = codeText !== undefined ? nonNegativeInt(codeText, 'state code') : undefined;
  const durationEl = xmlChild(el, DIALOG_INFO_NS, 'duration');
  const duration = durationEl ? nonNegativeInt(durationEl.text, 'duration') : undefined;
  const callId = el.attrs.get('call-id');
  const localTag = el.attrs.get('local-tag');
  const remoteTag = el.attrs.get('remote-tag');
  const local = participantOf(xmlChild(el, DIALOG_INFO_NS, 'local'));
  const remote = participantOf(xmlChild(el, DIALOG_INFO_NS, 'remote'));
  return {
    id,
    ...(callId !== undefined && { callId }),
    ...(localTag !== undefined && { localTag }),
    ...(remoteTag !== undefined && { remoteTag }),
    ...(direction !== undefined && { direction: direction as DialogDirection }),
    state: state as DialogStateName,
    ...(knownEvent !== undefined && { event: knownEvent }),
    ...(code !== undefined && { code }),
    ...(duration !== undefined && { duration }),
    ...(local && { local }),
    ...(remote && { remote }),
  };
}

/** Parses a dialog-info document, or says why not (status 400/413 and a reason phrase). Never throws. */
export function parseDialogInfo(body: Buffer | string, limits?: XmlLimits): Verdict<DialogInfoDocument> {
  const xml = parseXml(body, limits);
  if (!xml.ok) return xml;
  const root = xml.value;
  if (root.ns !== DIALOG_INFO_NS || root.name !== 'dialog-info')
    return { ok: false, status: 400, reason: 'Not A dialog-info Document' };
  try {
    // RFC 4235 §4.1: version, state and entity are required on <dialog-info>.
    const version = nonNegativeInt(root.attrs.get('version'), 'version');
    const state = root.attrs.get('state');
    if (state !== 'full' && state !== 'partial') throw new SchemaError('Invalid dialog-info state');
    const entity = root.attrs.get('entity')?.trim();
    if (!entity) throw new SchemaError('Dialog-info without entity');
    const dialogs = xmlChildren(root, DIALOG_INFO_NS, 'dialog').map(dialogOf);
    const ids = new Set<string>();
    for (const d of dialogs) {
      if (ids.has(d.id)) throw new SchemaError('Duplicate dialog id');
      ids.add(d.id);
    }
    return { ok: true, value: { entity, version, state, dialogs } };
  } catch (err) {
    if (err instanceof SchemaError) return { ok: false, status: 400, reason: err.message };
    throw err;
  }
}
