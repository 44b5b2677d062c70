/**
 * Push mode selection (OMA SIP Push 5.3.1 function 3; issue 12 item 4): how one push reaches
 * one terminal, SIP MESSAGE (flow 5.4.1) or an INVITE and MSRP (flow 5.4.2), and whether the
 * terminal can take it at all. Pure: the caller gives what the directory knows of the terminal.
 *
 * Checked in this order; the first row that applies decides:
 *
 * | # | Condition | Result |
 * | --- | --- | --- |
 * | 1 | the terminal's announced apps (`+g.oma.pusheventapp`) are known and lack `app` | refused: capabilities mismatch, names the app and the announced list (field `app`) |
 * | 2 | announced apps unknown, the UAProf lists Push-Accept-AppID, none matches `app` (`*` matches all) | refused, as 1 |
 * | 3 | the UAProf lists Push-Accept and none matches `contentType` (`type/*`, `*\/*` honoured, parameters ignored) | refused: capabilities mismatch, names the type and the accepted list (field `contentType`) |
 * | 4 | mode `msrp` | msrp |
 * | 5 | mode `message`, content <= the MESSAGE limit | message |
 * | 6 | mode `message`, content > the MESSAGE limit | refused: too large for a MESSAGE, names both sizes and which limit (field `mode`) |
 * | 7 | mode `auto`, content <= the MESSAGE limit | message |
 * | 8 | mode `auto`, content > the MESSAGE limit | msrp |
 *
 * The MESSAGE limit is the smaller of
 *   - the receiver's limit on the content (UAProf Push-MsgSize; `defaultMessageMax` when not
 *     advertised or unknown): the receiver measures the content it unwraps, not the CPIM body;
 *   - the core's limit on a whole SIP message (`coreMaxMessageBytes`, 65535 on the embedded
 *     core) less `sipOverheadBytes` for the start line and headers, and less
 *     `reportOverheadBytes` for the CPIM wrapper when a report is requested.
 *
 * Nothing known of the terminal (capabilities and announced apps null: an AoR nobody is
 * registered at yet) refuses nothing: the choice is by size with the defaults. An empty
 * Push-Accept or Push-Accept-AppID list counts as not advertised.
 */
import { profileAcceptsAppId, profileAcceptsContentType } from '../../../../src/protocol/uaprof/index.ts';
import { ServiceError, type PushMode, type ReceiverCapabilities } from '../types.ts';

/**
 * Room for the MESSAGE's start line and headers in the core's limit, bytes: Via, From, To,
 * Call-ID, CSeq, digest Authorization, two Accept-Contact, Push-ID (up to 256 characters,
 * escaped), Push-Deliver-*, Priority, and what the core adds (its Via, P-Asserted-Identity).
 */
export const DEFAULT_SIP_OVERHEAD_BYTES = 3072;
/**
 * Room for the CPIM wrapper of a reported push (From, To, DateTime, NS, imdn.* and the MIME
 * headers), bytes, when the caller does not give the exact size (pushMessage.ts
 * reportOverheadBytes): pushMessage.test.ts checks that a wrapper with a 256-character push ID
 * and 256-character URIs stays below it.
 */
export const DEFAULT_REPORT_OVERHEAD_BYTES = 2048;

export interface ModeSelectionInput {
  mode: PushMode;
  /** Content bytes (inline or the uploaded file's size). */
  contentSize: number;
  contentType: string;
  /** Push application ID. */
  app: string;
  /** A CPIM wrapper will be added (delivery reports asked for). */
  reportRequested: boolean;
  /** The terminal's UAProf, when fetched; null when unknown. */
  capabilities: ReceiverCapabilities | null;
  /** Apps the terminal announced in its Contact; null when unknown. */
  pushApps: string[] | null;
  /** Largest whole SIP message the core forwards, bytes. */
  coreMaxMessageBytes: number;
  /** The receiver's content limit when its UAProf does not say (send.ts DEFAULT_MESSAGE_MAX). */
  defaultMessageMax: number;
  /** Default DEFAULT_SIP_OVERHEAD_BYTES. */
  sipOverheadBytes?: number;
  /** Default DEFAULT_REPORT_OVERHEAD_BYTES. */
  reportOverheadBytes?: number;
  /** How to name the terminal in a refusal (a delivery key, an AoR); default `the terminal`. */
  label?: string;
}

