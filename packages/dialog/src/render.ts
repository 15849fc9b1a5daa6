/**
 * Renders `application/dialog-info+xml` (RFC 4235 §4) with xmlbuilder2 and
 * an explicit default namespace. The per-subscription `version` is spliced
 * into a cached template, so one rendering serves every watcher.
 */
import { create } from 'xmlbuilder2';
import { DIALOG_INFO_NS, type DialogInfo, type DialogParticipant } from './types.js';

type XMLBuilder = ReturnType<typeof create>;

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

function participant(parent: XMLBuilder, name: 'local' | 'remote', p: DialogParticipant): void {
  if (!p.identity && p.target === undefined) return;
  const el = parent.ele(name);
  if (p.identity) {
    const attrs = p.identity.display !== undefined ? { display: p.identity.display } : {};
    el.ele('identity', attrs).txt(p.identity.uri);
  }
  if (p.target !== undefined) {
    // RFC 4235 §4.1.6.2: `uri` is required; params carry feature tags such as +sip.rendering.
    const target = el.ele('target', { uri: p.target });
    for (const [pname, pvalue] of p.targetParams ?? []) target.ele('param', { pname, pvalue });
    if (p.rendering === false) target.ele('param', { pname: '+sip.rendering', pvalue: 'no' });
  }
}

function dialog(root: XMLBuilder, d: DialogInfo, options: RenderDialogOptions): void {
  const attrs: Record<string, string> = { id: d.id };
  if (d.callId !== undefined) attrs['call-id'] = d.callId;
  if (d.localTag !== undefined) attrs['local-tag'] = d.localTag;
  if (d.remoteTag !== undefined) attrs['remote-tag'] = d.remoteTag;
  if (d.direction !== undefined) attrs.direction = d.direction;
  const el = root.ele('dialog', attrs);
  // RFC 4235 §4.4 schema order: state, duration, (replaces, referred-by, route-set), local, remote.
  const stateAttrs: Record<string, string> = {};
  if (d.state === 'terminated' && d.event !== undefined) stateAttrs.event = d.event;
  if (d.code !== undefined) stateAttrs.code = String(d.code);
  el.ele('state', stateAttrs).txt(d.state);
  if (d.duration !== undefined) el.ele('duration').txt(String(d.duration));
  if (options.hideIdentity) return;
  if (d.local) participant(el, 'local', d.local);
  if (d.remote) participant(el, 'remote', d.remote);
}

/** Renders a document template; the caller splices in the subscription's version. */
export function renderDialogInfoTemplate(
  entity: string,
  state: 'full' | 'partial',
  dialogs: readonly DialogInfo[],
  options: RenderDialogOptions = {},
): DialogInfoTemplate {
  // RFC 4235 §4.1: version, state and entity are required attributes of <dialog-info>.
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(DIALOG_INFO_NS, 'dialog-info', {
    version: VERSION_HOLE,
    state,
    entity,
  });
  for (const d of dialogs) dialog(root, d, options);
  const xml = root.end({ prettyPrint: false });
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
