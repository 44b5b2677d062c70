/** The service's registration against the embedded core: digest, refusal, a core restart, un-REGISTER. */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCore as startCore, type RunningCore } from '../../../testing/coreHarness.ts';
import { until } from '../../../testing/until.ts';
import { createSipClient, type SipClient } from '../../sipClient.ts';
import { createServiceRegistration, grantedExpiry, registrarUri, type ServiceRegistration } from './registration.ts';
import { parseSipMessage, type SipResponse } from '../../../../src/protocol/sip/index.ts';

const users = { psa: 'psa-secret', alice: 'alice-secret' };
let core: RunningCore | undefined;
let client: SipClient | undefined;
let registration: ServiceRegistration | undefined;

afterEach(async () => {
  await registration?.stop();
  await client?.close();
  await core?.close();
  core = client = registration = undefined;
});

async function setUp(password: string, wsPort = 0) {
  core = await startCore({ wsPort, sipPort: null, users });
  client = createSipClient({ server: core.wsUrl, from: 'sip:psa@localhost', password, timeoutMs: 3000 });
  registration = createServiceRegistration(client, { aor: 'sip:psa@localhost', reconnectMinMs: 20, reconnectMaxMs: 100, retryFailedMs: 60_000 });
  return { core, client, registration };
}

describe('service registration', () => {
  it('registers with digest, To naming the AoR and the Request-URI the domain, and un-REGISTERs on stop', async () => {
    const { core, registration } = await setUp(users.psa);
    let registered = 0;
    registration.onRegistered(() => registered++);
    expect(await registration.start()).toMatchObject({ phase: 'registered', expiresSeconds: 300 });
    expect(registered).toBe(1);
    expect(core.bindings('sip:psa@localhost')).toHaveLength(1);
    await registration.stop();
    expect(registration.status.phase).toBe('stopped');
    expect(core.bindings('sip:psa@localhost')).toHaveLength(0);
  });

  it('a refused password fails with one line naming the fix, and does not hammer the core', async () => {
    const { registration } = await setUp('wrong');
    const status = await registration.start();
    expect(status.phase).toBe('failed');
    expect(status.error).toMatch(/REGISTER sip:psa@localhost answered 401 .*set the PSA AoR and password/);
    await expect(registration.whenRegistered(50)).rejects.toThrow(/did not register .* \(failed: /);
  });

  it('registers again after the core restarts on the same port, and says so once per new flow', async () => {
    const first = await setUp(users.psa);
    let registered = 0;
    registration!.onRegistered(() => registered++);
    await first.registration.start();
    const port = Number(new URL(first.core.wsUrl).port);
    await first.core.close();
    await until(() => registration!.status.phase === 'waiting' || registration!.status.phase === 'connecting', 5000);
    core = await startCore({ wsPort: port, sipPort: null, users });
    await registration!.whenRegistered(10_000);
    expect(registered).toBe(2);
    expect(core.bindings('sip:psa@localhost')).toHaveLength(1);
  }, 20_000);
});

describe('registration helpers', () => {
  it('registrarUri is the AoR without its user part', () => {
    expect(registrarUri('sip:psa@example.com')).toBe('sip:example.com');
    expect(registrarUri('sip:psa@127.0.0.1:5070')).toBe('sip:127.0.0.1:5070');
  });

  it('grantedExpiry reads our Contact expires, else Expires, else the request', () => {
    const response = (headers: string) => parseSipMessage(`SIP/2.0 200 OK\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n${headers}Content-Length: 0\r\n\r\n`) as SipResponse;
    const me = 'sip:psa@abc.invalid;transport=ws';
    expect(grantedExpiry(response(`Contact: <sip:other@x.invalid;transport=ws>;expires=10, <${me}>;expires=120\r\n`), me, 300)).toBe(120);
    expect(grantedExpiry(response('Expires: 90\r\n'), me, 300)).toBe(90);
    expect(grantedExpiry(response(''), me, 300)).toBe(300);
  });
});