export type ModeDecision =
  /** `messageLimit`: the largest content that goes as a MESSAGE here; `why`: one line for logs. */
  | { mode: 'message' | 'msrp'; messageLimit: number; why: string }
  /** Refused before anything is sent (HTTP 422, ServiceError PSA_ERR_CAPABILITIES with `field`). */
  | { refused: 'capabilities'; reason: string; field: 'app' | 'contentType' | 'mode' };

const MODES: readonly PushMode[] = ['auto', 'message', 'msrp'];

function wholeBytes(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ServiceError('PSA_ERR_INPUT', `${field} must be a whole number of bytes, 0 or more, got ${value}`, field);
  return value;
}

/** The largest content sent as a MESSAGE, and which limit decides it. */
export function messageLimit(input: Omit<ModeSelectionInput, 'mode' | 'contentSize' | 'contentType' | 'app' | 'pushApps'>): { bytes: number; by: string } {
  const receiver = input.capabilities?.maxMessageBytes ?? wholeBytes(input.defaultMessageMax, 'defaultMessageMax');
  const advertised = input.capabilities?.maxMessageBytes != null;
  const sip = wholeBytes(input.sipOverheadBytes ?? DEFAULT_SIP_OVERHEAD_BYTES, 'sipOverheadBytes');
  const cpim = input.reportRequested ? wholeBytes(input.reportOverheadBytes ?? DEFAULT_REPORT_OVERHEAD_BYTES, 'reportOverheadBytes') : 0;
  const core = Math.max(0, wholeBytes(input.coreMaxMessageBytes, 'coreMaxMessageBytes') - sip - cpim);
  if (core < receiver) {
    return { bytes: core, by: `the core's ${input.coreMaxMessageBytes}-byte message limit less ${sip} for SIP headers${cpim ? ` and ${cpim} for the report's CPIM wrapper` : ''}` };
  }
  return { bytes: receiver, by: advertised ? `the receiver's advertised Push-MsgSize ${receiver}` : `the default receiver limit ${receiver} (no Push-MsgSize known)` };
}

function sameApp(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** MESSAGE, MSRP, or refused (the table above). Throws ServiceError PSA_ERR_INPUT for a bad input. */
export function selectMode(input: ModeSelectionInput): ModeDecision {
  if (!MODES.includes(input.mode)) throw new ServiceError('PSA_ERR_INPUT', `mode must be auto, message or msrp, got ${JSON.stringify(input.mode)}`, 'mode');
  const size = wholeBytes(input.contentSize, 'contentSize');
  const who = input.label ?? 'the terminal';
  const { capabilities, pushApps, app, contentType } = input;

  // Rows 1 and 2: the app.
  if (pushApps !== null && !pushApps.some((a) => sameApp(a, app))) {
    return { refused: 'capabilities', field: 'app', reason: `capabilities mismatch: ${who} does not announce push app ${app} (announces ${list(pushApps)}); target a terminal that registered it, or use that app ID` };
  }
  if (pushApps === null && capabilities && capabilities.pushApps.length > 0 && !profileAcceptsAppId({ appIds: capabilities.pushApps }, app)) {
    return { refused: 'capabilities', field: 'app', reason: `capabilities mismatch: the UAProf of ${who} does not list push app ${app} (lists ${list(capabilities.pushApps)}); target a terminal that accepts it` };
  }
  // Row 3: the content type.
  if (capabilities && capabilities.acceptTypes.length > 0 && !profileAcceptsContentType(capabilities, contentType)) {
    return { refused: 'capabilities', field: 'contentType', reason: `capabilities mismatch: ${who} does not accept content type ${contentType} (accepts ${list(capabilities.acceptTypes)}); send one of those types` };
  }
  // Rows 4 to 8: the size.
  const limit = messageLimit(input);
  if (input.mode === 'msrp') return { mode: 'msrp', messageLimit: limit.bytes, why: 'mode msrp asked for' };
  const fits = size <= limit.bytes;
  if (input.mode === 'message') {
    if (fits) return { mode: 'message', messageLimit: limit.bytes, why: `mode message asked for; ${size} bytes fit ${limit.by}` };
    return { refused: 'capabilities', field: 'mode', reason: `too large for a MESSAGE: ${size} bytes of content exceed ${limit.bytes} (${limit.by}); use mode auto or msrp` };
  }
  return fits
    ? { mode: 'message', messageLimit: limit.bytes, why: `${size} bytes fit ${limit.by}` }
    : { mode: 'msrp', messageLimit: limit.bytes, why: `${size} bytes exceed ${limit.bytes} (${limit.by})` };
}
