/**
 * Issue 13 acceptance, end to end on each core: a PAP Push Initiator (e2e/fixtures/papInitiator.ts)
 * talks to the Push Proxy Gateway the service serves at `${apiUrl}/pap` (server/sender/pap),
 * over HTTP on 127.0.0.1, and the real browser client receives what it pushes. Result
 * notifications go to the initiator's loopback listener (ppg-notify-requested-to).
 *
 * Addresses are `WAPPUSH=<user>/TYPE=USER@ppg...`: the gateway's default rule maps them to
 * `sip:<user>@<the service's domain>` (addressMapping.ts), the receiver's AoR.
 *
 * Absences ("never reaches the page", "not delivered twice") are checked as psa-service.spec.ts
 * does: after a marker pushed later (through PAP too) has been stored by the same page, then
 * one settled() interval.
 */
import { randomUUID } from 'node:crypto';
import { parseServiceContent } from '../src/protocol/si/index.ts';
import { settled } from '../server/testing/settled.ts';
import { DEFAULT_APPS, type ReceiverPage } from './fixtures/receiverPage.ts';
import { PapInitiator, siWbxml, startNotificationListener, wapPushAddressOf, type NotificationListener } from './fixtures/papInitiator.ts';
import { expect, test as base } from './fixtures/psaService.ts';

const NEWS = 'news.ua';
const WML = 'wml.ua';
const SERVICE_TYPES = ['text/vnd.wap.si', 'application/vnd.wap.sic', 'text/vnd.wap.sl', 'application/vnd.wap.slc'];

const test = base.extend<{ pap: PapInitiator; notifications: NotificationListener }>({
  pap: async ({ psa }, use) => {
    await use(new PapInitiator(psa.endpoint));
  },
  notifications: async ({}, use, testInfo) => {
    const listener = await startNotificationListener();
    await use(listener);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('result-notifications.json', { body: JSON.stringify({ received: listener.received(), rejected: listener.rejected() }, null, 2), contentType: 'application/json' });
    }
    await listener.close();
  },
});

const newPushId = (what: string) => `e2e-pap-${what}-${randomUUID()}`;

async function storedTexts(receiver: ReceiverPage): Promise<string[]> {
  return (await receiver.storedPushes()).map((p) => p.text).sort();
}

/** A text/plain push to news.ua through PAP; must be accepted (1001). */
async function pushText(pap: PapInitiator, receiver: ReceiverPage, text: string, fields: { pushId?: string; notifyTo?: string; deliverBefore?: Date } = {}): Promise<string> {
  const pushId = fields.pushId ?? newPushId('text');
  const response = await pap.push(
    {
      pushId,
      addresses: [wapPushAddressOf(receiver.aor)],
      ...(fields.notifyTo !== undefined && { ppgNotifyRequestedTo: fields.notifyTo }),
      ...(fields.deliverBefore !== undefined && { deliverBefore: fields.deliverBefore }),
    },
    { contentType: 'text/plain', body: text, applicationId: NEWS },
  );
  expect(response.result, `push-response of ${pushId}`).toMatchObject({ code: 1001 });
  return pushId;
}

/** A marker pushed through PAP after the thing under test, stored by the page. */
async function deliverMarker(pap: PapInitiator, receiver: ReceiverPage): Promise<string> {
  const text = `marker ${randomUUID()}`;
  const pushId = await pushText(pap, receiver, text);
  await expect.poll(async () => (await receiver.storedPushes()).map((p) => p.text)).toContain(text);
  await pap.waitForState(pushId, 'delivered');
  return text;
}

