/**
 * The part of the Web Locks API (navigator.locks) the tab group uses, so tests can give it an
 * in-memory one (src/testing/fakeLocks.ts). Locks are per origin and browser profile, held by
 * a document until it releases them or goes away (closed, crashed, navigated): exactly what
 * ownership of an identity's registration needs. A frozen page keeps its locks, which is why
 * browsers do not freeze pages that hold one.
 */
export interface LockInfoLike {
  name?: string;
}

export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>;
  query(): Promise<{ held?: LockInfoLike[]; pending?: LockInfoLike[] }>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/** The page's lock manager; undefined where the API is missing (not a secure context, old browser). */
export function browserLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

export function browserChannel(name: string): ChannelLike | undefined {
  return typeof BroadcastChannel === 'function' ? (new BroadcastChannel(name) as unknown as ChannelLike) : undefined;
}

/**
 * Hold `name` until the returned release function is called. `ifAvailable`: resolve
 * `granted: false` at once when another holder has it instead of queueing.
 */
export function holdLock(
  locks: LockManagerLike,
  name: string,
  options: { ifAvailable?: boolean; signal?: AbortSignal; onGranted?: () => void } = {},
): { granted: Promise<boolean>; release: () => void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const requestOptions: { ifAvailable?: boolean; signal?: AbortSignal } = {};
  if (options.ifAvailable) requestOptions.ifAvailable = true;
  if (options.signal) requestOptions.signal = options.signal;
  const granted = new Promise<boolean>((resolve) => {
    locks
      .request(name, requestOptions, async (lock) => {
        if (lock === null) {
          resolve(false);
          return;
        }
        resolve(true);
        options.onGranted?.();
        await released;
      })
      .catch(() => resolve(false)); // aborted while queued
  });
  return { granted, release };
}
