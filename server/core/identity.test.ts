/**
 * Secure by default (issue 9 item 8): the core refuses to start open unless asked, registers
 * an AoR only for its own digest user, and asserts who sent a request (P-Asserted-Identity,
 * RFC 3325): the user it authenticated, never what a client wrote itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getHeaderValues, type SipRequest } from '../../src/protocol/sip/index.ts';
import { startTestCore, type TestCore } from '../testing/coreHarness.ts';
import { reply, type SipUa } from '../testing/sipUa.ts';
import { startCore } from './index.ts';

const USERS = { alice: 'alice-pw', psa: 'psa-pw', mallory: 'mallory-pw' };
let core: TestCore;
beforeEach(async () => {
  core = await startTestCore({ users: USERS });
});
afterEach(() => core.close());

const messagesTo = (u: SipUa) => u.received.filter((m): m is SipRequest => m.kind === 'request' && m.method === 'MESSAGE');

async function registeredAlice(): Promise<SipUa> {
  const alice = await core.ua({ aor: 'sip:alice@localhost', password: USERS.alice });
  expect((await alice.register()).status).toBe(200);
  alice.answer((req) => reply(req, 200));
  return alice;
}

describe('the embedded core authenticates by default', () => {
  it('refuses to start with neither users nor noAuth, saying what to do', async () => {
    await expect(startCore({ wsPort: 0, sipPort: null })).rejects.toThrow(/authenticates by default: give users .*or noAuth: true/);
  });

  it('an AoR is registered only by its own digest user: a squatter gets 403, a stranger 401', async () => {
    const squatter = await core.ua({ aor: 'sip:alice@localhost' });
    const asMallory = squatter.build('REGISTER', 'sip:localhost', { from: 'sip:alice@localhost', to: '<sip:alice@localhost>', headers: [{ name: 'Contact', value: `<${squatter.contactUri()}>` }] });
    expect((await squatter.request(asMallory, { signAs: { user: 'mallory', password: USERS.mallory } })).status).toBe(403);
    expect((await squatter.register()).status).toBe(401);
    expect(core.bindings('sip:alice@localhost')).toHaveLength(0);
  });
});

describe('P-Asserted-Identity (RFC 3325)', () => {
  it('an authenticated sender is asserted as itself; the identity it wrote is removed', async () => {
    const alice = await registeredAlice();
    const psa = await core.ua({ aor: 'sip:psa@localhost', password: USERS.psa });
    const forged = psa.build('MESSAGE', 'sip:alice@localhost', { body: 'hi', headers: [{ name: 'P-Asserted-Identity', value: '<sip:boss@localhost>' }] });
    expect((await psa.request(forged)).status).toBe(200);
    expect(getHeaderValues(messagesTo(alice)[0]!, 'p-asserted-identity')).toEqual(['<sip:psa@localhost>']);
  });

  it('a sender the core did not authenticate (another domain) reaches the user with no asserted identity, even one it wrote', async () => {
    const alice = await registeredAlice();
    const stranger = await core.ua({ aor: 'sip:psa@elsewhere.example' });
    const forged = stranger.build('MESSAGE', 'sip:alice@localhost', { body: 'hi', headers: [{ name: 'P-Asserted-Identity', value: '<sip:psa@localhost>' }] });
    expect((await stranger.request(forged)).status).toBe(200);
    expect(getHeaderValues(messagesTo(alice)[0]!, 'p-asserted-identity')).toEqual([]);
  });

  it('a local user that signs as another is refused: 403, nothing forwarded', async () => {
    const alice = await registeredAlice();
    const mallory = await core.ua({ aor: 'sip:psa@localhost' });
    const asPsa = mallory.build('MESSAGE', 'sip:alice@localhost', { body: 'hi' });
    expect((await mallory.request(asPsa, { signAs: { user: 'mallory', password: USERS.mallory } })).status).toBe(403);
    expect(messagesTo(alice)).toHaveLength(0);
  });
});
