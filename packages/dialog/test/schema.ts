// Test helper: checks a rendered document against the rules of the RFC 4235
// §4.4 schema (element order, required attributes, enumerations, namespace)
// by re-parsing it with the events package's reader. Returns the problems found.
import { parseXml, type XmlElement } from '@herald/events';
import { DIALOG_INFO_NS } from '../src/index.js';

const DIALOG_CHILDREN = ['exclusive', 'state', 'duration', 'replaces', 'referred-by', 'route-set', 'local', 'remote'];
const PARTICIPANT_CHILDREN = ['identity', 'target', 'session-description', 'cseq'];
const STATES = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'];
const EVENTS = ['cancelled', 'rejected', 'replaced', 'local-bye', 'remote-bye', 'error', 'timeout'];

function ordered(el: XmlElement, allowed: string[], where: string, problems: string[]): void {
  let last = -1;
  for (const c of el.children) {
    if (c.ns !== DIALOG_INFO_NS) continue;
    const at = allowed.indexOf(c.name);
    if (at < 0) problems.push(`${where}: unexpected <${c.name}>`);
    else if (at < last) problems.push(`${where}: <${c.name}> out of order`);
    else if (at === last) problems.push(`${where}: repeated <${c.name}>`);
    last = Math.max(last, at);
  }
}

function participant(el: XmlElement, where: string, problems: string[]): void {
  ordered(el, PARTICIPANT_CHILDREN, where, problems);
  for (const c of el.children) {
    if (c.name === 'identity' && !c.text.trim()) problems.push(`${where}: empty identity`);
    if (c.name === 'target') {
      if (!c.attrs.get('uri')) problems.push(`${where}: target without uri`);
      for (const p of c.children)
        if (p.ns !== DIALOG_INFO_NS || p.name !== 'param' || !p.attrs.has('pname') || !p.attrs.has('pvalue'))
          problems.push(`${where}: bad target child <${p.name}>`);
    }
  }
}

/** Every RFC 4235 schema rule the document breaks (empty when valid). */
export function schemaProblems(xml: string): string[] {
  const problems: string[] = [];
  if (!xml.includes(`xmlns="${DIALOG_INFO_NS}"`)) problems.push('no explicit dialog-info namespace declaration');
  const parsed = parseXml(xml);
  if (!parsed.ok) return [`unparsable: ${parsed.reason}`];
  const root = parsed.value;
  if (root.ns !== DIALOG_INFO_NS || root.name !== 'dialog-info') problems.push('root is not dialog-info');
  if (!/^\d+$/.test(root.attrs.get('version') ?? '')) problems.push('version missing or not a nonNegativeInteger');
  if (!['full', 'partial'].includes(root.attrs.get('state') ?? '')) problems.push('state missing or invalid');
  if (!root.attrs.get('entity')) problems.push('entity missing');
  const ids = new Set<string>();
  for (const d of root.children) {
    if (d.ns !== DIALOG_INFO_NS || d.name !== 'dialog') {
      problems.push(`root child <${d.name}> is not a dialog`);
      continue;
    }
    const id = d.attrs.get('id');
    if (!id) problems.push('dialog without id');
    else if (ids.has(id)) problems.push(`duplicate dialog id ${id}`);
    else ids.add(id);
    const dir = d.attrs.get('direction');
    if (dir !== undefined && dir !== 'initiator' && dir !== 'recipient') problems.push(`bad direction ${dir}`);
    ordered(d, DIALOG_CHILDREN, `dialog ${id}`, problems);
    const states = d.children.filter((c) => c.name === 'state');
    if (states.length !== 1) problems.push(`dialog ${id}: needs exactly one state`);
    for (const s of states) {
      if (!STATES.includes(s.text)) problems.push(`dialog ${id}: bad state ${s.text}`);
      const ev = s.attrs.get('event');
      if (ev !== undefined && !EVENTS.includes(ev)) problems.push(`dialog ${id}: bad event ${ev}`);
      const code = s.attrs.get('code');
      if (code !== undefined && !/^[1-9]\d*$/.test(code)) problems.push(`dialog ${id}: bad code ${code}`);
    }
    for (const c of d.children) {
      if (c.name === 'duration' && !/^\d+$/.test(c.text)) problems.push(`dialog ${id}: bad duration`);
      if (c.name === 'local' || c.name === 'remote') participant(c, `dialog ${id} ${c.name}`, problems);
    }
  }
  return problems;
}
