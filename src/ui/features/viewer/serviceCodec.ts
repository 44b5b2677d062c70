/**
 * The SI/SL codec (src/protocol/si), loaded on first need: it carries an XML parser, and a page
 * (or the widget, .size-limit.json) that never receives a Service Indication must not pay for
 * it. readServiceContent reads a stored push once per content (WeakMap on its octets: a push
 * re-created as read or dispatched keeps the same content array).
 */
import { useEffect, useState } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { isServiceContentType } from '../../../protocol/si/contentTypes.ts';
import type { ServiceContent } from '../../../protocol/si/model.ts';

export type ServiceCodec = typeof import('./serviceCodecModule.ts');

let loaded: ServiceCodec | undefined;
let loading: Promise<ServiceCodec> | undefined;

export function loadServiceCodec(): Promise<ServiceCodec> {
  loading ??= import('./serviceCodecModule.ts').then((codec) => (loaded = codec));
  return loading;
}

/** The codec once loaded (null until then); starts loading when `needed`. */
export function useServiceCodec(needed: boolean): ServiceCodec | null {
  const [codec, setCodec] = useState<ServiceCodec | null>(() => loaded ?? null);
  useEffect(() => {
    if (!needed || codec) return;
    let live = true;
    void loadServiceCodec().then((c) => {
      if (live) setCodec(c);
    });
    return () => {
      live = false;
    };
  }, [needed, codec]);
  return codec;
}

/** A MESSAGE push whose content is SI or SL (MSRP content is opened as a file, never as a card). */
export function isServicePush(push: StoredPush): boolean {
  return push.via === 'message' && isServiceContentType(push.contentType);
}

export type ServiceRead = { ok: true; content: ServiceContent } | { ok: false; message: string };

const reads = new WeakMap<Uint8Array, ServiceRead>();

/** The push's SI or SL, or why it cannot be read; undefined for any other push. */
export function readServiceContent(codec: ServiceCodec, push: StoredPush): ServiceRead | undefined {
  if (!isServicePush(push)) return undefined;
  let read = reads.get(push.content);
  if (!read) {
    try {
      read = { ok: true, content: codec.parseServiceContent(push.contentType, push.content) };
    } catch (error) {
      read = { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    reads.set(push.content, read);
  }
  return read;
}
