/** Content type of a pushed file, from its extension (the CLI's default when --type is absent). */
const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
};

export const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

export function guessContentType(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  if (dot <= slash + 1) return FALLBACK_CONTENT_TYPE;
  return BY_EXTENSION[fileName.slice(dot + 1).toLowerCase()] ?? FALLBACK_CONTENT_TYPE;
}