test.describe('Push Proxy Gateway (issue 13): PAP over HTTP to the browser', () => {
  test('a push-message reaches a registered browser: 1001, then a result notification saying delivered', async ({ receiver, pap, notifications }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const pushId = newPushId('registered');
    const address = wapPushAddressOf(receiver.aor);
    const response = await pap.push(
      {
        pushId,
        addresses: [address],
        ppgNotifyRequestedTo: notifications.url,
        // confirmed: the service asks the browser for an IMDN delivery report.
        qualityOfService: { priority: 'high', deliveryMethod: 'confirmed', networkRequired: false, bearerRequired: false },
      },
      { contentType: 'text/plain', body: 'Hello over PAP', applicationId: NEWS },
    );
    expect(response.result.code, response.result.desc).toBe(1001);
    expect(response.replyTime).toBeInstanceOf(Date);

    await expect.poll(async () => (await receiver.storedPushes()).map((p) => [p.appId, p.contentType, p.text])).toEqual([[NEWS, 'text/plain', 'Hello over PAP']]);
    const notification = await notifications.waitFor(pushId);
    expect(notification.message).toMatchObject({ kind: 'resultnotification-message', pushId, address, messageState: 'delivered', code: 1000 });
    expect(notification.message.senderAddress, 'the PPG names itself as in its push-response').toBe(response.senderAddress);
    expect(response.senderAddress).toBe(pap.url);
    expect(notification.message.receivedTime).toBeInstanceOf(Date);
    expect(notification.message.eventTime).toBeInstanceOf(Date);
    expect(notifications.rejected()).toEqual([]);

    const status = await pap.statusQuery(pushId);
    expect(status.results.map((r) => [r.messageState, r.code, r.addresses])).toEqual([['delivered', 1000, [address]]]);
    await expect(receiver.inboxItems(NEWS)).toHaveCount(1);
    // One notification per address, not one per change (delivered may still become displayed).
    expect(notifications.forPush(pushId)).toHaveLength(1);
  });

  test('a push-message to an offline browser is pending, then delivered once it registers', async ({ receiver, pap, notifications }) => {
    const pushId = newPushId('offline');
    const address = wapPushAddressOf(receiver.aor);
    const response = await pap.push({ pushId, addresses: [address], ppgNotifyRequestedTo: notifications.url }, { contentType: 'text/plain', body: 'waiting for you', applicationId: `x-wap-application:${NEWS}` });
    expect(response.result.code, response.result.desc).toBe(1001);
    const pending = await pap.statusQuery(pushId);
    expect(pending.results.map((r) => [r.messageState, r.code, r.addresses])).toEqual([['pending', 1000, [address]]]);
    // Asked about one address by its value: the same answer.
    expect((await pap.statusQuery(pushId, [address])).results.map((r) => r.messageState)).toEqual(['pending']);
    expect(notifications.forPush(pushId)).toEqual([]);

    await receiver.open();
    await receiver.expectRegistered();
    await expect.poll(() => storedTexts(receiver)).toEqual(['waiting for you']);
    const notification = await notifications.waitFor(pushId);
    expect(notification.message).toMatchObject({ pushId, address, messageState: 'delivered', code: 1000 });
    expect((await pap.statusQuery(pushId)).results.map((r) => r.messageState)).toEqual(['delivered']);
  });

  test('deliver-before in the past is reported expired and never delivered', async ({ receiver, pap, notifications }) => {
    const address = wapPushAddressOf(receiver.aor);
    // Already past when received: refused as expired by the gateway (2001, as Kannel's PPG), nothing submitted.
    const past = newPushId('past');
    const refused = await pap.push({ pushId: past, addresses: [address], deliverBefore: new Date(Date.now() - 60_000), ppgNotifyRequestedTo: notifications.url }, { contentType: 'text/plain', body: 'too late', applicationId: NEWS });
    expect(refused.result.code, refused.result.desc).toBe(2001);
    expect((await pap.statusQuery(past)).results.map((r) => [r.messageState, r.addresses])).toEqual([['expired', [address]]]);
    expect((await notifications.waitFor(past)).message).toMatchObject({ pushId: past, address, messageState: 'expired', code: 4000 });

    // Accepted, then past its deliver-before while the browser is offline: the service expires it.
    const soon = newPushId('soon');
    // PAP timestamps are whole seconds: 5 s leaves at least 4 for the push to be accepted first.
    await pushText(pap, receiver, 'also too late', { pushId: soon, notifyTo: notifications.url, deliverBefore: new Date(Date.now() + 5_000) });
    expect((await notifications.waitFor(soon)).message).toMatchObject({ pushId: soon, address, messageState: 'expired', code: 4000 });
    expect((await pap.statusQuery(soon)).results.map((r) => r.messageState)).toEqual(['expired']);

    await receiver.open();
    await receiver.expectRegistered();
    const marker = await deliverMarker(pap, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual([marker]);
    expect((await pap.statusQuery(past)).results.map((r) => r.messageState)).toEqual(['expired']);
    expect((await pap.statusQuery(soon)).results.map((r) => r.messageState)).toEqual(['expired']);
    expect(notifications.forPush(past)).toHaveLength(1);
    expect(notifications.forPush(soon)).toHaveLength(1);
  });

  test('a cancel before delivery: cancel-response 1000, statusquery cancelled, never delivered', async ({ receiver, pap, notifications }) => {
    const address = wapPushAddressOf(receiver.aor);
    const pushId = await pushText(pap, receiver, 'never mind', { notifyTo: notifications.url });
    expect((await pap.statusQuery(pushId)).results.map((r) => r.messageState)).toEqual(['pending']);

    const cancel = await pap.cancel(pushId, [address]);
    expect(cancel.pushId).toBe(pushId);
    expect(cancel.results.map((r) => [r.code, r.addresses])).toEqual([[1000, [address]]]);
    expect((await pap.statusQuery(pushId)).results.map((r) => [r.messageState, r.addresses])).toEqual([['cancelled', [address]]]);
    expect((await notifications.waitFor(pushId)).message).toMatchObject({ pushId, address, messageState: 'cancelled' });
    // A second cancel is not possible any more (2008), and says so.
    expect((await pap.cancel(pushId)).results.map((r) => r.code)).toEqual([2008]);

    await receiver.open();
    await receiver.expectRegistered();
    const marker = await deliverMarker(pap, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual([marker]);
    expect((await pap.statusQuery(pushId)).results.map((r) => r.messageState)).toEqual(['cancelled']);
  });

  test('Service Indications (text and WBXML) and a Service Loading show as link cards, nothing opened', async ({ receiver, pap }) => {
    await receiver.open({ apps: [...DEFAULT_APPS, { id: WML, accept: SERVICE_TYPES }] });
    await receiver.expectRegistered();
    const address = wapPushAddressOf(receiver.aor);
    const expires = new Date(Date.now() + 24 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const siXml = `<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si>
  <indication href="https://example.com/news/1" si-id="e2e-si-text" action="signal-high" si-expires="${expires}">Breaking: PAP reaches the browser</indication>
</si>
`;
    const sic = siWbxml({ httpsRest: 'example.org/sic', siId: 'e2e-si-wbxml', text: 'Tokenised indication' });
    // The octets are what the project's SI codec reads.
    expect(parseServiceContent('application/vnd.wap.sic', sic)).toMatchObject({ kind: 'si', href: 'https://example.org/sic', siId: 'e2e-si-wbxml', text: 'Tokenised indication', action: 'signal-medium' });
    const slXml = `<?xml version="1.0"?>
<!DOCTYPE sl PUBLIC "-//WAPFORUM//DTD SL 1.0//EN" "http://www.wapforum.org/DTD/sl.dtd">
<sl href="http://example.net/load-me" action="execute-high"/>
`;
    const pushes: Array<[string, string, Uint8Array | string, string]> = [
      ['si-text', 'text/vnd.wap.si', siXml, 'x-wap-application:wml.ua'],
      ['si-wbxml', 'application/vnd.wap.sic', sic, '0x02'], // wml.ua by its OMNA number
      ['sl-text', 'text/vnd.wap.sl', slXml, 'wml.ua'],
    ];
    for (const [what, contentType, body, applicationId] of pushes) {
      const response = await pap.push({ pushId: newPushId(what), addresses: [address] }, { contentType, body, applicationId });
      expect(response.result.code, `${what}: ${response.result.desc}`).toBe(1001);
    }
    await expect.poll(async () => (await receiver.storedPushes()).map((p) => [p.appId, p.contentType]).sort()).toEqual(
      [
        [WML, 'application/vnd.wap.sic'],
        [WML, 'text/vnd.wap.si'],
        [WML, 'text/vnd.wap.sl'],
      ].sort(),
    );

    await receiver.selectApp(WML);
    await expect(receiver.inboxItems(WML)).toHaveCount(3);
    const cards: Array<{ text: string | undefined; href: string; kind: string; action: string }> = [
      { text: 'Breaking: PAP reaches the browser', href: 'https://example.com/news/1', kind: 'si', action: 'signal-high' },
      { text: 'Tokenised indication', href: 'https://example.org/sic', kind: 'si', action: 'signal-medium' },
      { text: undefined, href: 'http://example.net/load-me', kind: 'sl', action: 'execute-high' },
    ];
    for (const card of cards) {
      const item = receiver.inboxItems(WML).filter({ hasText: card.href });
      await expect(item).toHaveCount(1);
      await item.getByTestId('push-toggle').click();
      await expect(item.getByTestId('push-toggle')).toHaveAttribute('aria-expanded', 'true');
      const content = item.getByTestId('push-content');
      await expect(content).toHaveAttribute('data-kind', 'link-card');
      await expect(content).toHaveAttribute('data-state', 'ready');
      await expect(content).toHaveAttribute('data-card', card.kind);
      await expect(content).toHaveAttribute('data-expired', 'false');
      if (card.text !== undefined) await expect(content.getByTestId('link-card-text')).toHaveText(card.text);
      // The href shown, as a link (http(s)) that opens only on a click: new tab, no opener.
      const link = content.getByTestId('link-card-link');
      await expect(link).toHaveAttribute('href', card.href);
      await expect(link).toContainText(card.href);
      await expect(link).toHaveAttribute('target', '_blank');
      await expect(link).toHaveAttribute('rel', /noopener/);
      await expect(content.getByTestId('link-card-action')).toHaveAttribute('data-action', card.action);
    }
    // Nothing was opened by itself, execute-high included: the page is still the only one, where it was.
    await settled();
    expect(receiver.page.context().pages()).toHaveLength(1);
    expect(new URL(receiver.page.url()).pathname).toBe('/');
  });

  test('a duplicate push-id is answered 2007 and delivered once', async ({ receiver, pap }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const pushId = newPushId('dup');
    const address = wapPushAddressOf(receiver.aor);
    await pushText(pap, receiver, 'the first one', { pushId });
    await expect.poll(() => storedTexts(receiver)).toEqual(['the first one']);
    await pap.waitForState(pushId, 'delivered');

    const again = await pap.push({ pushId, addresses: [address] }, { contentType: 'text/plain', body: 'the second one', applicationId: NEWS });
    expect(again.result.code, again.result.desc).toBe(2007);
    const marker = await deliverMarker(pap, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual(['the first one', marker].sort());
    expect((await pap.statusQuery(pushId)).results.map((r) => r.messageState)).toEqual(['delivered']);
  });

  test('a PAP 1.0 client\'s hand-written push-message (ISO-8859-1 prolog, CRLF multipart with a preamble) is delivered and answered in PAP 1.0', async ({ receiver, pap, notifications }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const pushId = newPushId('pap10');
    const address = wapPushAddressOf(receiver.aor);
    const control = [
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
      '<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 1.0//EN"',
      '                     "http://www.wapforum.org/DTD/pap_1.0.dtd">',
      '<pap product-name = "e2e initiator">',
      `  <push-message push-id = "${pushId}" ppg-notify-requested-to="${notifications.url}"`,
      `                deliver-before-timestamp="${new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')}" progress-notes-requested="false">`,
      `    <address address-value="${address}"></address>`,
      '    <quality-of-service priority="low" delivery-method="unconfirmed" network-required="false" bearer-required="false"/>',
      '  </push-message>',
      '</pap>',
    ].join('\r\n');
    const boundary = 'asdlfkjiurwghasf';
    const body = [
      'This is a multi-part message in MIME format.',
      `--${boundary}`,
      'Content-Type: application/xml',
      '',
      control,
      `--${boundary}`,
      'Content-Type: text/plain',
      '',
      'Hello from a PAP 1.0 initiator',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    // The application in the HTTP request's X-Wap-Application-Id, as some initiators send it.
    const answer = await pap.postRaw(new TextEncoder().encode(body), `multipart/related; boundary=${boundary}; type="application/xml"`, { 'X-Wap-Application-Id': NEWS, 'X-Wap-Initiator-URI': 'http://initiator.example/e2e' });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.document?.version).toBe('1.0');
    expect(answer.text).toContain('-//WAPFORUM//DTD PAP 1.0//EN');
    expect(answer.document?.message).toMatchObject({ kind: 'push-response', pushId, result: { code: 1001 } });

    await expect.poll(async () => (await receiver.storedPushes()).map((p) => [p.appId, p.text])).toEqual([[NEWS, 'Hello from a PAP 1.0 initiator']]);
    const notification = await notifications.waitFor(pushId);
    expect(notification.version, 'the notification is in the initiator\'s PAP version').toBe('1.0');
    expect(notification.message).toMatchObject({ pushId, address, messageState: 'delivered', code: 1000 });
  });

  test('a push to two addresses is reported per address: one delivered, the other pending, then cancelled', async ({ receiver, pap, notifications, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const offline = core.newReceiver();
    const [here, away] = [wapPushAddressOf(receiver.aor), wapPushAddressOf(offline.aor)];
    const pushId = newPushId('two');
    const response = await pap.push({ pushId, addresses: [here, away], ppgNotifyRequestedTo: notifications.url }, { contentType: 'text/plain', body: 'for both of you', applicationId: NEWS });
    expect(response.result.code, response.result.desc).toBe(1001);

    await expect.poll(() => storedTexts(receiver)).toEqual(['for both of you']);
    expect((await notifications.waitFor(pushId)).message).toMatchObject({ address: here, messageState: 'delivered', code: 1000 });
    const both = await pap.statusQuery(pushId);
    expect(both.results.map((r) => [r.addresses, r.messageState]).sort()).toEqual([[[away], 'pending'], [[here], 'delivered']].sort());
    expect((await pap.statusQuery(pushId, [away])).results.map((r) => [r.addresses, r.messageState])).toEqual([[[away], 'pending']]);

    // The gateway cancels a push as a whole: for the address still waiting (the delivered one stays delivered).
    const cancel = await pap.cancel(pushId);
    expect(cancel.results.map((r) => r.code)).toEqual([1000]);
    await expect.poll(() => notifications.forPush(pushId).map((n) => [n.message.address, n.message.messageState]).sort()).toEqual([[away, 'cancelled'], [here, 'delivered']].sort());
    expect((await pap.statusQuery(pushId)).results.map((r) => [r.addresses, r.messageState]).sort()).toEqual([[[away], 'cancelled'], [[here], 'delivered']].sort());
  });

  test('a body that is not XML gets a badmessage-response and nothing is pushed', async ({ receiver, pap, psa }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const answer = await pap.postRaw('this is not a PAP document', 'application/xml');
    expect(answer.status, answer.text).toBe(202);
    expect(answer.document?.message).toMatchObject({ kind: 'badmessage-response', code: 2000 });

    // A push-message whose control entity has no address: refused (2000), nothing queued under its push-id.
    const pushId = newPushId('no-address');
    const control = `<?xml version="1.0"?>
<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">
<pap><push-message push-id="${pushId}"></push-message></pap>`;
    const boundary = 'e2e-boundary-7d3f';
    const body = [`--${boundary}`, 'Content-Type: application/xml', '', control, `--${boundary}`, 'Content-Type: text/plain', `X-Wap-Application-Id: ${NEWS}`, '', 'no address', `--${boundary}--`, ''].join('\r\n');
    const noAddress = await pap.postRaw(body, `multipart/related; boundary=${boundary}; type="application/xml"`);
    expect(noAddress.status, noAddress.text).toBe(202);
    expect(noAddress.document?.message).toMatchObject({ kind: 'badmessage-response', code: 2000 });
    expect((await psa.request('GET', `/v1/pushes/${encodeURIComponent(pushId)}`)).status).toBe(404);

    const marker = await deliverMarker(pap, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual([marker]);
  });
});
