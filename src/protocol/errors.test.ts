import { describe, expect, it } from 'vitest';
import { CpimError } from './cpim/cpim.ts';
import { CodecError } from './errors.ts';
import { ImdnError } from './imdn/imdn.ts';
import { MsrpError } from './msrp/errors.ts';
import { SdpError } from './sdp/errors.ts';
import { SipError } from './sip/errors.ts';
import { UaprofError } from './uaprof/uaprof.ts';

describe('CodecError: one base, arguments (code, status, message) in every codec', () => {
  it.each([
    ['SipError', new SipError('SIP_ERR_HEADER', 400, 'bad header')],
    ['SdpError', new SdpError('SDP_ERR_SETUP', 488, 'bad setup')],
    ['MsrpError', new MsrpError('MSRP_ERR_CHUNK_TOO_LARGE', 413, 'too large', { transactionId: 't1' })],
    ['CpimError', new CpimError('CPIM_ERR_HEADER', 400, 'bad cpim')],
    ['ImdnError', new ImdnError('IMDN_ERR_XML', 400, 'bad imdn')],
    ['UaprofError', new UaprofError('UAPROF_ERR_VALUE', 400, 'bad profile')],
  ] as [string, CodecError][])('%s', (name, error) => {
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toMatch(/^[A-Z]+_ERR_[A-Z_]+$/);
    expect([400, 413, 488]).toContain(error.status);
    expect(error.message).toMatch(/^(bad|too large)/);
  });

  it('MsrpError keeps the transaction ID it was raised for', () => {
    expect(new MsrpError('MSRP_ERR_HEADER', 400, 'x', { transactionId: 'abc' }).transactionId).toBe('abc');
  });
});
