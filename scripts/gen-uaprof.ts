/**
 * Writes public/uaprof.rdf, this client's UAProf document (OMA SIP Push spec 5.3.6), from the
 * agent's real limits and the apps of public/config.json:
 *   Push-Accept        union of the apps' accept lists, in order of first appearance
 *   Push-Accept-AppID  the apps' IDs
 *   Push-MsgSize       DEFAULT_AGENT_LIMITS.maxMessageBytes (an app's smaller maxBytes is its own business)
 *
 *   npx tsx scripts/gen-uaprof.ts
 *
 * scripts/uaprof-sync.test.ts fails when the committed file differs from what this writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_AGENT_LIMITS, type PushAppSpec } from '../src/agent/types.ts';
import { buildUaprof, type UaprofDescription } from '../src/protocol/uaprof/index.ts';

export const CLIENT_NAME = 'SIP Push Web';
export const CONFIG_PATH = fileURLToPath(new URL('../public/config.json', import.meta.url));
export const UAPROF_PATH = fileURLToPath(new URL('../public/uaprof.rdf', import.meta.url));

/** The description of this client for a set of configured apps. */
export function describeClient(apps: readonly Pick<PushAppSpec, 'id' | 'accept'>[], maxMessageBytes = DEFAULT_AGENT_LIMITS.maxMessageBytes): UaprofDescription {
  const acceptTypes: string[] = [];
  const appIds: string[] = [];
  for (const app of apps) {
    if (!appIds.includes(app.id)) appIds.push(app.id);
    for (const type of app.accept) if (!acceptTypes.includes(type)) acceptTypes.push(type);
  }
  return { clientName: CLIENT_NAME, acceptTypes, maxMessageBytes, appIds };
}

/** The apps of a config.json document, checked enough to describe them. */
export function appsOfConfig(json: string): Pick<PushAppSpec, 'id' | 'accept'>[] {
  const config: unknown = JSON.parse(json);
  const apps = (config as { apps?: unknown }).apps ?? [];
  if (!Array.isArray(apps)) throw new Error('config.json: apps must be an array');
  return apps.map((app: unknown, i) => {
    const { id, accept } = (app ?? {}) as { id?: unknown; accept?: unknown };
    if (typeof id !== 'string' || !Array.isArray(accept) || !accept.every((t) => typeof t === 'string')) {
      throw new Error(`config.json: apps[${i}] needs a string id and a string[] accept`);
    }
    return { id, accept: accept as string[] };
  });
}

/** The document public/uaprof.rdf must hold. */
export function generateUaprof(configJson = readFileSync(CONFIG_PATH, 'utf8')): string {
  return buildUaprof(describeClient(appsOfConfig(configJson)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(UAPROF_PATH, generateUaprof());
  console.log(`wrote ${UAPROF_PATH}`);
}
