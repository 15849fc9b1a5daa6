/**
 * Properties of the event body parsers: `parseXml` and every package's body
 * parser (PIDF, dialog-info, watcherinfo, message-summary) return a Verdict
 * and never throw — a failure is `{ ok: false, status 4xx/5xx, reason }`, the
 * documented failure value; each answers within the time budget, hostile
 * input included; what parses renders to a document that parses again, and
 * rendering is stable from there (render ∘ parse ∘ render = render).
 * SDP hold detection (a boolean) never throws either.
 */
import { parseXml } from '@herald/events';
import type { Verdict } from '@herald/events';
import { isHold, parseDialogInfo, renderDialogInfo } from '@herald/dialog';
import { parseMessageSummary, renderMessageSummary } from '@herald/message-summary';
import { parsePidf, parseWatcherinfo, renderPidf, renderWatcherinfo } from '@herald/presence';
import { PropertyViolation, check, timed } from './guard.js';
import { describe } from './prop-parser.js';

/** Calls a Verdict-returning parser: a throw or a malformed failure value is a violation. */
export function verdict<T>(label: string, fn: () => Verdict<T>): Verdict<T> {
  let v: Verdict<T>;
  try {
    v = timed(label, fn);
  } catch (e) {
    if (e instanceof PropertyViolation) throw e;
    throw new PropertyViolation(`${label} threw (failures must be values): ${describe(e)}`);
  }
  check(typeof v === 'object' && v !== null && typeof v.ok === 'boolean', `${label} returned no Verdict`);
  if (!v.ok) {
    check(Number.isInteger(v.status) && v.status >= 400 && v.status <= 599, `${label} failed with status ${v.status}`);
    check(typeof v.reason === 'string' && v.reason.length > 0, `${label} failed without a reason`);
  }
  return v;
}

/** A parser with the renderer that writes its documents back. */
interface BodyCodec<T> {
  readonly name: string;
  parse(body: string | Buffer): Verdict<T>;
  render(doc: T): string;
}

const CODECS: ReadonlyArray<BodyCodec<never>> = [
  { name: 'parsePidf', parse: parsePidf, render: (d) => renderPidf(d) },
  { name: 'parseDialogInfo', parse: (b) => parseDialogInfo(b), render: (d) => renderDialogInfo(d) },
  { name: 'parseWatcherinfo', parse: parseWatcherinfo, render: (d) => renderWatcherinfo(d) },
  { name: 'parseMessageSummary', parse: parseMessageSummary, render: (d) => renderMessageSummary(d) },
] as ReadonlyArray<BodyCodec<never>>;

function renderTwice<T>(codec: BodyCodec<T>, doc: T): void {
  let first: string;
  try {
    first = timed(`render (${codec.name})`, () => codec.render(doc));
  } catch (e) {
    if (e instanceof PropertyViolation) throw e;
    throw new PropertyViolation(`rendering what ${codec.name} accepted threw: ${describe(e)}`);
  }
  const again = verdict(`${codec.name} (rendered)`, () => codec.parse(first));
  check(again.ok, `${codec.name} rejects its own rendering (${again.ok ? '' : again.reason}): ${first.slice(0, 500)}`);
  const second = codec.render(again.value);
  check(
    second === first,
    `${codec.name}: render(parse(render(d))) differs:\n${first.slice(0, 400)}\n${second.slice(0, 400)}`,
  );
}

/** Every body parser on one body. */
export function checkBody(body: string | Buffer): void {
  verdict('parseXml', () => parseXml(body));
  verdict('parseXml (tight limits)', () => parseXml(body, { maxBytes: 512, maxDepth: 4 }));
  for (const codec of CODECS) {
    const v = verdict(codec.name, () => codec.parse(body));
    if (v.ok) renderTwice(codec, v.value);
  }
  try {
    timed('isHold', () => isHold(body));
  } catch (e) {
    if (e instanceof PropertyViolation) throw e;
    throw new PropertyViolation(`isHold threw: ${describe(e)}`);
  }
}
