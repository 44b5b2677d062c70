/**
 * Valid SIP and MSRP messages for the fuzz suites (fuzz.ts mutates them): the shapes this
 * project sends and receives (REGISTER with feature tags, MESSAGE pushes, INVITE with a body,
 * in-dialog requests, responses; MSRP SEND chunks, REPORTs, responses, other methods), with
 * the header spellings a peer may use (compact forms, any case) and bodies full of CR, LF and
 * dashes. Generated as models, so a suite can check the round trip parse(serialize(m)) = m.
 *
 * Identifiers a live peer must make unique (branch, tags, Call-ID) carry FUZZ_ID, and the
 * receiver's MSRP URI is RECEIVER_URI: a suite replaces them before sending (replaceAll).
 */
import fc from 'fast-check';
import { endLineOccursIn, serializeRequest, serializeResponse, type ByteRange, type MsrpFlag, type MsrpRequestInit, type MsrpResponseInit } from '../../src/protocol/msrp/index.ts';
import { encodeUtf8, serializeSipMessage, type SipHeader, type SipMessage, type SipRequest, type SipResponse } from '../../src/protocol/sip/index.ts';

/** Placeholder of the identifiers a suite makes unique per input. */
export const FUZZ_ID = 'FZID';

export type SipTransportName = 'UDP' | 'TCP' | 'WS';

const USERS = ['alice', 'bob', 'nobody', 'psa'];
const METHODS = ['MESSAGE', 'INVITE', 'OPTIONS', 'REGISTER', 'BYE', 'CANCEL', 'ACK', 'SUBSCRIBE', 'NOTIFY', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'PUBLISH', 'FOO'];

/** A header name as a peer may write it: as usual, in another case, or its compact form. */
function spelled(name: string, compact: string | undefined): fc.Arbitrary<string> {
  const forms = [name, name.toLowerCase(), name.toUpperCase()];
  if (compact) forms.push(compact);
  return fc.constantFrom(...forms);
}

/** Texts with multi-byte UTF-8 and line ends in them (bodies are bytes: anything goes). */
const TEXTS = ['hello', 'h\u00e9llo \u2603\r\n\r\nstill the body', '\ud83d\udce8 push', 'a\r\nb: c\r\n'];

const sipBody = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constantFrom(...TEXTS).map(encodeUtf8),
  fc.uint8Array({ maxLength: 80 }),
  fc.array(fc.constantFrom(13, 10, 45, 58, 0, 0xff, 97), { maxLength: 80 }).map((a) => Uint8Array.from(a)),
);

const displayName = fc.constantFrom('', '"PSA" ', '"a, b" ', 'Alice ', '"\\"quoted\\"" ');

/** A valid request of one of METHODS over `transport`, to a user of `domain` or the core itself. */
export function sipRequestArb(transport: SipTransportName, domain = 'localhost'): fc.Arbitrary<SipRequest> {
  return fc
    .record({
      method: fc.constantFrom(...METHODS),
      user: fc.constantFrom(...USERS),
      toCore: fc.boolean(),
      uriParams: fc.constantFrom('', ';transport=ws', ';user=phone', ';lr'),
      via: spelled('Via', 'v'),
      from: spelled('From', 'f'),
      to: spelled('To', 't'),
      callId: spelled('Call-ID', 'i'),
      display: displayName,
      fromHost: fc.constantFrom(domain, 'psa.invalid'),
      auth: fc.option(fc.constantFrom('Authorization', 'Proxy-Authorization'), { nil: undefined }),
      toTag: fc.boolean(),
      rport: fc.boolean(),
      secondVia: fc.boolean(),
      maxForwards: fc.option(fc.integer({ min: 0, max: 70 }), { nil: undefined }),
      cseq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      expires: fc.option(fc.integer({ min: 0, max: 7200 }), { nil: undefined }),
      pushApp: fc.option(fc.constantFrom('news.ua', 'files.ua', 'x"y'), { nil: undefined }),
      extra: fc.subarray([
        { name: 'Supported', value: 'path, gruu, outbound' },
        { name: 'User-Agent', value: 'fuzz/1.0 (\u00e9t\u00e9)' },
        { name: 'Subject', value: 'hello, world' },
        { name: 'Allow', value: 'INVITE, ACK, MESSAGE' },
        { name: 'X-Empty', value: '' },
        { name: 'Event', value: 'reg' },
      ]),
      contentType: fc.constantFrom('text/plain;charset=utf-8', 'application/sdp', 'application/vnd.oma.push', 'message/cpim'),
      body: sipBody,
    })
    .map((r): SipRequest => {
      const target = r.method === 'REGISTER' || (r.toCore && r.method === 'OPTIONS') ? `sip:${domain}` : `sip:${r.user}@${domain}${r.uriParams}`;
      const headers: SipHeader[] = [{ name: r.via, value: `SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK${FUZZ_ID}${r.rport ? ';rport' : ''}` }];
      if (r.secondVia) headers.push({ name: 'Via', value: `SIP/2.0/UDP psa.invalid:5070;branch=z9hG4bKdown${FUZZ_ID}` });
      if (r.maxForwards !== undefined) headers.push({ name: 'Max-Forwards', value: String(r.maxForwards) });
      headers.push(
        { name: r.from, value: `${r.display}<sip:psa@${r.fromHost}>;tag=f${FUZZ_ID}` },
        { name: r.to, value: `<${r.method === 'REGISTER' ? `sip:${r.user}@${domain}` : target}>${r.toTag ? `;tag=t${FUZZ_ID}` : ''}` },
        { name: r.callId, value: `${FUZZ_ID}@fuzz.invalid` },
        { name: 'CSeq', value: `${r.cseq} ${r.method}` },
      );
      if (r.method === 'REGISTER' || r.method === 'INVITE' || r.method === 'SUBSCRIBE') {
        const tag = r.pushApp === undefined ? '' : `;+g.oma.pusheventapp="${r.pushApp}"`;
        headers.push({ name: 'Contact', value: `<sip:${r.user}@127.0.0.1:5999;transport=${transport.toLowerCase()}>${tag}` });
      }
      if (r.expires !== undefined && (r.method === 'REGISTER' || r.method === 'SUBSCRIBE')) headers.push({ name: 'Expires', value: String(r.expires) });
      if (r.pushApp !== undefined && r.method !== 'REGISTER') headers.push({ name: 'Accept-Contact', value: `*;+g.oma.pusheventapp="${r.pushApp}";require;explicit` });
      if (r.auth !== undefined) {
        // Credentials that parse but never verify: the digest code reads them, nobody gets in.
        headers.push({ name: r.auth, value: `Digest username="psa", realm="${domain}", nonce="${FUZZ_ID}n0nce", uri="${target}", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"` });
      }
      headers.push(...r.extra);
      const body = r.method === 'MESSAGE' || r.method === 'INVITE' || r.method === 'NOTIFY' ? r.body : new Uint8Array(0);
      if (body.length > 0) headers.push({ name: 'Content-Type', value: r.contentType });
      return { kind: 'request', method: r.method, uri: target, headers, body };
    });
}

