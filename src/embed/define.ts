/** The `./element` entry: importing it defines `<sip-push-receiver>`. */
import { defineSipPushReceiver } from './element.ts';

defineSipPushReceiver();

export { ELEMENT_NAME, SipPushReceiverElement, defineSipPushReceiver, type SipPushEventMap } from './element.ts';
export type { EmbedEvents, HostApp, HostPush } from './types.ts';
