/**
 * The embedded core (server/core) for tests: on free ports, WebSocket only unless `sipPort`
 * is given, handing out SIP UAs (sipUa.ts) that close with it. Tests outside server/core (the
 * sender's) start their core here, never by importing server/core.
 */
import type dgram from 'node:dgram';
import type net from 'node:net';
import type WebSocket from 'ws';
import { startCore, type CoreOptions, type RunningCore } from '../core/index.ts';
import { SipUa, type SipUaOptions, type WsUaOptions } from './sipUa.ts';

export type { BindingInfo, CoreMessageEvent, CoreOptions, RunningCore } from '../core/index.ts';

export interface TestCore extends RunningCore {
  /** A UA connected over WebSocket. */
  ua(options?: WsUaOptions): Promise<SipUa<WebSocket>>;
  /** A UA connected over TCP (a core started with `sipPort`). */
  tcpUa(options?: SipUaOptions): Promise<SipUa<net.Socket>>;
  /** A UA over UDP (a core started with `sipPort`). */
  udpUa(options?: SipUaOptions): Promise<SipUa<dgram.Socket>>;
  /** Closes the UAs handed out, then the core. */
  close(): Promise<void>;
}

export async function startTestCore(options: CoreOptions = {}): Promise<TestCore> {
  // Tests that exercise routing rather than auth ask for an open core; give `users` for digest.
  const core = await startCore({ wsPort: 0, sipPort: null, ...(options.users ? {} : { noAuth: true }), ...options });
  const uas: SipUa[] = [];
  const track = <U extends SipUa>(ua: U): U => {
    uas.push(ua);
    return ua;
  };
  const sipPort = (port: number | null): number => {
    if (port === null) throw new Error('this core has no TCP/UDP port: start it with sipPort: 0');
    return port;
  };
  return {
    ...core,
    ua: async (uaOptions) => track(await SipUa.connect(core.wsUrl, uaOptions)),
    tcpUa: async (uaOptions) => track(await SipUa.connectTcp(sipPort(core.tcpPort), uaOptions)),
    udpUa: async (uaOptions) => track(await SipUa.openUdp(sipPort(core.udpPort), uaOptions)),
    close: async () => {
      await Promise.all(uas.splice(0).map((u) => u.close()));
      await core.close();
    },
  };
}
