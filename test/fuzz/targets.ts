/** Every fuzz target, by group (`npm run fuzz -- --target parser|xml|transaction|all`). */
import { parserTargets } from './targets-parser.js';
import { transactionTargets } from './targets-transaction.js';
import { xmlTargets } from './targets-xml.js';
import type { FuzzTarget } from './target.js';

export type { FuzzGroup, FuzzReport, FuzzTarget } from './target.js';
export { runTarget } from './target.js';

/** All targets: parser, XML, transaction. */
export const allTargets: readonly FuzzTarget[] = [...parserTargets, ...xmlTargets, ...transactionTargets];
