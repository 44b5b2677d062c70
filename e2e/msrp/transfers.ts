/**
 * What the MSRP specs read from the receiver page: stored transfers and pushes through the
 * test hooks (raw IndexedDB), the transfers panel, and the page's MSRP WebSockets, which an
 * init script tracks so a spec can cut them as a network drop would.
 */
import type { Locator, Page } from '@playwright/test';
import type { StoredTransferView } from '../../src/agent/testHooks.ts';
import type { ReceiverPage } from '../fixtures/receiverPage.ts';

declare global {
  interface Window {
    __msrpSockets?: WebSocket[];
  }
}

/** Before the page loads: remember every WebSocket opened with subprotocol `msrp`. */
export async function trackMsrpSockets(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    window.__msrpSockets = sockets;
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        if (protocols === 'msrp' || (Array.isArray(protocols) && protocols.includes('msrp'))) sockets.push(this);
      }
    };
  });
}

/** Close the page's open MSRP WebSockets (the receiver sees its connection drop). Returns how many. */
export function cutMsrpSockets(page: Page): Promise<number> {
  return page.evaluate(() => {
    const open = (window.__msrpSockets ?? []).filter((ws) => ws.readyState === WebSocket.OPEN);
    for (const ws of open) ws.close(1000, 'e2e: cut');
    return open.length;
  });
}

export function storedTransfers(receiver: ReceiverPage): Promise<StoredTransferView[]> {
  return receiver.page.evaluate(() => window.__sipPushTest!.storedTransfers());
}

export function contentSha256(receiver: ReceiverPage, pushId: string): Promise<string> {
  return receiver.page.evaluate((id) => window.__sipPushTest!.contentSha256(id), pushId);
}

/** The rows of the transfers panel, optionally those of one file. */
export function transferItems(receiver: ReceiverPage, fileName?: string): Locator {
  const items = receiver.page.getByTestId('transfer-item');
  return fileName === undefined ? items : items.and(receiver.page.locator(`[data-file-name="${fileName}"]`));
}
