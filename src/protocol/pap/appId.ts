/**
 * X-Wap-Application-Id: which push application a PAP content entity is for. PAP initiators
 * write it as a URN (`x-wap-application:mms.ua`), as the short name (`mms.ua`), or as the
 * number OMNA assigned (`4`, `0x04`). The service addresses apps by short name (the
 * `+g.oma.pusheventapp` token, ARCHITECTURE.md section 2), so everything maps to that.
 *
 * The table is OMNA's "PUSH Application ID" registry, well-known values 0x00-0x0A, as
 * published at http://wapforum.org/wina/push-app-id.htm and
 * http://www.openmobilealliance.org/wp/OMNA/wag/push_application_id.html (see WAP-189
 * PushOTA). Only entries read there are listed; later OMA entries (x-oma-application:...)
 * pass through by name.
 */
import { PapError } from './errors.ts';

export interface PushApplication {
  /** OMNA number. */
  code: number;
  /** The registered URN. */
  urn: string;
  /** The name after the URN's NID: what the service and the feature tag use. */
  name: string;
  description: string;
}

export const OMNA_PUSH_APPLICATIONS: readonly PushApplication[] = [
  { code: 0x00, urn: 'x-wap-application:*', name: '*', description: 'Any Application' },
  { code: 0x01, urn: 'x-wap-application:push.sia', name: 'push.sia', description: 'WAP Push SIA' },
  { code: 0x02, urn: 'x-wap-application:wml.ua', name: 'wml.ua', description: 'WML User Agent' },
  { code: 0x03, urn: 'x-wap-application:wta.ua', name: 'wta.ua', description: 'WTA User Agent' },
  { code: 0x04, urn: 'x-wap-application:mms.ua', name: 'mms.ua', description: 'MMS User Agent (WAP-206-MMSCTR)' },
  { code: 0x05, urn: 'x-wap-application:push.syncml', name: 'push.syncml', description: 'SyncML push (SyncML Alert)' },
  { code: 0x06, urn: 'x-wap-application:loc.ua', name: 'loc.ua', description: 'Location User Agent (WAP-257-LOCPROT)' },
  { code: 0x07, urn: 'x-wap-application:syncml.dm', name: 'syncml.dm', description: 'SyncML Device Management' },
  { code: 0x08, urn: 'x-wap-application:drm.ua', name: 'drm.ua', description: 'DRM User Agent' },
  { code: 0x09, urn: 'x-wap-application:emn.ua', name: 'emn.ua', description: 'Email Notification (EMN) User Agent' },
  { code: 0x0a, urn: 'x-wap-application:wv.ua', name: 'wv.ua', description: 'Wireless Village User Agent' },
];

/** URN namespaces whose names the service uses bare (`x-oma-application:ulp.ua` -> `ulp.ua`). */
const NIDS = /^(?:x-wap-application|x-oma-application):/i;
/** A name as the feature tag carries it: RFC 3840 token characters, `*` alone. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9.!%_+`'~-]*$/;

/** The service's app name for an X-Wap-Application-Id value. Throws PapError PAP_ERR_APP_ID (2000) for an unknown number or a malformed value. */
export function pushApplicationName(headerValue: string): string {
  const value = headerValue.trim();
  if (/^(?:0x[0-9A-Fa-f]+|\d+)$/.test(value)) {
    const code = Number(value);
    const known = OMNA_PUSH_APPLICATIONS.find((a) => a.code === code);
    if (known === undefined) {
      throw new PapError('PAP_ERR_APP_ID', 2000, `X-Wap-Application-Id ${value} is not an OMNA number this gateway knows (0-10); send the application's name, e.g. x-wap-application:mms.ua`);
    }
    return known.name;
  }
  const name = value.replace(NIDS, '');
  const known = OMNA_PUSH_APPLICATIONS.find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (known !== undefined) return known.name;
  if (!NAME.test(name)) throw new PapError('PAP_ERR_APP_ID', 2000, `X-Wap-Application-Id "${value}" is not an application name or OMNA number (e.g. mms.ua, x-wap-application:wml.ua, 4)`);
  return name;
}

/** The OMNA entry for a name, URN or number, when the registry lists it. */
export function omnaPushApplication(headerValue: string): PushApplication | undefined {
  try {
    const name = pushApplicationName(headerValue);
    return OMNA_PUSH_APPLICATIONS.find((a) => a.name === name);
  } catch {
    return undefined;
  }
}
