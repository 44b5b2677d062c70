import { describe, expect, it } from 'vitest';
import type { ReceiverEntry, TargetSpec, TerminalEntry } from '../types.ts';
import { DEFAULT_MAX_TARGETS, addressFor, instanceAcceptContact, resolveTargets, validateTargets } from './targets.ts';

const APP = 'news.ua';
const APP_AC = '*;+g.oma.pusheventapp="news.ua";require;explicit';
const U1 = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const U2 = 'urn:uuid:00000000-0000-4000-8000-000000000002';
const U3 = 'urn:uuid:00000000-0000-4000-8000-000000000003';
const ALICE = 'sip:alice@example.com';
const BOB = 'sip:bob@example.com';
const GRUU1 = `${ALICE};gr=${U1}`;
const BOB_SPEC: TargetSpec = { aor: BOB, terminals: 'app' };

function terminal(overrides: Partial<TerminalEntry>): TerminalEntry {
  return {
    key: 'contact:sip:x@h.invalid',
    contact: 'sip:x@h.invalid;transport=ws',
    instanceId: null,
    pubGruu: null,
    expiresAt: null,
    pushApps: null,
    appsSource: null,
    uaprofUrl: null,
    capabilities: null,
    ...overrides,
  };
}

/** Alice: one browser with the app and a GRUU, one with another app and no GRUU, one whose apps are unknown. */
const withApp = terminal({ key: `instance:${U1}`, instanceId: U1, pubGruu: GRUU1, pushApps: ['news.ua'] });
const otherApp = terminal({ key: `instance:${U2}`, instanceId: U2, pushApps: ['mms.ua'] });
const unknownApps = terminal({ key: `instance:${U3}`, instanceId: U3, pushApps: null });
const bare = terminal({ key: 'contact:sip:c@h.invalid', contact: 'sip:c@h.invalid', pushApps: ['news.ua'] });

function entry(aor: string, terminals: TerminalEntry[], subscription: ReceiverEntry['subscription'] = 'active'): ReceiverEntry {
  return { aor, subscription, terminals, updatedAt: 0 };
}

/** Addresses without their directory terminal (checked on their own below). */
function plain<T extends object>(value: T | T[]): unknown {
  const strip = (v: T) => {
    const { terminal: _terminal, ...rest } = v as T & { terminal?: unknown };
    return rest;
  };
  return Array.isArray(value) ? value.map(strip) : strip(value);
}

function directoryOf(...entries: ReceiverEntry[]) {
  const map = new Map(entries.map((e) => [e.aor, e]));
  return { get: (aor: string) => map.get(aor), list: () => [...map.values()] };
}

