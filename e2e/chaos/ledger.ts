/**
 * The chaos suite's accounting: every push of a stream checked against what the profile's
 * IndexedDB holds (read with the raw API by the test hooks), what every open tab shows, and
 * every handler call of the recording app (recorded in localStorage, so reloads and closed
 * tabs count). The rules, per push:
 *   answered 200           stored exactly once (by imdn.Message-ID), shown in every open tab
 *   answered 202 (msilo)   kept by the core for later: stored exactly once once it arrives
 *   anything else          an error the sender saw (>= 300, or its own timeout/connection loss);
 *                          stored at most once (the receiver may have stored it and lost the answer)
 * and across pushes: nothing stored that was not sent, every stored push claimed for dispatch,
 * no push handed to a handler twice.
 *
 * settle() waits (polling, bounded) until what must arrive has arrived, then once more for an
 * absence (a late duplicate), and returns the counts and the broken rules; the spec prints the
 * counts line before it asserts, so a failing run still reports its numbers.
 */
import type { DurableDelivery, StoredPushView } from '../../src/agent/testHooks.ts';
import { settled } from '../../server/testing/settled.ts';
import type { ReceiverPage } from '../fixtures/receiverPage.ts';
import type { PushStream, StreamPush } from './pushStream.ts';

export interface LedgerInput {
  /** `(b) websocket drop`: the line's name. */
  scenario: string;
  coreKind: string;
  stream: PushStream;
  app: string;
  /** Any open tab of the identity (IndexedDB and localStorage are the profile's). */
  witness: () => ReceiverPage;
  /** Every tab of the identity open now: each must show every stored push. */
  tabs: () => ReceiverPage[];
  /** How long what must arrive may take (msilo delivers on the next REGISTER). */
  arrivalTimeoutMs?: number;
  /** Extra facts for the line (`handover 812 ms`). */
  notes?: () => string;
}

export interface LedgerReport {
  line: string;
  violations: string[];
  stored: number;
  duplicates: number;
  dispatched: number;
}

interface Snapshot {
  stored: StoredPushView[];
  deliveries: DurableDelivery[];
  shown: number[];
}

/** The Message-ID in an imdn duplicate key (`imdn:["from","app","id"]`), or null. */
export function messageIdOf(dedupKey: string): string | null {
  if (!dedupKey.startsWith('imdn:')) return null;
  try {
    const parts = JSON.parse(dedupKey.slice(5)) as unknown[];
    const id = parts.at(-1);
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

async function snapshot(input: LedgerInput): Promise<Snapshot> {
  const witness = input.witness();
  const stored = (await witness.storedPushes()).filter((p) => p.appId === input.app);
  const deliveries = (await witness.durableDeliveries()).filter((d) => d.appId === input.app);
  const shown = await Promise.all(input.tabs().map((tab) => tab.shownCount(input.app)));
  return { stored, deliveries, shown };
}

/** Copies stored per sent push (matched by Message-ID, and the body as a cross-check). */
function copiesOf(push: StreamPush, stored: StoredPushView[]): number {
  return stored.filter((p) => messageIdOf(p.dedupKey) === push.messageId || p.text === push.text).length;
}

/** What is still missing: a push that must be stored and is not, an unclaimed push, a tab behind. */
function pending(input: LedgerInput, s: Snapshot): string[] {
  const missing: string[] = [];
  for (const push of input.stream.pushes) {
    if ((push.outcome === 'ok' || push.outcome === 'offline') && copiesOf(push, s.stored) === 0) missing.push(`push ${push.index} not stored`);
    if (push.outcome === 'pending') missing.push(`push ${push.index} not answered`);
  }
  if (s.stored.some((p) => !p.dispatched)) missing.push('stored pushes not yet claimed for dispatch');
  if (s.shown.some((n) => n !== s.stored.length)) missing.push(`tabs show ${s.shown.join('/')} of ${s.stored.length}`);
  return missing;
}

export async function settle(input: LedgerInput): Promise<LedgerReport> {
  const deadline = Date.now() + (input.arrivalTimeoutMs ?? 20_000);
  let s = await snapshot(input);
  while (pending(input, s).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval
    s = await snapshot(input);
  }
  // Whatever had to arrive is in (or the deadline passed): now give a late copy its chance.
  await settled();
  s = await snapshot(input);
  return account(input, s);
}

function account(input: LedgerInput, s: Snapshot): LedgerReport {
  const { stream } = input;
  const violations: string[] = [];
  let storedOfSent = 0;
  let storedWithoutAck = 0;
  let duplicates = 0;
  for (const push of stream.pushes) {
    const copies = copiesOf(push, s.stored);
    if (copies > 0) storedOfSent++;
    if (copies > 1) {
      duplicates += copies - 1;
      violations.push(`push ${push.index} (${push.status}) stored ${copies} times`);
    }
    switch (push.outcome) {
      case 'ok':
      case 'offline':
        if (copies === 0) violations.push(`push ${push.index} answered ${push.status} at +${push.sentAt} ms is not stored`);
        break;
      case 'error':
        if (copies > 0) storedWithoutAck++;
        if ((push.status ?? 0) < 300 && !push.local) violations.push(`push ${push.index} answered ${push.status} ${push.reason}: neither 200, 202 nor an error`);
        break;
      case 'pending':
        violations.push(`push ${push.index} has no final status`);
        break;
    }
  }
  const sentIds = new Set(stream.pushes.map((p) => p.messageId));
  const sentTexts = new Set(stream.pushes.map((p) => p.text));
  for (const p of s.stored) {
    if (!sentIds.has(messageIdOf(p.dedupKey) ?? '') && !sentTexts.has(p.text)) violations.push(`stored push ${p.id} (${p.dedupKey}) was never sent`);
    if (!p.dispatched) violations.push(`stored push ${p.id} (${p.text}) never claimed for dispatch`);
  }
  s.shown.forEach((n, i) => {
    if (n !== s.stored.length) violations.push(`tab ${i} shows ${n} pushes of ${s.stored.length} stored`);
  });
  const calls = new Map<string, number>();
  for (const d of s.deliveries) calls.set(d.id, (calls.get(d.id) ?? 0) + 1);
  const twice = [...calls].filter(([, n]) => n > 1);
  for (const [id, n] of twice) violations.push(`push ${id} handed to a handler ${n} times`);
  const storedIds = new Set(s.stored.map((p) => p.id));
  const claimedNotHanded = s.stored.filter((p) => p.dispatched && !calls.has(p.id)).length;
  for (const id of calls.keys()) if (!storedIds.has(id)) violations.push(`handed push ${id} is not stored`);

  const notes = input.notes?.();
  const line =
    `chaos ${input.scenario} [${input.coreKind}]: sent ${stream.sent}, 200: ${stream.count('ok')}, 202: ${stream.count('offline')}, ` +
    `errors: ${stream.count('error')} (${stream.errorSummary()}), stored ${storedOfSent} (${storedWithoutAck} without their 200), ` +
    `duplicates ${duplicates}, dispatched ${calls.size} (twice ${twice.length}, claimed but not handed ${claimedNotHanded})` +
    (notes ? `, ${notes}` : '');
  return { line, violations, stored: storedOfSent, duplicates, dispatched: calls.size };
}
