import { describe, expect, it } from 'vitest';
import type { ReceiverCapabilities } from '../types.ts';
import { DEFAULT_REPORT_OVERHEAD_BYTES, DEFAULT_SIP_OVERHEAD_BYTES, messageLimit, selectMode, type ModeDecision, type ModeSelectionInput } from './modeSelection.ts';

const CORE = 65_535;
const DEFAULT_MAX = 60_000;
/** The core's room for content: 65535 - 3072 = 62463; with a report 60415. */
const CORE_ROOM = CORE - DEFAULT_SIP_OVERHEAD_BYTES;
const CORE_ROOM_REPORT = CORE_ROOM - DEFAULT_REPORT_OVERHEAD_BYTES;

const browser: ReceiverCapabilities = { acceptTypes: ['text/plain', 'application/json', 'image/*'], maxMessageBytes: 61_440, pushApps: ['news.ua', 'mms.ua'] };
const anything: ReceiverCapabilities = { acceptTypes: ['*/*'], maxMessageBytes: 1000, pushApps: ['*'] };
const silent: ReceiverCapabilities = { acceptTypes: [], maxMessageBytes: null, pushApps: [] };
const huge: ReceiverCapabilities = { acceptTypes: ['*/*'], maxMessageBytes: 1_000_000, pushApps: [] };

function input(overrides: Partial<ModeSelectionInput>): ModeSelectionInput {
  return {
    mode: 'auto',
    contentSize: 10,
    contentType: 'text/plain',
    app: 'news.ua',
    reportRequested: false,
    capabilities: null,
    pushApps: null,
    coreMaxMessageBytes: CORE,
    defaultMessageMax: DEFAULT_MAX,
    ...overrides,
  };
}

type Expected = { mode: 'message' | 'msrp'; limit: number } | { refused: 'app' | 'contentType' | 'mode'; reason: RegExp };

