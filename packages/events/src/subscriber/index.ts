// The subscriber side of RFC 6665. Machine names get a Subscriber prefix here:
// the package namespace is shared with the notifier and publication code.
export { Subscriber } from './subscriber.js';
export type { SubscriberCloseOptions } from './subscriber.js';
export { ClientSubscription } from './client-subscription.js';
export type {
  ClientSubscriptionEvents,
  ClientSubscriptionState,
  NotifyEvent,
  SubscriptionError,
} from './client-subscription.js';
export { reduceSubscription, initialMachineState as initialSubscriberState, refreshDelayMs } from './machine.js';
export type {
  MachineContext as SubscriberMachineContext,
  MachineEffect as SubscriberEffect,
  MachineInput as SubscriberInput,
  MachineState as SubscriberMachineState,
  Phase as SubscriberPhase,
  Purpose as SubscribePurpose,
  Termination,
  TimerName as SubscriberTimer,
} from './machine.js';
export { matchNotify } from './notify-match.js';
export type { NotifyExpectation, NotifyVerdict } from './notify-match.js';
export {
  DEFAULT_TIMINGS as DEFAULT_SUBSCRIBER_TIMINGS,
  resolveTimings as resolveSubscriberTimings,
} from './options.js';
export type {
  ResolvedTimings as ResolvedSubscriberTimings,
  SubscribeOptions,
  SubscriberOptions,
  SubscriptionTimings,
} from './options.js';
export { TypedEmitter } from './emitter.js';
export type { Listener } from './emitter.js';
