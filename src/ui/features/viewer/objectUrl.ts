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
