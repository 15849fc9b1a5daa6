/**
 * RFC 3858 watcherinfo reading (namespace-resolved, with `parseXml`), and
 * the subscriber's merge of full and partial documents (RFC 3858 §4).
 */
import { parseXml, xmlChildren, type Verdict, type XmlElement } from '@herald/events';
import {
  NS_WATCHERINFO,
  WINFO_EVENTS,
  WINFO_STATUSES,
  type WatcherinfoDocument,
  type WinfoEvent,
  type WinfoStatus,
  type WinfoWatcher,
  type WinfoWatcherList,
} from './types.js';

type Fail = { readonly ok: false; readonly status: number; readonly reason: string };
const bad = (reason: string): Fail => ({ ok: false, status: 400, reason });

const STATUS_SET: ReadonlySet<string> = new Set(WINFO_STATUSES);
const EVENT_SET: ReadonlySet<string> = new Set(WINFO_EVENTS);

function unsigned(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\s*\d{1,15}\s*$/.test(value) ? Number(value) : null;
}

function readWatcher(el: XmlElement): Verdict<WinfoWatcher> {
  const id = el.attrs.get('id');
  const status = el.attrs.get('status');
  const event = el.attrs.get('event');
  // RFC 3858 §6: id, status and event are required; status and event are enumerations.
  if (!id) return bad('Watcher Without id');
  if (status === undefined || !STATUS_SET.has(status)) return bad(`Watcher ${id.slice(0, 20)}: Bad status`);
  if (event === undefined || !EVENT_SET.has(event)) return bad(`Watcher ${id.slice(0, 20)}: Bad event`);
  const uri = el.text.trim();
  if (!uri) return bad(`Watcher ${id.slice(0, 20)}: Empty URI`);
  const duration = unsigned(el.attrs.get('duration-subscribed'));
  const expiration = unsigned(el.attrs.get('expiration'));
  if (duration === null) return bad('Bad duration-subscribed');
  if (expiration === null) return bad('Bad expiration');
  const displayName = el.attrs.get('display-name');
  const lang = el.attrs.get('xml:lang');
  return {
    ok: true,
    value: {
      id,
      uri,
      status: status as WinfoStatus,
      event: event as WinfoEvent,
      ...(displayName !== undefined ? { displayName } : {}),
      ...(duration !== undefined ? { durationSubscribed: duration } : {}),
      ...(expiration !== undefined ? { expiration } : {}),
      ...(lang !== undefined ? { lang } : {}),
    },
  };
}

/**
 * Parses an `application/watcherinfo+xml` body. Elements are matched by
 * namespace and local name; elements of other namespaces are ignored.
 */
export function parseWatcherinfo(body: Buffer | string): Verdict<WatcherinfoDocument> {
  const xml = parseXml(body);
  if (!xml.ok) return xml;
  const root = xml.value;
  if (root.ns !== NS_WATCHERINFO || root.name !== 'watcherinfo') return bad('Root Is Not watcherinfo');
  const version = unsigned(root.attrs.get('version'));
  if (version === undefined || version === null) return bad('watcherinfo Without A Valid version');
  const state = root.attrs.get('state');
  if (state !== 'full' && state !== 'partial') return bad('watcherinfo state Must Be full Or partial');
  const lists: WinfoWatcherList[] = [];
  for (const listEl of xmlChildren(root, NS_WATCHERINFO, 'watcher-list')) {
    const resource = listEl.attrs.get('resource');
    const pkg = listEl.attrs.get('package');
    if (!resource) return bad('watcher-list Without resource');
    if (!pkg) return bad('watcher-list Without package');
    const watchers: WinfoWatcher[] = [];
    for (const wEl of xmlChildren(listEl, NS_WATCHERINFO, 'watcher')) {
      const w = readWatcher(wEl);
      if (!w.ok) return w;
      watchers.push(w.value);
    }
    lists.push({ resource, package: pkg, watchers });
  }
  return { ok: true, value: { version, state, lists } };
}

/** What a watcherinfo subscriber knows: the last version and the watchers per (resource, package). */
export interface WatcherinfoView {
  readonly version: number;
  /** Key `package\nresource` → watchers by id. */
  readonly lists: ReadonlyMap<string, ReadonlyMap<string, WinfoWatcher>>;
}

/** Key of {@link WatcherinfoView.lists}. */
export function watcherListKey(pkg: string, resource: string): string {
  return `${pkg}\n${resource}`;
}

/**
 * Applies a received document to what the subscriber knows (RFC 3858 §4):
 * a full document replaces everything; a partial one must carry the next
 * version and updates watchers by id, dropping terminated ones. A version
 * gap fails (status 0, reason `Version Gap`): refresh the subscription to get
 * full state; an old or repeated version fails with `Stale Version` and is
 * ignored.
 */
export function applyWatcherinfo(
  known: WatcherinfoView | undefined,
  doc: WatcherinfoDocument,
): Verdict<WatcherinfoView> {
  if (known && doc.version <= known.version) return { ok: false, status: 0, reason: 'Stale Version' };
  if (doc.state === 'partial' && (!known || doc.version !== known.version + 1))
    return { ok: false, status: 0, reason: 'Version Gap' };
  const lists = new Map<string, Map<string, WinfoWatcher>>();
  if (doc.state === 'partial' && known) for (const [k, v] of known.lists) lists.set(k, new Map(v));
  for (const list of doc.lists) {
    const key = watcherListKey(list.package, list.resource);
    let watchers = lists.get(key);
    if (!watchers) lists.set(key, (watchers = new Map()));
    for (const w of list.watchers) {
      if (w.status === 'terminated' && doc.state === 'partial') watchers.delete(w.id);
      else if (w.status !== 'terminated') watchers.set(w.id, w);
    }
  }
  return { ok: true, value: { version: doc.version, lists } };
}