/** A valid response, as a callee would send back through the core. */
export function sipResponseArb(transport: SipTransportName, domain = 'localhost'): fc.Arbitrary<SipResponse> {
  return fc
    .record({
      status: fc.constantFrom(100, 180, 200, 202, 401, 404, 408, 486, 487, 500, 603, 699),
      reason: fc.constantFrom('OK', '', 'Not Found', 'Busy Here (\u00e9)', 'x'),
      method: fc.constantFrom(...METHODS),
      cseq: fc.integer({ min: 1, max: 1000 }),
      body: sipBody,
    })
    .map((r): SipResponse => ({
      kind: 'response',
      status: r.status,
      reason: r.reason,
      headers: [
        { name: 'Via', value: `SIP/2.0/${transport} 127.0.0.1:5999;branch=z9hG4bK${FUZZ_ID}` },
        { name: 'From', value: `<sip:psa@${domain}>;tag=f${FUZZ_ID}` },
        { name: 'To', value: `<sip:alice@${domain}>;tag=t${FUZZ_ID}` },
        { name: 'Call-ID', value: `${FUZZ_ID}@fuzz.invalid` },
        { name: 'CSeq', value: `${r.cseq} ${r.method}` },
      ],
      body: r.body,
    }));
}

/** Requests (mostly) and responses. */
export function sipMessageArb(transport: SipTransportName, domain = 'localhost'): fc.Arbitrary<SipMessage> {
  return fc.oneof({ weight: 5, arbitrary: sipRequestArb(transport, domain) }, { weight: 1, arbitrary: sipResponseArb(transport, domain) });
}

/** Serialized valid SIP messages (Content-Length written). */
export function sipBytesArb(transport: SipTransportName, domain = 'localhost'): fc.Arbitrary<Uint8Array> {
  return sipMessageArb(transport, domain).map(serializeSipMessage);
}

/** Lines SIP soup is made of. */
export const SIP_VOCABULARY: readonly string[] = [
  'INVITE sip:alice@localhost SIP/2.0',
  'MESSAGE sip:alice@localhost SIP/2.0',
  'OPTIONS sip:localhost SIP/2.0',
  'ACK sip:alice@localhost SIP/2.0',
  'SIP/2.0 200 OK',
  'SIP/3.0 200 OK',
  'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKsoup',
  'v: SIP/2.0/TCP 127.0.0.1;rport',
  'From: <sip:psa@localhost>;tag=a',
  'To: <sip:alice@localhost>',
  'Call-ID: soup@fuzz',
  'CSeq: 1 MESSAGE',
  'Max-Forwards: 70',
  'Content-Length: 5',
  'l: 99999999',
  'Content-Type: text/plain',
  ' folded',
  '',
  ':',
  'hello',
];

// ---- MSRP ----------------------------------------------------------------------------------