describe('validateTargets', () => {
  it.each<[unknown, TargetSpec[]]>([
    ['sip:alice@example.com', [{ aor: ALICE }]],
    [' sip:alice@EXAMPLE.com;transport=ws ', [{ aor: ALICE }]],
    ['sips:alice@example.com:5061', [{ aor: 'sips:alice@example.com:5061' }]],
    [{ aor: ALICE }, [{ aor: ALICE }]],
    [{ aor: ALICE, terminals: 'all' }, [{ aor: ALICE, terminals: 'all' }]],
    [{ aor: ALICE, terminals: 'app' }, [{ aor: ALICE, terminals: 'app' }]],
    [{ aor: ALICE, instance: U1.toUpperCase().replace('URN:UUID', 'urn:uuid') }, [{ aor: ALICE, instance: U1 }]],
    [{ aor: ALICE, instance: `<${U1}>` }, [{ aor: ALICE, instance: U1 }]],
    [{ gruu: GRUU1 }, [{ gruu: GRUU1 }]],
    [[ALICE, { gruu: GRUU1 }], [{ aor: ALICE }, { gruu: GRUU1 }]],
  ])('takes %j', (input, expected) => {
    expect(validateTargets(input)).toEqual(expected);
  });

  it.each<[unknown, string, RegExp, string?]>([
    [[], 'targets', /must list at least one target/],
    ['alice', 'targets', /is not a SIP URI: "alice"; write it as sip:user@domain/],
    ['sip:example.com', 'targets', /must name a user/],
    ['sip:alice@example.com?subject=x', 'targets', /must not carry \?headers/],
    [42, 'targets', /must be a SIP URI string or an object/],
    [[ALICE, { gruu: 'mailto:x@y' }], 'targets[1].gruu', /is not a SIP URI/],
    [[ALICE, { gruu: 'sip:example.com;gr' }], 'targets[1].gruu', /must be a GRUU/],
    [[{ gruu: GRUU1, aor: ALICE }], 'targets[0]', /with gruu takes no other field/],
    [[{ aor: ALICE, instance: 'abc' }], 'targets[0].instance', /must be an instance ID urn:uuid:/],
    [[{ aor: ALICE, instance: 7 }], 'targets[0].instance', /must be an instance ID/],
    [[{ aor: ALICE, instance: U1, terminals: 'all' }], 'targets[0].terminals', /cannot be combined with instance/],
    [[{ aor: ALICE, terminals: 'some' }], 'targets[0].terminals', /must be app or all, got "some"/],
    [[{ instance: U1 }], 'targets[0].aor', /is required \(or give gruu\)/],
    [[{ aor: ALICE, color: 'red' }], 'targets[0].color', /is not a target field/],
    [[{ aor: `sip:${'a'.repeat(1100)}@x` }], 'targets[0].aor', /at most 1024/],
    [{ aor: 'bad' }, 'target.aor', /is not a SIP URI/, 'target'],
  ])('refuses %j naming %s', (input, field, message, prefix) => {
    let error: unknown;
    try {
      validateTargets(input, prefix);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'PSA_ERR_INPUT', field });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(field)).toBe(true);
  });

  it(`takes ${DEFAULT_MAX_TARGETS} targets and refuses one more (maxTargets)`, () => {
    const many = Array.from({ length: DEFAULT_MAX_TARGETS }, (_, i) => `sip:u${i}@example.com`);
    expect(validateTargets(many)).toHaveLength(DEFAULT_MAX_TARGETS);
    expect(() => validateTargets([...many, ALICE])).toThrow(/lists 1001 targets; at most 1000/);
    expect(() => validateTargets([ALICE, BOB, ALICE], 'targets', 2)).toThrow(/at most 2/);
  });
});

