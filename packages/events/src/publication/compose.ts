/**
 * Turning the live publications of one resource into the package state (RFC
 * 3903 §4: the ESC composes them). The package's `compose` decides; without
 * one the newest publication wins.
 */
import type { EventPackage, PublishedDocument } from '../package.js';

/** The newest document by `updatedAt` (the later one in the list on a tie), or undefined. */
export function newestDocument(documents: readonly PublishedDocument[]): PublishedDocument | undefined {
  let newest: PublishedDocument | undefined;
  for (const doc of documents) if (!newest || doc.updatedAt >= newest.updatedAt) newest = doc;
  return newest;
}

/**
 * The state of one resource from its live publications: `package.compose`
 * when present, else the newest publication's parsed value; undefined when
 * there are none (nothing known: packages render a neutral document).
 */
export function composeState(pkg: EventPackage, documents: readonly PublishedDocument[], resource: string): unknown {
  if (pkg.compose) return pkg.compose(documents, resource);
  return newestDocument(documents)?.parsed;
}
