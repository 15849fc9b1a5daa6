import { HeaderList } from './headers.js';
import type { HeaderLine } from './headers.js';
import { Request, Response } from './message.js';
import type { SipMessage } from './types.js';

function startLine(msg: SipMessage): string {
  return msg.kind === 'request'
    ? msg.method + ' ' + msg.requestUri + ' ' + msg.version
    : msg.version + ' ' + msg.status + ' ' + safeReason(msg.reason);
}

/** A reason phrase can come from parser or package messages: never let CR/LF split the start line. */
function safeReason(reason: string): string {
  return reason.indexOf('\r') < 0 && reason.indexOf('\n') < 0 ? reason : reason.replace(/[\r\n]+/g, ' ');
}

/**
 * Writes a message to octets. Header values are written as stored (unchanged
 * headers as received, folding joined), names in canonical form; Content-Length
 * is always written from the body length (RFC 3261 §20.14), in place of a
 * received one or last.
 */
export function serializeMessage(msg: SipMessage): Buffer {
  const body = msg.body;
  const length = 'Content-Length: ' + body.length + '\r\n';
  let head = startLine(msg) + '\r\n';
  let wroteLength = false;
  if (msg.headers instanceof HeaderList) {
    const lines = msg.headers.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as HeaderLine;
      if (line.def.key === 'content-length') {
        if (!wroteLength) head += length;
        wroteLength = true;
      } else head += line.def.name + ': ' + line.value + '\r\n';
    }
  } else {
    for (const [name, value] of msg.headers.entries()) {
      if (name.toLowerCase() === 'content-length' || name === 'l') {
        if (!wroteLength) head += length;
        wroteLength = true;
      } else head += name + ': ' + value + '\r\n';
    }
  }
  if (!wroteLength) head += length;
  head += '\r\n';
  const encoding = msg instanceof Request || msg instanceof Response ? msg.headerEncoding : 'utf8';
  // Most messages (every plain response) have no body: one encode, from Node's buffer pool.
  if (body.length === 0) return Buffer.from(head, encoding);
  const headLength = Buffer.byteLength(head, encoding);
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, encoding);
  body.copy(out, headLength);
  return out;
}
