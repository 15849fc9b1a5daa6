/** The RFC 6665 notifier (incoming SUBSCRIBE, outgoing NOTIFY). */
export { Notifier, type ResumeResult } from './notifier.js';
export {
  initialDelivery as initialNotifyDelivery,
  reduceDelivery as reduceNotifyDelivery,
  type DeliveryState as NotifyDeliveryState,
  type DeliveryPolicy as NotifyDeliveryPolicy,
  type DeliveryInput as NotifyDeliveryInput,
  type DeliveryEffect as NotifyDeliveryEffect,
  type DeliveryEnd as NotifyDeliveryEnd,
  type NotifyKind,
  type NotifyOutcome,
} from './delivery.js';
export { classifyNotifyResponse } from './sender.js';
export type * from './types.js';
