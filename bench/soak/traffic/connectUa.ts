/** The test UA (server/testing/sipUa.ts) over any of the core's transports, for the soak. */
import type { EventEmitter } from 'node:events';
import { SipUa, type SipUaOptions } from '../../../server/testing/sipUa.ts';
import type { CoreAddress } from './types.ts';

export type SoakTransport = 'WS' | 'TCP' | 'UDP';

export async function connectUa(core: CoreAddress, transport: SoakTransport, options: SipUaOptions): Promise<SipUa> {
  const ua: SipUa =
    transport === 'WS' ? await SipUa.connect(core.wsUrl, options) : transport === 'TCP' ? await SipUa.connectTcp(core.sipPort, options) : await SipUa.openUdp(core.sipPort, options);
  // A reset by the core would otherwise throw from an 'error' event nobody listens to; the
  // request it breaks fails and is counted where it was sent.
  (ua.socket as EventEmitter).on('error', () => undefined);
  return ua;
}
