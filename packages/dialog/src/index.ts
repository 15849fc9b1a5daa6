/** @herald/dialog: dialog event package (RFC 4235 dialog-info+xml) for BLF. */
export * from './types.js';
export { isHold } from './sdp-hold.js';
export { parseDialogInfo } from './parse.js';
export { renderDialogInfo, renderDialogInfoTemplate } from './render.js';
export type { RenderDialogOptions, DialogInfoTemplate } from './render.js';
export {
  DEFAULT_DIALOG_PROFILE,
  DEFAULT_DIALOG_PROFILE_RULES,
  IDLE_DUMMY_DIALOG,
  selectDialogProfile,
  shapeDialogs,
  mostImportantDialog,
} from './profiles.js';
export type { DialogProfile, DialogProfileRule } from './profiles.js';
export { applyCallUpdate, aggregateCall, expireCall, callEnded, callKey, dialogIdOf, identityOf } from './forks.js';
export type { CallUpdate, CallRecord } from './forks.js';
export { DialogModel } from './model.js';
export type { DialogModelOptions, DialogStateSink } from './model.js';
export { createDialogPackage } from './package.js';
export type { DialogPackage, DialogPackageOptions, DialogStateTarget, CallTrackingUpdate } from './package.js';