describe('selectMode: the table of modeSelection.ts', () => {
  it.each<{ name: string; row: number; given: Partial<ModeSelectionInput>; expected: Expected }>([
    // Row 1: announced apps known, the app missing (case-insensitive match otherwise).
    { name: 'announced apps lack the app', row: 1, given: { pushApps: ['mms.ua'] }, expected: { refused: 'app', reason: /does not announce push app news\.ua \(announces mms\.ua\)/ } },
    { name: 'announced nothing at all', row: 1, given: { pushApps: [] }, expected: { refused: 'app', reason: /\(announces none\)/ } },
    { name: 'announced apps win over a UAProf that lists the app', row: 1, given: { pushApps: ['mms.ua'], capabilities: browser }, expected: { refused: 'app', reason: /does not announce/ } },
    { name: 'announced app in another case', row: 7, given: { pushApps: ['NEWS.UA'] }, expected: { mode: 'message', limit: DEFAULT_MAX } },
    // Row 2: announced apps unknown, the UAProf's app list decides.
    { name: 'UAProf lists other apps', row: 2, given: { capabilities: { ...browser, pushApps: ['mms.ua'] } }, expected: { refused: 'app', reason: /UAProf of the terminal does not list push app news\.ua \(lists mms\.ua\)/ } },
    { name: 'UAProf app list has *', row: 7, given: { capabilities: anything, contentSize: 1000 }, expected: { mode: 'message', limit: 1000 } },
    { name: 'UAProf app list empty: not advertised', row: 7, given: { capabilities: silent }, expected: { mode: 'message', limit: DEFAULT_MAX } },
    { name: 'announced apps known: the UAProf list is not consulted', row: 7, given: { pushApps: ['news.ua'], capabilities: { ...browser, pushApps: ['mms.ua'] } }, expected: { mode: 'message', limit: 61_440 } },
    // Row 3: content type.
    { name: 'type not accepted', row: 3, given: { capabilities: browser, contentType: 'video/mp4' }, expected: { refused: 'contentType', reason: /does not accept content type video\/mp4 \(accepts text\/plain, application\/json, image\/\*\)/ } },
    { name: 'type accepted by a type/* wildcard', row: 7, given: { capabilities: browser, contentType: 'image/png' }, expected: { mode: 'message', limit: 61_440 } },
    { name: 'type accepted by */*', row: 7, given: { capabilities: anything, contentType: 'video/mp4', contentSize: 5 }, expected: { mode: 'message', limit: 1000 } },
    { name: 'type parameters ignored', row: 7, given: { capabilities: browser, contentType: 'text/plain; charset=utf-8' }, expected: { mode: 'message', limit: 61_440 } },
    { name: 'type not accepted even in mode msrp', row: 3, given: { capabilities: browser, contentType: 'video/mp4', mode: 'msrp' }, expected: { refused: 'contentType', reason: /video\/mp4/ } },
    { name: 'empty Push-Accept: not advertised', row: 7, given: { capabilities: silent, contentType: 'video/mp4' }, expected: { mode: 'message', limit: DEFAULT_MAX } },
    // Row 4: msrp asked for.
    { name: 'msrp asked for, small content', row: 4, given: { mode: 'msrp', contentSize: 1 }, expected: { mode: 'msrp', limit: DEFAULT_MAX } },
    // Rows 5 and 6: message asked for.
    { name: 'message asked for, at the default receiver limit', row: 5, given: { mode: 'message', contentSize: DEFAULT_MAX }, expected: { mode: 'message', limit: DEFAULT_MAX } },
    { name: 'message asked for, one byte above the default receiver limit', row: 6, given: { mode: 'message', contentSize: DEFAULT_MAX + 1 }, expected: { refused: 'mode', reason: /too large for a MESSAGE: 60001 bytes of content exceed 60000 \(the default receiver limit 60000 \(no Push-MsgSize known\)\); use mode auto or msrp/ } },
    { name: 'message asked for, above the advertised limit', row: 6, given: { mode: 'message', capabilities: browser, contentSize: 61_441 }, expected: { refused: 'mode', reason: /exceed 61440 \(the receiver's advertised Push-MsgSize 61440\)/ } },
    { name: 'message asked for, above the core limit', row: 6, given: { mode: 'message', capabilities: huge, contentSize: CORE_ROOM + 1 }, expected: { refused: 'mode', reason: /the core's 65535-byte message limit less 3072 for SIP headers\)/ } },
    // Rows 7 and 8: auto, by size, at each limit.
    { name: 'auto, unknown terminal, at the default limit', row: 7, given: { contentSize: DEFAULT_MAX }, expected: { mode: 'message', limit: DEFAULT_MAX } },
    { name: 'auto, unknown terminal, one above the default limit', row: 8, given: { contentSize: DEFAULT_MAX + 1 }, expected: { mode: 'msrp', limit: DEFAULT_MAX } },
    { name: 'auto, at the advertised limit', row: 7, given: { capabilities: browser, contentSize: 61_440 }, expected: { mode: 'message', limit: 61_440 } },
    { name: 'auto, one above the advertised limit', row: 8, given: { capabilities: browser, contentSize: 61_441 }, expected: { mode: 'msrp', limit: 61_440 } },
    { name: 'auto, advertised limit above the core: at the core room', row: 7, given: { capabilities: huge, contentSize: CORE_ROOM }, expected: { mode: 'message', limit: CORE_ROOM } },
    { name: 'auto, advertised limit above the core: one above the core room', row: 8, given: { capabilities: huge, contentSize: CORE_ROOM + 1 }, expected: { mode: 'msrp', limit: CORE_ROOM } },
    { name: 'auto, report requested: at the core room less the CPIM wrapper', row: 7, given: { capabilities: huge, reportRequested: true, contentSize: CORE_ROOM_REPORT }, expected: { mode: 'message', limit: CORE_ROOM_REPORT } },
    { name: 'auto, report requested: one above it', row: 8, given: { capabilities: huge, reportRequested: true, contentSize: CORE_ROOM_REPORT + 1 }, expected: { mode: 'msrp', limit: CORE_ROOM_REPORT } },
    { name: 'auto, report requested, receiver limit below the core room: the CPIM wrapper does not count', row: 7, given: { capabilities: { ...browser, maxMessageBytes: 50_000 }, reportRequested: true, contentSize: 50_000 }, expected: { mode: 'message', limit: 50_000 } },
    { name: 'auto, report requested, the browser\'s 61440 above the core room less the wrapper: MSRP', row: 8, given: { capabilities: browser, reportRequested: true, contentSize: 61_440 }, expected: { mode: 'msrp', limit: CORE_ROOM_REPORT } },
    { name: 'auto, a small core: its room decides', row: 8, given: { coreMaxMessageBytes: 4096, contentSize: 4096 - 3072 + 1 }, expected: { mode: 'msrp', limit: 1024 } },
    { name: 'auto, named overheads: sipOverheadBytes and reportOverheadBytes', row: 7, given: { coreMaxMessageBytes: 1000, sipOverheadBytes: 100, reportOverheadBytes: 200, reportRequested: true, contentSize: 700 }, expected: { mode: 'message', limit: 700 } },
    { name: 'auto, named overheads: one above', row: 8, given: { coreMaxMessageBytes: 1000, sipOverheadBytes: 100, reportOverheadBytes: 200, reportRequested: true, contentSize: 701 }, expected: { mode: 'msrp', limit: 700 } },
    { name: 'auto, empty content', row: 7, given: { contentSize: 0 }, expected: { mode: 'message', limit: DEFAULT_MAX } },
  ])('row $row: $name', ({ given, expected }) => {
    const decision: ModeDecision = selectMode(input(given));
    if ('refused' in expected) {
      expect(decision).toMatchObject({ refused: 'capabilities', field: expected.refused });
      expect('reason' in decision && decision.reason).toMatch(expected.reason);
    } else {
      expect(decision).toMatchObject({ mode: expected.mode, messageLimit: expected.limit });
    }
  });

  it('names the terminal in a refusal when given a label', () => {
    const decision = selectMode(input({ pushApps: [], label: 'instance:urn:uuid:1' }));
    expect(decision).toMatchObject({ reason: expect.stringContaining('capabilities mismatch: instance:urn:uuid:1 does not announce') });
  });

  it('says why in one line', () => {
    expect(selectMode(input({ contentSize: 70_000 }))).toMatchObject({ why: '70000 bytes exceed 60000 (the default receiver limit 60000 (no Push-MsgSize known))' });
  });

  it.each<[Partial<ModeSelectionInput>, string]>([
    [{ mode: 'fast' as never }, 'mode'],
    [{ contentSize: -1 }, 'contentSize'],
    [{ contentSize: 1.5 }, 'contentSize'],
    [{ coreMaxMessageBytes: Number.NaN }, 'coreMaxMessageBytes'],
    [{ defaultMessageMax: -5 }, 'defaultMessageMax'],
    [{ sipOverheadBytes: -1 }, 'sipOverheadBytes'],
    [{ reportRequested: true, reportOverheadBytes: 0.5 }, 'reportOverheadBytes'],
  ])('refuses a bad input %j naming the field', (given, field) => {
    expect(() => selectMode(input(given))).toThrow(expect.objectContaining({ code: 'PSA_ERR_INPUT', field }));
  });

  it('messageLimit alone', () => {
    expect(messageLimit({ reportRequested: false, capabilities: null, coreMaxMessageBytes: CORE, defaultMessageMax: DEFAULT_MAX })).toEqual({ bytes: DEFAULT_MAX, by: 'the default receiver limit 60000 (no Push-MsgSize known)' });
    expect(messageLimit({ reportRequested: true, capabilities: null, coreMaxMessageBytes: 100, defaultMessageMax: DEFAULT_MAX }).bytes).toBe(0);
  });
});