/** The receiver's MSRP URI in generated messages; a suite puts the real one in (replaceAll). */
export const RECEIVER_URI = 'msrp://fzrx.invalid:2855/FZRXSESSION;ws';
/** The sender's a=path in generated messages. */
export const SENDER_URI = 'msrp://127.0.0.1:9/fzSenderSess;ws';

const ident = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.\-+%=]{3,15}$/);
/** Bodies that tempt the end-line: CR, LF, dashes and flags. */
const msrpBody = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.constantFrom(13, 10, 45, 36, 43, 35, 97), { maxLength: 200 }).map((a) => Uint8Array.from(a)),
  fc.constantFrom(...TEXTS).map(encodeUtf8),
);

function rangeOf(start: number, length: number, total: 'exact' | 'more' | 'unknown'): ByteRange {
  const end = start + length - 1;
  return { start, end, total: total === 'unknown' ? '*' : total === 'more' ? end + 100 : end };
}

/** A valid MSRP message from the sender (SEND chunks mostly) to the receiver, serialized. */
export function msrpBytesArb(toPath: readonly string[] = [RECEIVER_URI], fromPath: readonly string[] = [SENDER_URI]): fc.Arbitrary<Uint8Array> {
  const send = fc
    .record(
      {
        transactionId: ident,
        messageId: ident,
        start: fc.integer({ min: 1, max: 5000 }),
        total: fc.constantFrom('exact' as const, 'more' as const, 'unknown' as const),
        contentType: fc.constantFrom('application/octet-stream', 'text/plain', 'text/html', 'message/cpim'),
        successReport: fc.constantFrom('yes' as const, 'no' as const),
        failureReport: fc.constantFrom('yes' as const, 'no' as const, 'partial' as const),
        flag: fc.constantFrom<MsrpFlag>('$', '$', '+', '#'),
        body: msrpBody,
        extra: fc.subarray([{ name: 'X-Fuzz', value: 'yes' }, { name: 'Use-Nickname', value: '"n\u00e9"' }]),
      },
      { requiredKeys: ['transactionId', 'messageId', 'start', 'total', 'flag', 'body', 'contentType', 'extra'] },
    )
    .filter((r) => !endLineOccursIn(r.body, r.transactionId))
    .map((r) => {
      const init: MsrpRequestInit = {
        method: 'SEND',
        transactionId: r.transactionId,
        toPath: [...toPath],
        fromPath: [...fromPath],
        messageId: r.messageId,
        byteRange: rangeOf(r.body.length === 0 ? 1 : r.start, r.body.length, r.total),
        contentType: r.contentType,
        extraHeaders: r.extra,
        body: r.body,
        flag: r.flag,
      };
      if (r.successReport) init.successReport = r.successReport;
      if (r.failureReport) init.failureReport = r.failureReport;
      return serializeRequest(init);
    });
  const bodiless = fc
    .record({ transactionId: ident, messageId: ident, method: fc.constantFrom('SEND', 'REPORT', 'NICKNAME', 'AUTH'), code: fc.integer({ min: 200, max: 499 }) })
    .map((r) => {
      const init: MsrpRequestInit = { method: r.method, transactionId: r.transactionId, toPath: [...toPath], fromPath: [...fromPath], messageId: r.messageId };
      if (r.method === 'REPORT') {
        init.status = { namespace: '000', code: r.code, reason: 'Fuzz' };
        init.byteRange = { start: 1, end: 10, total: 10 };
      }
      return serializeRequest(init);
    });
  const response = fc
    .record({ transactionId: ident, code: fc.constantFrom(200, 400, 413, 415, 481, 501), comment: fc.option(fc.constantFrom('OK', 'Bad Request', 'n\u00e9'), { nil: undefined }) })
    .map((r) => {
      const init: MsrpResponseInit = { transactionId: r.transactionId, code: r.code, toPath: [fromPath[0]!], fromPath: [toPath[toPath.length - 1]!] };
      if (r.comment !== undefined) init.comment = r.comment;
      return serializeResponse(init);
    });
  return fc.oneof({ weight: 6, arbitrary: send }, { weight: 1, arbitrary: bodiless }, { weight: 1, arbitrary: response });
}

/** Lines MSRP soup is made of. */
export const MSRP_VOCABULARY: readonly string[] = [
  'MSRP soupTx01 SEND',
  'MSRP soupTx01 200 OK',
  'MSRP soupTx01 REPORT',
  'MSRP x SEND',
  `To-Path: ${RECEIVER_URI}`,
  `From-Path: ${SENDER_URI}`,
  'Message-ID: soupMsg1',
  'Byte-Range: 1-5/5',
  'Byte-Range: 1-*/*',
  'Byte-Range: 0-99999999999999999/1',
  'Content-Type: text/plain',
  'Failure-Report: no',
  'Success-Report: yes',
  'Status: 000 200 OK',
  '',
  'hello',
  '-------soupTx01$',
  '-------soupTx01+',
  '-------soupTx01',
  '-------otherTx1#',
];
