/**
 * RFC 3858 `application/watcherinfo+xml` writing (plain string building);
 * the watcherinfo namespace is the default namespace.
 */
import { type XmlNode, writeXml, xmlEl } from '@herald/events';
import { NS_WATCHERINFO, type WatcherinfoDocument, type WinfoEntry, type WinfoWatcher } from './types.js';

/** Renders a watcherinfo document as UTF-8 XML text (RFC 3858 §3 and §6). */
export function renderWatcherinfo(doc: WatcherinfoDocument): string {
  return renderWithVersion(doc, String(doc.version));
}

/**
 * Renders with `version` replaced by a literal marker, so a cached body can
 * take each subscription's version later (see {@link splitAtVersion}).
 */
export function renderWithVersion(doc: Omit<WatcherinfoDocument, 'version'>, version: string): string {
  // RFC 3858 §6: version (nonNegativeInteger) and state (full|partial) are required.
  // RFC 3858 §6: resource and package are required on each watcher-list.
  const lists = doc.lists.map((list) =>
    xmlEl(
      'watcher-list',
      [
        ['resource', list.resource],
        ['package', list.package],
      ],
      list.watchers.map(watcherNode),
    ),
  );
  const root = xmlEl(
    'watcherinfo',
    [
      ['xmlns', NS_WATCHERINFO],
      ['version', version],
      ['state', doc.state],
    ],
    lists,
  );
  return writeXml(root);
}

const seconds = (n: number | undefined): string | undefined =>
  n === undefined ? undefined : String(Math.max(0, Math.floor(n)));

function watcherNode(w: WinfoWatcher): XmlNode {
  // RFC 3858 §6: status, event and id are required; the rest optional.
  return xmlEl(
    'watcher',
    [
      ['id', w.id],
      ['status', w.status],
      ['event', w.event],
      ['display-name', w.displayName],
      ['expiration', seconds(w.expiration)],
      ['duration-subscribed', seconds(w.durationSubscribed)],
      ['xml:lang', w.lang],
    ],
    w.uri,
  );
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
