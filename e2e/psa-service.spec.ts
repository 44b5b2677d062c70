/**
 * Issue 12 acceptance, end to end on each core: every push submitted through the Push Sender
 * Agent service's HTTP API (e2e/fixtures/psaService.ts), received by the real browser client,
 * and its status read back from the API (delivery reports: IMDN, MSRP REPORT; store and
 * forward; expiry; cancel; targets; capabilities).
 *
 * Absences ("never reaches the page") are checked after a marker push submitted later has been
 * delivered to the same page, then one settled() interval: a push that was going to arrive has
 * had every chance to.
 */
import { randomBytes, createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { settled } from '../server/testing/settled.ts';
import type { ReceiverPage } from './fixtures/receiverPage.ts';
import { ReceiverPage as ReceiverPageObject } from './fixtures/receiverPage.ts';
import { contentSha256, storedTransfers } from './msrp/transfers.ts';
import { expect, test, type PsaClient } from './fixtures/psaService.ts';

const NEWS = 'news.ua';
const MMS = 'mms.ua';

/** Push a marker text to the page's news app through the service and wait until it is delivered. */
async function deliverMarker(psa: PsaClient, receiver: ReceiverPage, app = NEWS): Promise<string> {
  const text = `marker ${randomUUID()}`;
  const push = await psa.submit({ target: receiver.aor, app, contentType: 'text/plain', content: text, report: true });
  await psa.waitForStatus(push.pushId, 'delivered');
  await expect.poll(async () => (await receiver.storedPushes()).map((p) => p.text)).toContain(text);
  return text;
}

async function storedTexts(receiver: ReceiverPage): Promise<string[]> {
  return (await receiver.storedPushes()).map((p) => p.text).sort();
}

/** The page's `+sip.instance` URN (the agent keeps the bare UUID). */
async function instanceOf(receiver: ReceiverPage): Promise<string> {
  const id = await receiver.page.evaluate(() => window.__sipPushTest!.state().instanceId);
  expect(id, 'the agent has a +sip.instance').toBeTruthy();
  return id!.startsWith('urn:') ? id! : `urn:uuid:${id}`;
}

const UAPROF_TEXT_ONLY = `<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:prf="http://www.openmobilealliance.org/tech/profiles/UAPROF/ccppschema-20021212#">
  <rdf:Description rdf:ID="Profile">
    <prf:component>
      <rdf:Description rdf:ID="PushCharacteristics">
        <rdf:type rdf:resource="http://www.openmobilealliance.org/tech/profiles/UAPROF/ccppschema-20021212#PushCharacteristics"/>
        <prf:Push-Accept><rdf:Bag><rdf:li>text/plain</rdf:li></rdf:Bag></prf:Push-Accept>
        <prf:Push-Accept-AppID><rdf:Bag><rdf:li>news.ua</rdf:li></rdf:Bag></prf:Push-Accept-AppID>
        <prf:Push-MsgSize>61440</prf:Push-MsgSize>
      </rdf:Description>
    </prf:component>
  </rdf:Description>
</rdf:RDF>
`;

/** A UAProf document served on loopback (the service fetches it server side). */
async function serveUaprof(body: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/rdf+xml', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/uaprof.rdf`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test.describe('Push Sender Agent service (issue 12), through its HTTP API', () => {
  test('a push reports delivered once stored, then displayed when the inbox shows it', async ({ receiver, psa }) => {
    await receiver.open();
    await receiver.expectRegistered();
    const pushId = `e2e-${randomUUID()}`;
    const events = await psa.recordEvents(pushId);
    try {
      const submitted = await psa.submit({ pushId, target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'Hello through the service', report: true });
      expect(submitted.pushId).toBe(pushId);

      // One terminal (its key is the instance once the directory knows it, else the AoR: targets are
      // the two-browsers test's business), delivered.
      const delivered = await psa.waitForStatus(pushId, 'delivered');
      expect(delivered.deliveries.map((d) => d.status)).toEqual(['delivered']);
      const terminal = delivered.deliveries[0]!.terminal;
      expect((await receiver.storedPushes()).map((p) => [p.appId, p.text])).toEqual([[NEWS, 'Hello through the service']]);

      // Shown in the inbox viewer: the push is read, the display report goes back.
      await receiver.selectApp(NEWS);
      const item = receiver.inboxItems(NEWS);
      await expect(item).toHaveCount(1);
      await expect(item).toHaveAttribute('data-read', 'false');
      expect((await psa.get(pushId)).status).toBe('delivered');
      await item.getByTestId('push-toggle').click();
      await expect(item).toHaveAttribute('data-read', 'true');
      const displayed = await psa.waitForStatus(pushId, 'displayed');
      expect(displayed.deliveries.map((d) => [d.terminal, d.status])).toEqual([[terminal, 'displayed']]);

      // The event stream told the same story, delivered before displayed.
      await expect.poll(() => events.changes().map((c) => c.to)).toContain('displayed');
      const order = events.changes().map((c) => c.to);
      expect(order.indexOf('delivered')).toBeGreaterThanOrEqual(0);
      expect(order.indexOf('delivered')).toBeLessThan(order.indexOf('displayed'));
      expect(events.changes().every((c) => c.pushId === pushId)).toBe(true);
    } finally {
      await events.close();
    }
  });

  test('a push to a browser that registers later is held, then delivered and reported so', async ({ receiver, psa }) => {
    const push = await psa.submit({ target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'waiting for you', report: true });
    // Nobody is registered: queued for the AoR, not sent (nor handed to the core's offline store).
    expect(push.status).toBe('pending');
    expect(push.deliveries.map((d) => [d.terminal, d.status])).toEqual([[`aor:${receiver.aor}`, 'pending']]);
    expect((await psa.get(push.pushId)).status).toBe('pending');

    await receiver.open();
    await receiver.expectRegistered();
    const delivered = await psa.waitForStatus(push.pushId, 'delivered');
    expect(delivered.deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(await storedTexts(receiver)).toEqual(['waiting for you']);
    await expect(receiver.inboxItems(NEWS)).toHaveCount(1);
  });

  test('an expired push is reported expired and never reaches the page', async ({ receiver, psa }) => {
    const push = await psa.submit({ target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'too late', report: true, expiresInSeconds: 2 });
    expect(push.deliverBefore).toBeGreaterThan(Date.now());
    const expired = await psa.waitForStatus(push.pushId, 'expired');
    expect(expired.deliveries.map((d) => d.status)).toEqual(['expired']);

    await receiver.open();
    await receiver.expectRegistered();
    const marker = await deliverMarker(psa, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual([marker]);
    expect((await psa.get(push.pushId)).status).toBe('expired');
  });

  test('a cancelled push never arrives', async ({ receiver, psa }) => {
    const push = await psa.submit({ target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'never mind', report: true });
    const { push: cancelled, cancel } = await psa.cancel(push.pushId);
    expect(cancel.cancelled).toEqual([`aor:${receiver.aor}`]);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.cancelledAt).toEqual(expect.any(Number));

    await receiver.open();
    await receiver.expectRegistered();
    const marker = await deliverMarker(psa, receiver);
    await settled();
    expect(await storedTexts(receiver)).toEqual([marker]);
    expect((await psa.get(push.pushId)).status).toBe('cancelled');
  });

  test('a large file goes over MSRP by its size and is reported delivered', async ({ receiver, psa }) => {
    await receiver.open();
    await receiver.expectRegistered();
    // Over the page's UAProf Push-MsgSize (61,440) and the core's SIP limit: MSRP by size, mode auto.
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { uploadId, size } = await psa.upload(bytes);
    expect(size).toBe(bytes.byteLength);

    const push = await psa.submit({ target: receiver.aor, app: MMS, contentType: 'application/octet-stream', upload: uploadId, report: true });
    expect(push.contentSize).toBe(bytes.byteLength);
    const delivered = await psa.waitForStatus(push.pushId, 'delivered', 60_000);
    expect(delivered.deliveries.map((d) => d.status)).toEqual(['delivered']);

    // Stored from an MSRP session (dedup key msrp:<transfer>), whole and intact.
    const stored = await receiver.storedPushes();
    expect(stored.map((p) => [p.appId, p.contentType, p.dedupKey.startsWith('msrp:')])).toEqual([[MMS, 'application/octet-stream', true]]);
    expect(await contentSha256(receiver, stored[0]!.id)).toBe(sha256);
    expect((await storedTransfers(receiver)).map((t) => [t.state, t.receivedBytes])).toEqual([['complete', bytes.byteLength]]);
  });

  test('a user with two browsers, one with the app, gets the push only there, with a status per terminal', async ({ receiver, psa, browser, core }) => {
    // Browser A has the news app; browser B, the same user in another profile (its own instance), only mms.
    await receiver.open({ apps: [{ id: NEWS, accept: ['text/plain'] }] });
    await receiver.expectRegistered();
    const context = await browser.newContext();
    try {
      const other = new ReceiverPageObject(await context.newPage(), core.wsUrl, receiver.identity);
      await other.open({ apps: [{ id: MMS, accept: ['*/*'] }] });
      await other.expectRegistered();
      const [a, b] = [await instanceOf(receiver), await instanceOf(other)];
      expect(a).not.toBe(b);
      // B's own app first (the service watches an AoR from its first push on): it arrives at B.
      const marker = await deliverMarker(psa, other, MMS);
      // The directory knows both terminals and what each announced (reginfo, or OPTIONS on Kamailio).
      await psa.waitForTerminals(receiver.aor, (ts) => ts.length === 2 && ts.every((t) => t.pushApps !== null));

      // Default target: the terminals that announced the app.
      const onlyA = await psa.submit({ target: receiver.aor, app: NEWS, contentType: 'text/plain', content: 'for the news app', report: true });
      expect(onlyA.deliveries.map((d) => d.terminal)).toEqual([`instance:${a}`]);
      const deliveredA = await psa.waitForStatus(onlyA.pushId, 'delivered');
      expect(deliveredA.deliveries.map((d) => [d.terminal, d.status])).toEqual([[`instance:${a}`, 'delivered']]);

      // Every terminal: A delivered, B undeliverable with the reason, nothing sent to B.
      const all = await psa.submit({ target: { aor: receiver.aor, terminals: 'all' }, app: NEWS, contentType: 'text/plain', content: 'to every terminal', report: true });
      const settledAll = await psa.waitForStatus(all.pushId, 'partial');
      const byTerminal = Object.fromEntries(settledAll.deliveries.map((d) => [d.terminal, d]));
      expect(Object.keys(byTerminal).sort()).toEqual([`instance:${a}`, `instance:${b}`].sort());
      expect(byTerminal[`instance:${a}`]!.status).toBe('delivered');
      expect(byTerminal[`instance:${b}`]).toMatchObject({ status: 'undeliverable', attempts: 0, reason: expect.stringContaining(NEWS) });

      // B got nothing of the news app.
      await settled();
      expect(await storedTexts(other)).toEqual([marker]);
      expect(await storedTexts(receiver)).toEqual(['for the news app', 'to every terminal']);
    } finally {
      await context.close();
    }
  });

  test('a content type the app does not accept is refused before anything is sent', async ({ receiver, psa }) => {
    const uaprof = await serveUaprof(UAPROF_TEXT_ONLY);
    try {
      await receiver.open({ apps: [{ id: NEWS, accept: ['text/plain'] }], uaprofUrl: uaprof.url });
      await receiver.expectRegistered();
      // A first push makes the service watch the AoR; then its terminal's UAProf is fetched.
      const first = await deliverMarker(psa, receiver);
      await psa.waitForTerminals(receiver.aor, (ts) => ts.length === 1 && ts[0]!.capabilities !== null);

      const pushId = `e2e-refused-${randomUUID()}`;
      const refused = await psa.trySubmit({ pushId, target: receiver.aor, app: NEWS, contentType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.7').toString('base64'), report: true });
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.body).toMatchObject({ error: { code: 'PSA_ERR_CAPABILITIES', field: 'contentType', message: expect.stringContaining('application/pdf') } });
      // Nothing stored either.
      expect((await psa.request('GET', `/v1/pushes/${encodeURIComponent(pushId)}`)).status).toBe(404);

      const marker = await deliverMarker(psa, receiver);
      await settled();
      expect(await storedTexts(receiver)).toEqual([first, marker].sort());
      await expect(receiver.page.getByTestId('rejected-item')).toHaveCount(0);
    } finally {
      await uaprof.close();
    }
  });
});
