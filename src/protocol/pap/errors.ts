/**
 * The one error of the PAP codecs. `code` is stable (tests, logs, callers that branch); `status`
 * is the PAP result code the gateway answers with in a badmessage-response or response-result
 * (2000 Bad Request for a malformed document, 2002 Address Error for an address-value outside
 * the grammar, 3002 Version Not Supported for an unknown PAP major version...). Refusing a
 * duplicate push-id (2007) or several addresses (3005) is the service's decision, never raised
 * here. `fragment` is the offending piece of the input, when it is known, for the
 * badmessage-response's bad-message-fragment (see badMessageResponseFor).
 */
import { CodecError } from '../errors.ts';
import type { PapResultCode } from './codes.ts';

export type PapErrorCode =
  /** Not well-formed XML, or not decodable in its charset. */
  | 'PAP_ERR_XML'
  /** An entity declaration, an undeclared entity reference, or a DOCTYPE with markup declarations. */
  | 'PAP_ERR_ENTITY'
  /** Well-formed, but not a PAP document: wrong root, unknown message, missing required element or attribute. */
  | 'PAP_ERR_SCHEMA'
  /** An attribute value outside its type (priority, delivery-method, code, true|false...). */
  | 'PAP_ERR_VALUE'
  /** A timestamp not in the PAP form YYYY-MM-DDThh:mm:ssZ, or not a real instant. */
  | 'PAP_ERR_TIMESTAMP'
  /** A PAP version (DOCTYPE public identifier) this gateway does not speak. */
  | 'PAP_ERR_VERSION'
  /** An address-value outside the WAPPUSH address grammar. */
  | 'PAP_ERR_ADDRESS'
  /** An X-Wap-Application-Id this gateway cannot map. */
  | 'PAP_ERR_APP_ID'
  /** The HTTP body is not the multipart/related (or application/xml) PAP expects. */
  | 'PAP_ERR_MULTIPART'
  /** The body or the control entity is over its size limit. */
  | 'PAP_ERR_TOO_LARGE';

export class PapError extends CodecError<PapErrorCode, PapResultCode> {
  override name = 'PapError';
  /** The offending piece of the input (a start tag, a line), when known. */
  readonly fragment: string | undefined;

  constructor(code: PapErrorCode, status: PapResultCode, message: string, fragment?: string) {
    super(code, status, message);
    this.fragment = fragment;
  }
}
