/**
 * Service Indication (WAP-167-ServiceInd-20010731-a) and Service Loading
 * (WAP-168-ServiceLoad-20010731-a) as typed values: what a pushed `text/vnd.wap.si`,
 * `application/vnd.wap.sic`, `text/vnd.wap.sl` or `application/vnd.wap.slc` says, whichever
 * form it came in (xml.ts reads the textual form, wbxml.ts the tokenised one; both end in
 * shape.ts). Hrefs are kept as the text the sender wrote: nothing here opens or resolves them,
 * and isClickableHref (href.ts) says which of them a page may offer as a link.
 */
import { CodecError } from '../errors.ts';

/** WAP-167 section 8.2 (DTD), attribute `action` of `indication`; signal-medium when absent. */
export type SiAction = 'signal-none' | 'signal-low' | 'signal-medium' | 'signal-high' | 'delete';
/** WAP-168 section 9.2 (DTD), attribute `action` of `sl`; execute-low when absent. */
export type SlAction = 'execute-low' | 'execute-high' | 'cache';

export const SI_ACTIONS: readonly SiAction[] = ['signal-none', 'signal-low', 'signal-medium', 'signal-high', 'delete'];
export const SL_ACTIONS: readonly SlAction[] = ['execute-low', 'execute-high', 'cache'];

/** One `<item class="...">text</item>` of `<info>` (WAP-167 section 5.2.2, 8.2). */
export interface SiInfoItem {
  class: string;
  text: string;
}

export interface ServiceIndication {
  kind: 'si';
  /** The service's URI, as written (WAP-167 5.2.1 `href`); absent on a bare text indication. */
  href?: string;
  /**
   * The indication's identity (`si-id`); when the sender gave none, WAP-167 5.2.1 says it is the
   * href, and `siId` is then the href. Absent when neither was given.
   */
  siId?: string;
  /** `created`, UTC, normalised to `YYYY-MM-DDThh:mm:ssZ` (WAP-167 5.2.1.1). */
  created?: string;
  /** `si-expires`, UTC, same form. */
  expires?: string;
  action: SiAction;
  /** The indication's text, white space runs collapsed to one space, trimmed ('' when none). */
  text: string;
  info: SiInfoItem[];
}

export interface ServiceLoading {
  kind: 'sl';
  /** The URI to load, as written (required by WAP-168 9.2). */
  href: string;
  action: SlAction;
}

export type ServiceContent = ServiceIndication | ServiceLoading;

export type SiErrorCode =
  /** Not well-formed XML, or an unsupported DOCTYPE. */
  | 'SI_ERR_XML'
  /** An entity declaration, an internal DTD subset, or a reference to an undeclared entity. */
  | 'SI_ERR_ENTITY'
  /** Well-formed, but not an SI/SL document: wrong root, unknown element, missing href, bad action. */
  | 'SI_ERR_SCHEMA'
  /** A date not in the form YYYY-MM-DDThh:mm:ssZ (or its OPAQUE octets), or not a real instant. */
  | 'SI_ERR_DATE'
  /** Tokenised content that WBXML 1.x (WAP-192) or the SI/SL token tables cannot read. */
  | 'SI_ERR_WBXML'
  /** A content type that is none of the four. */
  | 'SI_ERR_CONTENT_TYPE'
  /** Over a size or nesting limit (SiParseOptions). */
  | 'SI_ERR_TOO_LARGE';

/**
 * The one error of this codec: a stable code and the status a receiver answers content it
 * cannot read with (400 malformed, 413 over a limit, 415 not one of the four types).
 */
export class SiError extends CodecError<SiErrorCode, 400 | 413 | 415> {
  override name = 'SiError';
}

export interface SiParseOptions {
  /** Largest document read, in bytes (XML as UTF-8, or WBXML octets). */
  maxBytes?: number;
  /** Deepest element nesting read (si > info > item is 3); deeper input is refused before it recurses. */
  maxDepth?: number;
}

export const DEFAULT_SI_LIMITS: Required<SiParseOptions> = {
  maxBytes: 64 * 1024,
  maxDepth: 8,
};

