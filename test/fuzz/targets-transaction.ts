/** Fuzz targets of the transaction group: the four reducers, and the layer over a loop transport. */
import { checkEndpoint, endpointCase } from './prop-endpoint.js';
import { checkLayer, layerCase } from './prop-layer.js';
import { checkReducer, reducerCase } from './prop-reducers.js';
import { target } from './target.js';
import type { FuzzTarget } from './target.js';

/** The transaction group. */
export const transactionTargets: readonly FuzzTarget[] = [
  target('transaction/reducers', 'transaction', 1000, reducerCase, ([name, ctx, inputs]) => {
    checkReducer(name, ctx, inputs);
  }),
  target('transaction/layer', 'transaction', 60, layerCase, checkLayer, true),
  target('transaction/endpoint', 'transaction', 100, endpointCase, checkEndpoint, true),
];
