/**
 * XPIDF (`application/xpidf+xml`, draft-rosenberg-impp-pidf-00) as Polycom
 * phones read it, in the shape Asterisk and Kamailio send:
 * `<presence><presentity uri=…;method=SUBSCRIBE/><atom id=…><address uri=…;user=ip
 * priority=…><status status=open|closed|inuse/><msnsubstatus substatus=…/></address></atom></presence>`.
 */
import { writeXml, xmlEl } from '@herald/events';
import type { PresentityState } from './model.js';

/** XPIDF status and MSN substatus for one presentity state. */
export interface XpidfStatus {
  readonly status: 'open' | 'closed' | 'inuse';
  readonly substatus: 'online' | 'offline' | 'away' | 'busy' | 'onthephone' | 'berightback' | 'outtolunch';
}

/** Options of {@link renderXpidf}. */
export interface XpidfRenderOptions {
  /** Write the `<!DOCTYPE presence …>` line Asterisk sends (default true). */
  readonly doctype?: boolean;
}

/** Maps the distilled state onto XPIDF's status/substatus pair (DND and calls show as in use). */
export function xpidfStatus(state: PresentityState | undefined): XpidfStatus {
  if (!state || state.status === 'closed') {
    // A closed presentity in a call is still in use for the lamp.
    return state?.onThePhone
      ? { status: 'inuse', substatus: 'onthephone' }
      : { status: 'closed', substatus: 'offline' };
  }
  if (state.onThePhone) return { status: 'inuse', substatus: 'onthephone' };
  if (state.dnd) return { status: 'inuse', substatus: 'busy' };
  if (state.activities.includes('meal')) return { status: 'open', substatus: 'outtolunch' };
  if (state.activities.some((a) => a === 'away' || a === 'vacation' || a === 'holiday' || a === 'sleeping')) {
    return { status: 'open', substatus: 'away' };
  }
  return { status: 'open', substatus: 'online' };
}

/** Adds a URI parameter unless present (`;method=SUBSCRIBE`, `;user=ip`). */
function withParam(uri: string, param: string): string {
  return uri.toLowerCase().includes(`;${param.split('=')[0].toLowerCase()}=`) ? uri : `${uri};${param}`;
}

/** The atom id: the user part of the resource URI (Asterisk uses the extension). */
function atomId(resource: string): string {
  const m = /^[a-z]+:([^@;]+)@/i.exec(resource);
  return m ? m[1] : resource.replace(/^[a-z]+:/i, '');
}

/** Renders an XPIDF document for a presentity (closed when nothing is known). */
export function renderXpidf(
  state: PresentityState | undefined,
  resource: string,
  options: XpidfRenderOptions = {},
): string {
  const { status, substatus } = xpidfStatus(state);
  const address = xmlEl(
    'address',
    [
      ['uri', withParam(resource, 'user=ip')],
      ['priority', '0.800000'],
    ],
    [xmlEl('status', [['status', status]]), xmlEl('msnsubstatus', [['substatus', substatus]])],
  );
  const presence = xmlEl('presence', undefined, [
    xmlEl('presentity', [['uri', withParam(resource, 'method=SUBSCRIBE')]]),
    xmlEl('atom', [['id', atomId(resource)]], [address]),
  ]);
  const prolog = options.doctype !== false ? XPIDF_DOCTYPE : undefined;
  return writeXml(presence, { pretty: true, prolog });
}

const XPIDF_DOCTYPE = '<!DOCTYPE presence PUBLIC "-//IETF//DTD RFCxxxx XPIDF 1.0//EN" "xpidf.dtd">';
