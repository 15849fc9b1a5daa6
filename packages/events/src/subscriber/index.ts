export { Subscriber } from './subscriber.js';
export type { SubscriberCloseOptions } from './subscriber.js';
export { ClientSubscription } from './client-subscription.js';
export type {
  ClientSubscriptionEvents,
  ClientSubscriptionState,
  NotifyEvent,
  SubscriptionError,
} from './client-subscription.js';
export { reduceSubscription, initialMachineState, refreshDelayMs } from './machine.js';
export type {
  MachineContext,
  MachineEffect,
  MachineInput,
  MachineState,
  Phase,
  Purpose,
  Termination,
  TimerName,
} from './machine.js';
export { DEFAULT_TIMINGS, resolveTimings } from './options.js';
export type { ResolvedTimings, SubscribeOptions, SubscriberOptions, SubscriptionTimings } from './options.js';
export { TypedEmitter } from './emitter.js';
export type { Listener } from './emitter.js';