describe('resolveTargets: the table of targets.ts', () => {
  const directory = directoryOf(entry(ALICE, [withApp, otherApp, unknownApps]), entry(BOB, []));
  const resolve = (specs: TargetSpec[], app = APP) => resolveTargets(specs, app, directory.get);

  it('{aor} (app): only the terminals that announced the app, by GRUU', () => {
    const r = resolve([{ aor: ALICE }]);
    expect(plain(r.addresses)).toEqual([{ key: `instance:${U1}`, aor: ALICE, requestUri: GRUU1, acceptContact: [APP_AC] }]);
    expect(r.refused).toEqual([]);
    expect(r.keys).toEqual([`instance:${U1}`]);
    expect(r.aors).toEqual([ALICE]);
    expect(r.aorOf).toEqual({ [`instance:${U1}`]: ALICE });
  });

  it('{aor} (app) where no terminal announced it: the AoR key with the app predicate', () => {
    expect(plain(resolve([{ aor: ALICE }], 'other.ua').addresses)).toEqual([
      { key: `aor:${ALICE}`, aor: ALICE, requestUri: ALICE, acceptContact: ['*;+g.oma.pusheventapp="other.ua";require;explicit'] },
    ]);
  });

  it('{aor} of an AoR with no terminals, or unknown to the directory: the AoR key', () => {
    expect(resolve([{ aor: BOB }]).keys).toEqual([`aor:${BOB}`]);
    expect(plain(resolve([{ aor: 'sip:carol@example.com', terminals: 'all' }]).addresses)).toEqual([
      { key: 'aor:sip:carol@example.com', aor: 'sip:carol@example.com', requestUri: 'sip:carol@example.com', acceptContact: [APP_AC] },
    ]);
  });

  it('{aor, terminals: all}: every terminal; those whose known apps lack the app refused at once', () => {
    const r = resolve([{ aor: ALICE, terminals: 'all' }]);
    expect(plain(r.addresses)).toEqual([
      { key: `instance:${U1}`, aor: ALICE, requestUri: GRUU1, acceptContact: [APP_AC] },
      { key: `instance:${U3}`, aor: ALICE, requestUri: ALICE, acceptContact: [APP_AC, instanceAcceptContact(U3)] },
    ]);
    expect(r.refused).toEqual([{ key: `instance:${U2}`, aor: ALICE, reason: 'does not announce app news.ua (announces mms.ua)' }]);
    expect(r.keys).toEqual([`instance:${U1}`, `instance:${U3}`, `instance:${U2}`]);
  });

  it('{aor, instance}: known by GRUU; known without GRUU; unknown', () => {
    expect(plain(resolve([{ aor: ALICE, instance: U1 }]).addresses)).toEqual([{ key: `instance:${U1}`, aor: ALICE, requestUri: GRUU1, acceptContact: [APP_AC] }]);
    expect(plain(resolve([{ aor: ALICE, instance: U2 }]).addresses)).toEqual([
      { key: `instance:${U2}`, aor: ALICE, requestUri: ALICE, acceptContact: [APP_AC, `*;+sip.instance="<${U2}>";require;explicit`] },
    ]);
    const U9 = 'urn:uuid:00000000-0000-4000-8000-000000000009';
    expect(plain(resolve([{ aor: BOB, instance: U9 }]).addresses)).toEqual([
      { key: `instance:${U9}`, aor: BOB, requestUri: BOB, acceptContact: [APP_AC, `*;+sip.instance="<${U9}>";require;explicit`] },
    ]);
  });

  it('{gruu}: the known terminal keeps its instance key; an unknown GRUU is its own key, its AoR watched', () => {
    expect(plain(resolve([{ gruu: GRUU1 }]).addresses)).toEqual([{ key: `instance:${U1}`, aor: ALICE, requestUri: GRUU1, acceptContact: [APP_AC] }]);
    const other = `${BOB};gr=${U3}`;
    const r = resolve([{ gruu: other }]);
    expect(plain(r.addresses)).toEqual([{ key: `gruu:${other}`, aor: BOB, requestUri: other, acceptContact: [APP_AC] }]);
    expect(r.aors).toEqual([BOB]);
  });

  it('a contact with neither instance nor GRUU: its key, addressed to the AoR', () => {
    const r = resolveTargets([{ aor: ALICE }], APP, directoryOf(entry(ALICE, [bare])).get);
    expect(plain(r.addresses)).toEqual([{ key: bare.key, aor: ALICE, requestUri: ALICE, acceptContact: [APP_AC] }]);
  });

  it('dedupes keys across a list: the first target wins', () => {
    const r = resolve([{ aor: ALICE }, { gruu: GRUU1 }, { aor: ALICE, instance: U1 }, { aor: ALICE, terminals: 'all' }, { aor: BOB }, BOB_SPEC]);
    expect(r.keys).toEqual([`instance:${U1}`, `instance:${U3}`, `aor:${BOB}`, `instance:${U2}`]);
    expect(r.aors).toEqual([ALICE, BOB]);
    expect(new Set(r.keys).size).toBe(r.keys.length);
  });

  it('each address carries the directory terminal behind it, null when none is known', () => {
    const r = resolve([{ aor: ALICE, terminals: 'all' }, { aor: BOB }, { aor: BOB, instance: 'urn:uuid:00000000-0000-4000-8000-000000000009' }]);
    expect(r.addresses.map((a) => a.terminal)).toEqual([withApp, unknownApps, null, null]);
    const decision = addressFor(`instance:${U1}`, APP, directory, ALICE);
    expect(decision.kind === 'send' && decision.terminal).toBe(withApp);
  });

  it('refuses a bad app ID naming the field', () => {
    expect(() => resolve([{ aor: ALICE }], 'bad app')).toThrow(expect.objectContaining({ code: 'PSA_ERR_INPUT', field: 'app' }));
  });
});

