/** Blob object URLs for push content, revoked when the component using one unmounts. */
import { useEffect, useState } from 'react';

export function useObjectUrl(content: Uint8Array, type: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    // Copy into a plain ArrayBuffer-backed view: a Blob must not alias a shared buffer.
    const blob = new Blob([new Uint8Array(content)], { type });
    const created = URL.createObjectURL(blob);
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
    };
  }, [content, type]);
  return url;
}

/**
 * An object URL of a Blob (e.g. an MSRP push's stored chunks) with the given type. The Blob is
 * re-typed with slice(), which the browser does without reading its bytes.
 */
export function useBlobUrl(blob: Blob | null, type: string): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (blob === null) {
      setUrl(null);
      return;
    }
    const created = URL.createObjectURL(blob.type === type ? blob : blob.slice(0, blob.size, type));
    setUrl(created);
    return () => {
      URL.revokeObjectURL(created);
    };
  }, [blob, type]);
  return url;
}
