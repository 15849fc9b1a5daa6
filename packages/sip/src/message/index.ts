/** The SIP message layer: parser, serializer, builders, and the value parsers and formatters (RFC 3261 §7, §19, §20, §25). */
export type * from './types.js';
export { SipParseError } from './errors.js';
export type { ParsePartial, ParseErrorStatus } from './errors.js';
export { parseMessage } from './parser.js';
export type { ParseOptions } from './parser.js';
export { serializeMessage } from './serializer.js';
export { createRequest, createResponse, hasTag } from './create.js';
export type { SipRequestInit, SipResponseOptions } from './create.js';
export { statelessErrorResponse } from './stateless.js';
export { reasonPhrase } from './reason.js';
export { parseUri, formatUri, createUri } from './uri.js';
export { uriEquals } from './uri-compare.js';
export type { UriInit } from './uri.js';
export { parseNameAddr, formatNameAddr } from './name-addr.js';
export { parseVia, formatVia, createVia } from './via.js';
export type { ViaInit } from './via.js';
export { formatParams } from './params.js';
export { parseCSeq, parseEvent, parseSubscriptionState } from './values.js';
