import { test, expect } from './fixtures/test.ts';

test.describe('registration (PRA functions 1-3)', () => {
  test('registers its push applications, instance and UAProf URL as Contact parameters seen at the core', async ({ receiver, core, baseURL }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await expect.poll(async () => (await core.bindings(receiver.aor)).map((b) => b.pushApps)).toEqual([['news.ua', 'mms.ua']]);
    const [binding] = await core.bindings(receiver.aor);
    expect(binding!.contact).toContain('+g.oma.pusheventapp="news.ua,mms.ua"');
    expect(binding!.contact).toMatch(/\+sip\.instance="<urn:uuid:[0-9a-f-]{36}>"/);
    expect(binding!.contact).toMatch(/reg-id=1/);
    expect(binding!.contact).toContain(`+g.oma.uaprof="<${baseURL}/uaprof.rdf>"`);
  });

  test('registering an app in the page re-registers with the new feature tag', async ({ receiver, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await receiver.registerRecordingApp({ id: 'late.ua', accept: ['text/plain'] });
    await expect.poll(async () => (await core.bindings(receiver.aor)).map((b) => [...b.pushApps].sort())).toEqual([['late.ua', 'mms.ua', 'news.ua']]);
    await expect.poll(() => receiver.registeredApps().then((ids) => [...ids].sort())).toEqual(['late.ua', 'mms.ua', 'news.ua']);
  });

  test('keeps its +sip.instance across reloads (one binding, not two)', async ({ receiver, core }) => {
    await receiver.open();
    await receiver.expectRegistered();
    await expect.poll(async () => (await core.bindings(receiver.aor)).length).toBe(1);
    const [first] = await core.bindings(receiver.aor);
    await receiver.page.reload();
    await receiver.expectRegistered();
    await expect.poll(async () => (await core.bindings(receiver.aor)).map((b) => b.instanceId)).toEqual([first!.instanceId]);
  });
});
