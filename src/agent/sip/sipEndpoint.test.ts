/**
 * The SIP endpoint (real JsSIP) over a fake WebSocket whose far end is a scripted registrar:
 * every way a lost registration is noticed, end to end inside the endpoint (issue 10 item 3).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResponse, getHeader, getHeaderValues, parseSipMessage, serializeHead, type SipRequest } from '../../protocol/sip/index.ts';
import type { AgentState } from '../types.ts';
import { PROBE_HEADER } from './bindingCheck.ts';
import { SipEndpoint } from './sipEndpoint.ts';

const SERVER = 'ws://core.test:8066';
const AOR = 'sip:alice@core.test';

interface FakeWs {
  readyState: number;
  binaryType: string;
  onopen: (() => void) | null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null;
  onmessage: ((e: { data: string }) => void) | null;
  onerror: (() => void) | null;
  send(data: string): void;
  close(): void;
}

/**
 * A registrar at the other end of the WebSocket. `keepsBinding` false: REGISTERs are answered
 * 200 without our contact. `lostProbes` > 0: that many probes are answered 404, never forwarded.
 */
function scriptedCore(options: { connects?: boolean } = {}) {
  const core = { keepsBinding: true, lostProbes: 0, registers: 0, probes: 0, ws: null as FakeWs | null };
  const deliver = (ws: FakeWs, text: string) => setTimeout(() => ws.onmessage?.({ data: text }), 1);
  const createWebSocket = () => {
    const ws: FakeWs = {
      readyState: 0,
      binaryType: 'blob',
      onopen: null,
      onclose: null,
      onmessage: null,
      onerror: null,
      send(data: string) {
        const message = parseSipMessage(data);
        if (message.kind !== 'request') return; // our answers to forwarded probes
        handle(ws, message);
      },
      close() {
        ws.readyState = 3;
      },
    };
    core.ws = ws;
    setTimeout(() => {
      if (options.connects === false) {
        ws.readyState = 3;
        ws.onclose?.({ code: 1006, reason: '', wasClean: false });
        return;
      }
      ws.readyState = 1;
      ws.onopen?.();
    }, 1);
    return ws as unknown as WebSocket;
  };
  const handle = (ws: FakeWs, request: SipRequest) => {
    if (request.method === 'REGISTER') {
      core.registers++;
      const contact = getHeaderValues(request, 'contact')[0]!;
      const headers = core.keepsBinding ? [{ name: 'Contact', value: contact }] : [];
      deliver(ws, serializeHead(createResponse(request, 200, { toTag: 'reg', headers })));
      return;
    }
    if (request.method === 'OPTIONS' && getHeader(request, PROBE_HEADER)) {
      core.probes++;
      const alive = core.lostProbes === 0;
      if (!alive) core.lostProbes--;
      if (alive) {
        // Forked back to our contact first, then the final response, on the same flow.
        const forwarded: SipRequest = { ...request, uri: 'sip:contact@x.invalid;transport=ws', headers: [{ name: 'Via', value: 'SIP/2.0/WS core.test;branch=z9hG4bKfwd' }, ...request.headers] };
        deliver(ws, serializeHead(forwarded));
      }
      deliver(ws, serializeHead(createResponse(request, alive ? 200 : 404, { toTag: 'opt' })));
    }
  };
  return { core, createWebSocket };
}

let endpoint: SipEndpoint | null = null;
afterEach(async () => {
  await endpoint?.stop();
  endpoint = null;
  vi.unstubAllGlobals();
});

function start(createWebSocket: () => WebSocket, keepAliveSeconds = 0.05) {
  // Node 20 has no global WebSocket; the socket reads only its readyState constants.
  vi.stubGlobal('WebSocket', { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const states: AgentState[] = [];
  endpoint = new SipEndpoint({
    config: { server: SERVER, aor: AOR },
    instanceId: '8f2c9d6e-0000-4000-8000-000000000001',
    appIds: () => ['news.ua'],
    interceptMethods: new Set(['MESSAGE', 'OPTIONS']),
    onRequest: (request) => createResponse(request, 200, { toTag: 'me' }),
    onStateChange: (state) => states.push(state),
    keepAliveSeconds,
    retryMinSeconds: 0.05,
    createWebSocket,
  });
  void endpoint.start();
  const trail = () => states.map((s) => `${s.phase}${s.reason ? `|${s.reason}` : ''}`);
  return { endpoint, states, trail };
}

describe('SipEndpoint notices a lost registration', () => {
  it('a probe that reaches us keeps the registration: no extra REGISTER', async () => {
    const { core, createWebSocket } = scriptedCore();
    const run = start(createWebSocket);
    await vi.waitFor(() => expect(run.endpoint.state.phase).toBe('registered'));
    await vi.waitFor(() => expect(core.probes).toBeGreaterThanOrEqual(3));
    expect(core.registers).toBe(1);
    expect(run.endpoint.state).toMatchObject({ phase: 'registered' });
    expect(run.endpoint.state.reason).toBeUndefined();
  });

  it('a probe answered 404 without reaching us: registration lost, registered again at once, the state says so', async () => {
    const { core, createWebSocket } = scriptedCore();
    const run = start(createWebSocket);
    await vi.waitFor(() => expect(run.endpoint.state.phase).toBe('registered'));
    core.lostProbes = 1;
    await vi.waitFor(() => expect(core.registers).toBe(2));
    await vi.waitFor(() => expect(run.endpoint.state.reason).toBe('Registration lost: the core answered our keep-alive probe 404 Not Found; registered again'));
    expect(run.trail()).toContain('registering|Registration lost: the core answered our keep-alive probe 404 Not Found; registering again');
    expect(run.endpoint.state.phase).toBe('registered');
    // Later probes reach us again: one loss, one extra REGISTER.
    const probes = core.probes;
    await vi.waitFor(() => expect(core.probes).toBeGreaterThanOrEqual(probes + 2));
    expect(core.registers).toBe(2);
  });

  it('a REGISTER 200 that does not list our contact is a lost binding: REGISTER again, never "registered" meanwhile', async () => {
    const { core, createWebSocket } = scriptedCore();
    core.keepsBinding = false;
    const run = start(createWebSocket, 0);
    await vi.waitFor(() => expect(core.registers).toBe(2));
    core.keepsBinding = true;
    // The second 200 also lacked it (backoff starts), so let the retry find a registrar that keeps it.
    await vi.waitFor(() => expect(run.endpoint.state.phase).toBe('registered'));
    const distinct = run.trail().filter((entry, i, all) => entry !== all[i - 1]);
    expect(distinct).toEqual([
      'connecting',
      'registering',
      "registering|Registration lost: the registrar's 200 to our REGISTER did not list our contact; registering again",
      "registered|Registration lost: the registrar's 200 to our REGISTER did not list our contact; registered again",
    ]);
    expect(run.endpoint.state.reason).toBe("Registration lost: the registrar's 200 to our REGISTER did not list our contact; registered again");
  });

  it('a first connection that never opens says "Could not connect", naming the URL, and stays connecting', async () => {
    const { createWebSocket } = scriptedCore({ connects: false });
    const run = start(createWebSocket);
    await vi.waitFor(() => expect(run.endpoint.state.reason).toBeDefined());
    expect(run.endpoint.state.phase).toBe('connecting');
    expect(run.endpoint.state.reason).toBe(`Could not connect to ${SERVER} (WebSocket close 1006): is the core running and the server URL right? Retrying`);
  });
});
