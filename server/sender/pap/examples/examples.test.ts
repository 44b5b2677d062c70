/**
 * The example bodies the README and `npm start` tell people to send with curl: each is a
 * PAP request the codec reads, with CRLF line ends (curl --data-binary sends them as they are).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePapRequest, pushApplicationName } from '../../../../src/protocol/pap/index.ts';
import { parseServiceContent } from '../../../../src/protocol/si/index.ts';
import { mapPapAddress } from '../addressMapping.ts';

const CONTENT_TYPE = 'multipart/related; boundary=asdlfkjiurwghasf; type="application/xml"';
const read = (name: string) => new Uint8Array(readFileSync(join(import.meta.dirname, name)));

describe('example PAP bodies', () => {
  it.each(['push-message.multipart', 'service-indication.multipart'])('%s has CRLF line ends only', (name) => {
    const text = new TextDecoder().decode(read(name));
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
  });

  it('service-indication.multipart: a push-message to alice with an SI for wml.ua that links to https', () => {
    const request = parsePapRequest(read('service-indication.multipart'), CONTENT_TYPE);
    const message = request.document.message;
    expect(message).toMatchObject({ kind: 'push-message', pushId: 'readme-si-1' });
    if (message.kind !== 'push-message') throw new Error('not a push-message');
    expect(message.addresses.map((a) => mapPapAddress(a, { domain: 'localhost' }).aor)).toEqual(['sip:alice@localhost']);
    const content = request.content!;
    expect(pushApplicationName(content.applicationId!)).toBe('wml.ua');
    expect(parseServiceContent(content.contentType, content.body)).toMatchObject({
      kind: 'si',
      href: 'https://example.com/news/today',
      text: "Today's headlines are ready",
    });
  });
});
