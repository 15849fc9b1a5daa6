/**
 * Renders `application/dialog-info+xml` (RFC 4235 §4) (plain string
 * building) with an explicit default namespace. The per-subscription `version` is spliced
 * into a cached template, so one rendering serves every watcher.
 */
import { type XmlNode, writeXml, xmlEl } from '@herald/events';
import { DIALOG_INFO_NS, type DialogInfo, type DialogParticipant } from './types.js';

/** Options of {@link renderDialogInfo}. */
export interface RenderDialogOptions {
  /** Omit `<local>`/`<remote>` identities and targets (privacy per watcher); call-id and tags stay. */
  readonly hideIdentity?: boolean;
}

/** A rendered document with a hole for `version`: `head + version + tail`. */
export interface DialogInfoTemplate {
  readonly head: string;
  readonly tail: string;
}

/** Placeholder for the version attribute; the root's attributes come before any text that could repeat it. */
const VERSION_HOLE = '4294967296000';

function participant(into: XmlNode[], name: 'local' | 'remote', p: DialogParticipant): void {
  if (!p.identity && p.target === undefined) return;
  const kids: XmlNode[] = [];
  if (p.identity) kids.push(xmlEl('identity', [['display', p.identity.display]], p.identity.uri));
  if (p.target !== undefined) {
    // RFC 4235 §4.1.6.2: `uri` is required; params carry feature tags such as +sip.rendering.
    const params: XmlNode[] = [];
    for (const [pname, pvalue] of p.targetParams ?? []) {
      params.push(
        xmlEl('param', [
          ['pname', pname],
          ['pvalue', pvalue],
        ]),
      );
    }
    if (p.rendering === false) {
      params.push(
        xmlEl('param', [
          ['pname', '+sip.rendering'],
          ['pvalue', 'no'],
        ]),
      );
    }
    kids.push(xmlEl('target', [['uri', p.target]], params));
  }
  into.push(xmlEl(name, undefined, kids));
}

function dialogNode(d: DialogInfo, options: RenderDialogOptions): XmlNode {
  // RFC 4235 §4.4 schema order: state, duration, (replaces, referred-by, route-set), local, remote.
  const kids: XmlNode[] = [
    xmlEl(
      'state',
      [
        ['event', d.state === 'terminated' ? d.event : undefined],
        ['code', d.code !== undefined ? String(d.code) : undefined],
      ],
      d.state,
    ),
  ];
  if (d.duration !== undefined) kids.push(xmlEl('duration', undefined, String(d.duration)));
  if (!options.hideIdentity) {
    if (d.local) participant(kids, 'local', d.local);
    if (d.remote) participant(kids, 'remote', d.remote);
  }
  return xmlEl(
    'dialog',
    [
      ['id', d.id],
      ['call-id', d.callId],
      ['local-tag', d.localTag],
      ['remote-tag', d.remoteTag],
      ['direction', d.direction],
    ],
    kids,
  );
}

/** Renders a document template; the caller splices in the subscription's version. */
export function renderDialogInfoTemplate(
  entity: string,
  state: 'full' | 'partial',
  dialogs: readonly DialogInfo[],
  options: RenderDialogOptions = {},
): DialogInfoTemplate {
  // RFC 4235 §4.1: version, state and entity are required attributes of <dialog-info>.
  const root = xmlEl(
    'dialog-info',
    [
      ['xmlns', DIALOG_INFO_NS],
      ['version', VERSION_HOLE],
      ['state', state],
      ['entity', entity],
    ],
    dialogs.map((d) => dialogNode(d, options)),
  );
  const xml = writeXml(root);
  const at = xml.indexOf(`version="${VERSION_HOLE}"`);
  const cut = at + 'version="'.length;
  return { head: xml.slice(0, cut), tail: xml.slice(cut + VERSION_HOLE.length) };
}

/** Renders a complete dialog-info document (RFC 4235 §4). */
export function renderDialogInfo(
  doc: {
    readonly entity: string;
    readonly version: number;
    readonly state: 'full' | 'partial';
    readonly dialogs: readonly DialogInfo[];
  },
  options: RenderDialogOptions = {},
): string {
  const t = renderDialogInfoTemplate(doc.entity, doc.state, doc.dialogs, options);
  return t.head + String(doc.version) + t.tail;
}
