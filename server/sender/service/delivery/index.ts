/** Delivery decisions of the PSA service (issue 12 items 4, 6): mode selection, targets, the wire of one delivery. Pure. */
export { DEFAULT_REPORT_OVERHEAD_BYTES, DEFAULT_SIP_OVERHEAD_BYTES, messageLimit, selectMode, type ModeDecision, type ModeSelectionInput } from './modeSelection.ts';
export {
  QUEUE_PRIORITY,
  WIRE_PRIORITY,
  apiPriority,
  buildPushInvite,
  buildPushMessage,
  reportOverheadBytes,
  wirePriority,
  type OutgoingInvite,
  type OutgoingMessage,
  type PushMessageInput,
  type PushWireInput,
  type WirePriority,
} from './pushMessage.ts';
export {
  DEFAULT_MAX_TARGETS,
  MAX_TARGET_URI_LENGTH,
  addressFor,
  instanceAcceptContact,
  resolveTargets,
  validateTargets,
  type AddressDecision,
  type DeliveryAddress,
  type DirectoryLookup,
  type ResolvedTargets,
  type TargetRefusal,
} from './targets.ts';
