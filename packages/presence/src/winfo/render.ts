/**
 * RFC 3858 `application/watcherinfo+xml` writing with xmlbuilder2; the
 * watcherinfo namespace is the default namespace.
 */
import { create } from 'xmlbuilder2';
import { NS_WATCHERINFO, type WatcherinfoDocument, type WinfoEntry, type WinfoWatcher } from './types.js';

const NS_XML = 'http://www.w3.org/XML/1998/namespace';

/** Renders a watcherinfo document as UTF-8 XML text (RFC 3858 §3 and §6). */
export function renderWatcherinfo(doc: WatcherinfoDocument): string {
  return renderWithVersion(doc, String(doc.version));
}

/**
 * Renders with `version` replaced by a literal marker, so a cached body can
 * take each subscription's version later (see {@link splitAtVersion}).
 */
export function renderWithVersion(doc: Omit<WatcherinfoDocument, 'version'>, version: string): string {
  const xml = create({ version: '1.0', encoding: 'UTF-8' });
  // RFC 3858 §6: version (nonNegativeInteger) and state (full|partial) are required.
  const root = xml.ele(NS_WATCHERINFO, 'watcherinfo', { version, state: doc.state });
  for (const list of doc.lists) {
    // RFC 3858 §6: resource and package are required on each watcher-list.
    const el = root.ele(NS_WATCHERINFO, 'watcher-list', { resource: list.resource, package: list.package });
    for (const w of list.watchers) writeWatcher(el, w);
  }
  return xml.end({ prettyPrint: false });
}

function writeWatcher(list: ReturnType<typeof create>, w: WinfoWatcher): void {
  // RFC 3858 §6: status, event and id are required; the rest optional.
  const attrs: Record<string, string> = { id: w.id, status: w.status, event: w.event };
  if (w.displayName !== undefined) attrs['display-name'] = w.displayName;
  if (w.expiration !== undefined) attrs.expiration = String(Math.max(0, Math.floor(w.expiration)));
  if (w.durationSubscribed !== undefined)
    attrs['duration-subscribed'] = String(Math.max(0, Math.floor(w.durationSubscribed)));
  const el = list.ele(NS_WATCHERINFO, 'watcher', attrs);
  if (w.lang !== undefined) el.att(NS_XML, 'xml:lang', w.lang);
  el.txt(w.uri);
}

/**
 * A state entry as written at clock time `now`. `expiration` is left out:
 * refreshes are not watcher changes, so a value taken from the state would go
 * stale (it is optional in RFC 3858 §6); `duration-subscribed` never does.
 */
export function watcherAt(entry: WinfoEntry, now: number): WinfoWatcher {
  return {
    id: entry.id,
    uri: entry.uri,
    status: entry.status,
    event: entry.event,
    ...(entry.displayName !== undefined ? { displayName: entry.displayName } : {}),
    durationSubscribed: Math.max(0, Math.floor((now - entry.createdAt) / 1000)),
  };
}

/** The marker {@link renderWithVersion} is called with by the package cache. */
export const VERSION_MARKER = '__herald_winfo_version__';

/** Splits a body rendered with {@link VERSION_MARKER} into the text before and after it. */
export function splitAtVersion(body: string): readonly [string, string] {
  const at = body.indexOf(VERSION_MARKER);
  if (at < 0) throw new Error('version marker missing from a rendered watcherinfo body');
  return [body.slice(0, at), body.slice(at + VERSION_MARKER.length)];
}
