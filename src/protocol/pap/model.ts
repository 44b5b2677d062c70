/**
 * The PAP control entities as typed values (WAP-247-PAP-20010429-a section 9, the PAP 2.0 DTD;
 * PAP 1.0 WAP-164 has the same elements without replace-push-id). Element and attribute names
 * as in the DTD, cross-checked with Kannel's gw/wap_push_pap_compiler.c tables
 * (pap_elements[], pap_attributes[]) and pypap's control entities. Addresses stay the
 * address-value strings the document carries; address.ts reads them.
 */
import type { PapDeliveryMethod, PapMessageState, PapPriority, PapReplaceMethod, PapResultCode } from './codes.ts';

/** quality-of-service: the DTD defaults are filled in when reading (medium, notspecified, false, false). */
export interface PapQualityOfService {
  priority: PapPriority;
  deliveryMethod: PapDeliveryMethod;
  /** network, e.g. GSM (WDP appendix C names), as written. */
  network?: string;
  networkRequired: boolean;
  /** bearer, e.g. SMS, GPRS, as written. */
  bearer?: string;
  bearerRequired: boolean;
}

/** response-result, cancel-result's code and desc. */
export interface PapResult {
  code: PapResultCode;
  desc?: string;
}

export interface PapPushMessage {
  kind: 'push-message';
  pushId: string;
  /** PAP 2.x: the push this one replaces. */
  replacePushId?: string;
  /** PAP 2.x, with replacePushId (DTD default all). */
  replaceMethod?: PapReplaceMethod;
  deliverBefore?: Date;
  deliverAfter?: Date;
  sourceReference?: string;
  /** URL the result notification goes to; when absent no notification is asked for. */
  ppgNotifyRequestedTo?: string;
  progressNotesRequested: boolean;
  /** One or more address-values (DTD address+). */
  addresses: string[];
  qualityOfService?: PapQualityOfService;
}

export interface PapProgressNote {
  stage: string;
  note?: string;
  time?: Date;
}

export interface PapPushResponse {
  kind: 'push-response';
  pushId: string;
  senderAddress?: string;
  senderName?: string;
  replyTime?: Date;
  progressNotes: PapProgressNote[];
  result: PapResult;
}

export interface PapCancelMessage {
  kind: 'cancel-message';
  pushId: string;
  /** Addresses to cancel for; none means every address of the push. */
  addresses: string[];
}

export interface PapCancelResult extends PapResult {
  /** The addresses this result is about; none means all. */
  addresses: string[];
}

export interface PapCancelResponse {
  kind: 'cancel-response';
  pushId: string;
  /** One or more (DTD cancel-result+). */
  results: PapCancelResult[];
}

export interface PapStatusQueryMessage {
  kind: 'statusquery-message';
  pushId: string;
  /** Addresses asked about; none means all. */
  addresses: string[];
}

export interface PapStatusQueryResult extends PapResult {
  messageState: PapMessageState;
  eventTime?: Date;
  addresses: string[];
  qualityOfService?: PapQualityOfService;
}

export interface PapStatusQueryResponse {
  kind: 'statusquery-response';
  pushId: string;
  /** One or more (DTD statusquery-result+). */
  results: PapStatusQueryResult[];
}

export interface PapResultNotificationMessage extends PapResult {
  kind: 'resultnotification-message';
  pushId: string;
  senderAddress?: string;
  senderName?: string;
  receivedTime?: Date;
  eventTime?: Date;
  messageState: PapMessageState;
  address: string;
  qualityOfService?: PapQualityOfService;
}

export interface PapResultNotificationResponse extends PapResult {
  kind: 'resultnotification-response';
  pushId: string;
  /** The DTD has one; some initiators (pypap) leave it out, so it is optional here. */
  address?: string;
}

/** Client capability query (not supported by this gateway: answered 3001 by the service). */
export interface PapCcqMessage {
  kind: 'ccq-message';
  queryId: string;
  appId?: string;
  address: string;
  qualityOfService?: PapQualityOfService;
}

export interface PapCcqResponse extends PapResult {
  kind: 'ccq-response';
  queryId: string;
  address: string;
  qualityOfService?: PapQualityOfService;
}

export interface PapBadMessageResponse extends PapResult {
  kind: 'badmessage-response';
  /** The part of the request the gateway could not read. */
  badMessageFragment?: string;
}

export type PapMessage =
  | PapPushMessage
  | PapPushResponse
  | PapCancelMessage
  | PapCancelResponse
  | PapStatusQueryMessage
  | PapStatusQueryResponse
  | PapResultNotificationMessage
  | PapResultNotificationResponse
  | PapCcqMessage
  | PapCcqResponse
  | PapBadMessageResponse;

export type PapMessageKind = PapMessage['kind'];

export const PAP_MESSAGE_KINDS: readonly PapMessageKind[] = [
  'push-message',
  'push-response',
  'cancel-message',
  'cancel-response',
  'statusquery-message',
  'statusquery-response',
  'resultnotification-message',
  'resultnotification-response',
  'ccq-message',
  'ccq-response',
  'badmessage-response',
];

/** A control entity: the message, the PAP version its DOCTYPE named, and the pap element's product-name. */
export interface PapDocument<M extends PapMessage = PapMessage> {
  message: M;
  /** `1.0`, `2.0`, `2.1`... from the DOCTYPE; undefined when the document had none. */
  version?: string;
  productName?: string;
}
