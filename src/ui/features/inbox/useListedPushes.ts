/**
 * The pushes an inbox lists: all of them but the Service Indications a later one replaced or
 * deleted (indications.ts, WAP-167 section 6.2). The SI/SL codec, with that rule, loads only
 * when the list holds one (serviceCodec.ts); until it has loaded every push is listed. The
 * full-page inbox and the widget both list through this, so they agree on what is shown.
 */
import { useMemo } from 'react';
import type { StoredPush } from '../../../agent/types.ts';
import { isServicePush, readServiceContent, useServiceCodec, type ServiceCodec } from '../viewer/serviceCodec.ts';

export function useListedPushes(pushes: StoredPush[]): { listed: StoredPush[]; codec: ServiceCodec | null } {
  const hasIndications = useMemo(() => pushes.some(isServicePush), [pushes]);
  const codec = useServiceCodec(hasIndications);
  const listed = useMemo(() => {
    if (!codec || !hasIndications) return pushes;
    return codec.withoutSuperseded(pushes, (p) => {
      const read = readServiceContent(codec, p);
      return read?.ok ? read.content : undefined;
    });
  }, [pushes, codec, hasIndications]);
  return { listed, codec };
}
