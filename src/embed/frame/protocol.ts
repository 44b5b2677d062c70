/**
 * The messages between a host page and the frame page (postMessage). Every message carries
 * `source: 'sip-push'`; each side accepts messages only from the other's window and origin.
 *
 *   host -> frame: hello                            frame -> host: ready { instance }
 *   host -> frame: request { id, call, args }
 *                                                   frame -> host: reply { id, ok, value | error }
 *                                                   frame -> host: event { name, payload }
 */
import type { PushAppSpec } from '../../agent/types.ts';
import type { EmbedEvents, HostPush } from '../types.ts';

export const MESSAGE_SOURCE = 'sip-push';

/** What the host may ask of the frame, with arguments and answers. */
export interface FrameCalls {
  registerApp: { args: [app: PushAppSpec]; value: void };
  unregisterApp: { args: [appId: string]; value: void };
  apps: { args: []; value: PushAppSpec[] };
  start: { args: []; value: void };
  stop: { args: []; value: void };
  listPushes: { args: [appId: string, options?: { limit?: number; before?: string }]; value: HostPush[] };
  unreadCount: { args: [appId: string]; value: number };
  markRead: { args: [ids: string[]]; value: void };
  deletePushes: { args: [ids: string[]]; value: void };
  clearApp: { args: [appId: string]; value: void };
}

export type FrameCall = keyof FrameCalls;

export type ToFrame =
  /** Asks the frame to say `ready` again (its first one may have come before the host listened). */
  | { source: typeof MESSAGE_SOURCE; type: 'hello' }
  | { [K in FrameCall]: { source: typeof MESSAGE_SOURCE; type: 'request'; id: number; call: K; args: FrameCalls[K]['args'] } }[FrameCall];

export type FromFrame =
  | { source: typeof MESSAGE_SOURCE; type: 'ready'; instance: string }
  | { source: typeof MESSAGE_SOURCE; type: 'reply'; id: number; ok: true; value: unknown }
  | { source: typeof MESSAGE_SOURCE; type: 'reply'; id: number; ok: false; error: string }
  | { [K in keyof EmbedEvents]: { source: typeof MESSAGE_SOURCE; type: 'event'; name: K; payload: EmbedEvents[K] } }[keyof EmbedEvents];

export function isSipPushMessage(data: unknown): data is { source: typeof MESSAGE_SOURCE; type: string } {
  return typeof data === 'object' && data !== null && (data as { source?: unknown }).source === MESSAGE_SOURCE && typeof (data as { type?: unknown }).type === 'string';
}

/** An origin as `new URL().origin` gives it; throws on anything else (a path, `*`, `null`). */
export function exactOrigin(value: string): string {
  const origin = new URL(value).origin;
  if (origin === 'null' || origin !== value.replace(/\/$/, '')) throw new Error(`Not an origin: "${value}" (expected e.g. https://shop.example.com)`);
  return origin;
}
