/**
 * One claimed delivery on the wire: where it goes now (delivery/targets.ts addressFor: the
 * directory may have learnt a GRUU or lost the contact since the submit), how (delivery/
 * modeSelection.ts with what the terminal announced), what is sent (delivery/pushMessage.ts),
 * and what came of it as the queue's AttemptOutcome (queue/outcomes.ts).
 *
 * | What happened | Outcome |
 * | --- | --- |
 * | no contact for the key (directory) | no-contact: parked until one appears |
 * | the terminal cannot take it (app, type, size for a forced MESSAGE) | refused: undeliverable, nothing sent |
 * | a final response with `Push-Report-Reason: expired` (the receiver's 410) | expired |
 * | any other final response | sip (status, reason, Retry-After) |
 * | no final response (timeout, connection lost) | transport: retried |
 * | MSRP: the INVITE answered >= 300 | sip with the INVITE's status |
 * | MSRP: the transfer failed after the 200 | transport: retried (the receiver resumes at the bytes it kept) |
 * | MSRP: the success REPORT | sip 200: delivered |
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getHeader, type SipResponse } from '../../../../src/protocol/sip/index.ts';
import { PUSH_REPORT_REASON_HEADER, PUSH_REPORT_REASONS } from '../../../../src/protocol/push/index.ts';
import type { AttemptOutcome, Claim } from '../../queue/index.ts';
import type { PushSender } from '../../pushSender.ts';
import { buildPushInvite, buildPushMessage, reportOverheadBytes, type PushWireInput } from '../delivery/pushMessage.ts';
import { addressFor } from '../delivery/targets.ts';
import { expectedAorOf } from '../reports/imdnIntake.ts';
import { DEFAULT_SERVICE_LIMITS, modeFor, terminalOf, type ServiceLimits } from '../service.ts';
import type { PushMode, ReceiverDirectory } from '../types.ts';

export interface DeliverClaimDeps {
  sender: Pick<PushSender, 'sendPush' | 'sendLargePush'>;
  directory: Pick<ReceiverDirectory, 'get' | 'list'>;
  /** The service's AoR: IMDNs come back to it. */
  serviceAor: string;
  limits?: Partial<ServiceLimits> | undefined;
  now?: () => number;
}

function retryAfterSeconds(response: SipResponse | undefined): number | undefined {
  const value = response && getHeader(response, 'retry-after');
  const seconds = value === undefined ? NaN : Number.parseInt(value, 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** The outcome of a final response (or a local result without one). */
export function outcomeOf(status: number, reason: string, response: SipResponse | undefined): AttemptOutcome {
  if (!response) return { kind: 'transport', reason: `${status} ${reason}` };
  if (getHeader(response, PUSH_REPORT_REASON_HEADER)?.trim().toLowerCase() === PUSH_REPORT_REASONS.expired) {
    return { kind: 'expired', reason: `${status} ${reason} (the receiver found it past its deliver-before)` };
  }
  const retryAfter = retryAfterSeconds(response);
  return { kind: 'sip', status, reason, ...(retryAfter !== undefined && { retryAfterSeconds: retryAfter }) };
}

function storedMode(target: unknown): PushMode {
  const mode = typeof target === 'object' && target !== null && 'mode' in target ? (target as { mode: unknown }).mode : undefined;
  return mode === 'message' || mode === 'msrp' ? mode : 'auto';
}

export function createDeliverClaim(deps: DeliverClaimDeps): (claim: Claim) => Promise<AttemptOutcome> {
  const limits = { ...DEFAULT_SERVICE_LIMITS, ...deps.limits };
  const now = deps.now ?? Date.now;
  return async (claim) => {
    const { push } = claim;
    const decision = addressFor(claim.terminal, push.app, deps.directory, expectedAorOf(push, claim.terminal));
    if (decision.kind === 'no-contact') return { kind: 'no-contact', reason: decision.reason };
    if (decision.kind === 'refused') return { kind: 'refused', reason: `capabilities mismatch: ${decision.reason}` };
    const terminal = terminalOf(deps.directory.get(decision.aor), claim.terminal);
    const wire: PushWireInput = {
      pushId: claim.pushId,
      terminal: claim.terminal,
      address: decision,
      serviceAor: deps.serviceAor,
      contentType: push.contentType,
      reportRequested: push.reportRequested,
      priority: push.priority,
      ...(push.deliverBefore !== undefined && { deliverBefore: push.deliverBefore }),
    };
    const size = push.content?.byteLength ?? push.contentFile?.size ?? 0;
    const shape = { mode: storedMode(push.target), contentSize: size, contentType: push.contentType, app: push.app, reportRequested: push.reportRequested };
    const mode = modeFor(shape, terminal, limits, claim.terminal, reportOverheadBytes({ ...wire, now: now() }));
    if ('refused' in mode) return { kind: 'refused', reason: mode.reason };

    if (mode.mode === 'message') {
      const content = push.content ?? new Uint8Array(await readFile(push.contentFile!.file));
      const message = buildPushMessage({ ...wire, content, now: now() });
      const result = await deps.sender.sendPush({ to: message.requestUri, contentType: message.contentType, body: message.body, headers: message.headers });
      return outcomeOf(result.status, result.reason, result.response);
    }

    // MSRP streams a file: inline content (small, but this terminal's limit is smaller) goes through a temporary one.
    let file = push.contentFile?.file;
    let temporary: string | undefined;
    if (file === undefined) {
      temporary = join(tmpdir(), `psa-${randomUUID()}.bin`);
      await writeFile(temporary, push.content ?? new Uint8Array(0));
      file = temporary;
    }
    try {
      const invite = buildPushInvite(wire);
      const result = await deps.sender.sendLargePush({ to: invite.requestUri, file, contentType: push.contentType, headers: invite.headers });
      if (result.ok) return { kind: 'sip', status: 200, reason: `MSRP transfer reported (${result.bytesSent} bytes)` };
      const answer = result.invite.response;
      if (answer && answer.status >= 300) return outcomeOf(answer.status, answer.reason, answer);
      return { kind: 'transport', reason: `MSRP ${result.phase} failed: ${result.status} ${result.reason}` };
    } finally {
      if (temporary) await rm(temporary, { force: true });
    }
  };
}
