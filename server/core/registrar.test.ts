import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHeader, getHeaderValues, parseNameAddr } from '../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { reply } from '../testing/sipUa.ts';
import { until } from '../testing/until.ts';
import type { BindingInfo } from './index.ts';

const INSTANCE = 'urn:uuid:3f1b4c2e-0000-4000-8000-00000000a11c';

let core: TestCore;
const ua = () => core.ua();

beforeEach(async () => {
  core = await startTestCore({ limits: { minExpires: 1 } });
});
afterEach(async () => {
  await core.close();
});

describe('registrar', () => {
  it('keeps feature tags, UAProf parameter and instance verbatim and shows them on GET /bindings', async () => {
    const alice = await ua();
    const params = `;+g.oma.pusheventapp="news.ua,mms.ua";+sip.instance="<${INSTANCE}>";reg-id=1;uaprof="http://x.invalid/uaprof.rdf";expires=600`;
    const res = await alice.register({ aor: 'sip:alice@localhost', contactParams: params, headers: [{ name: 'User-Agent', value: 'test-ua/1' }] });
    expect(res.status).toBe(200);
    const contact = getHeaderValues(res, 'contact');
    expect(contact).toHaveLength(1);
    expect(contact[0]).toContain('+g.oma.pusheventapp="news.ua,mms.ua"');
    expect(parseNameAddr(contact[0]!).params.get('expires')).toBe('600');

    const http = (await (await fetch(`${core.httpUrl}/bindings?aor=sip:alice@localhost`)).json()) as BindingInfo[];
    expect(http).toHaveLength(1);
    const b = http[0]!;
    expect(b.aor).toBe('sip:alice@localhost');
    expect(b.contact).toBe(`<${alice.contactUri()}>${params}`);
    expect(b.uri).toBe(alice.contactUri());
    expect(b.instanceId).toBe(INSTANCE);
    expect(b.regId).toBe('1');
    expect(b.featureTags).toEqual({ '+g.oma.pusheventapp': '"news.ua,mms.ua"' });
    expect(b.pushApps).toEqual(['news.ua', 'mms.ua']);
    expect(b.transport).toBe('WS');
    expect(b.userAgent).toBe('test-ua/1');
    expect(b.expiresAt).toBeGreaterThan(Date.now() + 590_000);
    // The same through the typed API, and with a host alias for the AoR.
    expect(core.bindings('sip:alice@127.0.0.1')).toEqual(http);
    expect((await (await fetch(`${core.httpUrl}/bindings`)).json()) as BindingInfo[]).toHaveLength(1);
  });

  it('issues a pub-gruu when the REGISTER has +sip.instance and Supported: gruu, and routes the GRUU to that instance only', async () => {
    const a = await ua();
    const b = await ua();
    const res = await a.register({ aor: 'sip:alice@localhost', contactParams: `;+sip.instance="<${INSTANCE}>";+g.oma.pusheventapp="news.ua"`, headers: [{ name: 'Supported', value: 'path, gruu' }] });
    await b.register({ aor: 'sip:alice@localhost', contactParams: `;+sip.instance="<urn:uuid:other>";+g.oma.pusheventapp="news.ua"`, headers: [{ name: 'Supported', value: 'gruu' }] });
    const mine = getHeaderValues(res, 'contact').map(parseNameAddr).find((c) => c.uri === a.contactUri())!;
    const gruu = `sip:alice@localhost;gr=${INSTANCE}`;
    expect(mine.params.get('pub-gruu')).toBe(`"${gruu}"`);
    expect(core.bindings('sip:alice@localhost').find((x) => x.instanceId === INSTANCE)!.pubGruu).toBe(gruu);

    a.answer((req) => reply(req, 200));
    b.answer((req) => reply(req, 200));
    const sender = await ua();
    const out = await sender.request(sender.build('MESSAGE', gruu, { body: 'hi', headers: [{ name: 'Content-Type', value: 'text/plain' }] }));
    expect(out.status).toBe(200);
    expect(a.received.filter((m) => m.kind === 'request' && m.method === 'MESSAGE')).toHaveLength(1);
    expect(b.received.filter((m) => m.kind === 'request' && m.method === 'MESSAGE')).toHaveLength(0);
    // A GRUU of an instance that is not registered: 480 (RFC 5627 section 8.4.1).
    const gone = await sender.request(sender.build('MESSAGE', 'sip:alice@localhost;gr=urn:uuid:nobody'));
    expect(gone.status).toBe(480);
  });

  it('replaces the binding of the same +sip.instance and reg-id, keeps others', async () => {
    const a = await ua();
    await a.register({ aor: 'sip:alice@localhost', contactParams: `;+sip.instance="<${INSTANCE}>";reg-id=1`, contact: `<sip:old@${a.host};transport=ws>;+sip.instance="<${INSTANCE}>";reg-id=1` });
    await a.register({ aor: 'sip:alice@localhost', contactParams: `;+sip.instance="<${INSTANCE}>";reg-id=1` });
    await a.register({ aor: 'sip:alice@localhost', contactParams: ';+g.oma.pusheventapp="x.ua"', contact: `<sip:plain@${a.host};transport=ws>` });
    const uris = core.bindings('sip:alice@localhost').map((b) => b.uri).sort();
    expect(uris).toEqual([a.contactUri(), `sip:plain@${a.host};transport=ws`].sort());
  });

  it('expires bindings, answers 423 below Min-Expires, removes all with Contact: * and Expires: 0', async () => {
    await core.close();
    core = await startTestCore({ limits: { minExpires: 1, maxExpires: 100 } });
    const a = await ua();
    const res = await a.register({ aor: 'sip:alice@localhost', contactParams: ';expires=1' });
    expect(res.status).toBe(200);
    expect(core.bindings('sip:alice@localhost')).toHaveLength(1);
    await until(() => core.bindings('sip:alice@localhost').length === 0, 4000);

    await core.close();
    core = await startTestCore({ limits: { minExpires: 30, maxExpires: 100 } });
    const b = await ua();
    const brief = await b.register({ aor: 'sip:bob@localhost', contactParams: ';expires=5' });
    expect(brief.status).toBe(423);
    expect(getHeader(brief, 'min-expires')).toBe('30');
    const capped = await b.register({ aor: 'sip:bob@localhost', expires: 1000 });
    expect(parseNameAddr(getHeaderValues(capped, 'contact')[0]!).params.get('expires')).toBe('100');
    await b.register({ aor: 'sip:bob@localhost', contact: `<sip:second@${b.host};transport=ws>` });
    expect(core.bindings('sip:bob@localhost')).toHaveLength(2);
    const bad = await b.register({ aor: 'sip:bob@localhost', contact: '*', expires: 10 });
    expect(bad.status).toBe(400);
    const all = await b.register({ aor: 'sip:bob@localhost', contact: '*', expires: 0 });
    expect(all.status).toBe(200);
    expect(getHeaderValues(all, 'contact')).toHaveLength(0);
    expect(core.bindings('sip:bob@localhost')).toHaveLength(0);
  });

  it('removes a single binding with expires=0 and lists the remaining ones in the 200', async () => {
    const a = await ua();
    await a.register({ aor: 'sip:alice@localhost' });
    await a.register({ aor: 'sip:alice@localhost', contact: `<sip:two@${a.host};transport=ws>` });
    const res = await a.register({ aor: 'sip:alice@localhost', contactParams: ';expires=0' });
    expect(getHeaderValues(res, 'contact').map((c) => parseNameAddr(c).uri)).toEqual([`sip:two@${a.host};transport=ws`]);
  });

  it('drops the bindings of a WebSocket when it closes', async () => {
    const a = await ua();
    const b = await ua();
    await a.register({ aor: 'sip:alice@localhost' });
    await b.register({ aor: 'sip:alice@localhost' });
    expect(core.bindings('sip:alice@localhost')).toHaveLength(2);
    await a.close();
    await until(() => core.bindings('sip:alice@localhost').length === 1);
    expect(core.bindings()[0]!.uri).toBe(b.contactUri());
  });

  // Issue 10 item 3: a client must notice a binding its core lost while the flow stays up.
  it('removeBindings drops every binding of an AoR (flows stay open): an OPTIONS to the AoR then finds nobody', async () => {
    const a = await ua();
    const b = await ua();
    a.answer((req) => reply(req, 200));
    await a.register({ aor: 'sip:alice@localhost' });
    await a.register({ aor: 'sip:alice@localhost', contact: `<sip:two@${a.host};transport=ws>` });
    await b.register({ aor: 'sip:bob@localhost' });
    // The binding probe: an OPTIONS from alice to alice is forked back over her own flow.
    const probe = a.build('OPTIONS', 'sip:alice@localhost', { headers: [{ name: 'X-SIP-Push-Probe', value: 'tok-1' }] });
    expect((await a.request(probe)).status).toBe(200);
    const forked = a.received.filter((m) => m.kind === 'request' && m.method === 'OPTIONS');
    expect(forked.map((m) => getHeader(m, 'x-sip-push-probe'))).toEqual(['tok-1', 'tok-1']);

    expect(core.removeBindings('sip:alice@127.0.0.1')).toBe(2);
    expect(core.bindings('sip:alice@localhost')).toEqual([]);
    expect(core.bindings('sip:bob@localhost')).toHaveLength(1);
    expect(core.stats().connections).toBe(2);
    expect((await a.request(a.build('OPTIONS', 'sip:alice@localhost'))).status).toBe(404);
    expect(core.removeBindings('sip:alice@localhost')).toBe(0);
    // Registering again over the same flow works at once.
    expect((await a.register({ aor: 'sip:alice@localhost' })).status).toBe(200);
    expect(core.bindings('sip:alice@localhost')).toHaveLength(1);
  });

  it('limits contacts per AoR and rejects REGISTER for another domain', async () => {
    await core.close();
    core = await startTestCore({ limits: { maxContactsPerAor: 2 } });
    const a = await ua();
    await a.register({ aor: 'sip:alice@localhost', contact: `<sip:1@${a.host}>` });
    await a.register({ aor: 'sip:alice@localhost', contact: `<sip:2@${a.host}>` });
    const third = await a.register({ aor: 'sip:alice@localhost', contact: `<sip:3@${a.host}>` });
    expect(third.status).toBe(503);
    const foreign = await a.request(a.build('REGISTER', 'sip:example.com', { to: '<sip:alice@example.com>', headers: [{ name: 'Contact', value: `<${a.contactUri()}>` }] }));
    expect(foreign.status).toBe(403);
  });
});
