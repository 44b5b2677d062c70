/**
 * One entry point for a push, whatever the front end (the CLI today; an HTTP API or PAP
 * later): `send(push, target, options)` picks SIP MESSAGE (OMA SIP Push flow 5.4.1) or an
 * INVITE and an MSRP file transfer (flow 5.4.2), and returns one result.
 *
 * The rule, mode `auto` (the default): inline content (`body`) goes as a MESSAGE; a `file`
 * goes as a MESSAGE up to `messageMax` bytes (default 60000, the receiver's default
 * maxMessageBytes) and over MSRP above it. Mode `message` always sends a MESSAGE (a file is
 * read whole; the core may still refuse it above its own limit, 413); mode `msrp` always uses
 * MSRP, which carries files only.
 *
 * planSend() is the rule alone (synchronous: it stats the file, and reads it when it goes as
 * a MESSAGE), for a front end that wants the decision or a file error before sending (the
 * CLI reports both as usage errors).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import type { SipResponse } from '../../src/protocol/sip/index.ts';
import { guessContentType } from './contentType.ts';
import type { LargePushRequest, LargePushResult } from './msrp/pushLarge.ts';
import type { PushRequest, PushSender } from './pushSender.ts';
import { SenderError } from './sip/errors.ts';

export type SendMode = 'auto' | 'message' | 'msrp';

const MODES: readonly SendMode[] = ['auto', 'message', 'msrp'];

/** Largest file sent as a MESSAGE in mode auto: the receiver's default maxMessageBytes. */
export const DEFAULT_MESSAGE_MAX = 60_000;

/** Inline content (text is sent as UTF-8): always a MESSAGE. Default type text/plain. */
export type InlinePush = Omit<PushRequest, 'to' | 'contentType'> & { contentType?: string; file?: undefined };

/**
 * A file: a MESSAGE when small, else streamed over MSRP with the MSRP details given here
 * (file name, range, timeouts, progress, abort). Default type from the file's extension.
 */
export type FilePush = Omit<LargePushRequest, 'to'> & { body?: undefined };

/** What to push: inline content or a file. */
export type Push = InlinePush | FilePush;

/** How to choose between MESSAGE and MSRP. */
export interface SendRules {
  /** Default `auto`. */
  mode?: SendMode;
  /** Largest file sent as a MESSAGE in mode auto, bytes (default DEFAULT_MESSAGE_MAX). */
  messageMax?: number;
}

export interface SendOptions extends SendRules {
  /** The push sender (createPushSender) to send through. */
  sender: Pick<PushSender, 'sendPush' | 'sendLargePush'>;
}

/** The decision: the MESSAGE to send, or the MSRP push to run. */
export type SendPlan = { mode: 'message'; push: PushRequest } | { mode: 'msrp'; large: LargePushRequest };

/** The outcome of a push, either way. */
export interface SendResult {
  /** How it went. */
  mode: 'message' | 'msrp';
  /** The MESSAGE's final status; for MSRP a refused INVITE's, else the transfer's (200 on a success REPORT). */
  status: number;
  reason: string;
  /** True for a 2xx (for MSRP: the file delivered and reported). */
  ok: boolean;
  /** From the call to the result (for MSRP up to the BYE's result). */
  elapsedMs: number;
  /** The final SIP response: the MESSAGE's, or the INVITE's for MSRP; absent for a local result (timeout, connection lost). */
  response?: SipResponse;
  /** MSRP only: the transfer (REPORT, bytes sent of the total, first byte, phase, INVITE and BYE results...). */
  msrp?: LargePushResult;
}

/**
 * Send one push to `target` (an AoR, a GRUU or any SIP URI). Resolves with the outcome (never
 * rejects for a SIP or MSRP failure); rejects with a SenderError for invalid input (an
 * unreadable file: SENDER_ERR_FILE; mode msrp without a file: SENDER_ERR_OPTION) or an
 * unreachable core.
 */
export async function send(push: Push, target: string, options: SendOptions): Promise<SendResult> {
  const plan = planSend(push, target, options);
  if (plan.mode === 'message') return { mode: 'message', ...(await options.sender.sendPush(plan.push)) };
  const msrp = await options.sender.sendLargePush(plan.large);
  const { status, reason, ok, elapsedMs } = msrp;
  const response = msrp.invite.response;
  return { mode: 'msrp', status, reason, ok, elapsedMs, ...(response ? { response } : {}), msrp };
}

/** The rule alone: which way `push` goes to `target`. Throws SenderError (see send). */
export function planSend(push: Push, target: string, rules: SendRules = {}): SendPlan {
  const mode = rules.mode ?? 'auto';
  if (!MODES.includes(mode)) throw new SenderError('SENDER_ERR_OPTION', `mode must be auto, message or msrp, got ${JSON.stringify(mode)}`);
  const messageMax = rules.messageMax ?? DEFAULT_MESSAGE_MAX;
  if (!Number.isSafeInteger(messageMax) || messageMax < 0) throw new SenderError('SENDER_ERR_OPTION', `messageMax must be a non-negative integer, got ${messageMax}`);
  if ((push.body === undefined) === (push.file === undefined)) throw new SenderError('SENDER_ERR_OPTION', 'A push has either a body or a file');
  const common = {
    to: target,
    ...(push.app !== undefined ? { app: push.app } : {}),
    ...(push.headers !== undefined ? { headers: push.headers } : {}),
    ...(push.timeoutMs !== undefined ? { timeoutMs: push.timeoutMs } : {}),
  };
  if (push.file === undefined) {
    if (mode === 'msrp') throw new SenderError('SENDER_ERR_OPTION', 'mode msrp needs a file: MSRP carries files, inline content goes as a MESSAGE');
    return { mode: 'message', push: { ...common, contentType: push.contentType ?? 'text/plain', body: push.body } };
  }
  const size = fileSize(push.file);
  const contentType = push.contentType ?? guessContentType(push.file);
  if (mode === 'msrp' || (mode === 'auto' && size > messageMax)) return { mode: 'msrp', large: { ...push, to: target, contentType } };
  // Only small files are read whole; an MSRP transfer streams the file.
  let body: Uint8Array;
  try {
    body = new Uint8Array(readFileSync(push.file));
  } catch (err) {
    throw fileError(push.file, err);
  }
  return { mode: 'message', push: { ...common, contentType, body } };
}

function fileSize(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch (err) {
    throw fileError(path, err);
  }
  if (!info.isFile()) throw fileError(path, Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' }));
  // An MSRP transfer opens the file only after the INVITE: an unreadable one fails here, first.
  try {
    accessSync(path, constants.R_OK);
  } catch (err) {
    throw fileError(path, err);
  }
  return info.size;
}

/** SENDER_ERR_FILE with the fs error (its errno code) as the cause. */
function fileError(path: string, err: unknown): SenderError {
  return new SenderError('SENDER_ERR_FILE', `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
}
