/**
 * The package's main entry (`sip-push-web`): mount() for the widget in any element, the
 * custom element's class (import `sip-push-web/element` to define `<sip-push-receiver>`),
 * the push objects, and the agent itself for pages that bring their own UI.
 */
export { mount, MOUNT_ATTRIBUTE } from './mount.ts';
export { ELEMENT_NAME, SipPushReceiverElement, defineSipPushReceiver, type SipPushEventMap } from './element.ts';
export { toHostPush, DEFAULT_MAX_TEXT_BYTES } from './pushObject.ts';
export { EMBED_DB_PREFIX, DEFAULT_INSTANCE, resolveUaprofUrl } from './receiver.ts';
export { createPushAgent } from '../agent/agent.ts';
export type { EmbedEvents, EmbedOptions, HostApp, HostPush, MountHandle, ReceiverHandle } from './types.ts';
export type { AgentConfig, AgentEvents, AgentLimits, AgentOptions, AgentPhase, AgentState, PushAgent, PushApp, PushAppSpec, StoredPush, TransferProgress } from '../agent/types.ts';
