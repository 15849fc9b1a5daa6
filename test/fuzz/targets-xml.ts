/** Fuzz targets of the XML group: event bodies, valid, mutated, byte-damaged and hostile. */
import fc from 'fast-check';
import { asBody, dialogInfo, hostileXml, messageSummary, mutatedText, pidf, sdp, watcherinfo } from './gen-xml.js';
import { checkBody } from './prop-xml.js';
import { target } from './target.js';
import type { FuzzTarget } from './target.js';

const documents = fc.oneof(pidf, dialogInfo, watcherinfo, messageSummary, sdp);

/** The XML group. */
export const xmlTargets: readonly FuzzTarget[] = [
  target('xml/documents', 'xml', 200, asBody(documents), checkBody),
  target('xml/mutated', 'xml', 300, asBody(mutatedText(documents)), checkBody),
  target('xml/hostile', 'xml', 40, asBody(hostileXml), checkBody),
  target(
    'xml/soup',
    'xml',
    200,
    fc.string({ unit: fc.constantFrom(...'<>/="\' &;:!?[]-#xmlns:apresence\u00e9\r\n'), maxLength: 200 }),
    checkBody,
  ),
];