describe('addressFor: at send time', () => {
  it('aor key: sent to the AoR; no-contact when the active subscription shows none, or none with the app', () => {
    expect(plain(addressFor(`aor:${ALICE}`, APP, directoryOf()))).toEqual({ kind: 'send', key: `aor:${ALICE}`, aor: ALICE, requestUri: ALICE, acceptContact: [APP_AC] });
    expect(addressFor(`aor:${BOB}`, APP, directoryOf(entry(BOB, [])))).toEqual({ kind: 'no-contact', reason: `no contact registered at ${BOB}` });
    expect(addressFor(`aor:${BOB}`, APP, directoryOf(entry(BOB, [otherApp])))).toEqual({ kind: 'no-contact', reason: `no terminal registered at ${BOB} announces app news.ua` });
    expect(addressFor(`aor:${BOB}`, APP, directoryOf(entry(BOB, [unknownApps])))).toMatchObject({ kind: 'send', requestUri: BOB });
    // A pending or failed subscription says nothing: the core decides.
    expect(addressFor(`aor:${BOB}`, APP, directoryOf(entry(BOB, [], 'pending')))).toMatchObject({ kind: 'send' });
    expect(addressFor(`aor:${BOB}`, APP, directoryOf(entry(BOB, [], 'failed')))).toMatchObject({ kind: 'send' });
  });

  it('instance key: the GRUU learnt since the submit is used', () => {
    const before = resolveTargets([{ aor: ALICE, instance: U2 }], APP, directoryOf().get);
    expect(before.addresses[0]!.requestUri).toBe(ALICE);
    const learnt = terminal({ key: `instance:${U2}`, instanceId: U2, pubGruu: `${ALICE};gr=${U2}`, pushApps: ['news.ua'] });
    expect(plain(addressFor(`instance:${U2}`, APP, directoryOf(entry(ALICE, [learnt])), before.aorOf[`instance:${U2}`]))).toEqual({
      kind: 'send',
      key: `instance:${U2}`,
      aor: ALICE,
      requestUri: `${ALICE};gr=${U2}`,
      acceptContact: [APP_AC],
    });
    // Without the AoR hint the directory is searched.
    expect(addressFor(`instance:${U2}`, APP, directoryOf(entry(ALICE, [learnt])))).toMatchObject({ kind: 'send', aor: ALICE });
  });

  it('instance key: refused when its apps are known and lack the app; no-contact when not registered at a watched AoR; else by AoR', () => {
    expect(addressFor(`instance:${U2}`, APP, directoryOf(entry(ALICE, [otherApp])), ALICE)).toEqual({ kind: 'refused', reason: 'does not announce app news.ua (announces mms.ua)' });
    expect(addressFor(`instance:${U2}`, APP, directoryOf(entry(ALICE, [withApp])), ALICE)).toEqual({ kind: 'no-contact', reason: `terminal ${U2} is not registered at ${ALICE}` });
    expect(plain(addressFor(`instance:${U2}`, APP, directoryOf(entry(ALICE, [], 'pending')), ALICE))).toEqual({
      kind: 'send',
      key: `instance:${U2}`,
      aor: ALICE,
      requestUri: ALICE,
      acceptContact: [APP_AC, instanceAcceptContact(U2)],
    });
    expect(addressFor(`instance:${U2}`, APP, directoryOf())).toEqual({ kind: 'no-contact', reason: `no registered terminal has instance ${U2}` });
  });

  it('gruu key: the GRUU, whether or not the directory lists it', () => {
    const other = `${BOB};gr=${U3}`;
    expect(plain(addressFor(`gruu:${other}`, APP, directoryOf()))).toEqual({ kind: 'send', key: `gruu:${other}`, aor: BOB, requestUri: other, acceptContact: [APP_AC] });
    const listed = terminal({ key: `gruu:${other}`, pubGruu: other, pushApps: ['mms.ua'] });
    expect(addressFor(`gruu:${other}`, APP, directoryOf(entry(BOB, [listed])))).toMatchObject({ kind: 'refused' });
  });

  it('contact key: the AoR while the contact is registered, no-contact after', () => {
    expect(plain(addressFor(bare.key, APP, directoryOf(entry(ALICE, [bare])), ALICE))).toEqual({ kind: 'send', key: bare.key, aor: ALICE, requestUri: ALICE, acceptContact: [APP_AC] });
    expect(addressFor(bare.key, APP, directoryOf(entry(ALICE, [])), ALICE)).toEqual({ kind: 'no-contact', reason: 'contact sip:c@h.invalid is no longer registered' });
  });

  it('an unknown key kind is an input error', () => {
    expect(() => addressFor('phone:123', APP, directoryOf())).toThrow(/Unknown delivery key "phone:123"/);
  });
});
