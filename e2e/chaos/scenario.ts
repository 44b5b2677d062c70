/**
 * What the chaos specs share: the stream's size and pace (sized for a 2-core machine: each
 * scenario's stream lasts about 5 s), tabs that record every dispatch from their first load,
 * and the report: the counts line printed, then every rule asserted.
 */
import type { Page } from '@playwright/test';
import type { PushSender } from '../../server/sender/index.ts';
import type { CoreUnderTest, SipIdentity } from '../fixtures/cores.ts';
import { ReceiverPage } from '../fixtures/receiverPage.ts';
import { expect } from './chaosTest.ts';
import type { LedgerReport } from './ledger.ts';
import { PushStream } from './pushStream.ts';

export const APP = 'news.ua';
export const STREAM_SIZE = 50;
export const STREAM_RATE = 10;
/** The sender's timeout per push: a push answered by nobody is its 408. */
export const PUSH_TIMEOUT_MS = 8000;
/** Pushes answered 200 before the fault is made: the fault lands mid-burst. */
export const FAULT_AFTER = 12;

export function newStream(sender: PushSender, core: CoreUnderTest, to: string, scenario: string): PushStream {
  return new PushStream({
    sender,
    from: core.sender.aor,
    to,
    app: APP,
    count: STREAM_SIZE,
    ratePerSecond: STREAM_RATE,
    label: `${scenario}-${core.kind}-${Date.now().toString(36)}`,
    timeoutMs: PUSH_TIMEOUT_MS,
  });
}

/** A tab of the identity with the recording app registered on every load, open and started. */
export async function openRecordingTab(page: Page, serverUrl: string, identity: SipIdentity): Promise<ReceiverPage> {
  const tab = new ReceiverPage(page, serverUrl, identity);
  await tab.recordOnEveryLoad([{ id: APP, accept: ['text/plain'] }]);
  await tab.open();
  return tab;
}

/** Print the counts line (the closing note quotes it), then hold every rule. */
export function report(result: LedgerReport): void {
  console.log(result.line);
  expect(result.violations, result.line).toEqual([]);
}
